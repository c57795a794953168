//! `tutela audit verify`: walks each tenant's audit chain from its first
//! entry and names the first edited, deleted, reordered or cut entry. Exit
//! code 1 if any chain is broken, so it can run from cron or CI.

use crate::context::{self, Open, engine_error};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::audit::BreakReason;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;

/// `tutela audit ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify every tenant's chain, or one tenant's.
    Verify {
        /// Only this tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: Option<TenantId>,
    },
}

/// Runs an audit subcommand.
pub async fn run(config: Option<&Path>, command: AuditCommand) -> Result<ExitCode> {
    let AuditCommand::Verify { tenant } = command;
    let config = context::load_config(config)?;
    let engine = context::open(&config, Open::Existing).await?;
    let tenants = engine
        .tenants(&context::operator_admin())
        .await
        .map_err(engine_error)
        .context("cannot list the tenants")?;
    let chosen: Vec<_> = match &tenant {
        Some(id) => {
            let row = tenants.into_iter().find(|t| &t.id == id).with_context(|| {
                format!("there is no tenant '{id}' (--tenant); `tutela tenant list` shows them")
            })?;
            vec![row]
        }
        None => tenants,
    };
    let mut out = std::io::stdout().lock();
    let mut broken = 0;
    for t in &chosen {
        let who = Principal::local_admin(t.id.clone(), t.operator);
        let report = engine
            .verify_audit(&who)
            .await
            .map_err(engine_error)
            .with_context(|| format!("cannot read the audit chain of tenant '{}'", t.id))?;
        match &report.first_break {
            None => writeln!(out, "{}: intact ({} entries)", t.id, report.verified)?,
            Some(b) => {
                broken += 1;
                writeln!(
                    out,
                    "{}: BROKEN at entry {} ({})",
                    t.id,
                    b.seq,
                    describe(b.reason)
                )?;
            }
        }
    }
    if chosen.is_empty() {
        writeln!(out, "no tenants yet")?;
    }
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn describe(reason: BreakReason) -> &'static str {
    match reason {
        BreakReason::Sequence => "an entry is missing or out of order",
        BreakReason::Link => "it does not link to the entry before it",
        BreakReason::Mac => "its contents were changed after it was written",
        BreakReason::Head => "the chain does not end where it should: entries were cut",
    }
}
