//! Opening what every database command needs: the configuration, the master
//! key, the store and an engine over them, plus the operator tenant the CLI
//! acts as. Every command that opens the database creates and migrates it
//! as needed, checks that the master key is the database's own, and closes
//! it on the way out ([`close_all`]), so a clean exit leaves the SQLite
//! file complete on its own.

use crate::keyfile;
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tutela_engine::clock::SystemClock;
use tutela_engine::deliveries::endpoint::Transport;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;
use tutela_engine::store::Store;
use tutela_engine::{Engine, EngineError};
use tutela_server::Config;

/// The config file used when none is named and it exists.
pub const DEFAULT_CONFIG: &str = "tutela-data/tutela.toml";

/// The operator tenant's id: the deployment's own data space, whose admins
/// manage the other tenants.
pub const OPERATOR: &str = "operator";

/// Loads the configuration from `path`, else from [`DEFAULT_CONFIG`] if it
/// exists, else the defaults; `TUTELA_*` variables override each.
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let default = Path::new(DEFAULT_CONFIG);
    let path = match path {
        Some(p) => Some(p),
        None if default.is_file() => Some(default),
        None => None,
    };
    // The error names the file and the field; its source is already in the
    // message, so it is not chained a second time.
    Config::load(path).map_err(|err| anyhow!("{err}"))
}

/// Every store opened by this process, closed by [`close_all`].
static OPENED: Mutex<Vec<Arc<dyn Store>>> = Mutex::new(Vec::new());

/// An engine over the configured store (created and migrated if needed),
/// writing erasures ahead to the configured erasure ledger, with the master
/// key from the environment or the key file, after checking
/// that the key is the one the database was created with, and with the
/// operator tenant in place.
pub async fn open(config: &Config) -> Result<Arc<Engine>> {
    open_with(config, NewLedger::OnlyForANewDatabase).await
}

/// When a missing erasure ledger may be started afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLedger {
    /// Only beside a database that holds nothing yet (a first start), or
    /// when `TUTELA_NEW_ERASURE_LEDGER=1` says the old one is lost for good.
    OnlyForANewDatabase,
    /// Whatever the database holds (`tutela restore --without-ledger`).
    Allowed,
}

/// The environment variable that lets a deployment whose erasure ledger is
/// lost for good start a new one.
pub const NEW_LEDGER_ENV: &str = "TUTELA_NEW_ERASURE_LEDGER";

/// [`open`], saying when a missing ledger may be started afresh.
pub async fn open_with(config: &Config, new_ledger: NewLedger) -> Result<Arc<Engine>> {
    if let Some(path) = sqlite_path(&config.database_url) {
        prepare_sqlite_path(&path)?;
    }
    let master = keyfile::load(&config.master_key_file)?;
    let store = tutela_store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database ({})",
                redact_url(&config.database_url)
            )
        })?;
    OPENED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Arc::clone(&store));
    let database_dir = sqlite_path(&config.database_url)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty());
    let secret = std::env::var("TUTELA_WEBHOOK_SECRET").ok();
    // Without the secret a command runs, and any message it sends fails
    // naming the secret (serve checks it before it starts).
    let notifier = match tutela_server::notifiers::from_config(
        config,
        database_dir.as_deref(),
        secret.as_deref(),
    ) {
        Ok(notifier) => notifier,
        Err(tutela_server::notifiers::SecretError::Missing) => {
            Arc::new(tutela_server::notifiers::SecretMissing)
        }
        Err(err) => bail!("{err}"),
    };
    let ledger_path = config.erasure_ledger_path();
    let ledger_missing = !ledger_path.try_exists().with_context(|| {
        format!(
            "cannot look for the erasure ledger {}",
            ledger_path.display()
        )
    })?;
    let ledger = tutela_store::FileLedger::new(&ledger_path).existing();
    let transfers = tutela_server::transfers::HttpsTransferrer::new(transport(config))
        .context("cannot set up the sender of transfers (Art. 20(2))")?;
    let engine = Engine::new(store, Arc::new(SystemClock), Arc::new(master))
        .with_erasure_ledger(Arc::new(ledger))
        .with_notifier(notifier)
        .with_transferrer(Arc::new(transfers));
    let engine = Arc::new(engine);
    // Before anything is written: a wrong key must issue no API key and
    // append no audit entry.
    engine.check_master_key().await.map_err(engine_error)?;
    if ledger_missing {
        start_ledger(&engine, &ledger_path, new_ledger).await?;
    } else {
        writable_ledger(&ledger_path)?;
    }
    ensure_operator(&engine).await?;
    Ok(engine)
}

/// The ledger must be a file this process can append to: found out at
/// start, not at the first erasure (a directory at its path, a read-only
/// file, a read-only mount). Opening for append writes nothing.
fn writable_ledger(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map(drop)
        .with_context(|| {
            format!(
                "the erasure ledger {} cannot be appended to; nothing was started: it must be a \
                 file this user can write (every erasure and right exercised is recorded there \
                 before it commits)",
                path.display()
            )
        })
}

