//! `tutela audit verify`: walks every audit chain the database knows of
//! (tenant rows, heads and entries alike, so a chain whose tenant row was
//! deleted is still checked) from its first entry and names the first
//! edited, deleted, reordered or cut entry. Exit code 1 if any chain is
//! broken, so it can run from cron or CI. `checkpoint`, `pubkey` and
//! `verify --against` are in `checkpoint.rs`.

use crate::cmd::checkpoint;
use crate::context::{self, engine_error};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use tutela_engine::Engine;
use tutela_engine::audit::BreakReason;
use tutela_engine::ids::TenantId;

/// `tutela audit ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify every chain, or one tenant's; with --against, also compare
    /// the chains with a signed checkpoint taken earlier.
    Verify {
        /// Only this tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: Option<TenantId>,
        /// A checkpoint file (from `tutela audit checkpoint` or the API):
        /// report a chain now shorter than it saw, or diverging from it.
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
    },
    /// Write a signed checkpoint of every chain (JSON): keep it where the
    /// database's administrators cannot write.
    Checkpoint {
        /// Write it to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the deployment's checkpoint public key (Ed25519, hex).
    Pubkey,
}

/// Runs an audit subcommand.
pub async fn run(config: Option<&Path>, command: AuditCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    if let AuditCommand::Pubkey = command {
        return checkpoint::pubkey(&config);
    }
    let engine = context::open(&config).await?;
    match command {
        AuditCommand::Verify { tenant, against } => {
            let chains_ok = verify(&engine, tenant.as_ref()).await?;
            let checkpoint_ok = match against {
                Some(file) => checkpoint::compare(&engine, &file, tenant.as_ref()).await?,
                None => true,
            };
            Ok(exit(chains_ok && checkpoint_ok))
        }
        AuditCommand::Checkpoint { out } => checkpoint::take(&engine, out.as_deref()).await,
        AuditCommand::Pubkey => checkpoint::pubkey(&config),
    }
}

/// The chains to verify: all of them, or the one asked for.
async fn chosen(engine: &Engine, tenant: Option<&TenantId>) -> Result<Vec<TenantId>> {
    let chains = engine
        .audit_chains(&context::operator_admin())
        .await
        .map_err(engine_error)
        .context("cannot list the audit chains")?;
    match tenant {
        None => Ok(chains),
        Some(id) if chains.contains(id) => Ok(vec![id.clone()]),
        Some(id) => bail!(
            "there is no tenant '{id}' and no audit chain of that name (--tenant); \
             `tutela tenant list` shows the tenants"
        ),
    }
}

/// Verifies the chosen chains, one line each; true if all are intact.
async fn verify(engine: &Arc<Engine>, tenant: Option<&TenantId>) -> Result<bool> {
    let chosen = chosen(engine, tenant).await?;
    let operator = context::operator_admin();
    let mut out = std::io::stdout().lock();
    let mut broken = 0;
    for t in &chosen {
        let report = engine
            .verify_audit_of(&operator, t)
            .await
            .map_err(engine_error)
            .with_context(|| format!("cannot read the audit chain of tenant '{t}'"))?;
        match &report.first_break {
            None => writeln!(out, "{t}: intact ({} entries)", report.verified)?,
            Some(b) => {
                broken += 1;
                let lane = if b.lane == 0 {
                    String::new()
                } else {
                    format!("lane {} ", b.lane)
                };
                writeln!(
                    out,
                    "{t}: BROKEN at {lane}entry {} ({})",
                    b.seq,
                    describe(b.reason)
                )?;
            }
        }
    }
    if chosen.is_empty() {
        writeln!(out, "no tenants yet")?;
    }
    Ok(broken == 0)
}

/// 0 when everything checked out, 1 otherwise.
pub fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn describe(reason: BreakReason) -> &'static str {
    match reason {
        BreakReason::Sequence => "an entry is missing or out of order",
        BreakReason::Link => "it does not link to the entry before it",
        BreakReason::Mac => "its contents were changed after it was written",
        BreakReason::Head => "the chain does not end where it should: entries were cut",
        BreakReason::HeadMissing => "the chain's head record is missing: it was deleted",
        BreakReason::Genesis => {
            "the tenant's creation entry is missing: the chain was deleted or replaced"
        }
        BreakReason::TenantMissing => {
            "tenant row missing: the chain's tenant was deleted from the database"
        }
    }
}
