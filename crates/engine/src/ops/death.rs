//! Recording a subject's death and applying their directive for after
//! death (national law on the data of the deceased; the GDPR itself does
//! not apply to them, Recital 27). The death record, its audit entry and
//! the directive's act (an erasure with its holds and recipients' notices,
//! or nothing beyond the record for keep and hand_to) are one commit; the
//! death can be recorded once. A hand_to directive's answer is then handed
//! over through `request_answer`.

use super::requests::commit_outcome;
use super::subjects::erasure_outcome;
use crate::audit::{Action, Outcome};
use crate::death::{self, Applied, DeathRow};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::principal::{Act, Principal};
use crate::requests::{Reason, RequestError};
use crate::store::{Change, RecordFilter, StoreError, Write};

impl Engine {
    /// Records that `subject` died and applies the latest registered
    /// directive in the same commit: none or keep records only; erase
    /// erases the subject as an erasure request does; hand_to makes the
    /// access answer available for the named person. Recording it twice
    /// is `E_DEATH_RECORDED`.
    pub async fn record_death(
        &self,
        who: &Principal,
        subject: SubjectId,
        note: Option<Reason>,
    ) -> Result<DeathRow, EngineError> {
        self.authorize(
            who,
            Act::ManageRequests,
            Action::SubjectDeath,
            None,
            Some(subject),
        )
        .await?;
        if self.store.death_of(&who.tenant, subject).await?.is_some() {
            return Err(RequestError::DeathRecorded.into());
        }
        self.live_subject(who, subject, RecordFilter::None).await?;
        let directives = self.store.directives_of(&who.tenant, subject).await?;
        let in_force = death::directive_in_force(&directives);
        let row = DeathRow {
            tenant: who.tenant.clone(),
            subject,
            recorded_at: self.clock.now(),
            directive: in_force.map(|r| r.id),
            applied: death::to_apply(in_force),
            note,
        };
        let detail = match row.directive {
            Some(id) => format!("directive={id} applied={}", row.applied.as_str()),
            None => format!("applied={}", row.applied.as_str()),
        };
        let mut change = Change {
            writes: vec![Write::RecordDeath(row.clone())],
            audit: vec![self.event(
                who,
                Action::SubjectDeath,
                None,
                Some(subject),
                detail,
                Outcome::Allowed,
            )],
        };
        if row.applied == Applied::Erase {
            let erasure = self.plan_erasure(who, subject).await?;
            change.writes.extend(erasure.writes);
            change.audit.extend(erasure.audit);
            if let Some(id) = row.directive {
                super::deliveries::stamp_request(&mut change, id);
            }
        }
        match erasure_outcome(commit_outcome(self.commit(&who.tenant, change).await)) {
            Err(EngineError::Storage(StoreError::Conflict { what: "death" })) => {
                Err(RequestError::DeathRecorded.into())
            }
            Err(err) => Err(err),
            Ok(()) => Ok(row),
        }
    }
}
