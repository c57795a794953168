//! The engine's side of the erasure ledger (see [`crate::ledger`]): every
//! erasure reaches the ledger before it commits ([`crate::ledger::WriteAhead`]),
//! and after a restore the ledger
//! is replayed so that no subject erased since the backup was taken comes
//! back (Art. 17, and Art. 5(1)(d)-(e): erased data is not to be revived).

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ledger::{self, ErasureEntry, LedgerContents};
use crate::principal::Principal;
use crate::store::{Change, RecordFilter, StoreError, Write};
use std::collections::HashSet;

/// The audit detail of an erasure repeated from the ledger.
pub const REPLAY_DETAIL: &str = "replay=ledger";

/// What a replay of the erasure ledger did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Verified lines read from the ledger.
    pub entries: usize,
    /// Subjects that still had a wrapped key and were erased again.
    pub replayed: usize,
    /// Subjects already erased in this database: nothing to do.
    pub already_erased: usize,
    /// Subjects (or tenants) this database never held, e.g. created after
    /// the backup was taken: nothing to do.
    pub absent: usize,
    /// The ledger ended in a torn (never completed) append, ignored.
    pub torn_tail: bool,
    /// Subjects erased again though the ledger did not name them: the
    /// database a restore replaced recorded them as erased (set by the
    /// restore; a ledger replay alone leaves it 0).
    pub not_in_ledger: usize,
}

impl Engine {
    /// Reads the injected ledger and verifies every line's MAC; the first
    /// bad line fails the whole read with its line number.
    pub async fn read_erasure_ledger(&self) -> Result<LedgerContents, EngineError> {
        let Some(ledger) = &self.ledger else {
            return Err(EngineError::LedgerUnavailable(std::io::Error::other(
                "no erasure ledger is configured",
            )));
        };
        let text = ledger
            .read()
            .await
            .map_err(EngineError::LedgerUnavailable)?;
        ledger::parse(&text, &self.master.erasure_ledger_key()).map_err(EngineError::LedgerTampered)
    }

    /// Erases again every subject the ledger names that still has a
    /// wrapped key in this database (a restored backup older than the
    /// erasure), audited as `subject.erase` by the local `cli` with detail
    /// `replay=ledger`. It repeats the erasure as it was done: records a
    /// statutory hold covers are held again, their ends counted as at the
    /// original erasure (Art. 17(3)(b)). Idempotent: a second replay finds nothing left to do.
    pub async fn replay_erasures(&self) -> Result<ReplayReport, EngineError> {
        let contents = self.read_erasure_ledger().await?;
        let mut report = self.replay_erasures_of(contents.entries).await?;
        report.torn_tail = contents.torn_tail;
        Ok(report)
    }

    /// [`Engine::replay_erasures`] for erasures known from elsewhere: a
    /// restore reads the subjects the database it replaces records as
    /// erased, so a ledger emptied, cut short or started anew does not
    /// bring them back when that database is at hand.
    pub async fn replay_erasures_of(
        &self,
        entries: Vec<ErasureEntry>,
    ) -> Result<ReplayReport, EngineError> {
        let mut report = ReplayReport {
            entries: entries.len(),
            ..ReplayReport::default()
        };
        let mut seen = HashSet::new();
        for entry in entries {
            if !seen.insert((entry.tenant.clone(), entry.subject)) {
                continue;
            }
            match self.replay_one(&entry).await? {
                Replayed::Erased => report.replayed += 1,
                Replayed::AlreadyErased => report.already_erased += 1,
                Replayed::Absent => report.absent += 1,
            }
        }
        Ok(report)
    }

    async fn replay_one(&self, entry: &ErasureEntry) -> Result<Replayed, EngineError> {
        let view = self
            .subject_view(&entry.tenant, entry.subject, RecordFilter::All)
            .await?;
        let Some(view) = view else {
            return Ok(Replayed::Absent);
        };
        if view.subject.wrapped_key.is_none() {
            return Ok(Replayed::AlreadyErased);
        }
        let cli = Principal::local_admin(entry.tenant.clone(), false);
        let subject = entry.subject;
        let policy = self
            .policy_version(&entry.tenant, view.policy_version)
            .await?;
        // Held as at the original erasure, so each hold ends when it would have.
        let (mut writes, _) = self.hold_writes(&entry.tenant, &view, &policy, entry.at)?;
        // The notices to recipients (Art. 19) queued with the original
        // erasure were in the database the restore replaced.
        writes.extend(self.erasure_notices(&entry.tenant, &view, entry.at).await?);
        writes.push(Write::EraseSubject {
            subject,
            at: self.clock.now(),
        });
        let change = Change {
            writes,
            audit: vec![self.event(
                &cli,
                Action::SubjectErase,
                None,
                Some(subject),
                REPLAY_DETAIL.to_owned(),
                Outcome::Allowed,
            )],
        };
        // Carried out from its line: it writes no new one.
        match self.commit_with(&entry.tenant, change, None).await {
            Ok(()) => Ok(Replayed::Erased),
            Err(EngineError::SubjectErased) => Ok(Replayed::AlreadyErased),
            Err(EngineError::Storage(StoreError::Missing { .. })) => Ok(Replayed::Absent),
            Err(err) => Err(err),
        }
    }
}

/// What replaying one line did.
enum Replayed {
    Erased,
    AlreadyErased,
    Absent,
}
