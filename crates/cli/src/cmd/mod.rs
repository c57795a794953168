//! One module per subcommand. Each exposes its clap arguments and a `run`
//! that returns the exit code; errors carry context for the user.

pub mod audit;
pub mod backup;
pub mod checkpoint;
pub mod consent;
pub mod deliveries;
pub mod demo;
pub mod events;
pub mod first_start;
pub mod init;
pub mod keys;
pub mod policy;
pub mod policy_diff;
pub mod policy_fides;
pub mod policy_notify;
pub mod reports;
pub mod requests;
pub mod requests_answer;
pub mod requests_death;
pub mod requests_view;
pub mod restore;
mod restore_erased;
pub mod serve;
pub mod sweep;
pub mod tenant;
