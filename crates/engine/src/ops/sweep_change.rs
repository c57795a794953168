//! The change of one subject's retention sweep (Art. 5(1)(e), Art. 17(1)(a),
//! Art. 17(3)(b), Art. 89 / Recital 26): the conditional deletion of each
//! due record, the anonymised aggregate counts, the statutory holds, the
//! erasure when nothing else would be kept, and one `retention.sweep`
//! audit entry with counts only.
//!
//! Two shapes. Most sweeps only delete (or anonymise) due records of a
//! subject that stays, with no hold covering them: that change is built
//! from the record stamps alone ([`Engine::sweep_deletes`]), without the
//! records' sealed values. A due record under a statutory hold, or a
//! subject with nothing left to keep, needs the subject whole (values to
//! re-seal under the hold, notices of the erasure): [`Engine::sweep_change`]
//! builds it from the full view. Both commit as ONE change, with the
//! notices to recipients (Art. 19) of what went.

use super::retention::{SWEEP_ACTOR, SweepReport};
use crate::audit::{Action, AuditEvent, Outcome};
use crate::deliveries::NoticeKind;
use crate::deliveries::notice::{self, Notice};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::principal::{Principal, Role};
use crate::retention::{Stamped, SubjectSweep, month_of};
use crate::store::{AggregateRow, Change, SubjectView, Write};
use jiff::Timestamp;
use std::collections::BTreeMap;
use tutela_policy::{CategoryId, Disposal, Policy};

/// The principal a sweep's audit entries name.
pub(super) fn sweeper(tenant: &TenantId) -> Principal {
    Principal {
        tenant: tenant.clone(),
        actor: SWEEP_ACTOR.to_owned(),
        role: Role::Admin,
        purposes: Vec::new(),
        operator: false,
    }
}

/// Whether a statutory hold covers the category of any due record: then
/// the sweep needs the records' values to re-seal them under the hold.
pub(super) fn held_any<R: Stamped>(policy: &Policy, plan: &SubjectSweep<'_, R>) -> bool {
    plan.due.iter().any(|(record, _)| {
        policy
            .holds
            .iter()
            .any(|hold| hold.categories.contains(record.category()))
    })
}

/// The conditional deletion of each due record (the subject live and the
/// record still there) and the aggregate counts of the anonymised ones,
/// by category and month; counts what it deletes and anonymises.
fn due_writes<R: Stamped>(
    subject: SubjectId,
    plan: &SubjectSweep<'_, R>,
    counts: &mut SweepReport,
) -> Vec<Write> {
    let mut writes = Vec::with_capacity(plan.due.len() + 1);
    let mut groups: BTreeMap<(CategoryId, String), u64> = BTreeMap::new();
    for (record, due) in &plan.due {
        if due.then == Disposal::Anonymise {
            *groups
                .entry((record.category().clone(), month_of(record.collected_at())))
                .or_insert(0) += 1;
            counts.anonymised += 1;
        } else {
            counts.deleted += 1;
        }
        writes.push(Write::DeleteRecord {
            subject,
            record: record.id(),
        });
    }
    writes.extend(groups.into_iter().map(|((category, period), count)| {
        Write::AddAggregate(AggregateRow {
            category,
            period,
            count,
        })
    }));
    writes
}

/// The notices (Art. 19) of a sweep that deletes some of a subject's
/// records and keeps the subject: one per recipient the policy names for
/// the categories of the due records, kind `record.deleted` with no record
/// id (several may have gone). A sweep erasing the whole subject sends
/// `subject.erased` instead. Pure: the recipients come from the policy the
/// sweep applies, so a sweep reads nothing more for them.
fn deletion_notices<R: Stamped>(
    policy: &Policy,
    tenant: &TenantId,
    subject: SubjectId,
    plan: &SubjectSweep<'_, R>,
    now: Timestamp,
) -> Vec<Write> {
    if plan.due.is_empty() {
        return Vec::new();
    }
    let notice = Notice {
        kind: NoticeKind::RecordDeleted,
        subject,
        record: None,
        categories: plan.due.iter().map(|(r, _)| r.category().clone()).collect(),
    };
    notice::deliveries(policy, tenant, &notice, now)
        .into_iter()
        .map(Write::InsertDelivery)
        .collect()
}

