//! `tutela serve --demo`: everything needed to try Tutela on a fresh clone.
//! A data directory on first use, a demo tenant `acme` under the example
//! policy with a few obviously made-up subjects (created once), and fresh
//! keys at every start (the previous run's demo keys are revoked), printed
//! once on stdout with commands to paste.

use crate::cmd::init;
use crate::context::{self, engine_error};
use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::{Principal, Role};
use tutela_engine::{Engine, NewRecord, RecordSource};
use tutela_policy::{CategoryId, PurposeId, SubjectKindId};
use tutela_server::Config;

/// The demo tenant.
pub const TENANT: &str = "acme";
/// The subject kind, purposes and categories of the example policy that the
/// demo uses.
const KIND: &str = "customer";
const PURPOSE: &str = "account";
const CONSENT_PURPOSE: &str = "newsletter";
/// A purpose the example policy does not declare: reads for it are refused.
const UNDECLARED_PURPOSE: &str = "advertising";
const EMAIL: &str = "email";
const NAME: &str = "name";
/// Made-up people on a reserved domain.
const SUBJECTS: [(&str, &str); 3] = [
    ("Ada Example", "ada@demo.example"),
    ("Grace Example", "grace@demo.example"),
    ("Alan Example", "alan@demo.example"),
];
/// Labels of demo keys start with this, so the next start can revoke them.
const KEY_LABEL: &str = "demo:";

