//! `tutela keys create|list|revoke`: a tenant's API keys, managed as the
//! tenant's local admin on the database. A token is printed once, when it is
//! made; only a hash of its secret is stored.

use crate::context::{self, engine_error};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::Engine;
use tutela_engine::ids::{ApiKeyId, TenantId};
use tutela_engine::principal::{Principal, Role};
use tutela_policy::PurposeId;

/// `tutela keys ...`.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its token (once).
    Create {
        /// The tenant the key belongs to.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// admin, service, dpo or analyst.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A purpose the key may read for (repeat for several); none means
        /// every purpose its role allows.
        #[arg(long = "purpose", value_name = "PURPOSE", value_parser = parse_purpose)]
        purposes: Vec<PurposeId>,
        /// What the key is for, for people (`billing service`, ...).
        #[arg(long)]
        label: String,
    },
    /// List a tenant's keys (never their secrets).
    List {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
    },
    /// Revoke a key at once.
    Revoke {
        /// The tenant the key belongs to.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The key's id, as `keys list` shows it.
        #[arg(value_name = "KEY_ID", value_parser = parse_key_id)]
        id: ApiKeyId,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).map_err(|_| "must be one of admin, service, dpo, analyst".to_owned())
}

fn parse_purpose(text: &str) -> Result<PurposeId, String> {
    PurposeId::parse(text).map_err(|e| e.to_string())
}

fn parse_key_id(text: &str) -> Result<ApiKeyId, String> {
    ApiKeyId::parse(text).map_err(|e| e.to_string())
}

/// Runs a keys subcommand.
pub async fn run(config: Option<&Path>, command: KeysCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    match command {
        KeysCommand::Create {
            tenant,
            role,
            purposes,
            label,
        } => {
            let who = admin_of(&engine, &tenant).await?;
            let issued = engine
                .create_api_key(&who, &tenant, role, purposes, &label)
                .await
                .map_err(engine_error)
                .with_context(|| format!("cannot create a key for tenant '{tenant}'"))?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Created key {} ({}) for tenant '{tenant}'.",
                issued.key.id, issued.key.role
            )?;
            writeln!(out, "Its token (shown once; store it somewhere safe):")?;
            writeln!(out, "{}", issued.token)?;
        }
        KeysCommand::List { tenant } => {
            let who = admin_of(&engine, &tenant).await?;
            let keys = engine
                .api_keys(&who)
                .await
                .map_err(engine_error)
                .with_context(|| format!("cannot list the keys of tenant '{tenant}'"))?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:36}  {:8}  {:20}  {:20}  LABEL",
                "KEY", "ROLE", "PURPOSES", "STATE"
            )?;
            for k in &keys {
                let purposes = if k.purposes.is_empty() {
                    "(any)".to_owned()
                } else {
                    k.purposes
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let state = match k.revoked_at {
                    Some(at) => format!("revoked {}", at.strftime("%Y-%m-%d")),
                    None => "active".to_owned(),
                };
                writeln!(
                    out,
                    "{:36}  {:8}  {purposes:20}  {state:20}  {}",
                    k.id.to_string(),
                    k.role,
                    k.label
                )?;
            }
        }
        KeysCommand::Revoke { tenant, id } => {
            let who = admin_of(&engine, &tenant).await?;
            engine
                .revoke_api_key(&who, id)
                .await
                .map_err(engine_error)
                .with_context(|| format!("cannot revoke key {id} of tenant '{tenant}'"))?;
            writeln!(
                std::io::stdout().lock(),
                "Revoked key {id} of tenant '{tenant}'."
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The local admin of `tenant`, once it is known to exist.
async fn admin_of(engine: &Engine, tenant: &TenantId) -> Result<Principal> {
    let row = engine
        .store()
        .tenant(tenant)
        .await
        .with_context(|| format!("cannot look up tenant '{tenant}'"))?
        .with_context(|| {
            format!("there is no tenant '{tenant}' (--tenant); `tutela tenant list` shows them")
        })?;
    Ok(Principal::local_admin(row.id, row.operator))
}
