//! A data subject request as stored, and the pure rules read off it:
//! effective due date, overdue flag, and which open request a new one
//! duplicates.

use super::code::CodeState;
use super::due;
use super::kind::{DirectiveTag, KindTag, RequestKind};
use super::state::RequestState;
use super::text::{Fee, Reason};
use crate::ids::{RequestId, SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::{FirstHandler, PurposeId};

/// How the subject's identity was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifiedBy {
    /// A one-time code the subject received and typed back.
    Code,
    /// An identity document, checked by staff.
    Document,
    /// Staff checked by other means.
    Manual,
    /// The subject was signed in to their own account.
    Account,
}

impl VerifiedBy {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Document => "document",
            Self::Manual => "manual",
            Self::Account => "account",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Code, Self::Document, Self::Manual, Self::Account]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// One request, as stored. Holds no personal value in clear: the subject is
/// a pseudonym, a transfer URL or a person's name is sealed under the
/// subject's data key, and reasons and notes are written by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// Whose request.
    pub tenant: TenantId,
    /// The request's id (UUID v7).
    pub id: RequestId,
    /// About whom.
    pub subject: SubjectId,
    /// What is asked.
    pub kind: KindTag,
    /// The purpose an objection or withdrawal names.
    pub purpose: Option<PurposeId>,
    /// The directive chosen.
    pub directive: Option<DirectiveTag>,
    /// The transfer URL or the person's name, sealed under the subject's
    /// data key (unreadable once the subject is erased).
    pub sealed_detail: Option<Vec<u8>>,
    /// A keyed hash of that detail, to tell duplicates apart without
    /// opening it.
    pub detail_digest: Option<[u8; 32]>,
    /// Where it stands.
    pub state: RequestState,
    /// When it was received.
    pub received_at: Timestamp,
    /// The first due date.
    pub due_at: Timestamp,
    /// The due date after an extension.
    pub extended_due_at: Option<Timestamp>,
    /// Why it was extended.
    pub extension_reason: Option<Reason>,
    /// Why it was refused.
    pub refusal_reason: Option<Reason>,
    /// A fee charged, with its reason.
    pub fee: Option<Fee>,
    /// Who receives it first (the policy's `rights.first_handler`).
    pub handler: FirstHandler,
    /// How to reach the handler (the controller's email from the policy).
    pub handler_contact: String,
    /// The open request this one duplicates.
    pub duplicate_of: Option<RequestId>,
    /// When identity was verified.
    pub verified_at: Option<Timestamp>,
    /// How.
    pub verified_by: Option<VerifiedBy>,
    /// Staff's note on a verification by other means.
    pub verification_note: Option<Reason>,
    /// The one-time code.
    pub code: CodeState,
    /// When it was fulfilled.
    pub fulfilled_at: Option<Timestamp>,
    /// When it was closed (fulfilled, refused, or closed as a duplicate).
    pub closed_at: Option<Timestamp>,
    /// Staff's note on fulfilment.
    pub closed_note: Option<Reason>,
    /// Bumped by every update; an update applies only to the version read.
    pub version: u32,
}

impl RequestRow {
    /// The due date in force.
    pub fn effective_due_at(&self) -> Timestamp {
        due::effective(self.due_at, self.extended_due_at)
    }

    /// Open and past its effective due date.
    pub fn overdue(&self, now: Timestamp) -> bool {
        due::overdue(self.state, self.effective_due_at(), now)
    }

    /// Whether a new request of `kind` (with `digest` of its sealed detail)
    /// asks the same thing as this one.
    pub fn same_ask(&self, kind: &RequestKind, digest: Option<&[u8; 32]>) -> bool {
        self.kind == kind.tag()
            && self.purpose.as_ref() == kind.purpose()
            && self.directive == kind.directive()
            && self.detail_digest.as_ref() == digest
    }
}

/// What a store reports missing (`StoreError::Missing`) when a request
/// filed as new finds, inside its commit, an open request asking the same
/// thing that committed since the engine looked: the engine files it again,
/// linked to that one.
pub const ASKED_MEANWHILE: &str = "no open request asking the same";

/// The open request among `open` that a new request duplicates, if any:
/// the oldest one asking the same thing.
pub fn find_duplicate<'r>(
    open: &'r [RequestRow],
    kind: &RequestKind,
    digest: Option<&[u8; 32]>,
) -> Option<&'r RequestRow> {
    open.iter()
        .filter(|r| r.state.is_open() && r.same_ask(kind, digest))
        .min_by_key(|r| (r.received_at, r.id))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(kind: &RequestKind, state: RequestState) -> RequestRow {
        let at: Timestamp = "2027-01-31T10:00:00Z".parse().unwrap();
        RequestRow {
            tenant: TenantId::parse("acme").unwrap(),
            id: RequestId::new(),
            subject: SubjectId::new(),
            kind: kind.tag(),
            purpose: kind.purpose().cloned(),
            directive: kind.directive(),
            sealed_detail: None,
            detail_digest: None,
            state,
            received_at: at,
            due_at: at,
            extended_due_at: None,
            extension_reason: None,
            refusal_reason: None,
            fee: None,
            handler: FirstHandler::Controller,
            handler_contact: "privacy@example.org".into(),
            duplicate_of: None,
            verified_at: None,
            verified_by: None,
            verification_note: None,
            code: CodeState::default(),
            fulfilled_at: None,
            closed_at: None,
            closed_note: None,
            version: 1,
        }
    }

    #[test]
    fn duplicates_ask_the_same_thing_of_an_open_request() {
        let marketing = PurposeId::parse("marketing").unwrap();
        let other = PurposeId::parse("analytics").unwrap();
        let open = vec![
            sample(&RequestKind::Erasure, RequestState::Fulfilled),
            sample(
                &RequestKind::Objection(Some(marketing.clone())),
                RequestState::Verified,
            ),
        ];
        assert!(find_duplicate(&open, &RequestKind::Erasure, None).is_none());
        let same = RequestKind::Objection(Some(marketing));
        assert_eq!(
            find_duplicate(&open, &same, None).map(|r| r.id),
            open.get(1).map(|r| r.id)
        );
        assert!(find_duplicate(&open, &RequestKind::Objection(Some(other)), None).is_none());
        assert!(find_duplicate(&open, &RequestKind::Objection(None), None).is_none());
        let mut transfer = sample(&RequestKind::Access, RequestState::Received);
        transfer.kind = KindTag::Transfer;
        transfer.detail_digest = Some([1; 32]);
        let rows = [transfer];
        let url = super::super::kind::TransferUrl::parse("https://a.example/").unwrap();
        let kind = RequestKind::Transfer(url);
        assert!(find_duplicate(&rows, &kind, Some(&[1; 32])).is_some());
        assert!(find_duplicate(&rows, &kind, Some(&[2; 32])).is_none());
    }
}
