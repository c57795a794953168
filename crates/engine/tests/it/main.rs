//! The engine's integration tests: each test gets its own engine on its own
//! temporary SQLite database, its own master key and a `ManualClock`, and
//! calls the engine directly, with no HTTP in the way. The store under it
//! is the real one, so a change to the store is guarded here too.

// A failed unwrap or index is a failed test, which is what it should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod helpers;

mod banner_retention;
mod erasure_ledger;
mod faulty;
mod held_live;
mod holds;
mod kudos;
mod operations;
mod policy_versions;
mod purposes;
mod reports;
mod retention;
mod retention_restricted;
mod rights_ledger;
mod roles;
mod time;
