//! `tutela deliveries run`: one pass of the task that tells recipients of
//! rectifications, erasures and restrictions (Art. 19), for deployments
//! that turn the server's own task off (`delivery_interval_secs = 0`) and
//! drive it from cron instead. Claims are leased, so running it beside
//! servers never sends a notice twice.

use crate::context;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_server::deliveries::{Sender, run_once};

/// `tutela deliveries ...`.
#[derive(Debug, clap::Subcommand)]
pub enum DeliveriesCommand {
    /// Send every due notice once (retries included) and print the counts.
    Run,
}

/// Runs a deliveries subcommand.
pub async fn run(config: Option<&Path>, command: DeliveriesCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    match command {
        DeliveriesCommand::Run => {
            let sender =
                Sender::new(context::transport(&config)).context("cannot start an HTTP client")?;
            let report = run_once(&engine, &sender)
                .await
                .context("the delivery pass failed")?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "delivered {}, to retry {}, given up {}",
                report.delivered, report.retried, report.failed
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