/// What the demo set up for this run. Holds live tokens: no `Debug` that
/// shows them.
pub struct Demo {
    operator_admin: String,
    admin: String,
    service: String,
    dpo: String,
    subject: Option<SubjectId>,
    created: bool,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("subject", &self.subject)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// On first use, runs `init` on the directory of the configured key file,
/// so `serve --demo` works with no set-up. Never creates a key beside an
/// existing database: that database would become unreadable.
pub fn prepare_data_dir(config: &Config) -> Result<()> {
    if std::env::var_os(crate::keyfile::ENV_VAR).is_some() || config.master_key_file.exists() {
        return Ok(());
    }
    if context::sqlite_path(&config.database_url).is_some_and(|db| db.exists()) {
        return Ok(());
    }
    let dir = config
        .master_key_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let report = init::init_dir(dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "First run: created {} with a new master key ({}), a config file and an example policy.",
        dir.display(),
        report.key.display()
    )?;
    Ok(())
}

fn id<T, E: std::fmt::Display>(
    what: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T> {
    parse(text).map_err(|e| anyhow::anyhow!("the demo's {what} '{text}' is not valid: {e}"))
}

/// Makes sure the demo tenant and its subjects exist, revokes the previous
/// run's demo keys and issues fresh ones.
pub async fn seed(engine: &Engine) -> Result<Demo> {
    let tenant = id("tenant", TENANT, TenantId::parse)?;
    let operator = context::operator_admin();
    let exists = engine
        .store()
        .tenant(&tenant)
        .await
        .context("cannot look up the demo tenant")?
        .is_some();
    let admin = Principal::local_admin(tenant.clone(), false);
    if !exists {
        engine
            .create_tenant(
                &operator,
                tenant.clone(),
                "Acme Example Ltd (demo)",
                tutela_policy::EXAMPLE_POLICY,
            )
            .await
            .map_err(engine_error)
            .context("cannot create the demo tenant")?;
        create_subjects(engine, &admin).await?;
        tracing::info!(
            tenant = TENANT,
            subjects = SUBJECTS.len(),
            "created the demo tenant"
        );
    }
    revoke_old_keys(engine, &operator).await?;
    revoke_old_keys(engine, &admin).await?;
    let issue = |who: Principal, role: Role, label: &'static str| async move {
        let tenant = who.tenant.clone();
        engine
            .create_api_key(
                &who,
                &tenant,
                role,
                Vec::new(),
                &format!("{KEY_LABEL} {label}"),
            )
            .await
            .map(|issued| issued.token)
            .map_err(engine_error)
            .with_context(|| format!("cannot create the demo key '{label}'"))
    };
    let email = id("category", EMAIL, CategoryId::parse)?;
    let subject = engine
        .find_subject(&admin, &email, SUBJECTS[0].1)
        .await
        .ok();
    Ok(Demo {
        operator_admin: issue(operator, Role::Admin, "operator admin").await?,
        admin: issue(admin.clone(), Role::Admin, "acme admin").await?,
        service: issue(admin.clone(), Role::Service, "acme service").await?,
        dpo: issue(admin, Role::Dpo, "acme dpo").await?,
        subject,
        created: !exists,
    })
}

async fn create_subjects(engine: &Engine, admin: &Principal) -> Result<()> {
    let kind = id("subject kind", KIND, SubjectKindId::parse)?;
    let purpose = id("purpose", PURPOSE, PurposeId::parse)?;
    let email = id("category", EMAIL, CategoryId::parse)?;
    let name = id("category", NAME, CategoryId::parse)?;
    let source = RecordSource::parse("demo", "source").map_err(engine_error)?;
    for (full_name, address) in SUBJECTS {
        let records = vec![
            NewRecord {
                category: email.clone(),
                value: address.to_owned(),
                source: source.clone(),
            },
            NewRecord {
                category: name.clone(),
                value: full_name.to_owned(),
                source: source.clone(),
            },
        ];
        engine
            .create_subject(admin, &kind, &purpose, records)
            .await
            .map_err(engine_error)
            .context("cannot create the demo subjects")?;
    }
    Ok(())
}

async fn revoke_old_keys(engine: &Engine, who: &Principal) -> Result<()> {
    let keys = engine.api_keys(who).await.map_err(engine_error)?;
    let old = keys
        .iter()
        .filter(|k| k.revoked_at.is_none() && k.label.starts_with(KEY_LABEL));
    for key in old {
        engine
            .revoke_api_key(who, key.id)
            .await
            .map_err(engine_error)
            .context("cannot revoke an earlier demo key")?;
    }
    Ok(())
}

/// Prints the keys and the commands to try, once, on stdout.
pub fn print(out: &mut impl Write, demo: &Demo, addr: SocketAddr) -> Result<()> {
    let mut shown = addr;
    if shown.ip().is_unspecified() {
        shown.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let base = format!("http://{shown}");
    let state = if demo.created { "created" } else { "ready" };
    let first_email = SUBJECTS[0].1;
    let subject = demo
        .subject
        .map_or_else(|| "<a subject id>".to_owned(), |s| s.to_string());
    let json = "-H 'Content-Type: application/json'";
    writeln!(
        out,
        r#"
Demo tenant '{TENANT}' {state}, under the example policy, with made-up subjects.
Fresh API keys for this run (earlier demo keys are revoked); they are shown
here only:
  operator admin  {operator}
  acme admin      {admin}
  acme service    {service}
  acme dpo        {dpo}

Try it (paste into a shell):

export TUTELA={base}
export SERVICE={service}
export DPO={dpo}
export SUBJECT={subject}   # the subject with email {first_email}

# Create a subject; its email and name are encrypted before they are stored:
curl -sS -w '\n' -X POST "$TUTELA/v1/subjects" -H "Authorization: Bearer $SERVICE" {json} \
  -d '{{"kind":"{KIND}","purpose":"{PURPOSE}","records":[{{"category":"{EMAIL}","value":"new.person@demo.example"}},{{"category":"{NAME}","value":"New Person"}}]}}'

# Read a subject's data for a purpose the policy declares:
curl -sS -w '\n' "$TUTELA/v1/subjects/$SUBJECT/records?purpose={PURPOSE}" -H "Authorization: Bearer $SERVICE"

# Refused (403) and put on the audit record: the policy declares no '{UNDECLARED_PURPOSE}':
curl -sS -w '\n' "$TUTELA/v1/subjects/$SUBJECT/records?purpose={UNDECLARED_PURPOSE}" -H "Authorization: Bearer $SERVICE"

# '{CONSENT_PURPOSE}' rests on consent: refused until the subject grants it, allowed after:
curl -sS -w '\n' "$TUTELA/v1/subjects/$SUBJECT/records?purpose={CONSENT_PURPOSE}" -H "Authorization: Bearer $SERVICE"
curl -sS -w '\n' -X POST "$TUTELA/v1/subjects/$SUBJECT/consents" -H "Authorization: Bearer $SERVICE" {json} \
  -d '{{"purpose":"{CONSENT_PURPOSE}","source":"demo"}}'
curl -sS -w '\n' "$TUTELA/v1/subjects/$SUBJECT/records?purpose={CONSENT_PURPOSE}" -H "Authorization: Bearer $SERVICE"

# Verify the tamper-evident audit chain, as the DPO:
curl -sS -w '\n' "$TUTELA/v1/audit/verify" -H "Authorization: Bearer $DPO"

The API is described at $TUTELA/openapi.json.
"#,
        operator = demo.operator_admin,
        admin = demo.admin,
        service = demo.service,
        dpo = demo.dpo,
    )?;
    Ok(())
}
