//! Tutela's storage: the engine's [`Store`] on SQLite (the embedded
//! default, one file) and on PostgreSQL (several servers, one database).
//!
//! Both run the same SQL (`sql`, rewritten from `$n` to `?n` for SQLite)
//! and the same row conversions (`rows`). SQLite runs on rusqlite, on
//! threads of its own (`sqlite/`): a writer that executes each change's
//! pure plan (`plan`) with group commit, and a few reader connections.
//! PostgreSQL runs on sqlx (`postgres/`): lane writers that execute the
//! same plans with group commit, and a read pool. Migrations are forward-only
//! and embedded, one directory per backend, and run on connect. The
//! erasure ledger, a file kept apart from the database, is `ledger`.
//!
//! Every table's key starts with `tenant_id`, every statement filters by it
//! (listing tenants and the ids of every audit chain aside), and none joins
//! across tenants.

mod consent_rows;
mod delivery_rows;
mod error;
mod hold_rows;
mod ledger;
mod plan;
mod postgres;
mod request_rows;
mod retention_rows;
mod rows;
mod sql;
mod sqlite;
mod survey_rows;

pub use error::BackendError;
pub use ledger::FileLedger;
pub use postgres::PgStore;
pub use sqlite::restore_check::{BackupRefused, check_backup};
pub use sqlite::{SqliteStore, in_use};

use error::internal;
use std::sync::Arc;
use tutela_engine::store::{Store, StoreError};

/// Opens the store a URL names: `sqlite://path/to/file.db` (created if
/// missing; `sqlite:///abs/path.db` for an absolute path) or
/// `postgres://user@host/db`. Runs the migrations.
///
/// Errors never repeat the URL, which may hold a password.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = sqlite_path(rest)?;
        return Ok(Arc::new(SqliteStore::open(path).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::connect(url).await?));
    }
    Err(internal(
        "connect",
        "unsupported database URL: use sqlite://PATH or postgres://...",
    ))
}

/// The file path in what follows `sqlite:`.
fn sqlite_path(rest: &str) -> Result<&str, StoreError> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if path.is_empty() || path.starts_with(":memory:") {
        // The writer and the readers are separate connections: an in-memory
        // database would not be shared between them.
        return Err(internal("connect", "sqlite needs a file path"));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_file() {
        assert_eq!(sqlite_path("//data/t.db").ok(), Some("data/t.db"));
        assert_eq!(sqlite_path("///var/lib/t.db").ok(), Some("/var/lib/t.db"));
        assert_eq!(sqlite_path("t.db?mode=rwc").ok(), Some("t.db"));
        assert!(sqlite_path(":memory:").is_err());
        assert!(sqlite_path("//").is_err());
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = connect("mysql://root:hunter2@db/x").await.err();
        let cause = err
            .as_ref()
            .and_then(std::error::Error::source)
            .map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("unsupported") && !c.contains("hunter2")));
    }
}
