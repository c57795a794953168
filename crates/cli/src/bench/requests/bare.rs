//! The baseline of `tutela bench --requests`: what a careful user would
//! write with rusqlite for the same two requests, on the same disk, with
//! the same crypto for the values but no policy and no audit chain.
//!
//! - Export: the subject's wrapped key by primary key, its rows and its
//!   access-log rows by index, the key unwrapped and every value opened
//!   (the vault's AEAD, as the engine uses), rendered as JSON and CSV, and
//!   one access-log row committed (`synchronous = NORMAL`, the engine's
//!   setting for batches of audit entries only).
//! - Erasure: the subject's rows deleted and its key cleared in one
//!   `BEGIN IMMEDIATE` transaction (`synchronous = FULL`, `secure_delete`),
//!   then `PRAGMA wal_checkpoint(TRUNCATE)`, so no deleted value is left in
//!   the WAL either.
//!
//! The filler is written in bulk in one transaction: the fastest way to a
//! large table, and untimed in the comparison.

use super::Shape;
use super::report::{ExportSide, Latency};
use crate::bench::bare_sqlite::wall_clock_micros;
use crate::bench::{Catalog, progress};
use anyhow::{Context, Result, ensure};
use indicatif::ProgressBar;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tutela_engine::MAX_RECORDS_PER_WRITE;
use tutela_vault::{DataKey, MasterKey, WrappedKey};

const CREATE: &str = "
CREATE TABLE subjects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, wrapped BLOB,
    created_at INTEGER NOT NULL);
CREATE TABLE records (subject TEXT NOT NULL, id TEXT NOT NULL, category TEXT NOT NULL,
    purpose TEXT NOT NULL, value BLOB NOT NULL, collected_at INTEGER NOT NULL,
    PRIMARY KEY (subject, id));
CREATE TABLE access_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL,
    purpose TEXT NOT NULL, subject TEXT NOT NULL);
CREATE INDEX access_log_by_subject ON access_log (subject, id);";
const INSERT_SUBJECT: &str =
    "INSERT INTO subjects (id, kind, wrapped, created_at) VALUES (?1, ?2, ?3, ?4)";
const INSERT_RECORD: &str = "INSERT INTO records (subject, id, category, purpose, value, collected_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const INSERT_ACCESS: &str =
    "INSERT INTO access_log (at, who, purpose, subject) VALUES (?1, ?2, ?3, ?4)";
const SELECT_KEY: &str = "SELECT wrapped FROM subjects WHERE id = ?1";
const SELECT_RECORDS: &str =
    "SELECT id, category, purpose, value, collected_at FROM records WHERE subject = ?1";
const SELECT_LOG: &str =
    "SELECT id, at, who, purpose FROM access_log WHERE subject = ?1 ORDER BY id";

/// One decrypted row of the bare export.
#[derive(Serialize)]
struct Row {
    id: String,
    category: String,
    purpose: String,
    value: String,
    collected_at: i64,
}

/// One access-log row of the bare export.
#[derive(Serialize)]
struct LogRow {
    id: i64,
    at: i64,
    who: String,
    purpose: String,
}

/// The bare export as JSON.
#[derive(Serialize)]
struct Export<'a> {
    subject: &'a str,
    records: Vec<Row>,
    access_log: Vec<LogRow>,
}

/// The baseline's database and key.
struct Bare {
    conn: Connection,
    master: MasterKey,
    catalog: Arc<Catalog>,
}

impl Bare {
    fn open(path: &Path, catalog: &Arc<Catalog>) -> Result<Self> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the bare database at {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(CREATE)
            .context("cannot create the bare tables")?;
        Ok(Self {
            conn,
            master: MasterKey::generate(),
            catalog: Arc::clone(catalog),
        })
    }

