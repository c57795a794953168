//! What a file must be before `tutela restore` puts it in place of the
//! database: an intact SQLite database that a Tutela deployment wrote.
//!
//! A restore is the one moment a bad file can be caught before it becomes
//! the live database. An empty file opens as an empty database (and would
//! be migrated into a fresh, empty deployment, every tenant gone); a file
//! with a damaged page opens too, and its junk rows would be served as
//! data. So the file must pass `PRAGMA integrity_check` and hold the
//! master key's check value, which only a Tutela database that was opened
//! with a key has. Whether that value matches this deployment's key is
//! checked afterwards by the engine, on the opened store.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Why a file is not a backup that can be restored.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BackupRefused {
    /// SQLite cannot open or read it at all.
    #[error("the file is not a SQLite database ({0})")]
    NotADatabase(String),
    /// `PRAGMA integrity_check` found damage; the first problem it named.
    #[error("the file is damaged: {0}")]
    Damaged(String),
    /// An intact database, but not one a Tutela deployment wrote (empty,
    /// or another program's): it has no master key check value.
    #[error("the file is not a Tutela database (it has no master key check value)")]
    NotTutela,
}

impl BackupRefused {
    /// The stable code, as the command line prints it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotADatabase(_) => "E_BACKUP_NOT_A_DATABASE",
            Self::Damaged(_) => "E_BACKUP_DAMAGED",
            Self::NotTutela => "E_BACKUP_NOT_TUTELA",
        }
    }
}

/// Checks `path` (an existing file; it is not created) as described above.
/// Opens it read-write only because SQLite may need to create its `-shm`
/// beside a WAL-mode file; nothing is written to the database.
pub fn check_backup(path: &Path) -> Result<(), BackupRefused> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| BackupRefused::NotADatabase(e.to_string()))?;
    let first: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |row| row.get(0))
        .map_err(|e| BackupRefused::NotADatabase(e.to_string()))?;
    if first != "ok" {
        return Err(BackupRefused::Damaged(first));
    }
    let held: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM key_check WHERE id = 1", [], |row| {
            row.get(0)
        })
        .ok();
    match held {
        Some(value) if !value.is_empty() => Ok(()),
        _ => Err(BackupRefused::NotTutela),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn an_empty_file_is_not_a_tutela_backup() {
        let d = dir();
        let file = d.path().join("empty.db");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(check_backup(&file), Err(BackupRefused::NotTutela));
        assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");
    }

    #[test]
    fn text_is_not_a_database() {
        let d = dir();
        let file = d.path().join("hello.db");
        std::fs::write(
            &file,
            b"hello, this is not a database at all, not even close",
        )
        .unwrap();
        let refused = check_backup(&file).unwrap_err();
        assert_eq!(refused.code(), "E_BACKUP_NOT_A_DATABASE", "{refused}");
    }

    #[test]
    fn another_programs_database_is_refused() {
        let d = dir();
        let file = d.path().join("other.db");
        let conn = Connection::open(&file).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        assert_eq!(check_backup(&file), Err(BackupRefused::NotTutela));
    }

    /// A database with a key check value passes; the same file with a
    /// b-tree page overwritten is refused as damaged.
    #[test]
    fn a_damaged_page_is_caught() {
        let d = dir();
        let file = d.path().join("keyed.db");
        let conn = Connection::open(&file).unwrap();
        conn.execute_batch(
            "CREATE TABLE key_check (id INTEGER PRIMARY KEY, value BLOB NOT NULL);
             INSERT INTO key_check VALUES (1, x'0102');
             CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO filler SELECT i, printf('%0100d', i) FROM n;",
        )
        .unwrap();
        drop(conn);
        assert_eq!(check_backup(&file), Ok(()));
        let page = 4096u64;
        let mut f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
        f.seek(SeekFrom::Start(20 * page)).unwrap();
        f.write_all(&[0x0d, 0, 0, 0, 0xff]).unwrap();
        f.write_all(&[0xee; 60]).unwrap();
        drop(f);
        let refused = check_backup(&file).unwrap_err();
        assert_eq!(refused.code(), "E_BACKUP_DAMAGED", "{refused}");
    }
}
