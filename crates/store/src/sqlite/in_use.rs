//! Whether a database file is in use by a Tutela process. Every open
//! [`SqliteStore`](super::SqliteStore) (the server, and any CLI command
//! beside it) holds a shared lock on `<database>-lock` for as long as it
//! is open; `tutela restore` takes the exclusive lock before it replaces the
//! file, and holds it until the new file is in place. So a restore under a
//! running server is refused instead of pulling the file from under it (the
//! server would go on acknowledging writes into a file no longer there),
//! and a server cannot start half way through a restore.
//!
//! The lock is `flock(2)` on a file of its own, not on the database: SQLite
//! takes POSIX locks on the database file, and on a network file system
//! `flock` is emulated with them, where it would clash with SQLite's.

use crate::error::internal;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use tutela_engine::store::StoreError;

/// `tutela.db-lock` beside `tutela.db` (as SQLite's own `-wal`, `-shm`).
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

/// Opens (creating it 0600 if missing) the lock file of `db`.
fn open(db: &Path) -> Result<File, StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(lock_path(db))
        .map_err(|_| internal("open sqlite", "the database's lock file cannot be opened"))
}

/// The shared lock an open store holds: any number of processes may use the
/// database together; only a restore is kept out. Released when dropped.
pub(crate) fn share(db: &Path) -> Result<File, StoreError> {
    let file = open(db)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(internal(
            "open sqlite",
            "the database is being restored by `tutela restore`; start again once it has finished",
        )),
        Err(TryLockError::Error(_)) => Err(internal(
            "open sqlite",
            "the database's lock file cannot be locked",
        )),
    }
}

/// Why the database cannot be taken for itself alone.
#[derive(Debug, thiserror::Error)]
pub enum ExclusiveError {
    /// A server or another command has it open.
    #[error("the database is in use by a running Tutela (a server or another command)")]
    InUse,
    /// The lock file could not be opened or locked.
    #[error("the database's lock file cannot be opened or locked")]
    Lock,
}

/// The database for this process alone, for as long as the returned file
/// lives: refused at once, without waiting, while any store has it open.
/// For `tutela restore`, which must not replace a file a server uses.
pub fn exclusive(db: &Path) -> Result<File, ExclusiveError> {
    let file = open(db).map_err(|_| ExclusiveError::Lock)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(ExclusiveError::InUse),
        Err(TryLockError::Error(_)) => Err(ExclusiveError::Lock),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_share_keeps_the_exclusive_lock_out_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let first = share(&db).unwrap();
        let second = share(&db).expect("shares do not exclude each other");
        assert!(matches!(exclusive(&db), Err(ExclusiveError::InUse)));
        drop(first);
        assert!(matches!(exclusive(&db), Err(ExclusiveError::InUse)));
        drop(second);
        let only = exclusive(&db).expect("free once every share is gone");
        assert!(share(&db).is_err(), "no store opens during a restore");
        drop(only);
        share(&db).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.db");
        let _held = share(&db).unwrap();
        let mode = std::fs::metadata(lock_path(&db))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