    /// Inserts subject number `index` with `size` sealed records, inside
    /// the caller's transaction; returns its id.
    fn subject(&self, index: usize, size: usize, bar: &ProgressBar) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let key = DataKey::generate();
        let wrapped = self.master.wrap(&key, id.as_bytes());
        let at = wall_clock_micros();
        let kind = self.catalog.kind.to_string();
        self.conn.prepare_cached(INSERT_SUBJECT)?.execute(params![
            id,
            kind,
            wrapped.as_bytes(),
            at
        ])?;
        let first = size.min(MAX_RECORDS_PER_WRITE);
        let values = self
            .catalog
            .batch(index, first)
            .into_iter()
            .chain(self.catalog.more(index, first, size.saturating_sub(first)));
        let purpose = self.catalog.purpose.to_string();
        let mut insert = self.conn.prepare_cached(INSERT_RECORD)?;
        for (category, value) in values {
            let record = uuid::Uuid::now_v7().to_string();
            let sealed = key.seal(
                value.as_bytes(),
                aad(&id, &record, category.as_str()).as_bytes(),
            );
            insert.execute(params![id, record, category.as_str(), purpose, sealed, at])?;
            bar.inc(1);
        }
        Ok(id)
    }

    /// Subjects of 100 records up to `records`, numbered from `first`, in
    /// one transaction; returns the wall time.
    fn fill(&mut self, first: usize, records: usize) -> Result<Duration> {
        let bar = progress(
            format!("bare: fill {}", super::report::thousands(records)),
            records,
        );
        let started = Instant::now();
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        for s in 0..records.div_ceil(MAX_RECORDS_PER_WRITE) {
            let size = (records - s * MAX_RECORDS_PER_WRITE).min(MAX_RECORDS_PER_WRITE);
            self.subject(first + s, size, &bar)?;
        }
        self.conn.execute_batch("COMMIT")?;
        bar.finish_and_clear();
        Ok(started.elapsed())
    }

    /// One export of `subject`; returns the access-log rows it held.
    fn export(&self, subject: &str, records: usize) -> Result<usize> {
        let wrapped: Vec<u8> = self
            .conn
            .prepare_cached(SELECT_KEY)?
            .query_row([subject], |r| r.get(0))
            .optional()?
            .context("the bare subject is missing")?;
        let key = self
            .master
            .unwrap(&WrappedKey::from_bytes(wrapped)?, subject.as_bytes())?;
        let mut stmt = self.conn.prepare_cached(SELECT_RECORDS)?;
        let sealed = stmt
            .query_map([subject], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let rows = sealed
            .into_iter()
            .map(|(id, category, purpose, value, collected_at)| {
                let plain = key.open(&value, aad(subject, &id, &category).as_bytes())?;
                let value = String::from_utf8(plain.to_vec())?;
                Ok(Row {
                    id,
                    category,
                    purpose,
                    value,
                    collected_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let log = self
            .conn
            .prepare_cached(SELECT_LOG)?
            .query_map([subject], |r| {
                Ok(LogRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    who: r.get(2)?,
                    purpose: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ensure!(
            rows.len() == records,
            "bare export read {} rows",
            rows.len()
        );
        let csv = csv(&rows);
        let log_rows = log.len();
        let export = Export {
            subject,
            records: rows,
            access_log: log,
        };
        let json = serde_json::to_string(&export)?;
        ensure!(!json.is_empty() && !csv.is_empty(), "empty bare export");
        self.log(subject)?;
        Ok(log_rows)
    }

    /// Commits one access-log row about `subject`.
    fn log(&self, subject: &str) -> Result<()> {
        let purpose = self.catalog.purpose.to_string();
        self.conn.prepare_cached(INSERT_ACCESS)?.execute(params![
            wall_clock_micros(),
            "bench-service",
            purpose,
            subject
        ])?;
        Ok(())
    }

    /// Deletes `subject`'s rows and key in one transaction, then
    /// checkpoints the WAL away; returns the rows deleted.
    fn erase(&mut self, subject: &str) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let deleted = tx.execute("DELETE FROM records WHERE subject = ?1", [subject])?;
        tx.execute(
            "UPDATE subjects SET wrapped = NULL WHERE id = ?1",
            [subject],
        )?;
        tx.commit()?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(deleted)
    }
}

/// The associated data binding a sealed value to its row.
fn aad(subject: &str, record: &str, category: &str) -> String {
    format!("{subject}/{record}/{category}")
}

/// The rows as RFC 4180 CSV, every field quoted.
fn csv(rows: &[Row]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("id,category,purpose,value,collected_at\r\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            quote(&r.id),
            quote(&r.category),
            quote(&r.purpose),
            quote(&r.value),
            r.collected_at
        ));
    }
    out
}

/// The same export phase as the engine's, on a bare database at `path`.
pub(crate) async fn export(
    path: &Path,
    catalog: &Arc<Catalog>,
    shape: &Shape,
    store_records: usize,
) -> Result<ExportSide> {
    let (path, catalog, shape) = (path.to_path_buf(), Arc::clone(catalog), *shape);
    tokio::task::spawn_blocking(move || export_blocking(&path, &catalog, &shape, store_records))
        .await
        .context("the bare export phase failed to finish")?
}

fn export_blocking(
    path: &Path,
    catalog: &Arc<Catalog>,
    shape: &Shape,
    store_records: usize,
) -> Result<ExportSide> {
    let mut bare = Bare::open(path, catalog)?;
    bare.conn.execute_batch("BEGIN IMMEDIATE")?;
    let target = bare.subject(0, shape.subject_records, &ProgressBar::hidden())?;
    bare.conn.execute_batch("COMMIT")?;
    for _ in 0..shape.log_reads {
        bare.log(&target)?;
    }
    let fill = bare.fill(1, store_records.saturating_sub(shape.subject_records))?;
    bare.conn.pragma_update(None, "synchronous", "NORMAL")?;
    for _ in 0..shape.warm_up {
        bare.export(&target, shape.subject_records)?;
    }
    let bar = progress("bare: export".into(), shape.exports);
    let mut samples = Vec::with_capacity(shape.exports);
    let mut log_rows = 0;
    for _ in 0..shape.exports {
        let started = Instant::now();
        log_rows = bare.export(&target, shape.subject_records)?;
        samples.push(started.elapsed());
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(ExportSide {
        latency: Latency::of(samples),
        log_rows,
        fill,
    })
}

/// The same erasure phase as the engine's, on a bare database at `path`.
pub(crate) async fn erasure(
    path: &Path,
    catalog: &Arc<Catalog>,
    shape: &Shape,
) -> Result<Vec<Latency>> {
    let (path, catalog, shape) = (path.to_path_buf(), Arc::clone(catalog), *shape);
    tokio::task::spawn_blocking(move || erasure_blocking(&path, &catalog, &shape))
        .await
        .context("the bare erasure phase failed to finish")?
}

fn erasure_blocking(path: &Path, catalog: &Arc<Catalog>, shape: &Shape) -> Result<Vec<Latency>> {
    let mut bare = Bare::open(path, catalog)?;
    let mut out = Vec::new();
    for (k, &size) in shape.erasure_sizes.iter().enumerate() {
        let bar = progress(format!("bare: subjects of {size}"), shape.erasures * size);
        bare.conn.execute_batch("BEGIN IMMEDIATE")?;
        let subjects = (0..shape.erasures)
            .map(|s| bare.subject(k * shape.erasures + s, size, &bar))
            .collect::<Result<Vec<_>>>()?;
        bare.conn.execute_batch("COMMIT")?;
        bar.finish_and_clear();
        let mut samples = Vec::with_capacity(subjects.len());
        for subject in &subjects {
            let started = Instant::now();
            let deleted = bare.erase(subject)?;
            samples.push(started.elapsed());
            ensure!(
                deleted == size,
                "bare erasure deleted {deleted} rows, expected {size}"
            );
        }
        out.push(Latency::of(samples));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_every_field_and_doubles_quotes() {
        let rows = [Row {
            id: "r1".into(),
            category: "name".into(),
            purpose: "account".into(),
            value: "Ada \"the\" first, of two".into(),
            collected_at: 7,
        }];
        let text = csv(&rows);
        assert!(
            text.ends_with("\"r1\",\"name\",\"account\",\"Ada \"\"the\"\" first, of two\",7\r\n"),
            "{text}"
        );
    }
}
