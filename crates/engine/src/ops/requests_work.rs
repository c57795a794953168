//! Working a data subject request: extending its due date (Art. 12(3)),
//! charging a fee (Art. 12(5)), refusing it with a reason (Art. 12(4)) and
//! fulfilling it. Fulfilment is atomic with the act: the act's writes and
//! audit entries (an erasure, a restriction, an objection, a withdrawal)
//! and the request's `fulfilled` update are one `Change`, so a crash
//! leaves both or neither, and a request fulfilled twice at once fails
//! once on its version check and does nothing.

use super::requests::{commit_outcome, request_detail, request_update};
use super::subjects::erasure_outcome;
use crate::audit::{Action, Outcome};
use crate::consent::ConsentError;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::RequestId;
use crate::notify::{FeeNotice, MessageKind, Remedies};
use crate::principal::Principal;
use crate::requests::{
    Fee, KindTag, Reason, RequestError, RequestRow, Transition, due, transition,
};
use crate::store::{Change, Write};

impl Engine {
    /// Extends an open request's due date once, with a reason, before the
    /// first due date, by `months` (default: the policy's whole extension),
    /// and tells the subject the new date and why (Art. 12(3)).
    pub async fn extend_request(
        &self,
        who: &Principal,
        id: RequestId,
        reason: Reason,
        months: Option<u32>,
    ) -> Result<RequestRow, EngineError> {
        let row = self.managed_request(who, id, Action::RequestExtend).await?;
        transition(row.state, Transition::Amend)?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        let extended = due::extend(
            self.clock.now(),
            row.due_at,
            row.extended_due_at.is_some(),
            months,
            &policy.rights.extension,
        )?;
        let mut next = row.clone();
        next.extended_due_at = Some(extended);
        next.extension_reason = Some(reason.clone());
        self.update_request(
            who,
            &row,
            next.clone(),
            Action::RequestExtend,
            Outcome::Allowed,
        )
        .await?;
        let mut message = self.message(&next, MessageKind::Extension);
        message.reason = self.reason_to_tell(&who.tenant, &row, &reason).await?;
        message.due_at = Some(extended);
        self.tell(&message).await;
        Ok(next)
    }

    /// Records a fee on an open request, once (a second would replace the
    /// first without trace), and tells the subject the amount and why
    /// (Art. 12(5)); the reason is required.
    pub async fn set_request_fee(
        &self,
        who: &Principal,
        id: RequestId,
        fee: Fee,
    ) -> Result<RequestRow, EngineError> {
        let row = self.managed_request(who, id, Action::RequestFee).await?;
        transition(row.state, Transition::Amend)?;
        if row.fee.is_some() {
            return Err(RequestError::FeeAlreadySet.into());
        }
        let mut next = row.clone();
        next.fee = Some(fee.clone());
        self.update_request(
            who,
            &row,
            next.clone(),
            Action::RequestFee,
            Outcome::Allowed,
        )
        .await?;
        let mut message = self.message(&next, MessageKind::Fee);
        message.reason = self.reason_to_tell(&who.tenant, &row, &fee.reason).await?;
        message.fee = Some(FeeNotice {
            amount_minor: fee.amount_minor,
            currency: fee.currency,
        });
        self.tell(&message).await;
        Ok(next)
    }

    /// Refuses an open request with a reason, and tells the subject why and
    /// that they may complain to the supervisory authority (Art. 12(4)).
    pub async fn refuse_request(
        &self,
        who: &Principal,
        id: RequestId,
        reason: Reason,
    ) -> Result<RequestRow, EngineError> {
        let row = self.managed_request(who, id, Action::RequestRefuse).await?;
        let mut next = row.clone();
        next.state = transition(row.state, Transition::Refuse)?;
        next.refusal_reason = Some(reason.clone());
        next.closed_at = Some(self.clock.now());
        next.code.hash = None;
        self.update_request(
            who,
            &row,
            next.clone(),
            Action::RequestRefuse,
            Outcome::Allowed,
        )
        .await?;
        let mut message = self.message(&next, MessageKind::Refusal);
        message.reason = self.reason_to_tell(&who.tenant, &row, &reason).await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        message.remedies = Some(Remedies::of(&policy.authority));
        self.tell(&message).await;
        Ok(next)
    }

