//! Lane writers: how several PostgreSQL servers append to one tenant's
//! audit chain without waiting for one another.
//!
//! A tenant's chain is made of lanes (see `tutela_engine::audit`). Each
//! [`LaneWriter`] owns one lane number for every tenant: it holds a
//! session-level advisory lock on that number on a connection of its own,
//! so no other writer, in this process or another, appends to that lane
//! while it lives. Holding the lane, it keeps each tenant's head of the
//! lane in memory (read once, from the database) and commits whatever
//! changes are waiting in one transaction (group commit):
//!
//! 1. `BEGIN`; each change's writes run inside a SAVEPOINT (none when the
//!    batch holds one change, none for audit-only changes, which cannot
//!    conflict), so a change that fails is rolled back alone;
//! 2. the audit events of the changes that stood are linked after the
//!    lane's head and inserted with multi-row statements;
//! 3. each tenant's lane head moves once, and only from where this writer
//!    last saw it (`MOVE_AUDIT_HEAD`): were the lock ever lost and another
//!    writer appended, the batch fails instead of forking the lane;
//! 4. `COMMIT`, then every caller is answered.
//!
//! A change is sent to the writer with the fewest changes in flight, so a server's
//! changes spread over its lanes. Two servers hold different lanes: their
//! audited acts commit concurrently, and every lane stays a verifiable
//! chain. If a batch fails before its commit (a deadlock between two
//! writers' row locks, say), its changes are retried one by one, each in
//! its own transaction, so one bad change never fails its neighbours. A
//! failed commit is never retried: its outcome is unknown. A writer whose
//! connection breaks reconnects, claims a lane afresh and reloads heads.

use super::exec;
use crate::error::{backend, internal, is_transient, shared};
use crate::plan;
use crate::rows::HeadDb;
use crate::sql;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError, WriteAhead};

type Outcome = Result<Vec<AuditEntry>, StoreError>;

/// Lane numbers a deployment may use (see the engine's `MAX_LANES`); a lane
/// number is free again as soon as its writer's session ends.
const MAX_LANES: u32 = tutela_engine::audit::MAX_LANES;

/// Writers (so lanes, and connections besides the read pool) per store.
pub(crate) const WRITERS: usize = 4;

/// The most changes one writer commits in one transaction.
const MAX_BATCH: usize = 256;

/// Changes that may wait for one writer before callers wait to send.
const QUEUE: usize = 2 * MAX_BATCH;

/// How many times a change that lost a race (a deadlock) is run again.
const RETRIES: u32 = 3;

/// The first key of the advisory locks on lane numbers (`tute`), so they
/// do not collide with other users of advisory locks in the database.
const LANE_LOCK_SPACE: i32 = 0x7475_7465;

/// Take a lane if no one holds it.
const TRY_LOCK_LANE: &str = "SELECT pg_try_advisory_lock($1, $2)";

/// One caller's change, waiting for a writer.
struct Job {
    tenant: TenantId,
    change: Change,
    /// Its ledger lines, appended last before the commit.
    ahead: Option<WriteAhead>,
    chain: AuditChain,
    reply: oneshot::Sender<Outcome>,
}

/// What callers send a writer.
enum Msg {
    /// Commit this change.
    Apply(Job),
    /// Commit what is queued, release the lane, close, then reply.
    Close(oneshot::Sender<()>),
}

/// The writers of one store; callers' handle.
#[derive(Debug)]
pub(crate) struct LaneWriters {
    writers: Vec<Handle>,
}

/// One writer as callers see it: its queue, and how many changes sent to it
/// are not answered yet (queued or in the batch it is committing: a queue's
/// length alone would call a writer idle while it commits).
#[derive(Debug)]
struct Handle {
    jobs: mpsc::Sender<Msg>,
    in_flight: Arc<AtomicUsize>,
}

