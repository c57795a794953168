//! Data subject requests (Art. 12-22): filing, the identity check by
//! one-time code or by other means, reading and listing. Every step is one
//! `Change` with its audit entry, which names the request id and kind
//! only; the pure rules live in `crate::requests`. Extension, refusal, fee
//! and fulfilment are in `requests_work.rs`.

use super::records::unwrap_key;
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{RequestId, SubjectId};
use crate::lawful;
use crate::notify::{Message, MessageKind};
use crate::principal::{Act, Principal};
use crate::requests::code::{self, CodeState, Verdict};
use crate::requests::{
    ASKED_MEANWHILE, Reason, RequestCursor, RequestError, RequestFilter, RequestKind, RequestRow,
    RequestState, Transition, VerifiedBy, due, find_duplicate, transition,
};
use crate::store::{Change, RecordFilter, StoreError, Write};
use jiff::Timestamp;
use tutela_policy::{LegalBasis, Policy};

/// The most requests one page lists.
pub const MAX_REQUESTS_PER_PAGE: u32 = 200;

/// A filed request, and whether it was closed at once as a duplicate of an
/// open one (`row.duplicate_of`).
#[derive(Debug, Clone)]
pub struct FiledRequest {
    /// The request as stored.
    pub row: RequestRow,
    /// True when it duplicates an open request and was not opened.
    pub duplicate: bool,
    /// Set when the act it asks for cannot be done under the policy in
    /// force: the request is still filed, with its due date, so it can be
    /// refused with the reasons and remedies (Art. 12(4)).
    pub not_applicable: Option<NotApplicable>,
}

/// Why a filed request's act cannot be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotApplicable {
    /// An objection to a purpose resting on neither legitimate interests,
    /// a public task nor direct marketing (Art. 21(1)-(2)).
    Objection(String),
    /// A consent withdrawal for a purpose that does not rest on consent.
    ConsentWithdrawal(String),
}

impl NotApplicable {
    /// Stable code of the warning.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Objection(_) => "W_OBJECTION_NOT_APPLICABLE",
            Self::ConsentWithdrawal(_) => "W_CONSENT_NOT_APPLICABLE",
        }
    }

    /// What the handler should do, in words.
    pub fn message(&self) -> String {
        match self {
            Self::Objection(p) => format!(
                "purpose '{p}' rests on neither legitimate interests, a public task nor direct marketing, so the objection cannot be applied; refuse the request with the reason (Art. 12(4))"
            ),
            Self::ConsentWithdrawal(p) => format!(
                "purpose '{p}' does not rest on consent, so there is no consent to withdraw; refuse the request with the reason (Art. 12(4))"
            ),
        }
    }
}

/// The category name binding a request's sealed detail and its digest.
const DETAIL_LABEL: &str = "request.detail";

/// How many times a filing is tried: a loser of a race is filed again as
/// the winner's duplicate, so a second try settles it; a third covers a
/// winner closed meanwhile.
const FILING_TRIES: usize = 3;

/// What a filing writes, decided once for all its tries.
struct Filing<'k> {
    id: RequestId,
    subject: SubjectId,
    kind: &'k RequestKind,
    sealed_detail: Option<Vec<u8>>,
    detail_digest: Option<[u8; 32]>,
    about_held: bool,
}

