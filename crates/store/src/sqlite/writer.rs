//! The one writer: a named thread (`tutela-sqlite-writer`) that owns the
//! write connection and commits changes in groups, each batch in one
//! transaction:
//!
//! 1. callers send their change, with a clone of their audit chain and a
//!    oneshot for the answer, over a channel;
//! 2. the thread waits for the first message, takes whatever else is
//!    pending (at most [`MAX_BATCH`]), opens `BEGIN IMMEDIATE`, and runs
//!    each change's [plan](crate::plan) inside its own SAVEPOINT, so a
//!    change that fails (a conflict, a missing row) is rolled back alone (a
//!    change alone in its batch needs none, nor does one that only appends
//!    audit entries, which cannot conflict);
//! 3. it links audit entries onto each tenant's chain head held in memory:
//!    loaded once per tenant from `audit_heads`, moved only when a
//!    change's savepoint is released and its batch commits, and forgotten
//!    if a batch fails or another connection committed in between
//!    (`PRAGMA data_version`, read at each batch, tells). A batch writes
//!    one head update per tenant, not one per change;
//! 4. it commits once and only then answers every caller. If the commit
//!    fails, every caller of the batch gets the error: nothing was written.
//!
//! A caller that stops waiting does not withdraw its change: once sent, it
//! is committed or fails with its batch.
//!
//! Durability: a batch that writes data commits with `synchronous = FULL`
//! (fsync before the callers hear back). A batch holding nothing but audit
//! entries (reads, lookups, refusals) commits with `synchronous = NORMAL`:
//! the entries are in the WAL before the caller hears back, so they survive
//! a crash of the process, and the next data batch's fsync (or a
//! checkpoint) puts them on disk, in order, since the WAL is sequential.
//! This is the guarantee of an append-only audit log file without a per-line
//! fsync; it keeps a read from costing a disk flush. A power cut can lose
//! the audit entries of reads answered since the last data commit or
//! checkpoint; never a data write.
//!
//! Erasure: a committed erasure still leaves the subject's wrapped key,
//! ciphertexts and blind indexes in older frames of the WAL. So after
//! committing a batch that erased a subject, and before answering anyone,
//! the thread runs `PRAGMA wal_checkpoint(TRUNCATE)`: every page goes back
//! to the main file (where `secure_delete` has zeroed the freed cells) and
//! the WAL is cut to zero bytes. A reader holding an old snapshot makes
//! the checkpoint wait (busy timeout) and it is retried a few times; if
//! readers still block it, the error is logged and the checkpoint is
//! retried after every following batch until it succeeds.
//!
//! WAL size: after answering, the thread wakes the checkpoint thread once
//! the WAL passes the soft limit and has grown by a step since the last
//! wake-up, and truncates it itself past the hard limit (see
//! `checkpoint.rs`). The size is what SQLite's WAL hook reported at the
//! last commit (`wal_size.rs`), not a file system call per batch.
//!
//! Closing ([`Writer::close`]) commits what is queued, stops the
//! checkpoint thread, checkpoints and truncates the WAL and closes the
//! connection, so the main file alone is the database. Dropping every
//! handle does the same.

use super::checkpoint::{self, Checkpointer};
use super::exec;
use super::wal_size::{self, Due};
use crate::error::{internal, shared, sqlite};
use crate::plan;
use crate::sql;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::deliveries::DeliveryRow;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError, Write};

/// The one audit lane SQLite uses: its single writer never needs another.
const LANE: u32 = 0;

/// The most changes committed in one transaction.
pub(crate) const MAX_BATCH: usize = 256;

/// How many changes may wait for the writer before callers wait to send.
const QUEUE: usize = 4 * MAX_BATCH;

type Outcome = Result<Vec<AuditEntry>, StoreError>;

/// One caller's change, waiting for the writer.
struct Job {
    tenant: TenantId,
    change: Change,
    chain: AuditChain,
    reply: oneshot::Sender<Outcome>,
}

/// What callers send the writer thread.
enum Msg {
    /// Commit this change.
    Apply(Job),
    /// Commit these changes in the same batch (at most [`MAX_BATCH`]).
    ApplyAll(Vec<Job>),
    /// Commit what is queued, checkpoint, close the connection, then reply.
    Close(oneshot::Sender<Result<(), StoreError>>),
    /// Store the master key check value unless one is there, then reply.
    KeyCheck([u8; 32], oneshot::Sender<Result<(), StoreError>>),
    /// Write a snapshot to this new file (`backup.rs`), then reply.
    Backup(PathBuf, oneshot::Sender<Result<(), StoreError>>),
    /// Claim due notices (`delivery_reads::claim`), then reply.
    Claim(Claim),
}

