//! A usable first start: `tutela init` then `tutela serve` must not leave a
//! server nobody can use. When the operator tenant has no live admin key,
//! `serve` (without `--demo`) creates one, once, and prints it with the
//! command that creates a first client tenant. It is never shown again:
//! later starts find the key and print nothing of the sort.

use crate::context::{self, OPERATOR, engine_error};
use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tutela_engine::Engine;
use tutela_engine::principal::Role;
use tutela_server::Config;

/// The label of the key created at a first start.
const LABEL: &str = "first operator admin key";

/// A key created at this start, to print once. Holds a live token: no
/// `Debug` that shows it.
pub struct FirstKey {
    token: String,
    policy: PathBuf,
}

impl std::fmt::Debug for FirstKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstKey").finish_non_exhaustive()
    }
}

/// Creates an admin key of the operator tenant if it has no live one.
pub async fn ensure_admin_key(engine: &Engine, config: &Config) -> Result<Option<FirstKey>> {
    let operator = context::operator_admin();
    let keys = engine
        .api_keys(&operator)
        .await
        .map_err(engine_error)
        .context("cannot list the operator's API keys")?;
    let live_admin = keys
        .iter()
        .any(|k| k.revoked_at.is_none() && k.role == Role::Admin.as_str());
    if live_admin {
        return Ok(None);
    }
    let issued = engine
        .create_api_key(&operator, &operator.tenant, Role::Admin, Vec::new(), LABEL)
        .await
        .map_err(engine_error)
        .context("cannot create the operator's first admin key")?;
    tracing::info!(key = %issued.key.id, "created the operator's first admin key");
    let dir = config
        .master_key_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(Some(FirstKey {
        token: issued.token,
        policy: dir.join("policy.toml"),
    }))
}

/// Prints the key and what to do with it, once, on stdout.
pub fn print(out: &mut impl Write, key: &FirstKey, addr: SocketAddr) -> Result<()> {
    let mut shown = addr;
    if shown.ip().is_unspecified() {
        shown.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    writeln!(
        out,
        r#"
The operator tenant '{OPERATOR}' had no admin key, so one was created.
It is shown here once and will not be shown again: store it safely now.

  operator admin key  {token}

With it, create a client tenant (the answer holds that tenant's first admin
key; `jq` puts the policy file into the JSON body):

export TUTELA=http://{shown}
export OPERATOR={token}
jq -n --rawfile policy {policy} '{{id:"acme",name:"Acme Ltd",policy:$policy}}' |
  curl -sS -w '\n' -X POST "$TUTELA/v1/tenants" -H "Authorization: Bearer $OPERATOR" \
    -H 'Content-Type: application/json' --data-binary @-

(or on this machine: tutela tenant create acme --name "Acme Ltd" --policy {policy})
"#,
        token = key.token,
        policy = key.policy.display(),
    )?;
    Ok(())
}
