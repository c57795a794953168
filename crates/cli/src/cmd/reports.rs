//! `tutela reports export`: the anonymised aggregate export of a reporting
//! purpose for a recipient its `export_to` lists, as the tenant's local
//! admin (actor `cli`), the CLI twin of `GET /v1/reports/{purpose}/export`.
//! The CSV goes to stdout; the disclosure is on the audit chain.

use crate::context;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;
use tutela_engine::reports::ReportQuery;
use tutela_policy::{CategoryId, PurposeId, RecipientId};

/// `tutela reports ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ReportsCommand {
    /// Print the anonymised export (CSV, small groups withheld) for a
    /// recipient the reporting purpose lists in `export_to`.
    Export {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The reporting purpose.
        #[arg(long, value_parser = parse_purpose)]
        purpose: PurposeId,
        /// The recipient the export is for.
        #[arg(long, value_parser = parse_recipient)]
        recipient: RecipientId,
        /// The category whose records are counted.
        #[arg(long, value_parser = parse_category)]
        category: CategoryId,
        /// The category whose value groups subjects (a team).
        #[arg(long, value_parser = parse_category)]
        group_by: Option<CategoryId>,
    },
}

fn parse_purpose(s: &str) -> Result<PurposeId, String> {
    PurposeId::parse(s).map_err(|e| e.to_string())
}

fn parse_recipient(s: &str) -> Result<RecipientId, String> {
    RecipientId::parse(s).map_err(|e| e.to_string())
}

fn parse_category(s: &str) -> Result<CategoryId, String> {
    CategoryId::parse(s).map_err(|e| e.to_string())
}

/// Runs a reports subcommand.
pub async fn run(config: Option<&Path>, command: ReportsCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let ReportsCommand::Export {
        tenant,
        purpose,
        recipient,
        category,
        group_by,
    } = command;
    let who = Principal::local_admin(tenant, false);
    let query = ReportQuery { category, group_by };
    let export = engine
        .report_export(&who, &purpose, &recipient, &query)
        .await
        .map_err(context::engine_error)
        .context("cannot make the export")?;
    let mut out = std::io::stdout().lock();
    out.write_all(export.csv.as_bytes())?;
    eprintln!(
        "{} cell(s) withheld below a group of {}; the disclosure to {recipient} is on the audit chain",
        export.withheld, export.min_group_size
    );
    Ok(ExitCode::SUCCESS)
}
