//! WAL checkpoints: the background one that keeps them off the commit
//! path, and the truncating one the writer runs itself.
//!
//! The writer commits with `wal_autocheckpoint = 0`, so no caller waits
//! for a checkpoint inside its commit. After each batch the writer looks at
//! the WAL's size as SQLite reported it (`wal_size.rs`): past
//! [`WAL_SOFT_LIMIT`](super::WAL_SOFT_LIMIT), once per step of growth, it
//! wakes the [`Checkpointer`], a thread with its own connection that runs
//! `PRAGMA wal_checkpoint(PASSIVE)`: it copies what no reader still needs
//! into the main file and never waits for anyone. Once a checkpoint has
//! copied everything, the next commit starts the WAL over (and cuts the
//! file back to the soft limit). Readers that never let go could stop that
//! for ever; so past [`WAL_HARD_LIMIT`](super::WAL_HARD_LIMIT) the writer
//! runs [`truncate`] before its next batch, waiting for readers.

use super::open_common;
use crate::error::{internal, sqlite};
use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;
use tutela_engine::store::StoreError;

/// How many times a truncating checkpoint is tried before giving up for
/// now (each try waits up to the busy timeout for readers).
const TRIES: u32 = 3;

/// The pause between tries.
const PAUSE: Duration = Duration::from_millis(50);

/// The background checkpoint thread; stops when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens its connection and starts the thread `tutela-sqlite-checkpoint`.
    pub(crate) fn spawn(path: &Path) -> Result<Self, StoreError> {
        let conn = open_common(path).map_err(|e| sqlite("open sqlite checkpointer", &e))?;
        // One pending wake-up is enough: a checkpoint copies all there is.
        let (wake, asleep) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("tutela-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &asleep))
            .map_err(|_| internal("open sqlite", "the checkpoint thread could not start"))?;
        Ok(Self {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a passive checkpoint soon; never blocks.
    pub(crate) fn wake(&self) {
        if let Some(wake) = &self.wake {
            match wake.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!("the sqlite checkpoint thread has stopped");
                }
            }
        }
    }

    /// Stops the thread and waits for it, so no checkpoint of its own runs
    /// past this point.
    pub(crate) fn stop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the sqlite checkpoint thread panicked");
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(conn: &Connection, asleep: &Receiver<()>) {
    while asleep.recv().is_ok() {
        if let Err(err) = passive(conn) {
            log_failure(
                &err,
                "a background WAL checkpoint failed; the next one retries",
            );
        }
    }
}

/// `PRAGMA wal_checkpoint(PASSIVE)`: copies what it can without waiting.
fn passive(conn: &Connection) -> Result<(), StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .map_err(|e| sqlite("checkpoint", &e))
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`: copies every committed page into the
/// main file and truncates the WAL to zero bytes, so no older version of a
/// page (an erased key, a deleted ciphertext) survives in it. SQLite
/// reports "busy" when a reader still needs an old snapshot (after waiting
/// up to the busy timeout); that is retried a bounded number of times.
pub(crate) fn truncate(conn: &Connection) -> Result<(), StoreError> {
    for attempt in 1..=TRIES {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .map_err(|e| sqlite("checkpoint", &e))?;
        if busy == 0 {
            return Ok(());
        }
        if attempt < TRIES {
            // Waiting for other connections to let go is the point here.
            #[allow(clippy::disallowed_methods)]
            std::thread::sleep(PAUSE);
        }
    }
    Err(internal(
        "checkpoint",
        "readers kept the write-ahead log busy",
    ))
}

/// Logs a checkpoint failure's cause (never a value: SQLite's messages
/// name files and tables only).
pub(crate) fn log_failure(err: &StoreError, what: &'static str) {
    if let Some(cause) = std::error::Error::source(err) {
        tracing::error!(%cause, "{what}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_empties_the_wal_and_a_reader_in_a_snapshot_blocks_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let w = super::super::open_writer(&path).unwrap();
        w.execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(10000))")
            .unwrap();
        let wal = super::super::wal_path(&path);
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        truncate(&w).unwrap();
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);

        w.execute("INSERT INTO t VALUES (zeroblob(10000))", [])
            .unwrap();
        let r = super::super::open_reader(&path).unwrap();
        r.busy_timeout(Duration::from_millis(10)).unwrap();
        w.busy_timeout(Duration::from_millis(10)).unwrap();
        r.execute_batch("BEGIN; SELECT COUNT(*) FROM t;").unwrap();
        w.execute("INSERT INTO t VALUES (zeroblob(10000))", [])
            .unwrap();
        assert!(truncate(&w).is_err(), "a reader holds an old snapshot");
        r.execute_batch("COMMIT").unwrap();
        truncate(&w).unwrap();
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
    }
}
