//! Integration tests of the `tutela` binary. Each test runs the built binary
//! in its own temporary directory, with no `TUTELA_*` variable inherited
//! from the environment running the tests.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod audit;
mod backup;
mod backup_pg;
mod bad_input;
mod bench;
mod chain_holes;
mod checkpoints;
mod consent;
mod crash;
mod deliveries;
mod deploy;
mod first_start;
mod init;
mod load;
mod metrics;
mod pg;
mod plaintext;
mod policy;
mod policy_docs;
mod policy_fides;
mod reports;
mod requests;
mod storage;
mod support;
mod sweep;
mod tenants;
mod two_servers;
