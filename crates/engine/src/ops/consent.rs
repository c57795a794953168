//! Consent (Art. 7) and objection (Art. 21): a ledger the purpose check
//! reads. A withdrawal works from its instant on; earlier use stays lawful.

use super::source::RecordSource;
use crate::audit::{Action, Outcome};
use crate::consent::proof::{ConsentText, hash_hex};
use crate::consent::{ConsentError, ConsentTextRow};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{ConsentId, ObjectionId, SubjectId};
use crate::lawful;
use crate::principal::{Act, Principal};
use crate::store::{Change, ConsentRow, ObjectionRow, RecordFilter, Write};
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{LegalBasis, PurposeId};

/// Where a subject stands on one consent purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentStatus {
    /// The purpose.
    pub purpose: PurposeId,
    /// True if a grant is in force now.
    pub live: bool,
    /// When the latest grant was given.
    pub granted_at: Option<Timestamp>,
    /// When it lapses, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was last withdrawn.
    pub withdrawn_at: Option<Timestamp>,
}

impl Engine {
    /// Records a consent grant (`granted`) or withdrawal for a consent
    /// purpose, a grant without the text shown (see
    /// [`Engine::record_consent_with`]).
    pub async fn record_consent(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        granted: bool,
        source: &str,
    ) -> Result<ConsentRow, EngineError> {
        self.record_consent_with(who, subject, purpose, granted, source, None)
            .await
    }

    /// Records a grant with the exact text shown (Art. 7(1): the hash goes
    /// on the ledger entry, the text is kept once per tenant and hash), or
    /// a withdrawal (`text` is ignored). A withdrawal of a purpose with no
    /// live grant is refused with `E_CONSENT_NOT_LIVE` and writes nothing.
    pub async fn record_consent_with(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        granted: bool,
        source: &str,
        text: Option<ConsentText>,
    ) -> Result<ConsentRow, EngineError> {
        let (row, change) = self
            .plan_consent_with(who, subject, purpose, granted, source, text)
            .await?;
        self.commit(&who.tenant, change).await?;
        Ok(row)
    }

    /// The checks, row and change of [`Engine::record_consent`], not yet
    /// committed, so a withdrawal request's fulfilment commits it with its
    /// own update in one transaction.
    pub(crate) async fn plan_consent(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        granted: bool,
        source: &str,
    ) -> Result<(ConsentRow, Change), EngineError> {
        self.plan_consent_with(who, subject, purpose, granted, source, None)
            .await
    }

    /// [`Engine::plan_consent`] with the text shown for a grant.
    pub(crate) async fn plan_consent_with(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        granted: bool,
        source: &str,
        text: Option<ConsentText>,
    ) -> Result<(ConsentRow, Change), EngineError> {
        let action = if granted {
            Action::ConsentGrant
        } else {
            Action::ConsentWithdraw
        };
        self.authorize(
            who,
            Act::ManageConsent,
            action,
            Some(purpose),
            Some(subject),
        )
        .await?;
        let source = RecordSource::parse(source, "source")?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let declared = lawful::declared_purpose(&policy, purpose)?;
        if declared.basis != LegalBasis::Consent {
            return Err(EngineError::ConsentNotApplicable(purpose.to_string()));
        }
        let at = self.clock.now();
        // Withdrawing what is not live writes nothing, except after a GPC
        // signal ended the grant: the person's own "no" then goes on the
        // ledger, and the banner view's conflict is answered by it.
        if !granted
            && !lawful::consent_live(&view.consents, purpose, at)
            && !ended_by_signal(&view.consents, purpose)
        {
            return Err(ConsentError::NotLive(purpose.to_string()).into());
        }
        let mut writes = Vec::with_capacity(2);
        let text_hash = match text.filter(|_| granted) {
            None => None,
            Some(text) => Some(self.consent_text_write(who, text, at, &mut writes).await?),
        };
        let expires_at = match (&declared.consent_valid_for, granted) {
            (Some(span), true) => Some(span.after(at).map_err(|_| EngineError::InvalidInput {
                field: "purpose".into(),
                message: "the consent validity span overflows the calendar".into(),
            })?),
            _ => None,
        };
        let row = ConsentRow {
            tenant: who.tenant.clone(),
            id: ConsentId::new(),
            subject,
            purpose: purpose.clone(),
            granted,
            at,
            expires_at,
            policy_version: view.policy_version,
            source: source.as_str().to_owned(),
            text_hash,
        };
        let mut detail = format!("source={source} policy_version={}", view.policy_version);
        if let Some(hash) = &text_hash {
            detail.push_str(&format!(" text_sha256={}", hash_hex(hash)));
        }
        writes.push(Write::InsertConsent(row.clone()));
        let change = Change {
            writes,
            audit: vec![self.event(
                who,
                action,
                Some(purpose.as_str()),
                Some(subject),
                detail,
                Outcome::Allowed,
            )],
        };
        Ok((row, change))
    }

