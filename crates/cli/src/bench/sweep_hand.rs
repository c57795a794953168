//! The third side of `tutela bench --sweep`: a sweep written by hand on
//! rusqlite with the engine's shape and the guarantees a careful user
//! would keep, on the same rows as the bare `DELETE`. For each due subject
//! (found through the collection-time index) it reads the subject's record
//! stamps, decides in Rust which are due (the engine's rules are calendar
//! arithmetic, not one SQL cutoff), deletes those by id and appends an
//! access-log row, [`SWEEP_CONCURRENCY`] subjects per transaction, with
//! `secure_delete = ON` and one truncating checkpoint at the end (deleted
//! values leave every file). What the engine adds beyond this (the
//! liveness check, the audit chain's MAC and subject index, the async
//! hand-offs) is its own overhead; the bare `DELETE` ratio also counts the
//! work this shape needs.

use super::sweep::{CUTOFF, fill_bare};
use anyhow::{Result, ensure};
use rusqlite::{Connection, params, params_from_iter};
use std::path::Path;
use std::time::{Duration, Instant};
use tutela_engine::SWEEP_CONCURRENCY;

/// Fills its own database as the bare side does, then times the sweep.
pub(super) fn run(dir: &Path, subjects: usize, batch: usize) -> Result<Duration> {
    let mut conn = fill_bare(&dir.join("sweep-hand.db"), subjects, batch)?;
    conn.execute_batch(
        "PRAGMA secure_delete = ON;
         CREATE TABLE access_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,
             who TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL);",
    )?;
    let started = Instant::now();
    let deleted = hand_sweep(&mut conn)?;
    let elapsed = started.elapsed();
    ensure!(
        deleted == subjects * batch,
        "the hand-rolled sweep deleted {deleted} rows"
    );
    Ok(elapsed)
}

/// The timed part; kept out of line so a profiler can start at it.
#[inline(never)]
fn hand_sweep(conn: &mut Connection) -> Result<usize> {
    let due_subjects: Vec<String> = {
        let mut select =
            conn.prepare("SELECT DISTINCT subject FROM records WHERE collected_at <= ?1")?;
        let rows = select.query_map(params![CUTOFF], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut deleted = 0;
    for group in due_subjects.chunks(SWEEP_CONCURRENCY) {
        let tx = conn.transaction()?;
        for subject in group {
            let due = due_ids(&tx, subject)?;
            if due.is_empty() {
                continue;
            }
            let placeholders: Vec<String> = (0..due.len()).map(|i| format!("?{}", i + 2)).collect();
            let sql = format!(
                "DELETE FROM records WHERE subject = ?1 AND id IN ({})",
                placeholders.join(", ")
            );
            let args = std::iter::once(subject).chain(due.iter());
            deleted += tx.prepare_cached(&sql)?.execute(params_from_iter(args))?;
            tx.prepare_cached(
                "INSERT INTO access_log (at, who, subject, detail) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                CUTOFF,
                "retention",
                subject,
                format!("deleted={}", due.len())
            ])?;
        }
        tx.commit()?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(deleted)
}

/// The ids of the subject's due records, decided on their stamps.
fn due_ids(conn: &Connection, subject: &str) -> Result<Vec<String>> {
    let mut stamps =
        conn.prepare_cached("SELECT id, category, collected_at FROM records WHERE subject = ?1")?;
    let rows = stamps.query_map(params![subject], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut due = Vec::new();
    for row in rows {
        let (id, category, collected_at) = row?;
        if category == "server_log" && collected_at <= CUTOFF {
            due.push(id);
        }
    }
    Ok(due)
}
