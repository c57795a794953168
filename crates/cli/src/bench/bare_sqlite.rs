//! The SQLite baseline: the fastest plaintext store a careful user could
//! write with rusqlite, on the same disk with the engine's durability
//! settings. No crypto, no policy, no audit chain.
//!
//! - One writer connection on its own thread, fed by a channel, that
//!   group-commits like the engine's store: it takes everything waiting (at
//!   most [`MAX_BATCH`] calls), runs it in one `BEGIN IMMEDIATE`
//!   transaction, commits once and answers every caller. As in the
//!   engine, a batch is tried whole first; only if a call fails is it run
//!   again with each write call in its own SAVEPOINT, so that one failing
//!   call does not undo the others.
//! - `synchronous = FULL` for a batch holding any data write, `NORMAL` for a
//!   batch of access-log rows only: the engine's rule for its audit entries.
//! - Readers: a pool of [`READERS`] `query_only` connections used on tokio's
//!   blocking threads, each statement prepared once (`prepare_cached`).
//! - The audited read: the select on a reader, then one access-log row
//!   (who, purpose, subject, time) sent to the writer, answered after its
//!   batch commits.

use super::driver::{drive, phase, warm_up};
use super::report::{BareRun, Counts};
use super::workload::SubjectIds;
use super::{Catalog, Counters, Op, Side, Workload};
use anyhow::{Context, Result, anyhow, ensure};
use rusqlite::{Connection, TransactionBehavior, params};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Read connections, as many as the engine's store holds.
const READERS: usize = 8;

/// The most calls committed in one transaction, as in the engine's store.
const MAX_BATCH: usize = 256;

/// The wait for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const CREATE: &str = "
CREATE TABLE subjects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE records (subject TEXT NOT NULL, id TEXT NOT NULL, category TEXT NOT NULL,
    purpose TEXT NOT NULL, value TEXT NOT NULL, collected_at INTEGER NOT NULL,
    PRIMARY KEY (subject, id));
CREATE TABLE access_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, who TEXT NOT NULL,
    purpose TEXT NOT NULL, subject TEXT NOT NULL);";
const INSERT_RECORD: &str = "INSERT INTO records (subject, id, category, purpose, value, collected_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const INSERT_SUBJECT: &str = "INSERT INTO subjects (id, kind, created_at) VALUES (?1, ?2, ?3)";
const INSERT_ACCESS: &str =
    "INSERT INTO access_log (at, who, purpose, subject) VALUES (?1, ?2, ?3, ?4)";
const SELECT: &str =
    "SELECT id, category, purpose, value, collected_at FROM records WHERE subject = ?1";

/// Sets the baseline up at `path`, times its phases and closes it.
pub(crate) async fn run(path: &Path, catalog: Arc<Catalog>, w: &Workload) -> Result<BareRun> {
    let side = Arc::new(BareSqlite::setup(path, catalog, w)?);
    // As the engine's setup does: one row per subject, committed from c
    // callers, so both databases (and their WAL files) have been written
    // to before the timed phases.
    let label = "bare: create subjects".to_owned();
    drive(
        &side,
        label,
        0..w.total(),
        w.concurrency,
        BareSqlite::create_subject,
    )
    .await?;
    warm_up(&side, w).await?;
    let write = phase(&side, "write", w, BareSqlite::write).await?;
    let select = phase(&side, "select", w, BareSqlite::read).await?;
    let audited = phase(&side, "audited read", w, BareSqlite::audited_read).await?;
    let (stored, access_rows) = side.stored_rows().await?;
    ensure!(
        stored == w.total() * w.batch,
        "bare table holds {stored} rows, expected {}",
        w.total() * w.batch
    );
    let counts = side.counts();
    let side = Arc::into_inner(side).context("a bench task still holds the baseline")?;
    side.close()?;
    Ok(BareRun {
        settings: format!(
            "rusqlite, prepared statements (prepare_cached), WAL; one writer thread group-committing up to {MAX_BATCH} calls \
             (tried whole; savepoints per write call only after a failure), data batches synchronous=FULL, access-log-only batches NORMAL; {READERS} read connections"
        ),
        write,
        select,
        audited,
        counts,
        access_rows,
    })
}

/// One row to insert.
struct Record {
    subject: String,
    id: String,
    category: String,
    purpose: String,
    value: String,
    at: i64,
}

/// One access-log row.
struct Access {
    at: i64,
    who: String,
    purpose: String,
    subject: String,
}

