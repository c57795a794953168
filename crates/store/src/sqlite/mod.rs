//! The embedded default: one SQLite file in WAL mode.
//!
//! Settings, and why:
//! - `journal_mode = WAL`: readers never block the writer, nor it them.
//! - `synchronous = FULL`: the WAL is synced at every commit, so a crash or
//!   a power cut loses no acknowledged write (NORMAL could lose the last
//!   commits on power loss). Group commit pays for the fsync once per batch.
//! - `secure_delete = ON`: deleted content (an erased subject's records and
//!   wrapped key) is overwritten with zeros, not left in free pages.
//! - `foreign_keys = ON`: a write naming a missing subject fails.
//! - the file is created 0600 (see [`create_private`]), and with it the
//!   `-wal` and `-shm` files.
//! - `busy_timeout`: another process holding the lock (a CLI run beside the
//!   server) makes us wait instead of failing at once.
//!
//! One writer connection, owned by the group-commit task ([`writer`]), and a
//! separate pool of `query_only` readers: the standard shape that never
//! meets `SQLITE_BUSY` between our own connections.

mod writer;

use crate::error::{backend, internal};
use crate::queries::Queries;
use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;
use tutela_engine::audit::{AuditChain, AuditEntry};
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError};
use writer::Writer;

/// The SQLite schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for a lock held by another process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many read connections the pool may open.
const READERS: u32 = 8;

/// A [`Store`](tutela_engine::store::Store) in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    read: SqlitePool,
    writer: Writer,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path` and
    /// brings its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        create_private(path)?;
        // Exactly one writer, kept open for the life of the store.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(write_options(path))
            .await
            .map_err(|e| backend("open sqlite writer", &e))?;
        MIGRATOR
            .run(&write)
            .await
            .map_err(|e| backend("migrate sqlite", &sqlx::Error::from(e)))?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(read_options(path))
            .await
            .map_err(|e| backend("open sqlite readers", &e))?;
        Ok(Self {
            read,
            writer: Writer::spawn(write),
        })
    }

    async fn apply_change(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.writer.apply(tenant, change, chain).await
    }

    /// Stores the master key check value unless one is there, on the
    /// writer's connection (the readers are `query_only`).
    async fn insert_key_check(&self, value: &[u8; 32]) -> Result<(), StoreError> {
        self.writer.insert_key_check(*value).await
    }

    /// Closes the readers, then the writer, which checkpoints the WAL into
    /// the main file and truncates it.
    async fn shutdown(&self) -> Result<(), StoreError> {
        self.read.close().await;
        self.writer.close().await
    }

    async fn check(&self) -> Result<(), StoreError> {
        if !self.writer.is_running() {
            return Err(internal("ping", "the sqlite writer has stopped"));
        }
        Queries::<Sqlite>::ping(&self.read).await
    }
}

/// Creates the database file, if missing, readable by its owner only
/// (0600 on unix) before SQLite opens it: SQLite then gives the `-wal` and
/// `-shm` files it creates the same mode. An existing file is left as it is.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(backend("create sqlite file", &sqlx::Error::Io(err))),
    }
}

/// The writer's connection settings (see the module docs for why).
fn write_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("secure_delete", "ON")
}

/// The readers' settings: `query_only`, so no read path can write.
fn read_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("query_only", "ON")
}

crate::store_impl!(SqliteStore, Sqlite, read);

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{ConnectOptions, SqliteConnection};

    async fn pragma(conn: &mut SqliteConnection, name: &'static str) -> i64 {
        let sql = sqlx::AssertSqlSafe(format!("PRAGMA {name}"));
        let row: (i64,) = sqlx::query_as(sql).fetch_one(conn).await.unwrap();
        row.0
    }

    #[tokio::test]
    async fn connections_use_the_documented_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut w = write_options(&path).connect().await.unwrap();
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut w)
            .await
            .unwrap();
        assert_eq!(mode.0, "wal");
        assert_eq!(pragma(&mut w, "synchronous").await, 2, "FULL");
        assert_eq!(pragma(&mut w, "secure_delete").await, 1);
        assert_eq!(pragma(&mut w, "foreign_keys").await, 1);
        assert_eq!(pragma(&mut w, "busy_timeout").await, 10_000);
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut w)
            .await
            .unwrap();

        let mut r = read_options(&path).connect().await.unwrap();
        assert_eq!(pragma(&mut r, "query_only").await, 1);
        assert!(
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&mut r)
                .await
                .is_err()
        );
    }
}