/// The rules that made records due, in order, without repeats.
fn rules_applied<R>(plan: &SubjectSweep<'_, R>) -> String {
    let mut rules: Vec<usize> = plan.due.iter().map(|(_, d)| d.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    rules
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Engine {
    /// The `retention.sweep` audit entry of one subject: counts and rule
    /// numbers only, no value.
    fn sweep_event<R>(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        plan: &SubjectSweep<'_, R>,
        counts: &SweepReport,
    ) -> AuditEvent {
        let detail = format!(
            "deleted={} anonymised={} held={} erased={} rules={}",
            counts.deleted,
            counts.anonymised,
            counts.held,
            plan.whole_subject,
            rules_applied(plan)
        );
        self.event(
            &sweeper(tenant),
            Action::RetentionSweep,
            None,
            Some(subject),
            detail,
            Outcome::Allowed,
        )
    }

    /// The change of a sweep that only deletes and anonymises records of a
    /// subject that stays, none under a hold (the caller checked: not
    /// `whole_subject`, not [`held_any`]); built from stamps alone.
    pub(super) fn sweep_deletes<R: Stamped>(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
        plan: &SubjectSweep<'_, R>,
    ) -> (Change, SweepReport) {
        let mut counts = SweepReport {
            subjects_swept: 1,
            ..SweepReport::default()
        };
        let mut writes = due_writes(subject, plan, &mut counts);
        writes.extend(deletion_notices(
            policy,
            tenant,
            subject,
            plan,
            self.clock.now(),
        ));
        let event = self.sweep_event(tenant, subject, plan, &counts);
        let change = Change {
            writes,
            audit: vec![event],
        };
        (change, counts)
    }

    /// The change of one subject's sweep from its full view, with holds and
    /// the whole-subject erasure, and what it counts.
    pub(super) async fn sweep_change(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        view: &SubjectView,
        plan: &SubjectSweep<'_>,
        now: Timestamp,
    ) -> Result<(Change, SweepReport), EngineError> {
        let subject = view.subject.id;
        let mut counts = SweepReport {
            subjects_swept: 1,
            subjects_erased: u64::from(plan.whole_subject),
            ..SweepReport::default()
        };
        // Due records a statutory hold still covers move under the hold
        // (Art. 17(3)(b)); for a whole-subject erasure, as erasure does.
        let due_view = SubjectView {
            policy_version: view.policy_version,
            pending: view.pending,
            subject: view.subject.clone(),
            consents: view.consents.clone(),
            objections: view.objections.clone(),
            records: plan.due.iter().map(|(r, _)| (*r).clone()).collect(),
        };
        let (mut writes, held) = self.hold_writes(tenant, &due_view, policy, now)?;
        counts.held = held as u64;
        writes.extend(due_writes(subject, plan, &mut counts));
        // A record moved under a hold leaves the records but is not gone:
        // it counts as held, not as deleted.
        counts.deleted = counts.deleted.saturating_sub(counts.held);
        if plan.whole_subject {
            writes.extend(self.erasure_notices(tenant, view, now).await?);
            writes.extend(self.close_moot_requests(tenant, subject, held > 0).await?);
            // A write racing the sweep may have added a record it did not
            // decide on: then nothing is erased and the next sweep decides.
            writes.push(Write::RequireNoRecordsLeft { subject });
            writes.push(Write::EraseSubject { subject, at: now });
        } else {
            writes.extend(deletion_notices(policy, tenant, subject, plan, now));
        }
        let event = self.sweep_event(tenant, subject, plan, &counts);
        let change = Change {
            writes,
            audit: vec![event],
        };
        Ok((change, counts))
    }
}
