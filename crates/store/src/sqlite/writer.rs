//! Group commit for SQLite. SQLite allows one writer at a time and each
//! commit costs an fsync (`synchronous = FULL`), so instead of one
//! transaction per call, one task owns the single writer connection and
//! commits whatever is waiting in one transaction:
//!
//! 1. callers send their change, with a clone of their audit chain and a
//!    oneshot for the answer, over a channel;
//! 2. the task takes everything pending (at most [`MAX_BATCH`]), opens
//!    `BEGIN IMMEDIATE`, and runs each change inside its own SAVEPOINT, so a
//!    change that fails (a conflict, a missing row) is rolled back alone (a
//!    change alone in its batch needs none, nor does one that only appends
//!    audit entries, which cannot conflict);
//! 3. it keeps each tenant's audit head in memory across the batch, moving
//!    it only when a change's savepoint is released, so several changes of
//!    one tenant chain correctly and a rolled-back change leaves no gap;
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
//! fsync; it keeps a read from costing a disk flush.
//!
//! Erasure: a committed erasure still leaves the subject's wrapped key,
//! ciphertexts and blind indexes in older frames of the WAL. So after
//! committing a batch that erased a subject, and before answering anyone,
//! the task runs `PRAGMA wal_checkpoint(TRUNCATE)`: every page goes back to
//! the main file (where `secure_delete` has zeroed the freed cells) and the
//! WAL is cut to zero bytes. A reader holding an old snapshot makes the
//! checkpoint wait (busy timeout) and it is retried a few times; if readers
//! still block it, the error is logged and the checkpoint is retried after
//! every following batch until it succeeds.
//!
//! Closing ([`Writer::close`]) commits what is queued, checkpoints the same
//! way and closes the connection, so the main file alone is the database.

use crate::error::{backend, internal, shared};
use crate::queries::Queries;
use crate::sql;
use sqlx::{Acquire, Connection, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError, Write};

/// The one audit lane SQLite uses: its single writer never needs another.
const LANE: u32 = 0;

/// The most changes committed in one transaction.
pub(crate) const MAX_BATCH: usize = 256;

/// How many changes may wait for the writer before callers wait to send.
const QUEUE: usize = 4 * MAX_BATCH;

type Q = Queries<Sqlite>;
type Outcome = Result<Vec<AuditEntry>, StoreError>;

/// One caller's change, waiting for the writer.
struct Job {
    tenant: TenantId,
    change: Change,
    chain: AuditChain,
    reply: oneshot::Sender<Outcome>,
}

/// How many times a truncating checkpoint is tried before giving up for
/// now (each try waits up to the busy timeout for readers).
const CHECKPOINT_TRIES: u32 = 3;

/// The pause between checkpoint tries.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);

/// What callers send the writer task.
enum Msg {
    /// Commit this change.
    Apply(Job),
    /// Commit what is queued, checkpoint, close the connection, then reply.
    Close(oneshot::Sender<Result<(), StoreError>>),
    /// Store the master key check value unless one is there, then reply.
    KeyCheck([u8; 32], oneshot::Sender<Result<(), StoreError>>),
}

/// The handle callers use to reach the writer task.
#[derive(Debug)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Msg>,
}

impl Writer {
    /// Starts the writer task on `pool`, which must hold one connection.
    /// The task ends, closing the pool, once every handle is dropped.
    pub(crate) fn spawn(pool: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue));
        Self { jobs }
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

    /// Is the writer task still taking changes?
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

    /// Commits what is queued, checkpoints the WAL into the main file
    /// (truncating it) and closes the connection. Later changes fail.
    /// Closing a closed writer is a no-op.
    pub(crate) async fn close(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Msg::Close(reply)).await.is_err() {
            return Ok(());
        }
        answer.await.unwrap_or(Ok(()))
    }
}

