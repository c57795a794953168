//! Checks in passing: data of a category the policy declares `storable =
//! false` (a typing rhythm, a document shown at the door) is processed by
//! the product without being written down; Tutela runs the purpose check
//! on it and keeps nothing but the audit entry (Art. 5(1)(c) data
//! minimisation, Art. 5(1)(e) storage limitation). No value reaches the
//! engine at all: the product asks before it processes.

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::lawful::{self, SubjectState};
use crate::principal::{Act, Principal};
use crate::store::{Change, RecordFilter};
use tutela_policy::{CategoryId, PurposeId, RecipientId};

impl Engine {
    /// Whether data of `category` (declared `storable = false`) about
    /// `subject` may be processed in passing for `purpose` (and handed to
    /// `recipient`) now. Allowed or refused, the answer is on the audit
    /// chain, as a read would be; nothing else is written.
    pub async fn check_in_passing(
        &self,
        who: &Principal,
        subject: SubjectId,
        category: &CategoryId,
        purpose: &PurposeId,
        recipient: Option<&RecipientId>,
    ) -> Result<(), EngineError> {
        let mut detail = format!("category={category}");
        if let Some(r) = recipient {
            detail.push_str(&format!(" recipient={r}"));
        }
        let checked = self
            .checked_in_passing(who, subject, category, purpose, recipient)
            .await;
        if let Err(err) = checked {
            return Err(self
                .refuse(
                    who,
                    Action::SubjectCheck,
                    Some(purpose.as_str()),
                    Some(subject),
                    detail,
                    err,
                )
                .await);
        }
        let event = self.event(
            who,
            Action::SubjectCheck,
            Some(purpose.as_str()),
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await
    }

    async fn checked_in_passing(
        &self,
        who: &Principal,
        subject: SubjectId,
        category: &CategoryId,
        purpose: &PurposeId,
        recipient: Option<&RecipientId>,
    ) -> Result<(), EngineError> {
        who.require(if recipient.is_some() {
            Act::Disclose
        } else {
            Act::ReadForPurpose
        })?;
        who.require_purpose(purpose)?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let state = SubjectState::of(&view);
        let now = self.clock.now();
        lawful::may_process_in_passing(&policy, &state, purpose, category, recipient, now)?;
        let categories = std::slice::from_ref(category);
        self.check_consent_scope(&who.tenant, &view, &policy, purpose, categories, recipient)
            .await
    }
}
