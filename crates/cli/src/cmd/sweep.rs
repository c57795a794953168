//! `tutela sweep`: runs the retention sweep now (Art. 5(1)(e)), for
//! deployments that drive it from cron (`sweep_interval_secs = 0`) or want
//! it done at once; `--dry-run` prints the forecast instead and changes
//! nothing. Sweeps are atomic per subject and safe beside running servers.

use crate::context;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;
use tutela_engine::{Engine, MAX_FORECAST_DAYS, SweepReport};

/// `tutela sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Only this tenant (default: every tenant).
    #[arg(long, value_parser = context::parse_tenant)]
    tenant: Option<TenantId>,
    /// Print what would go, by day, category and rule, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: how many days ahead (0 to 3660).
    #[arg(long, default_value_t = 0, requires = "dry_run", value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_FORECAST_DAYS)))]
    days: u32,
}

/// Runs `tutela sweep`.
pub async fn run(config: Option<&Path>, args: SweepArgs) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let tenants = match &args.tenant {
        Some(t) => vec![t.clone()],
        None => engine
            .delivery_tenants()
            .await
            .context("cannot list the tenants")?,
    };
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        for tenant in tenants {
            forecast(&engine, &tenant, args.days, &mut out).await?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} sweeping {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut total = SweepReport::default();
    for tenant in tenants {
        let show = |r: &SweepReport| {
            bar.set_message(format!(
                "{tenant}: {} subjects seen, {} swept",
                r.subjects_seen, r.subjects_swept
            ));
            bar.tick();
        };
        let report = engine
            .sweep_tenant(&tenant, &show)
            .await
            .with_context(|| format!("the sweep of tenant {tenant} failed"))?;
        total.add(&report);
    }
    bar.finish_and_clear();
    writeln!(
        out,
        "swept {} subjects ({} erased whole): {} records deleted, {} anonymised, {} moved under a hold, {} held records erased (hold ended), {} kept longer (hold lengthened), {} skipped (another sweeper had them), {} banner choices deleted (past the banner's keep period)",
        total.subjects_swept,
        total.subjects_erased,
        total.deleted,
        total.anonymised,
        total.held,
        total.hold_ended,
        total.hold_extended,
        total.skipped,
        total.banner_choices
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn forecast(
    engine: &Engine,
    tenant: &TenantId,
    days: u32,
    out: &mut impl Write,
) -> Result<()> {
    let who = Principal::local_admin(tenant.clone(), false);
    let f = match engine.retention_forecast(&who, days).await {
        Ok(f) => f,
        Err(tutela_engine::EngineError::NoPolicy) => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot forecast tenant {tenant}")),
    };
    writeln!(out, "tenant {tenant}: until {}", f.until)?;
    if f.lines.is_empty() && f.holds_ending.is_empty() && f.kept_restricted.is_empty() {
        writeln!(out, "  nothing falls due")?;
    }
    for l in &f.lines {
        writeln!(
            out,
            "  {}  {:<24} {:>8}  {} ({})",
            l.date,
            l.category.as_str(),
            l.count,
            l.then,
            l.rule_text
        )?;
    }
    for (category, n) in &f.holds_ending {
        writeln!(out, "  hold ends  {:<24} {n:>8}", category.as_str())?;
    }
    for (category, n) in &f.kept_restricted {
        writeln!(
            out,
            "  restricted {:<24} {n:>8}  kept while restricted (Art. 18(2))",
            category.as_str()
        )?;
    }
    Ok(())
}
