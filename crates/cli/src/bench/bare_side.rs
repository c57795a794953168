//! The baseline: bare SQLite on the same disk with the store's durability
//! settings (WAL, synchronous=FULL, one writer connection, a read pool),
//! writing the same rows in plaintext, one transaction per batch, and reading
//! them back with a plain select. No crypto, no policy, no audit: what the
//! data would cost without the privacy.

use super::report::Counts;
use super::{Catalog, Counters, Op, Side, Workload};
use anyhow::{Context, Result, ensure};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Read connections, as many as the store's read pool holds.
const READERS: u32 = 8;

/// The store's wait for a lock held by another process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The bare side of the bench.
pub(crate) struct BareSide {
    writer: SqlitePool,
    readers: SqlitePool,
    catalog: Arc<Catalog>,
    purpose: String,
    subjects: Vec<String>,
    batch: usize,
    counters: Counters,
}

/// The store's writer settings (`tutela_store::SqliteStore::open`), minus
/// `secure_delete`: that is part of the privacy's cost, so the baseline goes
/// without.
fn write_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

/// The store's reader settings: `query_only` connections.
fn read_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("query_only", "ON")
}

impl BareSide {
    /// A fresh database at `path` with the records table and an index
    /// standing in for the engine's identifier lookup.
    pub async fn setup(path: &Path, catalog: Arc<Catalog>, workload: &Workload) -> Result<Self> {
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(write_options(path))
            .await
            .with_context(|| format!("cannot open the bare database at {}", path.display()))?;
        sqlx::query(
            "CREATE TABLE records (subject TEXT NOT NULL, id TEXT NOT NULL, category TEXT NOT NULL, \
             purpose TEXT NOT NULL, value TEXT NOT NULL, collected_at INTEGER NOT NULL, \
             PRIMARY KEY (subject, id))",
        )
        .execute(&writer)
        .await
        .context("cannot create the bare records table")?;
        // The category is a parsed policy id (letters, digits, '_', '-', '.'),
        // so it cannot break out of the literal.
        let index = format!(
            "CREATE UNIQUE INDEX records_identifier ON records (category, value) WHERE category = '{}'",
            catalog.identifier
        );
        sqlx::query(AssertSqlSafe(index))
            .execute(&writer)
            .await
            .context("cannot create the bare identifier index")?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(read_options(path))
            .await
            .context("cannot open the bare read pool")?;
        let subjects = (0..workload.total())
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        Ok(Self {
            writer,
            readers,
            purpose: catalog.purpose.to_string(),
            catalog,
            subjects,
            batch: workload.batch,
            counters: Counters::default(),
        })
    }

    fn subject(&self, i: usize) -> Result<&str> {
        self.subjects
            .get(i)
            .map(String::as_str)
            .context("subject index out of range")
    }

    /// Rows confirmed so far.
    pub fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    /// Rows in the table, to check that what was confirmed is there.
    pub async fn stored_rows(&self) -> Result<usize> {
        let row = sqlx::query("SELECT COUNT(*) FROM records")
            .fetch_one(&self.readers)
            .await
            .context("cannot count the bare rows")?;
        let n: i64 = row.try_get(0)?;
        Ok(usize::try_from(n)?)
    }

    /// Closes both pools.
    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

impl Side for BareSide {
    fn name(&self) -> &'static str {
        "bare"
    }

    fn write(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let rows = self.catalog.batch(i, self.batch);
            // The bare baseline is plain SQL outside the engine, written as a
            // user would, stamping rows with the wall clock; a benchmark
            // measures real time anyway.
            #[allow(clippy::disallowed_methods)]
            let now = jiff::Timestamp::now().as_microsecond();
            let mut tx = self
                .writer
                .begin_with("BEGIN IMMEDIATE")
                .await
                .context("bare begin failed")?;
            for (category, value) in &rows {
                sqlx::query(
                    "INSERT INTO records (subject, id, category, purpose, value, collected_at) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(subject)
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(category.as_str())
                .bind(self.purpose.as_str())
                .bind(value.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("bare insert for subject {i} failed"))?;
            }
            tx.commit().await.context("bare commit failed")?;
            self.counters
                .written
                .fetch_add(rows.len(), Ordering::Relaxed);
            Ok(())
        })
    }

    fn read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                "SELECT id, category, purpose, value, collected_at FROM records WHERE subject = ?",
            )
            .bind(subject)
            .fetch_all(&self.readers)
            .await
            .with_context(|| format!("bare read of subject {i} failed"))?;
            ensure!(
                rows.len() == self.batch,
                "bare read {} rows, expected {}",
                rows.len(),
                self.batch
            );
            self.counters.read.fetch_add(rows.len(), Ordering::Relaxed);
            Ok(())
        })
    }
}
