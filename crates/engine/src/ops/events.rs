//! Lifecycle events and plan changes: what retention rules counted from
//! `event:<name>` and `plan:<name>` start at (Art. 5(1)(e)). Both audited.

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{EventId, SubjectId};
use crate::principal::{Act, Principal};
use crate::retention::{EventRow, PlanRow};
use crate::store::{Change, RecordFilter, Write};
use tutela_policy::{Anchor, EventName, PlanName, Policy};

/// Whether a retention rule or a hold of `policy` counts from `name`.
pub fn declares_event(policy: &Policy, name: &EventName) -> bool {
    let wanted = Anchor::Event(name.clone());
    policy.retention.iter().any(|r| r.from == wanted)
        || policy.holds.iter().any(|h| h.from == wanted)
}

impl Engine {
    /// Records that `name` happened now, to the whole tenant (`subject`
    /// `None`, e.g. `tenant.uninstalled`) or to one live subject. The name
    /// must be one the current policy counts from
    /// (`E_EVENT_NOT_DECLARED` otherwise), so a typo cannot silently start
    /// nothing.
    pub async fn record_event(
        &self,
        who: &Principal,
        name: &EventName,
        subject: Option<SubjectId>,
    ) -> Result<EventId, EngineError> {
        self.authorize(who, Act::RecordEvents, Action::EventRecord, None, subject)
            .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        if !declares_event(&policy, name) {
            return Err(EngineError::EventNotDeclared(name.to_string()));
        }
        if let Some(s) = subject {
            self.live_subject(who, s, RecordFilter::None).await?;
        }
        let id = EventId::new();
        let row = EventRow {
            tenant: who.tenant.clone(),
            id,
            name: name.clone(),
            subject,
            at: self.clock.now(),
        };
        let detail = format!("event={name} id={id}");
        let change = Change {
            writes: vec![Write::InsertEvent(row)],
            audit: vec![self.event(
                who,
                Action::EventRecord,
                None,
                subject,
                detail,
                Outcome::Allowed,
            )],
        };
        self.commit(&who.tenant, change).await?;
        Ok(id)
    }

    /// Moves a live subject's account to `plan` now. Any valid plan name
    /// is accepted, declared in the policy or not: moving to a plan no rule
    /// names (`pro`) is what ends a `plan:free` rule's hold on the subject.
    pub async fn set_plan(
        &self,
        who: &Principal,
        subject: SubjectId,
        plan: &PlanName,
    ) -> Result<(), EngineError> {
        self.authorize(
            who,
            Act::RecordEvents,
            Action::PlanChange,
            None,
            Some(subject),
        )
        .await?;
        self.live_subject(who, subject, RecordFilter::None).await?;
        let row = PlanRow {
            tenant: who.tenant.clone(),
            subject,
            plan: plan.clone(),
            since: self.clock.now(),
        };
        let change = Change {
            writes: vec![Write::InsertPlan(row)],
            audit: vec![self.event(
                who,
                Action::PlanChange,
                None,
                Some(subject),
                format!("plan={plan}"),
                Outcome::Allowed,
            )],
        };
        self.commit(&who.tenant, change).await
    }
}