async fn run(pool: SqlitePool, mut queue: mpsc::Receiver<Msg>) {
    let mut msgs = Vec::with_capacity(MAX_BATCH);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut closers = Vec::new();
    let mut sync = Sync::Unknown;
    let mut checkpoint_due = false;
    while queue.recv_many(&mut msgs, MAX_BATCH).await > 0 {
        for msg in msgs.drain(..) {
            match msg {
                Msg::Apply(job) => batch.push(job),
                Msg::KeyCheck(value, reply) => {
                    let _ = reply.send(insert_key_check(&pool, &value).await);
                }
                Msg::Close(reply) => {
                    // Take no new work; what is already queued still commits.
                    queue.close();
                    closers.push(reply);
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let outcomes = commit(&pool, &batch, &mut sync).await;
        checkpoint_due |= erased_any(&batch, &outcomes);
        if checkpoint_due {
            checkpoint_due = !checkpoint_or_log(&pool).await;
        }
        answer(&mut batch, outcomes);
    }
    let closed = checkpoint(&pool).await;
    if let Err(err) = &closed {
        log_checkpoint_failure(err);
    }
    pool.close().await;
    for reply in closers {
        let _ = reply.send(closed.as_ref().map_err(shared).copied());
    }
}

/// Runs [`sql::INSERT_KEY_CHECK`] in a transaction of its own.
async fn insert_key_check(pool: &SqlitePool, value: &[u8; 32]) -> Result<(), StoreError> {
    sqlx::query(sql::INSERT_KEY_CHECK)
        .bind(&value[..])
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|e| backend("key_check", &e))
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

/// Checkpoints; on failure logs it and returns false (try again later).
async fn checkpoint_or_log(pool: &SqlitePool) -> bool {
    match checkpoint(pool).await {
        Ok(()) => true,
        Err(err) => {
            log_checkpoint_failure(&err);
            false
        }
    }
}

fn log_checkpoint_failure(err: &StoreError) {
    if let Some(cause) = std::error::Error::source(err) {
        tracing::error!(%cause, "the WAL could not be checkpointed; erased data may remain in tutela.db-wal until the next checkpoint");
    }
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`: copies every committed page into the
/// main file and truncates the WAL to zero bytes, so no older version of a
/// page (an erased key, a deleted ciphertext) survives in it. SQLite
/// reports "busy" when a reader still needs an old snapshot; that is
/// retried a bounded number of times.
pub(crate) async fn checkpoint(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(|e| backend("acquire", &e))?;
    for attempt in 1..=CHECKPOINT_TRIES {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| backend("checkpoint", &e))?;
        if busy == 0 {
            return Ok(());
        }
        if attempt < CHECKPOINT_TRIES {
            tokio::time::sleep(CHECKPOINT_PAUSE).await;
        }
    }
    Err(internal(
        "checkpoint",
        "readers kept the write-ahead log busy",
    ))
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

/// The writer connection's `synchronous` setting, tracked so the pragma is
/// only sent when it changes (it cannot change inside a transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    Unknown,
    Full,
    Normal,
}

async fn set_sync(
    conn: &mut SqliteConnection,
    current: &mut Sync,
    wanted: Sync,
) -> Result<(), StoreError> {
    if *current == wanted {
        return Ok(());
    }
    let pragma = match wanted {
        Sync::Normal => "PRAGMA synchronous = NORMAL",
        Sync::Full | Sync::Unknown => "PRAGMA synchronous = FULL",
    };
    sqlx::query(pragma)
        .execute(&mut *conn)
        .await
        .map_err(|e| backend("synchronous", &e))?;
    *current = wanted;
    Ok(())
}

/// Runs the whole batch in one transaction; the outer error means nothing
/// was committed, the inner ones that one change was rolled back alone.
async fn commit(
    pool: &SqlitePool,
    batch: &[Job],
    sync: &mut Sync,
) -> Result<Vec<Outcome>, StoreError> {
    let writes_data = batch.iter().any(|j| !j.change.writes.is_empty());
    let mut conn = pool.acquire().await.map_err(|e| backend("acquire", &e))?;
    let wanted = if writes_data {
        Sync::Full
    } else {
        Sync::Normal
    };
    set_sync(&mut conn, sync, wanted).await?;
    // IMMEDIATE takes the write lock now, so another process holding it
    // makes us wait (busy_timeout) instead of failing half way.
    let mut tx = (*conn)
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|e| backend("begin", &e))?;
    let mut heads: HashMap<&TenantId, Option<AuditHead>> = HashMap::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let head = if job.change.audit.is_empty() {
            None
        } else if let Some(head) = heads.get(&job.tenant) {
            *head
        } else {
            let head = Q::head_row(&mut tx, &job.tenant, LANE).await?;
            heads.insert(&job.tenant, head);
            head
        };
        if batch.len() == 1 && !job.change.writes.is_empty() {
            // Alone in its batch, a change needs no savepoint: rolling back
            // the transaction undoes exactly it.
            return match apply_one(&mut tx, job, head).await {
                Ok(entries) => {
                    tx.commit().await.map_err(|e| backend("commit", &e))?;
                    Ok(vec![Ok(entries)])
                }
                Err(err) => {
                    tx.rollback().await.map_err(|e| backend("rollback", &e))?;
                    Ok(vec![Err(err)])
                }
            };
        }
        if job.change.writes.is_empty() {
            // Appending audit entries cannot conflict: this task is the only
            // writer and holds the heads. A failure here is the database's,
            // so the whole batch fails rather than paying a savepoint each.
            let entries = apply_one(&mut tx, job, head).await?;
            if let Some(last) = entries.last() {
                heads.insert(&job.tenant, Some(last.head()));
            }
            outcomes.push(Ok(entries));
            continue;
        }
        let mut savepoint = tx.begin().await.map_err(|e| backend("savepoint", &e))?;
        let outcome = apply_one(&mut savepoint, job, head).await;
        match &outcome {
            Ok(entries) => {
                savepoint
                    .commit()
                    .await
                    .map_err(|e| backend("release savepoint", &e))?;
                if let Some(last) = entries.last() {
                    heads.insert(&job.tenant, Some(last.head()));
                }
            }
            Err(_) => savepoint
                .rollback()
                .await
                .map_err(|e| backend("rollback to savepoint", &e))?,
        }
        outcomes.push(outcome);
    }
    tx.commit().await.map_err(|e| backend("commit", &e))?;
    Ok(outcomes)
}

async fn apply_one(conn: &mut SqliteConnection, job: &Job, head: Option<AuditHead>) -> Outcome {
    Q::apply_writes(conn, &job.tenant, &job.change).await?;
    if job.change.audit.is_empty() {
        return Ok(Vec::new());
    }
    Q::append_audit(conn, &job.tenant, &job.chain, LANE, head, &job.change.audit).await
}