/// Counts a change as in flight on a writer until dropped (answered, or the
/// caller stopped waiting).
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(count))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl LaneWriters {
    /// Connects [`WRITERS`] writers, each holding a lane of its own.
    pub(crate) async fn start(options: &PgConnectOptions) -> Result<Self, StoreError> {
        let mut writers = Vec::with_capacity(WRITERS);
        for _ in 0..WRITERS {
            let (conn, lane) = connect_with_lane(options).await?;
            let (jobs, queue) = mpsc::channel(QUEUE);
            let writer = Writer {
                options: options.clone(),
                conn: Some(conn),
                lane,
                heads: HashMap::new(),
            };
            tokio::spawn(writer.run(queue));
            writers.push(Handle {
                jobs,
                in_flight: Arc::new(AtomicUsize::new(0)),
            });
        }
        Ok(Self { writers })
    }

    /// Hands `change` to the writer with the fewest changes in flight (the first, when all are
    /// idle, so changes made one after another share a lane) and waits for
    /// its batch.
    pub(crate) async fn apply(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Outcome {
        let writer = self
            .writers
            .iter()
            .min_by_key(|w| w.in_flight.load(Ordering::Relaxed))
            .ok_or_else(|| internal("apply", "no audit lane writer"))?;
        let _in_flight = InFlight::new(&writer.in_flight);
        let (reply, answer) = oneshot::channel();
        let job = Job {
            tenant: tenant.clone(),
            change,
            ahead,
            chain: chain.clone(),
            reply,
        };
        writer
            .jobs
            .send(Msg::Apply(job))
            .await
            .map_err(|_| internal("apply", "the writer has stopped"))?;
        answer
            .await
            .map_err(|_| internal("apply", "the writer stopped before answering"))?
    }

    /// Are the writers still taking changes?
    pub(crate) fn is_running(&self) -> bool {
        self.writers.iter().all(|w| !w.jobs.is_closed())
    }

    /// Commits what is queued and closes every writer, releasing its lane.
    pub(crate) async fn close(&self) {
        for writer in &self.writers {
            let (reply, done) = oneshot::channel();
            if writer.jobs.send(Msg::Close(reply)).await.is_ok() {
                let _ = done.await;
            }
        }
    }
}

/// Opens a connection and takes the first free lane on it.
async fn connect_with_lane(options: &PgConnectOptions) -> Result<(PgConnection, u32), StoreError> {
    let mut conn = PgConnection::connect_with(options)
        .await
        .map_err(|e| backend("connect postgres writer", &e))?;
    for lane in 0..MAX_LANES {
        let lane_key = i32::try_from(lane).map_err(|_| internal("lane", "out of range"))?;
        let (taken,): (bool,) = sqlx::query_as(TRY_LOCK_LANE)
            .bind(LANE_LOCK_SPACE)
            .bind(lane_key)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| backend("claim audit lane", &e))?;
        if taken {
            return Ok((conn, lane));
        }
    }
    Err(internal(
        "claim audit lane",
        "every audit lane is held by another writer: too many servers share this database",
    ))
}

/// One lane's writer task.
struct Writer {
    options: PgConnectOptions,
    /// `None` after the connection broke, until it is re-made.
    conn: Option<PgConnection>,
    lane: u32,
    /// Each tenant's head of this lane as committed (`None`: no entry yet).
    heads: HashMap<TenantId, Option<AuditHead>>,
}

/// Why a batch failed.
enum Failure {
    /// Before COMMIT: nothing was written; the changes may be retried.
    Before(StoreError),
    /// At COMMIT: the outcome is unknown; nothing is retried.
    Commit(StoreError),
}

impl Writer {
    async fn run(mut self, mut queue: mpsc::Receiver<Msg>) {
        let mut msgs = Vec::with_capacity(MAX_BATCH);
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut closers = Vec::new();
        while queue.recv_many(&mut msgs, MAX_BATCH).await > 0 {
            for msg in msgs.drain(..) {
                match msg {
                    Msg::Apply(job) => batch.push(job),
                    Msg::Close(reply) => {
                        queue.close();
                        closers.push(reply);
                    }
                }
            }
            if !batch.is_empty() {
                self.commit_and_answer(&mut batch).await;
            }
        }
        if let Some(conn) = self.conn.take() {
            // Closing the session releases the lane's advisory lock.
            let _ = conn.close().await;
        }
        for reply in closers {
            let _ = reply.send(());
        }
    }