    /// Fulfils a verified request: does the act it asks for and marks it
    /// fulfilled in one commit. Access and portability are answered by
    /// reading the subject afterwards; rectification records (with a
    /// required note) that the corrections were made through the record
    /// endpoints; a transfer pushes the portable data to the subject's URL
    /// first (Art. 20(2)) and stays verified if that fails; a directive for
    /// after death is registered (note "registered"), superseding earlier
    /// ones, and applied when the death is recorded.
    pub async fn fulfil_request(
        &self,
        who: &Principal,
        id: RequestId,
        note: Option<Reason>,
    ) -> Result<RequestRow, EngineError> {
        let row = self.managed_request(who, id, Action::RequestFulfil).await?;
        let mut next = row.clone();
        next.state = transition(row.state, Transition::Fulfil)?;
        let mut change = self.fulfilment_act(who, &row, note.as_ref()).await?;
        super::deliveries::stamp_request(&mut change, row.id);
        let now = self.clock.now();
        next.fulfilled_at = Some(now);
        next.closed_at = Some(now);
        next.closed_note = match (note, row.kind) {
            (None, KindTag::Directive) => Some(Reason::parse("note", "registered")?),
            (note, _) => note,
        };
        next.code.hash = None;
        change.writes.insert(0, request_update(&row, next.clone()));
        change.audit.push(self.event(
            who,
            Action::RequestFulfil,
            None,
            Some(row.subject),
            request_detail(&row),
            Outcome::Allowed,
        ));
        next.version = row.version.saturating_add(1);
        let committed = match self.commit(&who.tenant, change).await {
            // The erasure's lock runs first, so a concurrent fulfilment
            // that erased the subject makes this one fail there, before
            // the request's version check: it lost a race on the request.
            Err(EngineError::SubjectErased) if self.request_moved(who, &row).await? => {
                Err(RequestError::Changed.into())
            }
            other => other,
        };
        commit_outcome(erasure_outcome(committed))?;
        self.tell(&self.message(&next, MessageKind::Fulfilment))
            .await;
        Ok(next)
    }

    /// Whether `row` was changed in the store since it was read.
    async fn request_moved(&self, who: &Principal, row: &RequestRow) -> Result<bool, EngineError> {
        let now = self.store.request(&who.tenant, row.id).await?;
        Ok(now.is_none_or(|r| r.version != row.version))
    }

    /// The writes and audit entries of the act a request asks for, not yet
    /// committed.
    async fn fulfilment_act(
        &self,
        who: &Principal,
        row: &RequestRow,
        note: Option<&Reason>,
    ) -> Result<Change, EngineError> {
        let subject = row.subject;
        match row.kind {
            // Erased meanwhile (by hand, a sweep, a death's directive, a
            // duplicate request): what was asked is done.
            KindTag::Erasure => match self.plan_erasure(who, subject).await {
                Err(EngineError::SubjectErased) => Ok(Change::default()),
                other => other,
            },
            KindTag::Restriction => self.plan_restriction(who, subject, true).await,
            KindTag::RestrictionLift => self.plan_restriction(who, subject, false).await,
            // A purpose a later policy version dropped is used for nothing
            // now, but the objection or withdrawal still goes on the ledger,
            // so it holds if a version declares the purpose again.
            KindTag::Objection => {
                match self
                    .plan_objection(who, subject, row.purpose.as_ref())
                    .await
                {
                    Ok((_, change)) => Ok(change),
                    Err(EngineError::PurposeNotDeclared(_)) => {
                        self.ledger_for_dropped(who, row).await
                    }
                    Err(err) => Err(err),
                }
            }
            KindTag::ConsentWithdrawal => {
                let purpose = row.purpose.as_ref().ok_or_else(|| {
                    RequestError::field("purpose", "a withdrawal request names its purpose")
                })?;
                // Nothing live to withdraw: the request is met as it stands,
                // and no ledger entry is written.
                match self
                    .plan_consent(who, subject, purpose, false, "request")
                    .await
                {
                    Ok((_, change)) => Ok(change),
                    Err(EngineError::Consent(ConsentError::NotLive(_))) => Ok(Change::default()),
                    Err(EngineError::PurposeNotDeclared(_)) => {
                        self.ledger_for_dropped(who, row).await
                    }
                    Err(err) => Err(err),
                }
            }
            KindTag::Access | KindTag::Portability => Ok(Change::default()),
            KindTag::Rectification => match note {
                Some(_) => Ok(Change::default()),
                None => Err(RequestError::field(
                    "note",
                    "say which corrections were made (through the record endpoints)",
                )
                .into()),
            },
            KindTag::Transfer => self.plan_transfer(who, row).await,
            // Registered: applied when the death is recorded. A directive
            // after the death was recorded comes too late to apply.
            KindTag::Directive => match self.store.death_of(&who.tenant, subject).await? {
                Some(_) => Err(RequestError::DeathRecorded.into()),
                None => Ok(Change::default()),
            },
        }
    }