    /// The hash of a grant's text: a text sent whole is kept (once per
    /// tenant and hash) in the grant's commit; a hash alone must name a
    /// text kept before, else `E_CONSENT_TEXT_UNKNOWN`.
    async fn consent_text_write(
        &self,
        who: &Principal,
        text: ConsentText,
        at: Timestamp,
        writes: &mut Vec<Write>,
    ) -> Result<[u8; 32], EngineError> {
        let hash = text.digest();
        match text {
            ConsentText::Shown(body) => writes.push(Write::InsertConsentText(ConsentTextRow {
                tenant: who.tenant.clone(),
                hash,
                body,
                stored_at: at,
            })),
            ConsentText::Hash(_) => {
                if self.store.consent_text(&who.tenant, &hash).await?.is_none() {
                    return Err(ConsentError::UnknownText.into());
                }
            }
        }
        Ok(hash)
    }

    /// The subject's standing on every consent purpose of the policy that
    /// the caller's key is scoped to.
    pub async fn consent_status(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<Vec<ConsentStatus>, EngineError> {
        who.require(Act::ManageConsent)?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let now = self.clock.now();
        let status = policy
            .purposes
            .iter()
            .filter(|p| p.basis == LegalBasis::Consent && who.require_purpose(&p.id).is_ok())
            .map(|p| {
                let ledger = view
                    .consents
                    .iter()
                    .filter(|c| c.purpose == p.id && c.at <= now);
                let last_grant = ledger.clone().filter(|c| c.granted).max_by_key(|c| c.at);
                let last_withdrawal = ledger.filter(|c| !c.granted).max_by_key(|c| c.at);
                ConsentStatus {
                    purpose: p.id.clone(),
                    live: lawful::consent_live(&view.consents, &p.id, now),
                    granted_at: last_grant.map(|c| c.at),
                    expires_at: last_grant.and_then(|c| c.expires_at),
                    withdrawn_at: last_withdrawal.map(|c| c.at),
                }
            })
            .collect();
        Ok(status)
    }

    /// Records an objection to one purpose, or with `None` to every purpose
    /// that can be objected to, direct marketing included. A purpose-scoped
    /// key may object only to its own purposes, and never to every purpose.
    pub async fn object(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: Option<&PurposeId>,
    ) -> Result<ObjectionRow, EngineError> {
        Ok(self.object_once(who, subject, purpose).await?.0)
    }

    /// [`Engine::object`], saying whether the objection is new: the same
    /// objection again (to the same purpose, or to every purpose) is the
    /// one already recorded, and nothing is written, so repeating it does
    /// not grow the subject's ledger and answer without bound.
    pub async fn object_once(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: Option<&PurposeId>,
    ) -> Result<(ObjectionRow, bool), EngineError> {
        let (row, change) = self.plan_objection(who, subject, purpose).await?;
        if change.writes.is_empty() {
            return Ok((row, false));
        }
        self.commit(&who.tenant, change).await?;
        Ok((row, true))
    }

    /// The checks, row and change of [`Engine::object`], not yet committed.
    pub(crate) async fn plan_objection(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: Option<&PurposeId>,
    ) -> Result<(ObjectionRow, Change), EngineError> {
        let scope = who
            .require(Act::RecordObjection)
            .and_then(|()| match purpose {
                Some(p) => who.require_purpose(p),
                None => who.require_unscoped("object to every purpose at once"),
            });
        if let Err(err) = scope {
            let named = purpose.map(PurposeId::as_str);
            return Err(self
                .refuse(
                    who,
                    Action::ObjectionRecord,
                    named,
                    Some(subject),
                    String::new(),
                    err,
                )
                .await);
        }
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        if let Some(p) = purpose {
            let declared = lawful::declared_purpose(&policy, p)?;
            if !(declared.basis.objectable() || declared.direct_marketing || declared.profiling) {
                return Err(EngineError::ObjectionNotApplicable(p.to_string()));
            }
        }
        if let Some(same) = view
            .objections
            .iter()
            .find(|o| o.purpose.as_ref() == purpose)
        {
            return Ok((same.clone(), Change::default()));
        }
        let row = ObjectionRow {
            tenant: who.tenant.clone(),
            id: ObjectionId::new(),
            subject,
            purpose: purpose.cloned(),
            at: self.clock.now(),
        };
        let change = Change {
            writes: vec![Write::InsertObjection(row.clone())],
            audit: vec![self.event(
                who,
                Action::ObjectionRecord,
                purpose.map(PurposeId::as_str),
                Some(subject),
                String::new(),
                Outcome::Allowed,
            )],
        };
        Ok((row, change))
    }
}

/// Whether the latest ledger entry for `purpose` is a withdrawal a Global
/// Privacy Control signal made (source `gpc`), ending a grant.
fn ended_by_signal(consents: &[crate::store::ConsentRow], purpose: &PurposeId) -> bool {
    consents
        .iter()
        .filter(|c| &c.purpose == purpose)
        .max_by_key(|c| (c.at, c.id))
        .is_some_and(|c| !c.granted && c.source == "gpc")
}