impl Engine {
    /// Files a data subject request about `subject`. It opens as
    /// `received`, due the policy's answer period from now, naming the
    /// policy's first handler; one asking the same as an open request is
    /// linked to it and closed at once, never run twice.
    pub async fn file_request(
        &self,
        who: &Principal,
        subject: SubjectId,
        kind: RequestKind,
    ) -> Result<FiledRequest, EngineError> {
        self.authorize(
            who,
            Act::FileRequest,
            Action::RequestFile,
            None,
            Some(subject),
        )
        .await?;
        let view = self
            .subject_view(&who.tenant, subject, RecordFilter::None)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        let about_held = view.subject.erased_at.is_some();
        if about_held {
            // Records a statutory hold keeps are still the person's data:
            // their access (Art. 15) is worked like any other request.
            // Nothing else can be asked of an erased subject.
            let held = self.store.subject_holds(&who.tenant, subject).await?;
            if !matches!(kind, RequestKind::Access) || held.records.is_empty() {
                return Err(EngineError::SubjectErased);
            }
        }
        // A directive is applied when the death is recorded; one filed
        // after that could never be fulfilled and would fall overdue.
        if matches!(kind, RequestKind::Directive(_))
            && self.store.death_of(&who.tenant, subject).await?.is_some()
        {
            return Err(RequestError::DeathRecorded.into());
        }
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let not_applicable = check_kind(&policy, &kind)?;
        let id = RequestId::new();
        let (sealed_detail, detail_digest) = match kind.sensitive() {
            Some(text) => {
                let key = unwrap_key(&self.master, &who.tenant, &view)?;
                let aad = tutela_vault::record_aad(
                    who.tenant.as_str(),
                    subject.as_bytes(),
                    id.as_bytes(),
                    DETAIL_LABEL,
                );
                let sealed = key
                    .try_seal(text.as_bytes(), &aad)
                    .map_err(|_| EngineError::Unreadable)?;
                let digest = self
                    .master
                    .blind_index_key(who.tenant.as_str())
                    .index(DETAIL_LABEL, text);
                (Some(sealed), Some(*digest.as_bytes()))
            }
            None => (None, None),
        };
        let filing = Filing {
            id,
            subject,
            kind: &kind,
            sealed_detail,
            detail_digest,
            about_held,
        };
        // A filing that raced another asking the same lost inside its
        // commit; filed again, it is linked to the winner.
        for _ in 0..FILING_TRIES - 1 {
            match self.file_once(who, &policy, &filing).await {
                Err(EngineError::Storage(StoreError::Missing { what }))
                    if what == ASKED_MEANWHILE => {}
                done => {
                    return done.map(|f| FiledRequest {
                        not_applicable,
                        ..f
                    });
                }
            }
        }
        let filed = self.file_once(who, &policy, &filing).await?;
        Ok(FiledRequest {
            not_applicable,
            ..filed
        })
    }

