//! The embedded default: one SQLite file in WAL mode, driven through
//! rusqlite on threads this module owns, so a read or a commit costs what
//! SQLite and the disk cost, not hand-offs between async tasks.
//!
//! Shape:
//! - one writer connection on a named thread (`writer/`): group commit,
//!   the audit chain heads held in memory, the erasure checkpoint;
//! - a few reader threads (`readers.rs`), each owning a `query_only`
//!   connection with cached prepared statements (`reads.rs`), so reads
//!   never block an async worker. Measured with `tutela bench` against
//!   checking a connection out onto tokio's blocking pool: the same at one
//!   reader, about twice the reads per second at 16 concurrent readers.
//!   Also measured and not kept: running the read on the calling worker
//!   with `block_in_place` (about the same at one reader, half the reads
//!   per second at 16: the runtime hands the worker's core to another
//!   thread on every call), eight reader threads instead of four (no
//!   gain on two cores), and `mmap_size` on the readers (reads about 20%
//!   slower: every commit invalidates a reader's cache, and a mapped page
//!   costs a fault where an unmapped one costs a `pread`);
//! - a checkpoint thread with its own connection (`checkpoint.rs`), so
//!   copying the WAL back into the main file is off the commit path;
//! - forward-only migrations embedded in the binary (`migrate.rs`);
//! - online backups with `VACUUM INTO` on the writer's connection
//!   (`backup.rs`), and a shared lock on `<database>-lock` held while the
//!   store is open, so `tutela restore` never replaces a file in use
//!   (`in_use.rs`);
//! - the plan executor (`exec.rs`) and the `Store` impl (`store.rs`).
//!
//! Settings, and why:
//! - `journal_mode = WAL`: readers never block the writer, nor it them.
//! - `synchronous = FULL` for every batch that writes data: the WAL is
//!   synced at commit, so a crash or a power cut loses no acknowledged
//!   write. Batches of audit entries only use `NORMAL` (see `writer/`).
//! - `secure_delete = ON`: deleted content (an erased subject's records and
//!   wrapped key) is overwritten with zeros, not left in free pages.
//! - `temp_store = MEMORY`: the journals SQLite keeps to undo one
//!   statement or one savepoint (a copy of every page the change touches,
//!   erased values included) and any temporary sort stay in memory. With
//!   the default they spill past 64 KiB to an unlinked file in the system's
//!   temporary directory, whose freed blocks would still hold those pages:
//!   a file outside Tutela's own that erasure could not reach. It is also
//!   faster (a retention sweep ~10% on tmpfs).
//! - `foreign_keys = ON`: a write naming a missing subject fails.
//! - `busy_timeout` (10 s): another process holding the lock (a CLI run
//!   beside the server) makes us wait instead of failing at once.
//! - `wal_autocheckpoint = 0` on the writer: SQLite would otherwise
//!   checkpoint inside the commit that crosses 1000 pages, making that
//!   caller wait for a copy of the WAL and two fsyncs. The checkpoint
//!   thread does it instead once the WAL passes [`WAL_SOFT_LIMIT`].
//! - `journal_size_limit` = [`WAL_SOFT_LIMIT`]: when the WAL restarts after
//!   a complete checkpoint, its file is cut back to this size, so the file
//!   size is a fair measure of how much is waiting to be checkpointed.
//! - readers are `query_only`: no read path can write.
//! - the file is created 0600 (see [`create_private`]), and with it the
//!   `-wal` and `-shm` files.
//! - each connection caches [`STATEMENT_CACHE`] prepared statements: every
//!   fixed statement, the per-count record and identifier inserts, and the
//!   per-count category filters of the subject load.

mod backup;
mod checkpoint;
mod consent_reads;
mod delivery_reads;
mod exec;
mod hold_reads;
pub mod in_use;
pub(crate) mod migrate;
mod notice_reads;
mod readers;
mod reads;
mod report_reads;
mod request_reads;
pub mod restore_check;
mod retention_reads;
mod store;
mod survey_reads;
mod wal_size;
mod writer;

use crate::error::{internal, sqlite};
use crate::sql;
use readers::Readers;
use rusqlite::{CachedStatement, Connection};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tutela_engine::store::StoreError;
use writer::Writer;

/// How long a connection waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How many reader threads (and connections) the store keeps.
const READERS: usize = 4;

