//! `tutela policy notify --tenant T`: tells every subject affected by the
//! pending policy version's material changes, through the configured
//! notifier, page by page with a progress bar (Art. 13(3)). Safe to stop
//! and run again: nobody is told twice.

use crate::context;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::MAX_NOTICES_PER_PAGE;
use tutela_engine::ids::TenantId;

/// `tutela policy notify`.
#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// The tenant whose pending version is announced.
    #[arg(long, value_parser = context::parse_tenant)]
    tenant: TenantId,
    /// Subjects per page (1 to 500).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_NOTICES_PER_PAGE)))]
    page: u32,
}

/// Runs `tutela policy notify`.
pub async fn run(config: Option<&Path>, args: NotifyArgs) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let dpo = super::requests::dpo_of(&engine, &args.tenant).await?;
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut out = std::io::stdout().lock();
    let mut told_now: u64 = 0;
    loop {
        let progress = engine
            .notify_policy_change(&dpo, args.page)
            .await
            .map_err(context::engine_error)
            .context("the notice run stopped; run the command again to resume")?;
        if progress.version == 0 {
            bar.finish_and_clear();
            writeln!(
                out,
                "no policy version is pending for {}; nothing to announce",
                args.tenant
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        told_now = told_now.saturating_add(u64::from(progress.sent_now));
        bar.set_message(format!(
            "version {}: {} subjects told",
            progress.version, progress.sent_total
        ));
        bar.tick();
        if progress.done {
            bar.finish_and_clear();
            writeln!(
                out,
                "version {}: {told_now} affected subject(s) told now, {} in all (each once)",
                progress.version, progress.sent_total
            )?;
            return Ok(ExitCode::SUCCESS);
        }
    }
}
