//! One batch's transaction: the changes run whole or each in a savepoint,
//! audit entries linked onto the tenant's chain head held in memory, one
//! head update per tenant, one commit. Split from the writer's loop so the
//! transaction's rules read in one place.

use super::{Job, LANE, Outcome, State, Sync};
use crate::error::{internal, sqlite};
use crate::sqlite::exec;
use crate::{plan, sql};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::HashMap;
use tutela_engine::audit::AuditHead;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{StoreError, WriteAhead};

impl State {
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
    pub(super) fn commit(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, StoreError> {
        match self.commit_together(batch) {
            // The ledger refused the batch's lines and nothing committed:
            // each change alone, so only the ones with lines fail.
            Err(StoreError::LedgerUnavailable(_)) if batch.len() > 1 => Ok(batch
                .iter()
                .map(|job| {
                    self.commit_together(std::slice::from_ref(job))
                        .and_then(|mut one| {
                            one.pop()
                                .ok_or_else(|| internal("commit", "a change had no outcome"))
                        })
                        .and_then(|outcome| outcome)
                })
                .collect()),
            other => other,
        }
    }

    /// The batch in one transaction (see [`State::commit`]).
    fn commit_together(&mut self, batch: &[Job]) -> Result<Vec<Outcome>, StoreError> {
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
        // Last before the commit: the lines of the changes that applied
        // (`WriteAhead`). A failed append drops `tx`, which rolls back.
        WriteAhead::append_all(
            batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| outcome.is_ok())
                .filter_map(|(job, _)| job.ahead.as_ref()),
        )
        .map_err(StoreError::LedgerUnavailable)?;
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
    let row: Option<(i64, i64, Vec<u8>)> = crate::sqlite::prepare(conn, sql::SELECT_HEAD)
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
