//! One-click unsubscribe links (Art. 21(2)-(3), ePrivacy Art. 13(2),
//! RFC 8058). Issuing needs a key that may manage consent; using needs
//! nothing but the link, ends the purpose at once (a withdrawal for
//! consent, an objection for legitimate interest), is idempotent, and
//! answers the same whatever the token, so it reveals nothing.

use crate::audit::{Action, Outcome};
use crate::consent::unsubscribe::{LinkToken, SECRET_BYTES};
use crate::consent::{ConsentError, UnsubscribeLinkRow};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::lawful;
use crate::principal::{Act, Principal, Role};
use crate::store::{Change, RecordFilter, Write};
use tutela_policy::{LegalBasis, PurposeId};

/// The actor a link's use appears as on the audit chain.
pub const UNSUBSCRIBE_ACTOR: &str = "unsubscribe-link";

impl Engine {
    /// Issues a link token ending `purpose` for `subject`; only its hash is
    /// stored. The purpose must rest on consent or legitimate interest.
    pub async fn create_unsubscribe_link(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
    ) -> Result<String, EngineError> {
        self.authorize(
            who,
            Act::ManageConsent,
            Action::UnsubscribeLink,
            Some(purpose),
            Some(subject),
        )
        .await?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let declared = lawful::declared_purpose(&policy, purpose)?;
        if !matches!(
            declared.basis,
            LegalBasis::Consent | LegalBasis::LegitimateInterests
        ) {
            return Err(ConsentError::NotUnsubscribable(purpose.to_string()).into());
        }
        let secret = tutela_vault::try_random_secret(SECRET_BYTES)
            .map_err(|_| EngineError::RandomnessUnavailable)?;
        let row = UnsubscribeLinkRow {
            tenant: who.tenant.clone(),
            token_hash: tutela_vault::sha256(secret.as_bytes()),
            subject,
            purpose: purpose.clone(),
            created_at: self.clock.now(),
            used_at: None,
        };
        let change = Change {
            writes: vec![Write::InsertUnsubscribeLink(row)],
            audit: vec![self.event(
                who,
                Action::UnsubscribeLink,
                Some(purpose.as_str()),
                Some(subject),
                "issued".into(),
                Outcome::Allowed,
            )],
        };
        self.commit(&who.tenant, change).await?;
        Ok(LinkToken::compose(&who.tenant, &secret))
    }

    /// Uses a link: ends its purpose for its subject now if it is live, and
    /// marks the link's last use, in one commit; every use is audited. A
    /// link works each time it is used. Returns whether this call ended something, for
    /// tests and metrics only; callers answer the same either way.
    pub async fn unsubscribe(&self, token: &str) -> Result<bool, EngineError> {
        let Some(token) = LinkToken::parse(token) else {
            return Ok(false);
        };
        let Some(link) = self
            .store
            .unsubscribe_link(&token.tenant, &token.hash)
            .await?
        else {
            return Ok(false);
        };
        // A link works every time: after the person signed up again, an
        // older message's link still ends the purpose.
        let who = Principal {
            tenant: link.tenant.clone(),
            actor: UNSUBSCRIBE_ACTOR.into(),
            role: Role::Admin,
            purposes: vec![link.purpose.clone()],
            operator: false,
        };
        let mut change = match self.plan_unsubscribe(&who, &link).await {
            Ok(change) => change,
            // An erased subject has nothing left to end.
            Err(EngineError::SubjectErased | EngineError::SubjectNotFound) => Change::default(),
            Err(err) => return Err(err),
        };
        let ended = !change.writes.is_empty();
        if !ended && link.used_at.is_some() {
            // Used before, and nothing is live to end: nothing to write.
            return Ok(false);
        }
        change.writes.push(Write::UseUnsubscribeLink {
            token_hash: link.token_hash,
            at: self.clock.now(),
            seen: link.used_at,
        });
        if change.audit.is_empty() {
            change.audit.push(self.event(
                &who,
                Action::UnsubscribeLink,
                Some(link.purpose.as_str()),
                Some(link.subject),
                "used: nothing left to end".into(),
                Outcome::Allowed,
            ));
        }
        if let Err(err) = self.commit(&link.tenant, change).await {
            // A use racing this one marked the link first: done already.
            let now = self
                .store
                .unsubscribe_link(&token.tenant, &token.hash)
                .await?;
            return match now {
                Some(l) if l.used_at != link.used_at => Ok(false),
                _ => Err(err),
            };
        }
        Ok(ended)
    }

    /// The withdrawal or objection a link's use makes, or nothing when the
    /// purpose is already ended.
    async fn plan_unsubscribe(
        &self,
        who: &Principal,
        link: &UnsubscribeLinkRow,
    ) -> Result<Change, EngineError> {
        let view = self
            .live_subject(who, link.subject, RecordFilter::None)
            .await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let declared = lawful::declared_purpose(&policy, &link.purpose)?;
        let now = self.clock.now();
        if declared.basis == LegalBasis::Consent {
            if !lawful::consent_live(&view.consents, &link.purpose, now) {
                return Ok(Change::default());
            }
            let (_, change) = self
                .plan_consent(who, link.subject, &link.purpose, false, UNSUBSCRIBE_ACTOR)
                .await?;
            return Ok(change);
        }
        if lawful::objected(&view.objections, declared, now, None) {
            return Ok(Change::default());
        }
        let (_, change) = self
            .plan_objection(who, link.subject, Some(&link.purpose))
            .await?;
        Ok(change)
    }
}