/// A call waiting for the writer.
enum Job {
    Subject(String, String, i64, oneshot::Sender<Result<(), String>>),
    Write(Vec<Record>, oneshot::Sender<Result<(), String>>),
    Log(Access, oneshot::Sender<Result<(), String>>),
}

impl Job {
    fn reply(self, outcome: Result<(), String>) {
        let sender = match self {
            Job::Subject(_, _, _, s) | Job::Write(_, s) | Job::Log(_, s) => s,
        };
        let _ = sender.send(outcome);
    }
}

/// The connections readers borrow, one at a time each.
struct ReadPool {
    free: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl ReadPool {
    /// Runs `f` on a free connection on a blocking thread.
    async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self.permits.acquire().await.context("read pool closed")?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let conn = pool
                .free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .context("no free read connection")?;
            let out = f(&conn);
            pool.free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            out.context("bare read failed")
        })
        .await
        .context("a bare read task failed to finish")?
    }
}

/// The baseline side of the bench.
pub(crate) struct BareSqlite {
    jobs: mpsc::Sender<Job>,
    writer: JoinHandle<()>,
    readers: Arc<ReadPool>,
    catalog: Arc<Catalog>,
    purpose: String,
    subjects: SubjectIds,
    batch: usize,
    counters: Counters,
}

fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

impl BareSqlite {
    /// A fresh database at `path` with the records table, an index standing
    /// in for the engine's identifier lookup, and the access log.
    fn setup(path: &Path, catalog: Arc<Catalog>, w: &Workload) -> Result<Self> {
        let conn = open_writer(path)
            .with_context(|| format!("cannot open the bare database at {}", path.display()))?;
        conn.execute_batch(CREATE)
            .context("cannot create the bare tables")?;
        // The category is a parsed policy id (letters, digits, '_', '-', '.'),
        // so it cannot break out of the literal.
        conn.execute_batch(&format!(
            "CREATE UNIQUE INDEX records_identifier ON records (category, value) WHERE category = '{}'",
            catalog.identifier
        ))
        .context("cannot create the bare identifier index")?;
        let readers = (0..READERS)
            .map(|_| open_reader(path))
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("cannot open the bare read connections")?;
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        let writer = std::thread::Builder::new()
            .name("bench-bare-writer".into())
            .spawn(move || write_loop(conn, queue))
            .context("cannot start the bare writer thread")?;
        Ok(Self {
            jobs,
            writer,
            readers: Arc::new(ReadPool {
                free: Mutex::new(readers),
                permits: Semaphore::new(READERS),
            }),
            purpose: catalog.purpose.to_string(),
            catalog,
            subjects: SubjectIds::new(w.total()),
            batch: w.batch,
            counters: Counters::default(),
        })
    }

    fn subject(&self, i: usize) -> Result<&str> {
        self.subjects.get(i)
    }

    fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    async fn submit(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<(), String>>) -> Job,
    ) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(job(reply))
            .await
            .map_err(|_| anyhow!("the bare writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow!("the bare writer stopped before answering"))?
            .map_err(|e| anyhow!("bare commit failed: {e}"))
    }

    /// Selects subject `i`'s rows on a reader and checks their number.
    async fn select(&self, i: usize) -> Result<()> {
        let subject = self.subject(i)?.to_owned();
        let rows = self
            .readers
            .with(move |conn| {
                let mut stmt = conn.prepare_cached(SELECT)?;
                let rows = stmt.query_map([subject], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        ensure!(
            rows.len() == self.batch,
            "bare read {} rows, expected {}",
            rows.len(),
            self.batch
        );
        self.counters.read.fetch_add(rows.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Inserts subject `i`'s row (untimed set-up).
    fn create_subject(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let id = self.subject(i)?.to_owned();
            let at = wall_clock_micros();
            let kind = self.catalog.kind.to_string();
            self.submit(|reply| Job::Subject(id, kind, at, reply)).await
        })
    }

    /// The select, then an access-log row committed before the answer.
    fn audited_read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            self.select(i).await?;
            let access = Access {
                at: wall_clock_micros(),
                who: "bench-service".to_owned(),
                purpose: self.purpose.clone(),
                subject: self.subject(i)?.to_owned(),
            };
            self.submit(|reply| Job::Log(access, reply)).await
        })
    }

    /// Rows in the records table and in the access log.
    async fn stored_rows(&self) -> Result<(usize, usize)> {
        let (records, access) = self
            .readers
            .with(|conn| {
                let count = |table: &str| {
                    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })
                };
                Ok((count("records")?, count("access_log")?))
            })
            .await?;
        Ok((usize::try_from(records)?, usize::try_from(access)?))
    }

    /// Stops the writer (it commits what is queued first) and waits for it.
    fn close(self) -> Result<()> {
        drop(self.jobs);
        self.writer
            .join()
            .map_err(|_| anyhow!("the bare writer thread panicked"))
    }
}