    /// Commits `batch` (retrying its changes one by one if it failed
    /// before its commit) and answers every caller.
    async fn commit_and_answer(&mut self, batch: &mut Vec<Job>) {
        match self.commit(batch).await {
            Ok(outcomes) => answer(batch.drain(..), outcomes),
            Err(Failure::Before(_)) if batch.len() > 1 => {
                for job in batch.drain(..) {
                    let outcome = self.commit_alone(&job).await;
                    let _ = job.reply.send(outcome);
                }
            }
            Err(Failure::Before(err)) if is_transient(&err) => {
                // Alone in its batch and it lost a race: run it again.
                for job in batch.drain(..) {
                    let outcome = self.commit_alone(&job).await;
                    let _ = job.reply.send(outcome);
                }
            }
            Err(Failure::Before(err) | Failure::Commit(err)) => {
                if let Some(cause) = std::error::Error::source(&err) {
                    tracing::error!(changes = batch.len(), %cause, "postgres batch failed");
                }
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(shared(&err)));
                }
            }
        }
    }

    /// Commits one change in a transaction of its own, running it again
    /// (at most [`RETRIES`] times) when it lost a race to another writer's
    /// row locks: the database rolled it back whole, so nothing runs twice.
    async fn commit_alone(&mut self, job: &Job) -> Outcome {
        let mut tries = 0;
        loop {
            tries += 1;
            let outcome = match self.commit(std::slice::from_ref(job)).await {
                Ok(mut outcomes) => outcomes
                    .pop()
                    .unwrap_or_else(|| Err(internal("apply", "no outcome"))),
                Err(Failure::Before(e) | Failure::Commit(e)) => Err(e),
            };
            match outcome {
                Err(err) if is_transient(&err) && tries <= RETRIES => {}
                other => return other,
            }
        }
    }

    /// Re-makes the connection, claiming a lane afresh, if it broke; the
    /// heads cached for the old lane are dropped.
    async fn ensure_connected(&mut self) -> Result<(), StoreError> {
        if self.conn.is_none() {
            let (conn, lane) = connect_with_lane(&self.options).await?;
            self.heads.clear();
            self.lane = lane;
            self.conn = Some(conn);
        }
        Ok(())
    }

    /// Runs `batch` in one transaction. On failure the cached heads are
    /// dropped (reloaded on next use) and a broken connection is let go.
    async fn commit(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, Failure> {
        self.ensure_connected().await.map_err(Failure::Before)?;
        let heads = std::mem::take(&mut self.heads);
        let lane = self.lane;
        let Some(conn) = self.conn.as_mut() else {
            return Err(Failure::Before(internal("apply", "no writer connection")));
        };
        match run_batch(conn, lane, heads, batch).await {
            Ok((outcomes, heads)) => {
                self.heads = heads;
                Ok(outcomes)
            }
            Err(failure) => {
                if conn.ping().await.is_err() {
                    self.conn = None;
                }
                Err(failure)
            }
        }
    }
}

/// Sends each caller its outcome.
fn answer(jobs: impl Iterator<Item = Job>, outcomes: Vec<Outcome>) {
    for (job, outcome) in jobs.zip(outcomes) {
        // The caller may have stopped waiting; its change stands.
        let _ = job.reply.send(outcome);
    }
}

/// The heads of the batch so far, per tenant, and where each stood in the
/// database before it (the position the head is moved from).
struct Heads {
    now: HashMap<TenantId, Option<AuditHead>>,
    before: HashMap<TenantId, u64>,
}

impl Heads {
    /// The lane's head for `tenant`, read from the database on first use.
    async fn of(
        &mut self,
        conn: &mut PgConnection,
        tenant: &TenantId,
        lane: u32,
    ) -> Result<Option<AuditHead>, StoreError> {
        if let Some(head) = self.now.get(tenant) {
            return Ok(*head);
        }
        let row: Option<HeadDb> = sqlx::query_as(sql::SELECT_HEAD)
            .bind(tenant.as_str())
            .bind(i64::from(lane))
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| backend("audit_heads", &e))?;
        let head = row.map_or(Ok(None), HeadDb::into_head)?;
        self.now.insert(tenant.clone(), head);
        Ok(head)
    }
}