/// A claim of due notices: the tenant, now, the lease's end, the limit.
struct Claim {
    tenant: TenantId,
    now: jiff::Timestamp,
    until: jiff::Timestamp,
    limit: u32,
    reply: oneshot::Sender<Result<Vec<DeliveryRow>, StoreError>>,
}

/// The handle callers use to reach the writer thread.
#[derive(Debug)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer thread on `conn`. The thread ends, checkpointing
    /// and closing the connection, once closed or once every handle is
    /// dropped.
    pub(crate) fn spawn(conn: Connection, checkpointer: Checkpointer) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let state = State {
            conn,
            heads: HashMap::new(),
            sync: Sync::Full,
            data_version: None,
            truncate_due: false,
            woken_at: None,
            checkpointer,
        };
        let thread = std::thread::Builder::new()
            .name("tutela-sqlite-writer".into())
            .spawn(move || run(state, queue))
            .map_err(|_| internal("open sqlite", "the writer thread could not start"))?;
        Ok(Self {
            jobs,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Hands `change` to the writer and waits until its batch committed.
    pub(crate) async fn apply(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
    ) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant: tenant.clone(),
            change,
            chain: chain.clone(),
            reply,
        };
        self.jobs
            .send(Msg::Apply(job))
            .await
            .map_err(|_| internal("apply", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("apply", "the writer stopped before answering"))?
    }

    /// Hands `changes` to the writer in messages of at most [`MAX_BATCH`],
    /// so each message's changes commit in the same batch (each in its own
    /// savepoint, one sync for all), and waits for every answer, in order.
    pub(crate) async fn apply_all(
        &self,
        tenant: &TenantId,
        changes: Vec<Change>,
        chain: &AuditChain,
    ) -> Vec<Outcome> {
        let mut answers = Vec::with_capacity(changes.len());
        let mut jobs: Vec<Job> = Vec::with_capacity(changes.len().min(MAX_BATCH));
        let mut changes = changes.into_iter().peekable();
        while let Some(change) = changes.next() {
            let (reply, answer) = oneshot::channel();
            jobs.push(Job {
                tenant: tenant.clone(),
                change,
                chain: chain.clone(),
                reply,
            });
            answers.push(answer);
            if jobs.len() == MAX_BATCH || changes.peek().is_none() {
                // A refused send drops the jobs' replies: their answers
                // below then say the writer stopped.
                let _ = self
                    .jobs
                    .send(Msg::ApplyAll(std::mem::take(&mut jobs)))
                    .await;
            }
        }
        let mut outcomes = Vec::with_capacity(answers.len());
        for answer in answers {
            outcomes.push(
                answer.await.unwrap_or_else(|_| {
                    Err(internal("apply", "the writer stopped before answering"))
                }),
            );
        }
        outcomes
    }

    /// Is the writer thread still taking changes?
    pub(crate) fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Stores the master key check value unless one is stored already.
    pub(crate) async fn insert_key_check(&self, value: [u8; 32]) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Msg::KeyCheck(value, reply))
            .await
            .map_err(|_| internal("key_check", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("key_check", "the writer stopped before answering"))?
    }

    /// Writes a snapshot of the database to the new file `target` on the
    /// writer's own connection, between two batches.
    pub(crate) async fn backup_to(&self, target: PathBuf) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Msg::Backup(target, reply))
            .await
            .map_err(|_| internal("backup", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("backup", "the writer stopped before answering"))?
    }

    /// Claims up to `limit` of the tenant's due notices until `until`,
    /// between two batches: the one writer serialises claimers, so two
    /// never get the same notice.
    pub(crate) async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let claim = Claim {
            tenant: tenant.clone(),
            now,
            until,
            limit,
            reply,
        };
        self.jobs
            .send(Msg::Claim(claim))
            .await
            .map_err(|_| internal("deliveries", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("deliveries", "the writer stopped before answering"))?
    }

    /// Commits what is queued, checkpoints the WAL into the main file
    /// (truncating it) and closes the connection. Later changes fail.
    /// Closing a closed writer is a no-op.
    pub(crate) async fn close(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Msg::Close(reply)).await.is_err() {
            return Ok(());
        }
        let closed = answer.await.unwrap_or(Ok(()));
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            // The thread has answered and is returning; wait for it off the
            // async runtime so its connection is closed when we return.
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        closed
    }
}

