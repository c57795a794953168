//! The store conformance suite. Each test is written once against
//! `Arc<dyn Store>` and runs on SQLite (a fresh file per test) and on
//! PostgreSQL (a fresh database per test, dropped afterwards) when
//! `TUTELA_TEST_DATABASE_URL` names a server; without it the PostgreSQL
//! variants pass and print that they were skipped.

// Test helpers fail loudly: a panic is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

mod access;
mod at_rest;
mod audit;
mod backup;
mod consent_proof;
mod deliveries;
mod erasure_race;
mod holds;
mod key_check;
mod ledger_ahead;
mod policy_versions;
mod reads;
mod reports;
mod requests;
mod subject_room;
mod subjects;
mod surveys;
mod surveys_unlinkable;
mod sweeps;
mod tenants;
mod two_stores;
