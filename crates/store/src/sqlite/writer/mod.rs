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
//! ciphertexts and blind indexes in older frames of the WAL (and, until a
//! checkpoint, in older pages of the main file). So after committing a
//! batch that erased a subject, or deleted, rectified or moved a record
//! (the subject's key still opens the old value), and before answering
//! anyone, the thread runs `PRAGMA wal_checkpoint(TRUNCATE)`: every page
//! goes back to the main file (where `secure_delete` has zeroed the freed
//! cells) and the WAL is cut to zero bytes. A batch job's record deletions
//! ([`Writer::apply_all`], a retention sweep) wait instead for one such
//! checkpoint at the job's end ([`Writer::scrub`]); its erasures do not
//! wait. A reader holding an old snapshot makes
//! the checkpoint wait (busy timeout) and it is retried a few times; if
//! readers still block it, the error is logged and the checkpoint is
//! retried after every following batch until it succeeds.
//!
//! WAL size: after answering, the thread wakes the checkpoint thread once
//! the WAL passes the soft limit and has grown by a step since the last
//! wake-up, finishes the copy itself when the thread has left only a few
//! frames, and truncates it past the hard limit (see
//! `checkpoint.rs`). The size is what SQLite's WAL hook reported at the
//! last commit (`wal_size.rs`), not a file system call per batch.
//!
//! Closing ([`Writer::close`]) commits what is queued, stops the
//! checkpoint thread, checkpoints and truncates the WAL and closes the
//! connection, so the main file alone is the database. Dropping every
//! handle does the same.

mod batch;

use super::checkpoint::{self, Checkpointer};
use super::wal_size::{self, Due};
use crate::error::{internal, shared, sqlite};
use crate::sql;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::deliveries::DeliveryRow;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError, Write, WriteAhead};

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
    /// Its ledger lines, appended last before the commit (`batch.rs`).
    ahead: Option<WriteAhead>,
    chain: AuditChain,
    reply: oneshot::Sender<Outcome>,
    /// One of a batch job's changes ([`Writer::apply_all`]): deleted
    /// records wait for [`Writer::scrub`] at the end of the job rather
    /// than a truncating checkpoint per group.
    deferred: bool,
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
    /// Run the truncating checkpoint deferred values wait for, then reply.
    Scrub(oneshot::Sender<Result<(), StoreError>>),
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
            scrub_due: false,
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
        ahead: Option<WriteAhead>,
    ) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant: tenant.clone(),
            change,
            ahead,
            chain: chain.clone(),
            reply,
            deferred: false,
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
        changes: Vec<(Change, Option<WriteAhead>)>,
        chain: &AuditChain,
    ) -> Vec<Outcome> {
        let mut answers = Vec::with_capacity(changes.len());
        let mut jobs: Vec<Job> = Vec::with_capacity(changes.len().min(MAX_BATCH));
        let mut changes = changes.into_iter().peekable();
        while let Some((change, ahead)) = changes.next() {
            let (reply, answer) = oneshot::channel();
            jobs.push(Job {
                tenant: tenant.clone(),
                change,
                ahead,
                chain: chain.clone(),
                reply,
                deferred: true,
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

    /// Makes every value deleted by [`Writer::apply_all`] changes so far
    /// unreadable in every file: the truncating checkpoint they skipped
    /// (nothing to do when none is waiting). A batch job calls it once at
    /// its end.
    pub(crate) async fn scrub(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Msg::Scrub(reply))
            .await
            .map_err(|_| internal("scrub", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("scrub", "the writer stopped before answering"))?
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
    /// A value was erased, deleted or replaced and its truncating
    /// checkpoint has not run yet: it runs before anyone hears back.
    truncate_due: bool,
    /// Values deleted by deferred changes wait for a truncating checkpoint
    /// ([`Writer::scrub`], or any earlier one).
    scrub_due: bool,
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
                Msg::Scrub(reply) => {
                    let _ = reply.send(state.scrub());
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
        let (now, later) = removed_values(batch, &outcomes);
        self.truncate_due |= now;
        self.scrub_due |= later;
        if self.truncate_due {
            self.truncate_or_log();
        }
        answer(batch, outcomes);
        self.bound_wal();
    }

    /// Past the soft limit wakes the checkpoint thread (once per step of
    /// growth); past the hard limit truncates the WAL now, before the next
    /// batch.
    fn bound_wal(&mut self) {
        self.finish_checkpoint();
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

    /// Finishes a background checkpoint that copied all but a few frames
    /// (see `checkpoint.rs`): a passive checkpoint here, between batches,
    /// copies the rest, so the next commit can start the WAL over.
    fn finish_checkpoint(&mut self) {
        let Some(copied) = self.checkpointer.take_copied() else {
            return;
        };
        let frames = wal_size::frames();
        if frames.saturating_mul(wal_size::FRAME_BYTES) <= super::WAL_SOFT_LIMIT {
            return;
        }
        if frames.saturating_sub(copied) > checkpoint::FINISH_MAX_FRAMES {
            // Too much arrived meanwhile: another round in the background.
            self.checkpointer.wake();
            return;
        }
        if let Err(err) = checkpoint::passive(&self.conn) {
            checkpoint::log_failure(&err, "a WAL checkpoint failed; the next one retries");
        }
    }

    /// Truncating checkpoint; it settles every value waiting for one. On
    /// failure logs it (tried again after the next batch).
    fn truncate_or_log(&mut self) {
        if let Err(err) = self.truncate() {
            checkpoint::log_failure(
                &err,
                "the WAL could not be checkpointed; erased data may remain in the -wal file until the next checkpoint",
            );
        }
    }

    fn truncate(&mut self) -> Result<(), StoreError> {
        checkpoint::truncate(&self.conn)?;
        wal_size::truncated();
        self.truncate_due = false;
        self.scrub_due = false;
        Ok(())
    }

    /// The truncating checkpoint deferred values wait for, if any.
    fn scrub(&mut self) -> Result<(), StoreError> {
        if self.truncate_due || self.scrub_due {
            self.truncate()
        } else {
            Ok(())
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
}

/// Whether committed changes of the batch removed values that must leave
/// every file: `(now, later)`, now before anyone hears back, later at
/// [`Writer::scrub`]. An erased subject never waits; records deleted by a
/// deferred change (a sweep's) do.
fn removed_values(batch: &[Job], outcomes: &Result<Vec<Outcome>, StoreError>) -> (bool, bool) {
    let Ok(outcomes) = outcomes else {
        return (false, false);
    };
    let committed = || {
        batch
            .iter()
            .zip(outcomes)
            .filter(|(_, outcome)| outcome.is_ok())
            .map(|(job, _)| job)
    };
    let erases = |job: &Job| {
        job.change
            .writes
            .iter()
            .any(|w| matches!(w, Write::EraseSubject { .. }))
    };
    let removes = |job: &Job| job.change.writes.iter().any(removes_a_value);
    let now = committed().any(|job| erases(job) || (!job.deferred && removes(job)));
    let later = committed().any(|job| job.deferred && removes(job));
    (now, later)
}

/// A write after which an old sealed value or blind index would stay in
/// older WAL frames and older pages of the main file while the subject's
/// key still opens it: a deleted or rectified record, a held record whose
/// hold ended, records moved under a hold, an erased subject.
fn removes_a_value(write: &Write) -> bool {
    matches!(
        write,
        Write::EraseSubject { .. }
            | Write::DeleteRecord { .. }
            | Write::RectifyRecord { .. }
            | Write::DeleteHeldRecord { .. }
            | Write::HoldRecords { .. }
    )
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
