//! The Tutela engine: every use of personal data goes through a purpose
//! check against the tenant's policy, and every act lands on a tamper-evident
//! audit chain. The engine knows nothing of HTTP or SQL: it talks to a
//! [`store::Store`] and a [`clock::Clock`].

pub mod activity;
pub mod answer;
pub mod audit;
pub mod auth_cache;
pub mod checkpoint;
pub mod clock;
pub mod consent;
pub mod death;
pub mod deliveries;
mod engine;
pub mod error;
pub mod holds;
pub mod ids;
pub mod lawful;
pub mod ledger;
pub mod notify;
mod ops;
pub mod principal;
pub mod reports;
pub mod requests;
pub mod retention;
pub mod store;
pub mod survey;
pub mod transfer;

pub use engine::Engine;
pub use error::{EngineError, ErrorKind};
pub use ops::*;
