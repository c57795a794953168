//! The `tutela` binary: thin glue over the library crates. Each subcommand
//! lives in its own module under `cmd/`; this file parses the command line,
//! runs the chosen command and turns its outcome into an exit code
//! (0 success, 1 failure or a finding such as a broken chain, 2 bad usage).

mod bench;
mod cmd;
mod context;
mod keyfile;
mod logging;
mod private;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Tutela: a self-hosted privacy engine. Personal data is stored encrypted
/// per person and used only as the tenant's policy file allows; every act is
/// on a tamper-evident audit chain.
///
/// Start here: `tutela serve --demo`.
#[derive(Debug, Parser)]
#[command(name = "tutela", version, propagate_version = true)]
struct Cli {
    /// The configuration file. Without it, `tutela-data/tutela.toml` is used
    /// if it exists, else built-in defaults; `TUTELA_*` variables override
    /// either.
    #[arg(long, global = true, env = "TUTELA_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a data directory: master key, config file, example policy.
    Init(cmd::init::InitArgs),
    /// Run the HTTP server.
    Serve(cmd::serve::ServeArgs),
    /// Policy files: check, render the notice, the record of processing,
    /// diff two versions, notify subjects of a pending one, Fides import
    /// and export.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// Create and list tenants, acting as the local operator.
    #[command(subcommand)]
    Tenant(cmd::tenant::TenantCommand),
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Keys(cmd::keys::KeysCommand),
    /// Work data subject requests as the tenant's DPO: list, show, file,
    /// code, verify, extend, refuse, fulfil, answer, and record a death.
    #[command(subcommand)]
    Requests(cmd::requests::RequestsCommand),
    /// Tell recipients of rectifications, erasures and restrictions
    /// (Art. 19): one pass of the delivery task.
    #[command(subcommand)]
    Deliveries(cmd::deliveries::DeliveriesCommand),
    /// Run the retention sweep now, or with --dry-run print what will go.
    Sweep(cmd::sweep::SweepArgs),
    /// Record lifecycle events and plan changes retention counts from.
    #[command(subcommand)]
    Events(cmd::events::EventsCommand),
    /// The anonymised aggregate export of a reporting purpose (CSV).
    #[command(subcommand)]
    Reports(cmd::reports::ReportsCommand),
    /// Verify the tamper-evident audit chains, write a signed checkpoint
    /// of them, print the checkpoint public key.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Verify a signed consent receipt offline, or print a tenant's
    /// receipt public key.
    #[command(subcommand)]
    Consent(cmd::consent::ConsentCommand),
    /// Write a consistent snapshot of the SQLite database while the server
    /// runs (on PostgreSQL: explains pg_dump).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup (stop the server first) and replay the erasure
    /// ledger into it, so no erased subject comes back.
    Restore(cmd::restore::RestoreArgs),
    /// Measure what the privacy costs against bare SQLite or PostgreSQL, or
    /// through the HTTP server.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let outcome = run_command(cli).await;
    // Whatever the outcome, every database the command opened is closed
    // cleanly, which on SQLite checkpoints the WAL into the main file.
    let closed = context::close_all().await;
    let code = outcome?;
    closed?;
    Ok(code)
}

async fn run_command(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Init(args) => {
            logging::init_for_command()?;
            cmd::init::run(&args)
        }
        Command::Serve(args) => cmd::serve::run(config, args).await,
        Command::Policy(cmd::policy::PolicyCommand::Notify(args)) => {
            logging::init_for_command()?;
            cmd::policy_notify::run(config, args).await
        }
        Command::Policy(command) => {
            logging::init_for_command()?;
            cmd::policy::run(command)
        }
        Command::Tenant(command) => {
            logging::init_for_command()?;
            cmd::tenant::run(config, command).await
        }
        Command::Keys(command) => {
            logging::init_for_command()?;
            cmd::keys::run(config, command).await
        }
        Command::Requests(command) => {
            logging::init_for_command()?;
            cmd::requests::run(config, command).await
        }
        Command::Deliveries(command) => {
            logging::init_for_command()?;
            cmd::deliveries::run(config, command).await
        }
        Command::Sweep(args) => {
            logging::init_for_command()?;
            cmd::sweep::run(config, args).await
        }
        Command::Events(command) => {
            logging::init_for_command()?;
            cmd::events::run(config, command).await
        }
        Command::Reports(command) => {
            logging::init_for_command()?;
            cmd::reports::run(config, command).await
        }
        Command::Audit(command) => {
            logging::init_for_command()?;
            cmd::audit::run(config, command).await
        }
        Command::Consent(command) => {
            logging::init_for_command()?;
            cmd::consent::run(config, command).await
        }
        Command::Backup(args) => {
            logging::init_for_command()?;
            cmd::backup::run(config, args).await
        }
        Command::Restore(args) => {
            logging::init_for_command()?;
            cmd::restore::run(config, args).await
        }
        Command::Bench(args) => {
            logging::init_for_command()?;
            bench::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A reader that closed our stdout (`tutela policy render x | head`) is not
/// an error worth reporting.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
