//! Online backups: `VACUUM INTO` a new file, on the writer's connection
//! between two batches, while readers (of this and other processes) go on.
//!
//! Why `VACUUM INTO` and not the page-copying backup API: it rebuilds the
//! database from its live rows into fresh pages, so nothing freed is copied.
//! A page or cell freed by an erasure (already zeroed by `secure_delete`)
//! and the free-page list itself never reach the backup, and the snapshot
//! reads through the WAL, so it holds every committed change and no
//! uncommitted one (it is one read transaction). A test scans a fresh
//! backup for an erased subject's wrapped key and blind indexes.

use crate::error::{internal, sqlite};
use rusqlite::Connection;
use std::fs::File;
use std::path::Path;
use tutela_engine::store::StoreError;

/// Writes a snapshot of `conn`'s database to `target`, which must not
/// exist: it is created here first, empty and 0600 on unix (SQLite keeps
/// the mode of a file it opens, and `VACUUM INTO` accepts an empty one),
/// so the refusal of an existing file is atomic and nothing is
/// overwritten. The snapshot is synced to disk before this returns; on
/// failure the new file is removed again.
pub(crate) fn vacuum_into(conn: &Connection, target: &Path) -> Result<(), StoreError> {
    let text = target
        .to_str()
        .ok_or_else(|| internal("backup", "the backup path is not valid UTF-8"))?;
    create_private(target)?;
    let written = conn
        .execute("VACUUM INTO ?1", [text])
        .map_err(|e| sqlite("backup", &e))
        .and_then(|_| sync(target));
    if written.is_err() {
        let _ = std::fs::remove_file(target);
    }
    written
}

/// Creates `target` empty and private; an existing file is a `Conflict`.
fn create_private(target: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(target) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(StoreError::Conflict {
            what: "the backup file",
        }),
        Err(_) => Err(internal("backup", "the backup file could not be created")),
    }
}

/// fsyncs the finished file and, on unix, its directory entry.
fn sync(target: &Path) -> Result<(), StoreError> {
    let failed = |_| internal("backup", "the backup file could not be synced");
    File::open(target)
        .and_then(|f| f.sync_all())
        .map_err(failed)?;
    #[cfg(unix)]
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(failed)?;
    }
    Ok(())
}