/// Everything the writer thread owns.
struct State {
    conn: Connection,
    /// Each tenant's chain head as committed (`None`: an empty chain).
    heads: HashMap<TenantId, Option<AuditHead>>,
    sync: Sync,
    /// `PRAGMA data_version` after our last batch: it changes when another
    /// connection (another process) commits, and then `heads` is stale.
    data_version: Option<i64>,
    /// An erasure committed but its truncating checkpoint has not run yet.
    truncate_due: bool,
    /// The WAL's size when the checkpoint thread was last woken, while it
    /// stays past the soft limit.
    woken_at: Option<u64>,
    checkpointer: Checkpointer,
}

fn run(mut state: State, mut queue: mpsc::Receiver<Msg>) {
    wal_size::watch(&state.conn);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    while let Some(first) = queue.blocking_recv() {
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Apply(job) => batch.push(job),
                Msg::ApplyAll(jobs) => batch.extend(jobs),
                Msg::KeyCheck(value, reply) => {
                    let _ = reply.send(state.insert_key_check(&value));
                }
                Msg::Backup(target, reply) => {
                    let _ = reply.send(super::backup::vacuum_into(&state.conn, &target));
                }
                Msg::Claim(c) => {
                    let claimed = super::delivery_reads::claim(
                        &state.conn,
                        c.tenant.as_str(),
                        c.now,
                        c.until,
                        c.limit,
                    );
                    let _ = c.reply.send(claimed);
                }
                Msg::Close(reply) => {
                    // Take no new work; what is already queued still commits.
                    queue.close();
                    closers.push(reply);
                }
            }
            if batch.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        if batch.is_empty() {
            continue;
        }
        state.commit_and_answer(&mut batch);
    }
    state.checkpointer.stop();
    let closed = checkpoint::truncate(&state.conn);
    if let Err(err) = &closed {
        checkpoint::log_failure(err, "the WAL could not be checkpointed at close");
    }
    drop(state);
    for reply in closers {
        let _ = reply.send(closed.as_ref().map_err(shared).copied());
    }
}

/// The writer connection's `synchronous` setting, tracked so the pragma is
/// only sent when it changes (it cannot change inside a transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    Full,
    Normal,
}

impl State {
    /// Commits `batch`, runs the erasure checkpoint if one is due, answers
    /// every caller, then keeps the WAL in bounds.
    fn commit_and_answer(&mut self, batch: &mut Vec<Job>) {
        let outcomes = self.commit(batch);
        if outcomes.is_err() {
            // What we held may be ahead of what is committed.
            self.heads.clear();
        }
        self.truncate_due |= erased_any(batch, &outcomes);
        if self.truncate_due {
            self.truncate_due = !self.truncate_or_log();
        }
        answer(batch, outcomes);
        self.bound_wal();
    }

    /// Past the soft limit wakes the checkpoint thread (once per step of
    /// growth); past the hard limit truncates the WAL now, before the next
    /// batch.
    fn bound_wal(&mut self) {
        let bytes = wal_size::bytes();
        match wal_size::due(
            bytes,
            &mut self.woken_at,
            super::WAL_SOFT_LIMIT,
            super::WAL_HARD_LIMIT,
        ) {
            Due::Nothing => {}
            Due::Wake => self.checkpointer.wake(),
            Due::Truncate => {
                self.truncate_or_log();
            }
        }
    }

    /// Truncating checkpoint; on failure logs it and returns false (try
    /// again after the next batch).
    fn truncate_or_log(&self) -> bool {
        match checkpoint::truncate(&self.conn) {
            Ok(()) => {
                wal_size::truncated();
                true
            }
            Err(err) => {
                checkpoint::log_failure(
                    &err,
                    "the WAL could not be checkpointed; erased data may remain in the -wal file until the next checkpoint",
                );
                false
            }
        }
    }

    /// Runs [`sql::INSERT_KEY_CHECK`] in a transaction of its own, synced.
    fn insert_key_check(&mut self, value: &[u8; 32]) -> Result<(), StoreError> {
        self.set_sync(Sync::Full)?;
        super::prepare(&self.conn, sql::INSERT_KEY_CHECK)
            .and_then(|mut s| s.execute([&value[..]]))
            .map(|_| ())
            .map_err(|e| sqlite("key_check", &e))
    }