/// Prepared statements each connection keeps: about 40 fixed statements,
/// up to 100 shapes each of the record insert, the identifier insert and
/// the category-filtered subject load, and room to spare.
const STATEMENT_CACHE: usize = 384;

/// Past this many bytes of WAL the checkpoint thread copies it back into
/// the main file (a PASSIVE checkpoint: it never waits for readers).
pub(crate) const WAL_SOFT_LIMIT: u64 = 4 * 1024 * 1024;

/// Past this many bytes the writer itself checkpoints and truncates the WAL
/// before its next batch, waiting for readers if it must, so constant reads
/// cannot let the WAL grow without bound.
pub(crate) const WAL_HARD_LIMIT: u64 = 64 * 1024 * 1024;

/// A [`Store`](tutela_engine::store::Store) in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    readers: Arc<Readers>,
    writer: Writer,
    /// The shared in-use lock ([`in_use`]), held while the store lives.
    _in_use: std::fs::File,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path` and
    /// brings its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .map_err(|_| internal("open sqlite", "the opening thread stopped"))?
    }

    fn open_blocking(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let in_use = in_use::share(path)?;
        let mut conn = open_writer(path).map_err(|e| sqlite("open sqlite writer", &e))?;
        migrate::run(&mut conn)?;
        let readers = Readers::open(path, READERS)?;
        let checkpointer = checkpoint::Checkpointer::spawn(path)?;
        let writer = Writer::spawn(conn, checkpointer)?;
        Ok(Self {
            readers,
            writer,
            _in_use: in_use,
        })
    }
}

/// The WAL file beside the database.
#[cfg(test)]
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Creates the database file, if missing, readable by its owner only
/// (0600 on unix) before SQLite opens it: SQLite then gives the `-wal` and
/// `-shm` files it creates the same mode. An existing file is left as it is.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => Err(internal(
            "create sqlite file",
            "the database file could not be created",
        )),
    }
}

thread_local! {
    /// Each statement's text as SQLite runs it ([`sql::for_sqlite`]), by
    /// the text the plans and reads use: rewritten once per thread, not on
    /// every execution. Bounded like the statement cache it feeds.
    static REWRITTEN: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// `prepare_cached` of `text` with its `$n` placeholders rewritten to `?n`,
/// the rewrite itself cached too (see [`REWRITTEN`]).
fn prepare<'c>(conn: &'c Connection, text: &str) -> rusqlite::Result<CachedStatement<'c>> {
    REWRITTEN.with_borrow_mut(|cache| {
        if let Some(rewritten) = cache.get(text) {
            return conn.prepare_cached(rewritten);
        }
        if cache.len() >= STATEMENT_CACHE {
            cache.clear();
        }
        let rewritten = sql::for_sqlite(text);
        let statement = conn.prepare_cached(&rewritten);
        cache.insert(text.to_owned(), rewritten);
        statement
    })
}

/// Settings every connection shares.
fn open_common(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Statement and savepoint journals never go to a temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// The writer's connection (see the module docs for why each setting).
fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open_common(path)?;
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let limit = i64::try_from(WAL_SOFT_LIMIT).unwrap_or(i64::MAX);
    let _limit: i64 =
        conn.pragma_update_and_check(None, "journal_size_limit", limit, |row| row.get(0))?;
    Ok(conn)
}

/// A reader's connection: `query_only`, so no read path can write.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open_common(path)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(conn: &Connection, name: &str) -> i64 {
        conn.pragma_query_value(None, name, |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn connections_use_the_documented_settings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        create_private(&path).unwrap();
        let w = open_writer(&path).unwrap();
        let mode: String = w
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(pragma(&w, "synchronous"), 2, "FULL");
        assert_eq!(pragma(&w, "secure_delete"), 1);
        assert_eq!(pragma(&w, "foreign_keys"), 1);
        assert_eq!(pragma(&w, "busy_timeout"), 10_000);
        assert_eq!(pragma(&w, "wal_autocheckpoint"), 0);
        assert_eq!(pragma(&w, "journal_size_limit"), 4 * 1024 * 1024);
        assert_eq!(pragma(&w, "temp_store"), 2, "MEMORY");
        w.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();

        let r = open_reader(&path).unwrap();
        assert_eq!(pragma(&r, "query_only"), 1);
        assert_eq!(pragma(&r, "foreign_keys"), 1);
        assert_eq!(pragma(&r, "temp_store"), 2, "MEMORY");
        assert!(r.execute("INSERT INTO t VALUES (1)", []).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        create_private(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
