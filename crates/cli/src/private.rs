//! Keeping the data directory and the database files private: whoever can
//! read them can copy every wrapped key and ciphertext, and the audit chain
//! with its pseudonyms. The database file is created 0600 by the store
//! (SQLite gives its `-wal` and `-shm` the same mode); here a directory or
//! file that others can read is tightened, and the user is told so.

use std::path::Path;

/// Tightens `dir` to 0700 if group or others have any access to it, and
/// says so on stderr. Not an error if it cannot be changed (another owner):
/// then it warns.
pub fn tighten_dir(dir: &Path) {
    tighten(dir, 0o700, "directory");
}

/// Tightens the SQLite database at `db` and its `-wal`, `-shm` and
/// `-journal` files, those that exist, to 0600, saying so on stderr.
pub fn tighten_database(db: &Path) {
    let Some(name) = db.file_name() else {
        return;
    };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = name.to_os_string();
        file.push(suffix);
        let path = db.with_file_name(file);
        if path.is_file() {
            tighten(&path, 0o600, "file");
        }
    }
}

#[cfg(unix)]
fn tighten(path: &Path, mode: u32, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let current = meta.permissions().mode() & 0o777;
    if current & 0o077 == 0 {
        return;
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        Ok(()) => eprintln!(
            "note: the {what} {} was readable by others (mode {current:o}); it is now {mode:o}",
            path.display()
        ),
        Err(err) => eprintln!(
            "warning: the {what} {} is readable by others (mode {current:o}) and cannot be changed ({err}); \
             make it {mode:o} yourself",
            path.display()
        ),
    }
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _mode: u32, _what: &str) {}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn open_directories_and_files_are_tightened_private_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = data.join("t.db");
        std::fs::write(&db, b"x").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let wal = data.join("t.db-wal");
        std::fs::write(&wal, b"x").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o400)).unwrap();
        tighten_dir(&data);
        tighten_database(&db);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&wal), 0o400, "already private: left as it was");
    }
}
