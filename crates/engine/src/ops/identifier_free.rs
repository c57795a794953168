//! An identifier held only by a record past its retention period is free
//! (Art. 5(1)(e)): nobody can read or find that record any more, so it
//! must not stop another person registering the same email or external
//! id. Registration does not wait for the next sweep: when a change's new
//! identifier collides with such a record, the holder is swept at once,
//! by the sweep's own audited change (exactly what the next sweep would
//! commit), and the change is tried once more.

use super::retention::Prepared;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::store::{Change, StoreError, Write};
use tutela_policy::CategoryId;

/// The identifiers a change registers: its new identifier rows and the
/// new value of a rectified identifier.
fn registered_identifiers(change: &Change) -> Vec<(CategoryId, [u8; 32])> {
    change
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::InsertIdentifier(row) => Some((row.category.clone(), row.blind_index)),
            Write::RectifyRecord {
                category,
                blind_index: Some(index),
                ..
            } => Some((category.clone(), *index)),
            _ => None,
        })
        .collect()
}

impl Engine {
    /// Commits a change that may register identifiers. If the store
    /// refuses it as a duplicate, each identifier whose holder's record is
    /// past its retention period is freed by sweeping that holder, and the
    /// change is committed again; a duplicate still in force stays the
    /// store's conflict, which the caller turns into `E_IDENTIFIER_TAKEN`.
    pub(super) async fn commit_registering(
        &self,
        tenant: &TenantId,
        change: Change,
    ) -> Result<(), EngineError> {
        match self.commit(tenant, change.clone()).await {
            Err(EngineError::Storage(StoreError::Conflict { .. }))
                if self.free_due_identifiers(tenant, &change).await? =>
            {
                self.commit(tenant, change).await
            }
            other => other,
        }
    }

    /// Sweeps every holder of one of the change's identifiers whose
    /// record of that identifier is past its retention period; whether
    /// any was swept.
    async fn free_due_identifiers(
        &self,
        tenant: &TenantId,
        change: &Change,
    ) -> Result<bool, EngineError> {
        let mut swept = false;
        for (category, index) in registered_identifiers(change) {
            let Some(holder) = self
                .store
                .subject_by_identifier(tenant, &category, &index)
                .await?
            else {
                continue;
            };
            if !self.identifier_in_force(tenant, holder, &category).await? {
                swept |= self.sweep_subject(tenant, holder).await?;
            }
        }
        Ok(swept)
    }

    /// Sweeps one subject now, as the tenant's next sweep would: the same
    /// pure decision, the same single audited change, and the deleted
    /// values scrubbed from every file. Whether anything was due; a lost
    /// race with another sweeper counts as done.
    pub(super) async fn sweep_subject(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<bool, EngineError> {
        let (_, policy) = self.current_policy(tenant).await?;
        let now = self.clock.now();
        let stamps = self
            .store
            .record_stamps_of(tenant, &[subject])
            .await?
            .pop()
            .flatten();
        let Prepared::Change(change, _) = self
            .sweep_prepare(tenant, &policy, subject, stamps, now)
            .await?
        else {
            return Ok(false);
        };
        let erased = crate::engine::erased_subjects(&change);
        match self.commit(tenant, change).await {
            Ok(()) => self.forget_messages(&erased).await,
            Err(e) if super::retention::lost_race(&e) => {}
            Err(e) => return Err(e),
        }
        self.store.scrub().await?;
        Ok(true)
    }
}
