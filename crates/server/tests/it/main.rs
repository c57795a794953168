//! The server's integration tests: each test gets its own server on a free
//! port, its own SQLite file, its own master key and a clock it can move,
//! and talks to it over real HTTP.

// A failed unwrap or index is a failed test, which is what it should be.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod helpers;

mod access_answer;
mod auth;
mod boundaries;
mod checkpoints;
mod checks;
mod consent_ledger;
mod consent_proof;
mod contract;
mod directives;
mod erasure;
mod fuzz;
mod holds;
mod input;
mod listen;
mod notice;
mod ops;
mod policy_identifiers;
mod policy_versions;
mod purposes;
mod recipients;
mod rectify;
mod reports;
mod request_answer;
mod requests;
mod requests_flow;
mod retention;
mod rights;
mod surveys;
mod surveys_purpose;
mod tenants;
mod transfers;
