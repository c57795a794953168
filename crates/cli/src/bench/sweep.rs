//! `tutela bench --sweep`: records expired per second through a retention
//! sweep beside a bare rusqlite `DELETE` of the same rows, in the same run
//! on the same disk. Both sides hold `subjects` subjects with `batch` log
//! records due (90 days from collection) and one record that stays. The
//! sweep builds the changes of [`SWEEP_CONCURRENCY`] subjects, each its
//! own atomic change, and sends them together so the store's writer
//! commits them in one transaction; the baseline commits the same number
//! of subjects per transaction, with `synchronous = FULL` on both sides.
//! Neither uses a savepoint per subject unless a change fails (the
//! engine's writer then retries the group with one each). So the ratio is
//! the cost of the sweep itself: candidates through the index, the record
//! stamps, the pure due-date decision, the conditional deletes and the
//! audit entry.

use super::progress;
use anyhow::{Context, Result, ensure};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, params};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tutela_engine::clock::ManualClock;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;
use tutela_engine::{Engine, NewRecord, RecordSource, SWEEP_CONCURRENCY};
use tutela_policy::{CategoryId, PurposeId, SubjectKindId};
use tutela_vault::MasterKey;

const POLICY: &str = r#"
[controller]
name = "Bench Ltd"
email = "privacy@bench.example"
[authority]
name = "DPA"
url = "https://dpa.example"
[[subject_kind]]
id = "user"
description = "Users"
[[category]]
id = "server_log"
description = "Logs"
taxonomy = "system.operations"
[[category]]
id = "note"
description = "Notes"
taxonomy = "user.content"
[[purpose]]
id = "service"
description = "Run the service"
basis = "contract"
categories = ["server_log", "note"]
[[retention]]
categories = ["server_log"]
keep = "90 days"
from = "collected"
"#;

/// What one sweep bench measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SweepOutcome {
    /// Records expired (deleted) on each side.
    pub records: u64,
    /// The engine's sweep.
    pub sweep: Duration,
    /// The bare deletes.
    pub bare: Duration,
    /// The hand-rolled sweep with the engine's shape (`sweep_hand`).
    pub hand: Duration,
}

impl SweepOutcome {
    fn per_sec(records: u64, d: Duration) -> f64 {
        records as f64 / d.as_secs_f64().max(1e-9)
    }

    /// The report, as printed.
    pub(crate) fn render(&self) -> String {
        let sweep = Self::per_sec(self.records, self.sweep);
        let bare = Self::per_sec(self.records, self.bare);
        let hand = Self::per_sec(self.records, self.hand);
        format!(
            "retention sweep (SQLite, {SWEEP_CONCURRENCY} subjects per commit, synchronous=FULL)\n\
             records expired         {:>10}\n\
             sweep                   {:>10.0} records/s  ({:.2} s)\n\
             bare rusqlite DELETE    {:>10.0} records/s  ({:.2} s)\n\
             hand-rolled sweep       {:>10.0} records/s  ({:.2} s)\n\
             ratio sweep / bare      {:>10.2}  (target >= 0.5)\n\
             ratio sweep / hand      {:>10.2}  (the engine's overhead over its own statements)\n\
             hand-rolled: per subject the stamps select, the due test in Rust, one DELETE by id,\n\
             an access-log row; secure_delete=ON; one truncating checkpoint at the end\n",
            self.records,
            sweep,
            self.sweep.as_secs_f64(),
            bare,
            self.bare.as_secs_f64(),
            hand,
            self.hand.as_secs_f64(),
            sweep / bare,
            sweep / hand
        )
    }
}

fn record(category: &str, value: &str) -> Result<NewRecord> {
    Ok(NewRecord {
        category: CategoryId::parse(category)?,
        value: value.to_owned(),
        source: RecordSource::parse("bench", "source")?,
    })
}

/// Runs both sides in `dir`.
pub(crate) async fn run(dir: &Path, subjects: usize, batch: usize) -> Result<SweepOutcome> {
    let sweep = engine_side(dir, subjects, batch).await?;
    let bare = bare_side(dir, subjects, batch)?;
    let hand = super::sweep_hand::run(dir, subjects, batch)?;
    Ok(SweepOutcome {
        records: (subjects * batch) as u64,
        sweep,
        bare,
        hand,
    })
}