/// The bare baseline is plain SQL outside the engine, written as a user
/// would, stamping rows with the wall clock; a benchmark measures real time
/// anyway.
#[allow(clippy::disallowed_methods)]
pub(crate) fn wall_clock_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

impl Side for BareSqlite {
    fn name(&self) -> &'static str {
        "bare"
    }

    fn write(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let at = wall_clock_micros();
            let rows: Vec<Record> = self
                .catalog
                .batch(i, self.batch)
                .into_iter()
                .map(|(category, value)| Record {
                    subject: subject.to_owned(),
                    id: uuid::Uuid::now_v7().to_string(),
                    category: category.to_string(),
                    purpose: self.purpose.clone(),
                    value,
                    at,
                })
                .collect();
            let n = rows.len();
            self.submit(|reply| Job::Write(rows, reply)).await?;
            self.counters.written.fetch_add(n, Ordering::Relaxed);
            Ok(())
        })
    }

    fn read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move { self.select(i).await })
    }
}

/// The writer thread: group commit until every sender is gone.
fn write_loop(mut conn: Connection, mut queue: mpsc::Receiver<Job>) {
    let mut full = true;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcomes = commit(&mut conn, &batch, &mut full);
        match outcomes {
            Ok(each) => batch.drain(..).zip(each).for_each(|(j, o)| j.reply(o)),
            Err(e) => batch.drain(..).for_each(|j| j.reply(Err(e.to_string()))),
        }
    }
}

/// Commits `batch` in one transaction; the outcome of each call, or the
/// error that rolled the whole batch back.
fn commit(
    conn: &mut Connection,
    batch: &[Job],
    full: &mut bool,
) -> rusqlite::Result<Vec<Result<(), String>>> {
    let wants_full = batch.iter().any(|j| !matches!(j, Job::Log(..)));
    if wants_full != *full {
        let mode = if wants_full { "FULL" } else { "NORMAL" };
        conn.pragma_update(None, "synchronous", mode)?;
        *full = wants_full;
    }
    // As the engine's writer: the batch is tried whole, and only if a call
    // fails is it run again with each write call in its own savepoint.
    let whole = try_commit(conn, batch, false)?;
    if whole.iter().all(Result::is_ok) || batch.len() == 1 {
        return Ok(whole);
    }
    try_commit(conn, batch, true)
}

/// One try at a batch: committed if every call succeeded or `isolate` (each
/// write call in a savepoint) is on; rolled back otherwise.
fn try_commit(
    conn: &mut Connection,
    batch: &[Job],
    isolate: bool,
) -> rusqlite::Result<Vec<Result<(), String>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = match job {
            Job::Write(rows, _) if isolate => in_savepoint(&tx, rows),
            Job::Write(rows, _) => insert_rows(&tx, rows).map_err(|e| e.to_string()),
            Job::Subject(id, kind, at, _) => tx
                .prepare_cached(INSERT_SUBJECT)
                .and_then(|mut s| s.execute(params![id, kind, at]))
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Job::Log(a, _) => tx
                .prepare_cached(INSERT_ACCESS)
                .and_then(|mut s| s.execute(params![a.at, a.who, a.purpose, a.subject]))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        let failed = outcome.is_err();
        outcomes.push(outcome);
        if failed && !isolate {
            // Dropping the transaction rolls the whole try back.
            return Ok(outcomes);
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

/// Inserts `rows` inside a savepoint, rolled back alone if any fails.
fn in_savepoint(conn: &Connection, rows: &[Record]) -> Result<(), String> {
    conn.execute_batch("SAVEPOINT call")
        .map_err(|e| e.to_string())?;
    match insert_rows(conn, rows) {
        Ok(()) => conn
            .execute_batch("RELEASE call")
            .map_err(|e| e.to_string()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO call; RELEASE call");
            Err(e.to_string())
        }
    }
}

fn insert_rows(conn: &Connection, rows: &[Record]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(INSERT_RECORD)?;
    for r in rows {
        stmt.execute(params![
            r.subject, r.id, r.category, r.purpose, r.value, r.at
        ])?;
    }
    Ok(())
}
