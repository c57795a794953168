//! Whom a survey may ask (Art. 5(1)(b), Art. 6(1), Art. 21). A survey
//! names the policy purpose it runs under, as every other use of personal
//! data does; putting a person in a team and issuing them a token is
//! processing for that purpose. So every member must be someone the
//! purpose may process now: its kind among those the purpose concerns, a
//! live consent when the purpose rests on consent, and no objection in
//! force. Checked when the survey is created and again when it opens.

use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::lawful::{self, SubjectState};
use crate::principal::Principal;
use crate::store::RecordFilter;
use crate::survey::{SurveyDefinition, SurveyError};
use futures::{StreamExt, TryStreamExt};
use tutela_policy::{Policy, PurposeId};

/// Members' states loaded at once.
const LOADS_IN_FLIGHT: usize = 8;

impl Engine {
    /// The survey's purpose, declared in the policy in force and within
    /// the caller's scope, and every member one it may process now; with
    /// that policy, so the caller need not load it again.
    pub(super) async fn check_survey_purpose(
        &self,
        who: &Principal,
        definition: &SurveyDefinition,
    ) -> Result<(PurposeId, std::sync::Arc<Policy>), EngineError> {
        let purpose = definition.purpose.clone().ok_or_else(|| {
            SurveyError::invalid(
                "purpose",
                "must name the policy purpose the survey runs under (such as team_polls)",
            )
        })?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        lawful::declared_purpose(&policy, &purpose)?;
        who.require_purpose(&purpose)?;
        let mut members = Vec::with_capacity(definition.member_count());
        for (t, team) in definition.teams.iter().enumerate() {
            for (m, subject) in team.members.iter().enumerate() {
                members.push((format!("teams[{t}].members[{m}]"), *subject));
            }
        }
        futures::stream::iter(members)
            .map(|(field, subject)| {
                self.check_member(&who.tenant, &policy, &purpose, field, subject)
            })
            .buffer_unordered(LOADS_IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await?;
        Ok((purpose, policy))
    }

    /// One member: a live subject of the tenant whom `purpose` may process.
    async fn check_member(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        purpose: &PurposeId,
        field: String,
        subject: crate::ids::SubjectId,
    ) -> Result<(), EngineError> {
        let Some(view) = self
            .subject_view(tenant, subject, RecordFilter::None)
            .await?
        else {
            return Err(SurveyError::invalid(&field, "is not a subject of this tenant").into());
        };
        if view.subject.erased_at.is_some() || view.subject.restricted {
            return Err(SurveyError::MemberUnavailable.into());
        }
        let state = SubjectState::of(&view);
        lawful::may_use(policy, &state, purpose, &[], self.clock.now()).map_err(|e| {
            SurveyError::MemberNotLawful {
                field,
                reason: e.to_string(),
            }
        })?;
        Ok(())
    }
}