/// One transaction for the whole batch; returns each change's outcome and
/// the heads as committed.
async fn run_batch(
    conn: &mut PgConnection,
    lane: u32,
    cached: HashMap<TenantId, Option<AuditHead>>,
    batch: &[Job],
) -> Result<(Vec<Outcome>, HashMap<TenantId, Option<AuditHead>>), Failure> {
    let before = cached
        .iter()
        .map(|(t, h)| (t.clone(), h.map_or(0, |h| h.seq)))
        .collect();
    let mut heads = Heads {
        now: cached,
        before,
    };
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| Failure::Before(backend("begin", &e)))?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut linked: Vec<(TenantId, Vec<AuditEntry>)> = Vec::new();
    for job in batch {
        let head = heads
            .of(&mut tx, &job.tenant, lane)
            .await
            .map_err(Failure::Before)?;
        heads
            .before
            .entry(job.tenant.clone())
            .or_insert_with(|| head.map_or(0, |h| h.seq));
        // Link first (it cannot touch the database): a change whose entries
        // cannot be linked never has its writes applied.
        let outcome = match plan::link(&job.tenant, &job.chain, lane, head, &job.change.audit) {
            Ok(entries) => apply_writes(&mut tx, job, batch.len() == 1)
                .await
                .map_err(Failure::Before)?
                .map(|()| entries),
            Err(err) => Err(err),
        };
        if let Err(err) = &outcome
            && is_transient(err)
        {
            // A lost race is not the change's fault: the batch fails before
            // its commit and each change is run again on its own.
            return Err(Failure::Before(shared(err)));
        }
        if let Ok(entries) = &outcome
            && let Some(last) = entries.last()
        {
            heads.now.insert(job.tenant.clone(), Some(last.head()));
            linked.push((job.tenant.clone(), entries.clone()));
        }
        outcomes.push(outcome);
    }
    if outcomes.iter().all(Result::is_err) {
        // Nothing stood: roll back and answer (no audit entry to keep).
        tx.rollback()
            .await
            .map_err(|e| Failure::Before(backend("rollback", &e)))?;
        return Ok((outcomes, heads.now));
    }
    for (tenant, entries) in &linked {
        let steps = plan::audit_entries(tenant, entries).map_err(Failure::Before)?;
        exec::run(&mut tx, &steps).await.map_err(Failure::Before)?;
    }
    for (tenant, head) in &heads.now {
        let old = heads.before.get(tenant).copied().unwrap_or(0);
        if let Some(head) = head
            && head.seq != old
        {
            let step = plan::head(tenant, head, old).map_err(Failure::Before)?;
            exec::run(&mut tx, &[step]).await.map_err(Failure::Before)?;
        }
    }
    append_ahead(batch, &outcomes)
        .await
        .map_err(Failure::Before)?;
    tx.commit()
        .await
        .map_err(|e| Failure::Commit(backend("commit", &e)))?;
    Ok((outcomes, heads.now))
}

/// Appends the ledger lines of the batch's changes that applied, last
/// before the commit ([`WriteAhead`]): a refused change never reaches the
/// ledger, and a failed append fails the batch before its commit (each
/// change is then run again alone, so only the ones with lines fail).
async fn append_ahead(batch: &[Job], outcomes: &[Outcome]) -> Result<(), StoreError> {
    let committing: Vec<WriteAhead> = batch
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .filter_map(|(job, _)| job.ahead.clone())
        .collect();
    if committing.is_empty() {
        return Ok(());
    }
    tokio::task::spawn_blocking(move || WriteAhead::append_all(&committing))
        .await
        .map_err(std::io::Error::other)
        .and_then(|appended| appended)
        .map_err(StoreError::LedgerUnavailable)
}

/// Applies one change's writes: inside a savepoint unless it is alone in
/// its batch (the transaction is then its savepoint) or has no writes. The
/// outer error fails the batch; the inner one is the change's own.
async fn apply_writes(
    tx: &mut PgConnection,
    job: &Job,
    alone: bool,
) -> Result<Result<(), StoreError>, StoreError> {
    if job.change.writes.is_empty() {
        return Ok(Ok(()));
    }
    let steps = match plan::writes(&job.tenant, &job.change) {
        Ok(steps) => steps,
        Err(err) => return Ok(Err(err)),
    };
    if alone {
        return Ok(exec::run(tx, &steps).await);
    }
    let mut savepoint = tx.begin().await.map_err(|e| backend("savepoint", &e))?;
    match exec::run(&mut savepoint, &steps).await {
        Ok(()) => {
            savepoint
                .commit()
                .await
                .map_err(|e| backend("release savepoint", &e))?;
            Ok(Ok(()))
        }
        Err(err) => {
            savepoint
                .rollback()
                .await
                .map_err(|e| backend("rollback to savepoint", &e))?;
            Ok(Err(err))
        }
    }
}