    /// One try at filing: linked to an open request asking the same, or
    /// opened with the store checking, inside the commit, that none does.
    async fn file_once(
        &self,
        who: &Principal,
        policy: &Policy,
        filing: &Filing<'_>,
    ) -> Result<FiledRequest, EngineError> {
        let subject = filing.subject;
        let open = self.store.open_requests_of(&who.tenant, subject).await?;
        let original =
            find_duplicate(&open, filing.kind, filing.detail_digest.as_ref()).map(|r| r.id);
        let now = self.clock.now();
        let kind = filing.kind;
        let row = RequestRow {
            tenant: who.tenant.clone(),
            id: filing.id,
            subject,
            kind: kind.tag(),
            purpose: kind.purpose().cloned(),
            directive: kind.directive(),
            sealed_detail: filing.sealed_detail.clone(),
            detail_digest: filing.detail_digest,
            state: if original.is_some() {
                RequestState::Duplicate
            } else {
                RequestState::Received
            },
            received_at: now,
            due_at: due::due_at(now, &policy.rights.answer_within)?,
            extended_due_at: None,
            extension_reason: None,
            refusal_reason: None,
            fee: None,
            handler: policy.rights.first_handler,
            handler_contact: policy.controller.email.clone(),
            duplicate_of: original,
            verified_at: None,
            verified_by: None,
            verification_note: None,
            code: CodeState::default(),
            fulfilled_at: None,
            closed_at: original.map(|_| now),
            closed_note: None,
            version: 1,
        };
        let mut detail = request_detail(&row);
        if let Some(first) = original {
            detail.push_str(&format!(" duplicate_of={first}"));
        }
        let event = self.event(
            who,
            Action::RequestFile,
            None,
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        let change = Change {
            writes: vec![if filing.about_held {
                Write::InsertRequestAboutHeld(row.clone())
            } else {
                Write::InsertRequest(row.clone())
            }],
            audit: vec![event],
        };
        self.commit(&who.tenant, change).await?;
        Ok(FiledRequest {
            duplicate: original.is_some(),
            row,
            not_applicable: None,
        })
    }

    /// Sends the subject a new one-time code for a received request through
    /// the engine's notifier; the old code stops working. Returns when the
    /// new one expires.
    pub async fn send_request_code(
        &self,
        who: &Principal,
        id: RequestId,
    ) -> Result<Timestamp, EngineError> {
        let row = self.managed_request(who, id, Action::RequestCode).await?;
        transition(row.state, Transition::Verify)?;
        let now = self.clock.now();
        row.code.may_send(now)?;
        let code = code::generate()?;
        let hash = self
            .master
            .request_code_key(who.tenant.as_str())
            .hash(id.as_bytes(), &code);
        let mut next = row.clone();
        next.code = row.code.issued(now, hash);
        let expires = next.code.expires_at.unwrap_or(now);
        self.update_request(
            who,
            &row,
            next.clone(),
            Action::RequestCode,
            Outcome::Allowed,
        )
        .await?;
        let mut message = self.message(&next, MessageKind::VerificationCode);
        message.code = Some(code);
        message.code_expires_at = Some(expires);
        if let Err(err) = self.notifier.send(&message).await {
            tracing::warn!(error = %err, request = %id, "a verification code was not delivered");
            // A code nobody received does not count against the request's
            // sends, nor end the code sent before it: the code state goes
            // back to what it was (audited as the failed send it was).
            let mut sent = next;
            sent.version = row.version.saturating_add(1);
            let mut restored = sent.clone();
            restored.code = row.code.clone();
            self.update_request(
                who,
                &sent,
                restored,
                Action::RequestCode,
                Outcome::Denied("E_NOTIFY_FAILED"),
            )
            .await?;
            return Err(RequestError::NotifyFailed.into());
        }
        Ok(expires)
    }

    /// Checks the code the subject typed. Right: the request is verified
    /// and the code used up. Wrong: the try is counted (five lock the code
    /// until a new one is sent) and recorded as a denied verification.
    pub async fn verify_request(
        &self,
        who: &Principal,
        id: RequestId,
        typed: &str,
    ) -> Result<RequestRow, EngineError> {
        let row = self.managed_request(who, id, Action::RequestVerify).await?;
        transition(row.state, Transition::Verify)?;
        let canonical = code::normalize(typed).ok_or_else(|| {
            RequestError::field("code", "must be ten letters and digits, as sent")
        })?;
        let key = self.master.request_code_key(who.tenant.as_str());
        let now = self.clock.now();
        let verdict = row
            .code
            .check(now, |stored| key.verify(id.as_bytes(), &canonical, stored));
        match verdict {
            Verdict::Accepted(code) => {
                let mut next = row.clone();
                next.code = code;
                next.state = RequestState::Verified;
                next.verified_at = Some(now);
                next.verified_by = Some(VerifiedBy::Code);
                self.update_request(
                    who,
                    &row,
                    next.clone(),
                    Action::RequestVerify,
                    Outcome::Allowed,
                )
                .await?;
                Ok(next)
            }
            Verdict::Wrong(code, err) => {
                let mut next = row.clone();
                next.code = code;
                let outcome = Outcome::Denied(err.code());
                self.update_request(who, &row, next, Action::RequestVerify, outcome)
                    .await?;
                Err(err.into())
            }
            Verdict::Refused(err) => Err(err.into()),
        }
    }

    /// Records that staff verified the subject's identity by other means
    /// (`document`, `manual`, `account`), with a note saying how.
    pub async fn verify_request_manually(
        &self,
        who: &Principal,
        id: RequestId,
        method: VerifiedBy,
        note: Reason,
    ) -> Result<RequestRow, EngineError> {
        if method == VerifiedBy::Code {
            return Err(RequestError::field(
                "method",
                "must be document, manual or account; a code is checked with {code}",
            )
            .into());
        }
        let row = self.managed_request(who, id, Action::RequestVerify).await?;
        let mut next = row.clone();
        next.state = transition(row.state, Transition::Verify)?;
        next.verified_at = Some(self.clock.now());
        next.verified_by = Some(method);
        next.verification_note = Some(note);
        next.code = CodeState {
            hash: None,
            expires_at: None,
            ..row.code.clone()
        };
        self.update_request(
            who,
            &row,
            next.clone(),
            Action::RequestVerify,
            Outcome::Allowed,
        )
        .await?;
        Ok(next)
    }

    /// One request of the caller's tenant.
    pub async fn request(&self, who: &Principal, id: RequestId) -> Result<RequestRow, EngineError> {
        self.authorize(who, Act::ManageRequests, Action::RequestsRead, None, None)
            .await?;
        self.load_request(who, id).await
    }

    /// A page of the tenant's requests by effective due date, at most
    /// [`MAX_REQUESTS_PER_PAGE`].
    pub async fn requests(
        &self,
        who: &Principal,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<Vec<RequestRow>, EngineError> {
        self.authorize(who, Act::ManageRequests, Action::RequestsRead, None, None)
            .await?;
        let limit = limit.clamp(1, MAX_REQUESTS_PER_PAGE);
        Ok(self
            .store
            .requests(&who.tenant, filter, after, limit)
            .await?)
    }

    /// Authorizes `who` to work requests (a refusal is audited as `action`)
    /// and loads the request.
    pub(crate) async fn managed_request(
        &self,
        who: &Principal,
        id: RequestId,
        action: Action,
    ) -> Result<RequestRow, EngineError> {
        self.authorize(who, Act::ManageRequests, action, None, None)
            .await?;
        self.load_request(who, id).await
    }

    async fn load_request(
        &self,
        who: &Principal,
        id: RequestId,
    ) -> Result<RequestRow, EngineError> {
        Ok(self
            .store
            .request(&who.tenant, id)
            .await?
            .ok_or(RequestError::NotFound)?)
    }

    /// Commits `next` over `row` (only if nobody changed it meanwhile) with
    /// its audit entry.
    pub(crate) async fn update_request(
        &self,
        who: &Principal,
        row: &RequestRow,
        next: RequestRow,
        action: Action,
        outcome: Outcome,
    ) -> Result<(), EngineError> {
        let event = self.event(
            who,
            action,
            None,
            Some(row.subject),
            request_detail(row),
            outcome,
        );
        let change = Change {
            writes: vec![request_update(row, next)],
            audit: vec![event],
        };
        commit_outcome(self.commit(&who.tenant, change).await)
    }

    /// The request's sealed detail (a transfer URL, a person's name),
    /// opened for the act that needs it; never logged or audited.
    pub(crate) async fn open_detail(
        &self,
        who: &Principal,
        row: &RequestRow,
    ) -> Result<String, EngineError> {
        let sealed = row
            .sealed_detail
            .as_deref()
            .ok_or_else(|| RequestError::field("detail", "this request holds no sealed detail"))?;
        let view = self
            .live_subject(who, row.subject, RecordFilter::None)
            .await?;
        let key = unwrap_key(&self.master, &who.tenant, &view)?;
        let aad = tutela_vault::record_aad(
            who.tenant.as_str(),
            row.subject.as_bytes(),
            row.id.as_bytes(),
            DETAIL_LABEL,
        );
        let plain = key
            .open(sealed, &aad)
            .map_err(|_| EngineError::Unreadable)?;
        String::from_utf8(plain.to_vec()).map_err(|_| EngineError::Unreadable)
    }

    /// A message about `row` to its subject.
    pub(crate) fn message(&self, row: &RequestRow, kind: MessageKind) -> Message {
        Message {
            id: RequestId::new().to_string(),
            tenant: row.tenant.clone(),
            request: Some(row.id),
            subject: row.subject,
            kind,
            request_kind: Some(row.kind.as_str()),
            policy: None,
            code: None,
            code_expires_at: None,
            reason: None,
            due_at: None,
            fee: None,
            remedies: None,
            handler_contact: row.handler_contact.clone(),
            at: self.clock.now(),
        }
    }
}

/// The audit detail of a request step: ids and names only.
pub(crate) fn request_detail(row: &RequestRow) -> String {
    format!("request={} kind={}", row.id, row.kind)
}

/// The write replacing `row` by `next`, bumping the version.
pub(crate) fn request_update(row: &RequestRow, mut next: RequestRow) -> Write {
    next.version = row.version.saturating_add(1);
    Write::UpdateRequest {
        row: next,
        expected_version: row.version,
    }
}

/// A request updated meanwhile by someone else is `E_REQUEST_CHANGED`.
pub(crate) fn commit_outcome<T>(result: Result<T, EngineError>) -> Result<T, EngineError> {
    match result {
        Err(EngineError::Storage(StoreError::Missing { what: "request" })) => {
            Err(RequestError::Changed.into())
        }
        other => other,
    }
}

/// Refuses a purpose the policy does not declare; says when an objection
/// or withdrawal names a purpose it cannot apply to. Such a request is
/// still filed: the person asked, and the answer is a refusal with reasons
/// before the due date (Art. 12(4)), not silence.
fn check_kind(policy: &Policy, kind: &RequestKind) -> Result<Option<NotApplicable>, EngineError> {
    if let RequestKind::Objection(Some(p)) = kind {
        let declared = lawful::declared_purpose(policy, p)?;
        if !(declared.basis.objectable() || declared.direct_marketing || declared.profiling) {
            return Ok(Some(NotApplicable::Objection(p.to_string())));
        }
    }
    if let RequestKind::ConsentWithdrawal(p) = kind
        && lawful::declared_purpose(policy, p)?.basis != LegalBasis::Consent
    {
        return Ok(Some(NotApplicable::ConsentWithdrawal(p.to_string())));
    }
    Ok(None)
}
