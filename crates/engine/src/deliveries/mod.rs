//! Notices to recipients (Art. 19): when a subject's data is rectified,
//! deleted, erased or restricted, every recipient the policy discloses the
//! affected categories to is told, by a signed webhook. A notice is a row
//! (`DeliveryRow`) inserted in the same commit as the act, so a crash never
//! loses one; a background task claims due rows, sends them and records the
//! outcome. This module holds the rows and the pure rules: who is told
//! (`notice`), what is sent (`notice::payload`), and when a failed notice
//! is tried again (`retry`).

pub mod endpoint;
pub mod notice;
pub mod retry;

use crate::ids::{DeliveryId, RecordId, RequestId, SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::{CategoryId, RecipientId};

/// What happened to the subject's data, as the notice's `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// The subject was erased (Art. 17).
    SubjectErased,
    /// One record's value was corrected (Art. 16).
    RecordRectified,
    /// One record was deleted (Art. 17).
    RecordDeleted,
    /// Processing of the subject's data was restricted (Art. 18).
    SubjectRestricted,
    /// A restriction was lifted (Art. 18(3)).
    RestrictionLifted,
}

impl NoticeKind {
    /// Every kind, for parsing and tests.
    pub const ALL: [Self; 5] = [
        Self::SubjectErased,
        Self::RecordRectified,
        Self::RecordDeleted,
        Self::SubjectRestricted,
        Self::RestrictionLifted,
    ];

    /// The stable name sent as the payload's `type` and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SubjectErased => "subject.erased",
            Self::RecordRectified => "record.rectified",
            Self::RecordDeleted => "record.deleted",
            Self::SubjectRestricted => "subject.restricted",
            Self::RestrictionLifted => "subject.restriction_lifted",
        }
    }

    /// The kind named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; due at `next_attempt_at`.
    Pending,
    /// The recipient answered 2xx.
    Delivered,
    /// Given up after [`retry::MAX_ATTEMPTS`] attempts.
    Failed,
}

impl DeliveryState {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// The state named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One notice to one recipient, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// Whose data.
    pub tenant: TenantId,
    /// Its id, sent as `webhook-id`, so a receiver can drop a repeat.
    pub id: DeliveryId,
    /// Who is told.
    pub recipient: RecipientId,
    /// What happened.
    pub kind: NoticeKind,
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// The record, for a rectification or a record deletion.
    pub record: Option<RecordId>,
    /// The categories affected, sorted.
    pub categories: Vec<CategoryId>,
    /// The request the act fulfilled, if any.
    pub request: Option<RequestId>,
    /// When the act committed (the payload's `at`).
    pub created_at: Timestamp,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it is next due (meaningful while pending).
    pub next_attempt_at: Timestamp,
    /// Until when a sender holds it; nobody else claims it before.
    pub claimed_until: Option<Timestamp>,
    /// When the recipient accepted it.
    pub delivered_at: Option<Timestamp>,
    /// The HTTP status of the last attempt (0: no answer).
    pub last_status: Option<u16>,
}

/// Where one recipient is notified. The secret is sealed under
/// `MasterKey::endpoint_secret_key`, never stored or shown in clear after
/// it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRow {
    /// Whose recipient.
    pub tenant: TenantId,
    /// The policy's recipient id.
    pub recipient: RecipientId,
    /// The HTTPS URL notices are POSTed to.
    pub url: String,
    /// The signing secret, sealed.
    pub sealed_secret: Vec<u8>,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// Which notices to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only in this state.
    pub state: Option<DeliveryState>,
    /// Only those of this request.
    pub request: Option<RequestId>,
    /// Only those older than this notice (the last of the page before):
    /// a keyset cursor, so every notice can be listed, page by page.
    pub before: Option<DeliveryId>,
}

/// The outcome of one attempt, recorded by `Write::FinishDelivery`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The notice.
    pub id: DeliveryId,
    /// Its state after the attempt.
    pub state: DeliveryState,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// When it is next due, if pending.
    pub next_attempt_at: Timestamp,
    /// When it was delivered, if it was.
    pub delivered_at: Option<Timestamp>,
    /// The status answered (0: none).
    pub last_status: u16,
}
