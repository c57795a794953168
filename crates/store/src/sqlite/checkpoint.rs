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
//!
//! A background checkpoint alone rarely lets the WAL restart under steady
//! writes: by the time it has copied the log, the writer has appended more,
//! so the log is never wholly copied, every commit extends the file, and it
//! grows to the hard limit. So the thread reports how far it copied
//! ([`Checkpointer::take_copied`]), and the writer finishes the job between
//! two batches: if at most [`FINISH_MAX_FRAMES`] frames are left, it runs a
//! passive checkpoint on its own connection (copying only those frames),
//! after which its next commit starts the WAL over. A bounded wait for one
//! batch, once per soft limit of WAL, instead of an unbounded file.

use super::open_common;
use crate::error::{internal, sqlite};
use rusqlite::Connection;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;
use tutela_engine::store::StoreError;

/// How many times a truncating checkpoint is tried before giving up for
/// now (each try waits up to the busy timeout for readers).
const TRIES: u32 = 3;

/// The pause between tries.
const PAUSE: Duration = Duration::from_millis(50);

/// The most WAL frames (about 2 MiB) the writer copies itself to finish a
/// background checkpoint; more, and it wakes the thread again instead.
pub(crate) const FINISH_MAX_FRAMES: u64 = 512;

/// No background checkpoint has finished since the writer last looked.
const NOT_COPIED: u64 = u64::MAX;

/// The background checkpoint thread; stops when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The WAL frames the last finished checkpoint had copied, or
    /// [`NOT_COPIED`].
    copied: Arc<AtomicU64>,
}

impl Checkpointer {
    /// Opens its connection and starts the thread `tutela-sqlite-checkpoint`.
    pub(crate) fn spawn(path: &Path) -> Result<Self, StoreError> {
        let conn = open_common(path).map_err(|e| sqlite("open sqlite checkpointer", &e))?;
        // One pending wake-up is enough: a checkpoint copies all there is.
        let (wake, asleep) = sync_channel(1);
        let copied = Arc::new(AtomicU64::new(NOT_COPIED));
        let report = Arc::clone(&copied);
        let thread = std::thread::Builder::new()
            .name("tutela-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &asleep, &report))
            .map_err(|_| internal("open sqlite", "the checkpoint thread could not start"))?;
        Ok(Self {
            wake: Some(wake),
            thread: Some(thread),
            copied,
        })
    }

    /// How many WAL frames the checkpoint that finished since the last call
    /// copied, if one did.
    pub(crate) fn take_copied(&self) -> Option<u64> {
        match self.copied.swap(NOT_COPIED, Ordering::AcqRel) {
            NOT_COPIED => None,
            frames => Some(frames),
        }
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

fn run(conn: &Connection, asleep: &Receiver<()>, copied: &AtomicU64) {
    while asleep.recv().is_ok() {
        match passive(conn) {
            Ok(frames) => copied.store(frames, Ordering::Release),
            Err(err) => log_failure(
                &err,
                "a background WAL checkpoint failed; the next one retries",
            ),
        }
    }
}

/// `PRAGMA wal_checkpoint(PASSIVE)`: copies what it can without waiting,
/// and says how many WAL frames are copied now.
pub(crate) fn passive(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(2)
    })
    .map(|frames| u64::try_from(frames).unwrap_or(0))
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
