//! The rows the store keeps for consent proof, unsubscribe links and
//! banner choices. None holds a personal value: texts are the controller's
//! own wording, links are kept as hashes, visitors are random ids.

use super::banner::Visitor;
use crate::ids::{SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::PurposeId;
use uuid::Uuid;

/// A consent text as shown to people, stored once per tenant and hash
/// (Art. 7(1): the controller can show what exactly was agreed to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTextRow {
    /// Whose text.
    pub tenant: TenantId,
    /// SHA-256 of `body`'s UTF-8 bytes.
    pub hash: [u8; 32],
    /// The exact text.
    pub body: String,
    /// When it was first stored.
    pub stored_at: Timestamp,
}

/// A one-click unsubscribe link, kept only as the hash of its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeLinkRow {
    /// Whose link.
    pub tenant: TenantId,
    /// SHA-256 of the link's secret part.
    pub token_hash: [u8; 32],
    /// Whom it unsubscribes.
    pub subject: SubjectId,
    /// From which purpose.
    pub purpose: PurposeId,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it was first used, if it was.
    pub used_at: Option<Timestamp>,
}

/// One choice a website's banner stored for one purpose. Appended, never
/// overwritten, so a later signal never hides an earlier explicit choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorChoiceRow {
    /// Whose banner.
    pub tenant: TenantId,
    /// The row's id.
    pub id: Uuid,
    /// Who chose: an anonymous visitor or a known subject.
    pub visitor: Visitor,
    /// For which purpose.
    pub purpose: PurposeId,
    /// Agreed (true) or refused (false).
    pub granted: bool,
    /// True when the refusal came from a `Sec-GPC: 1` signal rather than a
    /// click.
    pub gpc: bool,
    /// When.
    pub at: Timestamp,
}