/// Creates the missing erasure ledger, unless the database already holds
/// data: then the ledger was lost or not copied back (a new host, a wrong
/// path, a volume not mounted), and an empty one would let a later restore
/// bring back everyone erased before, silently. Checked before anything
/// else is written.
async fn start_ledger(engine: &Engine, path: &Path, new_ledger: NewLedger) -> Result<()> {
    let fresh = engine
        .store()
        .tenants()
        .await
        .map_err(|e| engine_error(e.into()))?
        .is_empty();
    let told = std::env::var(NEW_LEDGER_ENV).is_ok_and(|v| v == "1");
    if !fresh && new_ledger == NewLedger::OnlyForANewDatabase && !told {
        bail!(
            "the erasure ledger {} does not exist, but the database already holds data; \
             nothing was started: copy the ledger back from where you keep it (or set \
             erasure_ledger to its path). If it is lost for good, start once with \
             {NEW_LEDGER_ENV}=1 to begin a new one: erasures recorded only in the old one \
             can then not be replayed into older backups",
            path.display()
        );
    }
    tutela_store::FileLedger::new(path)
        .create_if_missing()
        .with_context(|| format!("cannot create the erasure ledger {}", path.display()))
}

/// Which URLs recipient endpoints and transfers may use: HTTPS to public
/// hosts, unless the test-only `insecure_loopback_endpoints` is set.
pub fn transport(config: &Config) -> Transport {
    if config.insecure_loopback_endpoints {
        Transport::AllowLoopbackHttp
    } else {
        Transport::HttpsOnly
    }
}

/// Closes every store this process opened: on SQLite the WAL is
/// checkpointed into the main file and truncated, so `tutela.db` alone is
/// the whole database once the command is done.
pub async fn close_all() -> Result<()> {
    let stores = std::mem::take(&mut *OPENED.lock().unwrap_or_else(|p| p.into_inner()));
    for store in stores {
        store
            .close()
            .await
            .context("cannot close the database cleanly")?;
    }
    Ok(())
}

/// The database's directory must exist; it and any database files that
/// others can read are made private (see [`crate::private`]).
fn prepare_sqlite_path(path: &Path) -> Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!(
            "the directory {} for the database (database_url) does not exist; create it with `tutela init --dir {}`",
            parent.display(),
            parent.display()
        );
    }
    crate::private::tighten_dir(parent);
    crate::private::tighten_database(path);
    Ok(())
}

/// The file of a `sqlite:` URL, if it names one.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next().unwrap_or_default();
    (!file.is_empty() && file != ":memory:").then(|| PathBuf::from(file))
}

/// The URL without its password, for error messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = url.get(scheme + 3..at).unwrap_or_default();
            let user = userinfo.split(':').next().unwrap_or_default();
            format!(
                "{}{user}:***{}",
                url.get(..scheme + 3).unwrap_or_default(),
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}

/// The operator tenant's id.
pub fn operator_id() -> TenantId {
    TenantId::parse(OPERATOR).unwrap_or_else(|_| unreachable!("'{OPERATOR}' is a valid tenant id"))
}

/// The local administrator of the operator tenant: who the CLI acts as.
pub fn operator_admin() -> Principal {
    Principal::local_admin(operator_id(), true)
}

/// Creates the operator tenant, under the operator policy, if absent.
pub async fn ensure_operator(engine: &Engine) -> Result<()> {
    let id = operator_id();
    let exists = engine
        .store()
        .tenant(&id)
        .await
        .context("cannot look up the operator tenant")?
        .is_some();
    if exists {
        return Ok(());
    }
    match engine
        .bootstrap_operator(id, "Operator", tutela_policy::OPERATOR_POLICY)
        .await
    {
        Ok(_) => {
            tracing::info!(tenant = OPERATOR, "created the operator tenant");
            Ok(())
        }
        // Another process got there first: just as good.
        Err(EngineError::TenantExists) => Ok(()),
        Err(err) => Err(engine_error(err)).context("cannot create the operator tenant"),
    }
}

/// Parses a tenant id given on the command line.
pub fn parse_tenant(text: &str) -> Result<TenantId, String> {
    TenantId::parse(text).map_err(|e| e.to_string())
}

/// An engine error as a CLI message: what is wrong and its stable code; for
/// failures of ours the cause chain too.
pub fn engine_error(err: EngineError) -> anyhow::Error {
    match err {
        EngineError::Storage(_) | EngineError::Unreadable => anyhow::Error::new(err),
        other => {
            let code = other.code();
            anyhow!("{other} ({code})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://tutela-data/tutela.db"),
            Some(PathBuf::from("tutela-data/tutela.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///srv/t.db?mode=rwc"),
            Some(PathBuf::from("/srv/t.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u:p@h/db"), None);
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact_url("postgres://tutela:s3cret@db:5432/t"),
            "postgres://tutela:***@db:5432/t"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
