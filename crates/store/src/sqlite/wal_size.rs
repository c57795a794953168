//! How big the WAL is, told by SQLite after each commit instead of asked
//! of the file system, and when that is worth a checkpoint.
//!
//! The `-wal` file's size is a poor measure: it does not shrink when a
//! checkpoint has copied everything (the next commit starts writing at the
//! front again), so once past the soft limit it stays past it, and waking
//! the checkpoint thread on it woke it after every batch, copying a few
//! pages each time and competing with commits for the disk. SQLite's WAL
//! hook reports, after every commit, the frames the log holds now (back to
//! a few after a restart). The writer wakes the checkpoint thread when
//! that passes the soft limit and has grown by [`WAKE_STEP`] frames since
//! the last wake-up, so a checkpoint that could not finish (a reader
//! holds an old snapshot) is tried again only after more has been written.

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use std::cell::Cell;
use std::os::raw::c_int;

/// Bytes one WAL frame takes: a 4 KiB page and its 24-byte frame header.
pub(crate) const FRAME_BYTES: u64 = 4096 + 24;

/// Frames written between two wake-ups of the checkpoint thread once past
/// the soft limit (1 MiB of WAL).
const WAKE_STEP: u64 = 256;

thread_local! {
    /// Frames in the WAL after the last commit on this thread's
    /// connection (the writer's: only it commits).
    static FRAMES: Cell<u64> = const { Cell::new(0) };
}

/// Installs the hook on the writer's connection; it must be called on the
/// thread that commits (it records into that thread's [`FRAMES`]), and
/// after `wal_autocheckpoint` is set, which replaces any WAL hook.
pub(crate) fn watch(conn: &Connection) {
    conn.wal_hook(Some(record));
}

fn record(_wal: &Wal, frames: c_int) -> rusqlite::Result<()> {
    FRAMES.set(u64::try_from(frames).unwrap_or(0));
    Ok(())
}

/// Records that this thread truncated the WAL (a checkpoint is no commit,
/// so the hook does not see it).
pub(crate) fn truncated() {
    FRAMES.set(0);
}

/// The WAL's frames after this thread's last commit.
pub(crate) fn frames() -> u64 {
    FRAMES.get()
}

/// The WAL's size in bytes after this thread's last commit.
pub(crate) fn bytes() -> u64 {
    frames().saturating_mul(FRAME_BYTES)
}

/// What the writer should do about the WAL after a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// Nothing.
    Nothing,
    /// Wake the background (passive) checkpoint.
    Wake,
    /// Checkpoint and truncate now, waiting for readers.
    Truncate,
}

/// Decides from the WAL's size now and at the last wake-up (`woken`,
/// updated here): pure, so the hysteresis is tested without a database.
pub(crate) fn due(bytes: u64, woken: &mut Option<u64>, soft: u64, hard: u64) -> Due {
    if bytes > hard {
        *woken = None;
        return Due::Truncate;
    }
    if bytes <= soft {
        // Restarted (or never grew): the next crossing wakes at once.
        *woken = None;
        return Due::Nothing;
    }
    match *woken {
        Some(at) if bytes < at.saturating_add(WAKE_STEP * FRAME_BYTES) && bytes >= at => {
            Due::Nothing
        }
        _ => {
            *woken = Some(bytes);
            Due::Wake
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOFT: u64 = 100 * FRAME_BYTES;
    const HARD: u64 = 10_000 * FRAME_BYTES;
    const STEP: u64 = WAKE_STEP * FRAME_BYTES;

    #[test]
    fn wakes_once_per_step_of_growth_past_the_soft_limit() {
        let mut woken = None;
        assert_eq!(due(SOFT, &mut woken, SOFT, HARD), Due::Nothing);
        assert_eq!(due(SOFT + 1, &mut woken, SOFT, HARD), Due::Wake);
        assert_eq!(due(SOFT + 2, &mut woken, SOFT, HARD), Due::Nothing);
        assert_eq!(due(SOFT + STEP, &mut woken, SOFT, HARD), Due::Nothing);
        assert_eq!(due(SOFT + STEP + 1, &mut woken, SOFT, HARD), Due::Wake);
        assert_eq!(due(HARD + 1, &mut woken, SOFT, HARD), Due::Truncate);
        assert_eq!(due(HARD + 1, &mut woken, SOFT, HARD), Due::Truncate);
    }

    #[test]
    fn a_restarted_wal_wakes_again_at_the_next_crossing() {
        let mut woken = None;
        assert_eq!(due(SOFT + STEP, &mut woken, SOFT, HARD), Due::Wake);
        assert_eq!(due(FRAME_BYTES, &mut woken, SOFT, HARD), Due::Nothing);
        assert_eq!(due(SOFT + 1, &mut woken, SOFT, HARD), Due::Wake);
    }

    #[test]
    fn the_hook_reports_the_frames_of_the_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = super::super::open_writer(&path).unwrap();
        watch(&conn);
        conn.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let before = bytes();
        conn.execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap();
        assert!(bytes() >= before + 100_000, "{before} then {}", bytes());
        super::super::checkpoint::truncate(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(bytes() < 100_000, "the WAL restarted: {}", bytes());
    }
}