    fn set_sync(&mut self, wanted: Sync) -> Result<(), StoreError> {
        if self.sync == wanted {
            return Ok(());
        }
        let value = match wanted {
            Sync::Normal => "NORMAL",
            Sync::Full => "FULL",
        };
        self.conn
            .pragma_update(None, "synchronous", value)
            .map_err(|e| sqlite("synchronous", &e))?;
        self.sync = wanted;
        Ok(())
    }

    /// Runs the whole batch in one transaction; the outer error means nothing
    /// was committed, the inner ones that one change was rolled back alone.
    ///
    /// A batch holding several data changes is first tried whole, without
    /// savepoints (a savepoint makes SQLite copy every page a change
    /// touches into its sub-journal, about 15% of a sweep's writer time).
    /// If any change fails, that transaction is rolled back, nothing of it
    /// stays, and the batch runs again with each change in its own
    /// savepoint, so the failing change is rolled back alone. A batch with a
    /// failing change costs two tries; no input costs more.
    fn commit(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, StoreError> {
        let data_changes = batch.iter().filter(|j| !j.change.writes.is_empty());
        if data_changes.count() > 1
            && let Some(outcomes) = self.try_commit(batch, Apart::Whole)?
        {
            return Ok(outcomes);
        }
        self.try_commit(batch, Apart::Savepoints)?
            .ok_or_else(|| internal("commit", "a batch in savepoints gave up"))
    }

    /// One try at committing `batch`. `None`: a change failed in a batch
    /// tried [`Apart::Whole`], and the transaction was rolled back.
    fn try_commit(
        &mut self,
        batch: &[Job],
        apart: Apart,
    ) -> Result<Option<Vec<Outcome>>, StoreError> {
        let writes_data = batch.iter().any(|j| !j.change.writes.is_empty());
        self.set_sync(if writes_data {
            Sync::Full
        } else {
            Sync::Normal
        })?;
        // IMMEDIATE takes the write lock now, so another process holding it
        // makes us wait (busy_timeout) instead of failing half way.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite("begin", &e))?;
        forget_if_changed(&tx, &mut self.heads, &mut self.data_version)?;
        let mut moved: HashMap<&TenantId, AuditHead> = HashMap::new();
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in batch {
            let head = match moved.get(&job.tenant) {
                Some(head) => Some(*head),
                None if job.change.audit.is_empty() => None,
                None => cached_head(&tx, &mut self.heads, &job.tenant)?,
            };
            let outcome = if job.change.writes.is_empty() {
                // Appending audit entries cannot conflict: this thread is the
                // only writer and holds the heads. A failure here is the
                // database's, so the whole batch fails rather than paying a
                // savepoint each.
                Ok(apply_one(&tx, job, head)?)
            } else if batch.len() == 1 {
                // Alone in its batch, a change needs no savepoint: rolling
                // back the transaction (dropping it) undoes exactly it.
                apply_one(&tx, job, head)
            } else if apart == Apart::Whole {
                let outcome = apply_one(&tx, job, head);
                if outcome.is_err() {
                    // Dropping the transaction rolls all of it back.
                    return Ok(None);
                }
                outcome
            } else {
                in_savepoint(&tx, job, head)?
            };
            if let Ok(entries) = &outcome
                && let Some(last) = entries.last()
            {
                moved.insert(&job.tenant, last.head());
            }
            if batch.len() == 1 && outcome.is_err() {
                drop(tx);
                return Ok(Some(vec![outcome]));
            }
            outcomes.push(outcome);
        }
        for (tenant, head) in &moved {
            // Loaded by `cached_head` before the batch linked after it.
            let old = self.heads.get(*tenant).copied().flatten();
            exec::run(&tx, &[plan::head(tenant, head, old.map_or(0, |h| h.seq))?])?;
        }
        tx.commit().map_err(|e| sqlite("commit", &e))?;
        for (tenant, head) in moved {
            self.heads.insert(tenant.clone(), Some(head));
        }
        Ok(Some(outcomes))
    }
}

/// How the data changes of one batch are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apart {
    /// Not at all: the first change to fail rolls the whole try back.
    Whole,
    /// Each in its own savepoint, rolled back alone if it fails.
    Savepoints,
}

