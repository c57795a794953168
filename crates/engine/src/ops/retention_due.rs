//! Retention at read time (Art. 5(1)(e)): a record past its period is gone
//! for every use the instant it falls due, not from the next sweep. Reads
//! and disclosures run the sweep's own pure decision on what they loaded.

use crate::engine::Engine;
use crate::error::EngineError;
use crate::holds;
use crate::ids::{RecordId, TenantId};
use crate::store::SubjectView;
use jiff::Timestamp;
use tutela_policy::Policy;

impl Engine {
    /// Leaves out of `view` the records whose retention period has ended
    /// (Art. 5(1)(e)): gone for every use from that instant, not from the
    /// next sweep, which only tidies up. A due record a statutory hold
    /// covers stays, as the sweep will keep it under the hold.
    pub(super) async fn drop_due(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        view: &mut SubjectView,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        // No record collected after the cutoff can be due under any rule
        // (every anchor lies at or after the collection): the common read,
        // of records younger than the shortest period, decides with no
        // further read.
        let Some(cutoff) = crate::retention::candidate_cutoff(policy, now) else {
            return Ok(());
        };
        if view.records.iter().all(|r| r.collected_at > cutoff) {
            return Ok(());
        }
        let anchors = self.sweep_anchors(tenant, policy, view.subject.id).await?;
        let due: Vec<RecordId> =
            crate::retention::plan_subject(policy, &view.records, &anchors, now)
                .due
                .iter()
                .map(|(r, _)| r.id)
                .collect();
        if due.is_empty() {
            return Ok(());
        }
        let held: Vec<RecordId> = holds::plan_holds(policy, &view.records, now)
            .iter()
            .map(|p| p.record.id)
            .collect();
        view.records
            .retain(|r| !due.contains(&r.id) || held.contains(&r.id));
        Ok(())
    }
}

impl Engine {
    /// Whether the subject's record of identifier `category` is still in
    /// its retention period: one past it finds nobody, as it is read by
    /// nobody. Reads nothing more when no rule covers the category.
    pub(super) async fn identifier_in_force(
        &self,
        tenant: &TenantId,
        subject: crate::ids::SubjectId,
        category: &tutela_policy::CategoryId,
    ) -> Result<bool, EngineError> {
        let filter = crate::store::RecordFilter::Categories(std::slice::from_ref(category));
        let Some(mut view) = self.subject_view(tenant, subject, filter).await? else {
            return Ok(false);
        };
        let policy = self.policy_version(tenant, view.policy_version).await?;
        if !policy
            .retention
            .iter()
            .any(|r| r.categories.contains(category))
        {
            return Ok(true);
        }
        self.drop_due(tenant, &policy, &mut view, self.clock.now())
            .await?;
        Ok(!view.records.is_empty())
    }
}