    /// The ledger entry of an objection or a consent withdrawal whose
    /// purpose the policy in force no longer declares: nothing uses the
    /// purpose now, but the person's word is kept (a withdrawal only of a
    /// consent still live on the ledger), so a version that declares the
    /// purpose again does not revive a consent or forget an objection.
    async fn ledger_for_dropped(
        &self,
        who: &Principal,
        row: &RequestRow,
    ) -> Result<Change, EngineError> {
        let purpose = row
            .purpose
            .clone()
            .ok_or_else(|| RequestError::field("purpose", "the request names no purpose"))?;
        let view = self
            .live_subject(who, row.subject, crate::store::RecordFilter::None)
            .await?;
        let at = self.clock.now();
        let (write, action) = match row.kind {
            KindTag::ConsentWithdrawal => {
                if !crate::lawful::consent_live(&view.consents, &purpose, at) {
                    return Ok(Change::default());
                }
                let consent = crate::store::ConsentRow {
                    tenant: who.tenant.clone(),
                    id: crate::ids::ConsentId::new(),
                    subject: row.subject,
                    purpose: purpose.clone(),
                    granted: false,
                    at,
                    expires_at: None,
                    policy_version: view.policy_version,
                    source: "request".to_owned(),
                    text_hash: None,
                };
                (Write::InsertConsent(consent), Action::ConsentWithdraw)
            }
            _ => {
                let objection = crate::store::ObjectionRow {
                    tenant: who.tenant.clone(),
                    id: crate::ids::ObjectionId::new(),
                    subject: row.subject,
                    purpose: Some(purpose.clone()),
                    at,
                };
                (Write::InsertObjection(objection), Action::ObjectionRecord)
            }
        };
        let detail = "purpose no longer declared".to_owned();
        let event = self.event(
            who,
            action,
            Some(purpose.as_str()),
            Some(row.subject),
            detail,
            Outcome::Allowed,
        );
        Ok(Change {
            writes: vec![write],
            audit: vec![event],
        })
    }

    /// The reason a message carries: none about an erased subject. Staff's
    /// free text is personal data that went with the subject (the store
    /// keeps `[erased with the subject]` in its place), so it must not
    /// reach the outbox either.
    async fn reason_to_tell(
        &self,
        tenant: &crate::ids::TenantId,
        row: &RequestRow,
        reason: &Reason,
    ) -> Result<Option<String>, EngineError> {
        let erased = self
            .subject_view(tenant, row.subject, crate::store::RecordFilter::None)
            .await?
            .is_none_or(|view| view.subject.erased_at.is_some());
        Ok((!erased).then(|| reason.as_str().to_owned()))
    }

    /// Delivers a message after its act committed; a failure is logged,
    /// since the act stands and the message can be sent again by hand.
    async fn tell(&self, message: &crate::notify::Message) {
        if let Err(err) = self.notifier.send(message).await {
            let request = message.request.map(|r| r.to_string()).unwrap_or_default();
            tracing::warn!(error = %err, %request, "a message to the subject was not delivered");
        }
    }
}
