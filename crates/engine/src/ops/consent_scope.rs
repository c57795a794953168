//! Consent is specific (Art. 4(11), 7): a consent given under an earlier
//! policy version covers the purpose as it was then. When the purpose
//! gained categories or recipients since, using those needs a new grant
//! (`E_CONSENT_RENEWAL_NEEDED`); the old scope keeps working.

use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::lawful;
use crate::store::SubjectView;
use tutela_policy::{CategoryId, LegalBasis, Policy, PurposeId, RecipientId};

impl Engine {
    /// Refuses a use of a consent-based purpose beyond what the subject's
    /// live grant covered under the version it was given under. Runs after
    /// the purpose check, which already refused a use with no live grant.
    pub(crate) async fn check_consent_scope(
        &self,
        tenant: &TenantId,
        view: &SubjectView,
        policy: &Policy,
        purpose: &PurposeId,
        categories: &[CategoryId],
        recipient: Option<&RecipientId>,
    ) -> Result<(), EngineError> {
        let Some(declared) = policy.purpose(purpose) else {
            return Ok(());
        };
        if declared.basis != LegalBasis::Consent {
            return Ok(());
        }
        let now = self.clock.now();
        let Some(grant) = lawful::live_grant(&view.consents, purpose, now) else {
            return Ok(());
        };
        if grant.policy_version >= view.policy_version || grant.policy_version == 0 {
            return Ok(());
        }
        let then = self.policy_version(tenant, grant.policy_version).await?;
        lawful::consent_covers(
            then.purpose(purpose),
            grant.policy_version,
            declared,
            categories,
            recipient,
        )
    }
}