/// Runs one change in a savepoint of `tx`: released if it succeeds, rolled
/// back (then released) if it fails. The outer error is the savepoint's
/// own failure, which fails the batch. The three statements come from the
/// connection's cache: a savepoint per change is the writer's hottest path
/// in a batch, and parsing them again each time cost more than the change.
fn in_savepoint(
    tx: &Transaction<'_>,
    job: &Job,
    head: Option<AuditHead>,
) -> Result<Outcome, StoreError> {
    savepoint_step(tx, "SAVEPOINT change", "savepoint")?;
    let outcome = apply_one(tx, job, head);
    if outcome.is_err() {
        savepoint_step(tx, "ROLLBACK TO change", "rollback to savepoint")?;
    }
    savepoint_step(tx, "RELEASE change", "release savepoint")?;
    Ok(outcome)
}

/// Runs one savepoint statement through the statement cache.
fn savepoint_step(conn: &Connection, text: &str, what: &'static str) -> Result<(), StoreError> {
    conn.prepare_cached(text)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(|e| sqlite(what, &e))
}

/// Drops every held head if another connection committed since our last
/// batch (a CLI command beside the server, say): their entries moved the
/// chains. Read under the write lock, so nothing else commits until ours.
fn forget_if_changed(
    conn: &Connection,
    heads: &mut HashMap<TenantId, Option<AuditHead>>,
    seen: &mut Option<i64>,
) -> Result<(), StoreError> {
    let now: i64 = conn
        .pragma_query_value(None, "data_version", |row| row.get(0))
        .map_err(|e| sqlite("data_version", &e))?;
    if *seen != Some(now) {
        heads.clear();
        *seen = Some(now);
    }
    Ok(())
}

/// The tenant's committed head: held in memory, or read once from
/// `audit_heads` inside the transaction (which holds the write lock).
fn cached_head(
    conn: &Connection,
    heads: &mut HashMap<TenantId, Option<AuditHead>>,
    tenant: &TenantId,
) -> Result<Option<AuditHead>, StoreError> {
    if let Some(head) = heads.get(tenant) {
        return Ok(*head);
    }
    let row: Option<(i64, i64, Vec<u8>)> = super::prepare(conn, sql::SELECT_HEAD)
        .and_then(|mut s| {
            s.query_row(rusqlite::params![tenant.as_str(), i64::from(LANE)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(|e| sqlite("audit_heads", &e))?;
    let head = match row {
        Some((lane, seq, mac)) => crate::rows::HeadDb { lane, seq, mac }.into_head()?,
        None => None,
    };
    heads.insert(tenant.clone(), head);
    Ok(head)
}

/// Applies one change's writes, then links and inserts its audit entries
/// after `head`. Returns the entries; the caller moves the head.
fn apply_one(conn: &Connection, job: &Job, head: Option<AuditHead>) -> Outcome {
    exec::run(conn, &plan::writes(&job.tenant, &job.change)?)?;
    if job.change.audit.is_empty() {
        return Ok(Vec::new());
    }
    let entries = plan::link(&job.tenant, &job.chain, LANE, head, &job.change.audit)?;
    exec::run(conn, &plan::audit_entries(&job.tenant, &entries)?)?;
    Ok(entries)
}

/// Did a change of the batch that erases a subject commit?
fn erased_any(batch: &[Job], outcomes: &Result<Vec<Outcome>, StoreError>) -> bool {
    let Ok(outcomes) = outcomes else {
        return false;
    };
    batch.iter().zip(outcomes).any(|(job, outcome)| {
        outcome.is_ok()
            && job
                .change
                .writes
                .iter()
                .any(|w| matches!(w, Write::EraseSubject { .. }))
    })
}

/// Sends each caller its outcome, or the batch's failure to all.
fn answer(batch: &mut Vec<Job>, outcomes: Result<Vec<Outcome>, StoreError>) {
    match outcomes {
        Ok(outcomes) => {
            for (job, outcome) in batch.drain(..).zip(outcomes) {
                // The caller may have stopped waiting; its change stands.
                let _ = job.reply.send(outcome);
            }
        }
        Err(err) => {
            if let Some(cause) = std::error::Error::source(&err) {
                tracing::error!(changes = batch.len(), %cause, "sqlite batch failed, nothing committed");
            }
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(shared(&err)));
            }
        }
    }
}
