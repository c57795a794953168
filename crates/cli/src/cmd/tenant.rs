//! `tutela tenant create|list`: the operator's work, done directly on the
//! database as the local operator admin. A new tenant gets its policy and a
//! first admin key, whose token is printed once.

use crate::cmd::policy::write_diagnostic;
use crate::context::{self, engine_error};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tutela_engine::EngineError;
use tutela_engine::ids::TenantId;

/// `tutela tenant ...`.
#[derive(Debug, clap::Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with its first policy, and print its first admin key.
    Create {
        /// The tenant id: lowercase letters, digits and '-', up to 63.
        #[arg(value_name = "ID", value_parser = context::parse_tenant)]
        id: TenantId,
        /// The controller's name, for people.
        #[arg(long)]
        name: String,
        /// The tenant's policy file.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
    },
    /// List every tenant.
    List,
}

/// Runs a tenant subcommand.
pub async fn run(config: Option<&Path>, command: TenantCommand) -> Result<ExitCode> {
    match command {
        TenantCommand::Create { id, name, policy } => create(config, id, &name, &policy).await,
        TenantCommand::List => list(config).await,
    }
}

async fn create(
    config: Option<&Path>,
    id: TenantId,
    name: &str,
    policy_file: &Path,
) -> Result<ExitCode> {
    let source = std::fs::read_to_string(policy_file).with_context(|| {
        format!(
            "cannot read the policy file {} (--policy)",
            policy_file.display()
        )
    })?;
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let admin = context::operator_admin();
    let issued = match engine
        .create_tenant_with_admin(&admin, id.clone(), name, &source)
        .await
    {
        Ok((_, issued)) => issued,
        Err(EngineError::PolicyInvalid(diagnostics)) => {
            let mut err = std::io::stderr().lock();
            for d in &diagnostics {
                write_diagnostic(&mut err, policy_file, d)?;
            }
            writeln!(
                err,
                "error: the policy {} is not valid; nothing was created",
                policy_file.display()
            )?;
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => {
            return Err(engine_error(err)).with_context(|| format!("cannot create tenant '{id}'"));
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Created tenant '{id}' ({}) with policy version 1.",
        name.trim()
    )?;
    writeln!(
        out,
        "Its first admin key (shown once; store it somewhere safe):"
    )?;
    writeln!(out, "{}", issued.token)?;
    Ok(ExitCode::SUCCESS)
}

async fn list(config: Option<&Path>) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let tenants = engine
        .tenants(&context::operator_admin())
        .await
        .map_err(engine_error)
        .context("cannot list the tenants")?;
    let mut out = std::io::stdout().lock();
    if tenants.is_empty() {
        writeln!(out, "no tenants yet")?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = tenants
        .iter()
        .map(|t| t.id.as_str().len())
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(
        out,
        "{:width$}  {:7}  {:<20}  NAME",
        "TENANT", "POLICY", "CREATED"
    )?;
    for t in &tenants {
        let created = t.created_at.strftime("%Y-%m-%d %H:%M:%S").to_string();
        let marker = if t.operator { " (operator)" } else { "" };
        writeln!(
            out,
            "{:width$}  v{:<6}  {created:<20}  {}{marker}",
            t.id.as_str(),
            t.policy_version,
            t.name
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