async fn engine_side(dir: &Path, subjects: usize, batch: usize) -> Result<Duration> {
    let url = format!("sqlite://{}", dir.join("sweep-engine.db").display());
    let store = tutela_store::connect(&url)
        .await
        .context("cannot open the engine's database")?;
    let start: Timestamp = "2026-01-01T00:00:00Z".parse()?;
    let clock = Arc::new(ManualClock::new(start));
    let engine = Engine::new(store, clock.clone(), Arc::new(MasterKey::generate()));
    let op = TenantId::parse("operator")?;
    engine
        .bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await?;
    let tenant = TenantId::parse("bench")?;
    engine
        .create_tenant(
            &Principal::local_admin(op, true),
            tenant.clone(),
            "Bench",
            POLICY,
        )
        .await?;
    let who = Principal::local_admin(tenant.clone(), false);
    let kind = SubjectKindId::parse("user")?;
    let purpose = PurposeId::parse("service")?;
    let bar = progress("engine: write subjects".to_owned(), subjects);
    for _ in 0..subjects {
        let mut records = vec![record("note", "kept")?];
        for _ in 0..batch {
            records.push(record("server_log", "GET / 200 Mozilla/5.0")?);
        }
        engine
            .create_subject(&who, &kind, &purpose, records)
            .await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    clock.advance(SignedDuration::from_hours(24 * 91));
    let bar = progress("engine: sweep".to_owned(), subjects);
    let started = Instant::now();
    let report = engine
        .sweep_tenant(&tenant, &|r| bar.set_position(r.subjects_seen))
        .await?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    ensure!(
        report.deleted == (subjects * batch) as u64,
        "the sweep deleted {} records, expected {}",
        report.deleted,
        subjects * batch
    );
    engine.store().close().await?;
    Ok(elapsed)
}

/// When every bare record was collected (µs); due 90 days later.
pub(super) const COLLECTED: i64 = 1_767_225_600_000_000;
/// The first instant the bare records are due.
pub(super) const CUTOFF: i64 = COLLECTED + 90 * 86_400_000_000;

/// A bare database in `file` holding `subjects` subjects with `batch` due
/// log records and one note each, as both hand-written sides start.
pub(super) fn fill_bare(file: &Path, subjects: usize, batch: usize) -> Result<Connection> {
    let mut conn = Connection::open(file)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;
         CREATE TABLE records (subject TEXT NOT NULL, id TEXT NOT NULL, category TEXT NOT NULL,
             value TEXT NOT NULL, collected_at INTEGER NOT NULL, PRIMARY KEY (subject, id));
         CREATE INDEX records_by_age ON records (collected_at, subject);",
    )?;
    let collected = COLLECTED;
    {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO records (subject, id, category, value, collected_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for s in 0..subjects {
                let subject = format!("s{s:08}");
                insert.execute(params![subject, "n", "note", "kept", collected])?;
                for r in 0..batch {
                    insert.execute(params![
                        subject,
                        format!("r{r}"),
                        "server_log",
                        "GET / 200 Mozilla/5.0",
                        collected
                    ])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok(conn)
}

fn bare_side(dir: &Path, subjects: usize, batch: usize) -> Result<Duration> {
    let mut conn = fill_bare(&dir.join("sweep-bare.db"), subjects, batch)?;
    let started = Instant::now();
    let deleted = bare_delete(&mut conn, CUTOFF)?;
    let elapsed = started.elapsed();
    ensure!(deleted == subjects * batch, "bare deleted {deleted} rows");
    Ok(elapsed)
}

/// The timed part of the bare side: the due subjects, then their due rows
/// deleted, [`SWEEP_CONCURRENCY`] subjects per transaction, with no
/// savepoint (the engine's writer, too, tries a group whole and uses
/// savepoints only after a failure). Kept out of line so an instruction
/// profiler can start at it.
#[inline(never)]
fn bare_delete(conn: &mut Connection, cutoff: i64) -> Result<usize> {
    let subjects_due: Vec<String> = {
        let mut select = conn.prepare(
            "SELECT DISTINCT subject FROM records WHERE collected_at <= ?1 AND category = 'server_log'",
        )?;
        let rows = select.query_map(params![cutoff], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut deleted = 0;
    for group in subjects_due.chunks(SWEEP_CONCURRENCY) {
        let tx = conn.transaction()?;
        for subject in group {
            deleted += tx
                .prepare_cached(
                    "DELETE FROM records WHERE subject = ?1 AND category = 'server_log' AND collected_at <= ?2",
                )?
                .execute(params![subject, cutoff])?;
        }
        tx.commit()?;
    }
    Ok(deleted)
}
