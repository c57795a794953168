//! The API's wire types: what clients send and receive. They live only here,
//! so engine types can change without changing the API; each engine value is
//! converted on the way out. Requests reject unknown fields, so a typo is an
//! error rather than a silently ignored option.

mod access;
mod admin;
mod audit;
pub mod bounded;
mod checkpoint;
mod consent;
mod data;
mod deaths;
mod deliveries;
mod policy_versions;
mod record;
mod reports;
mod requests;
mod retention;
mod rights;
mod surveys;

pub use access::*;
pub use admin::*;
pub use audit::*;
pub use checkpoint::*;
pub use consent::*;
pub use data::*;
pub use deaths::*;
pub use deliveries::*;
pub use policy_versions::*;
pub use record::*;
pub use reports::*;
pub use requests::*;
pub use retention::*;
pub use rights::*;
pub use surveys::*;
