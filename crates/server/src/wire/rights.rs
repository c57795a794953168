//! Wire types for consent, objection and restriction.

use super::data::default_source;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::ConsentStatus;
use tutela_engine::consent::proof::hash_hex;
use tutela_engine::store::{ConsentRow, ObjectionRow};
use utoipa::ToSchema;

/// `POST /v1/subjects/{id}/consents` and `.../consents/withdraw`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    /// A purpose resting on consent.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// How it was given or withdrawn (`web-form`, `unsubscribe-link`): 1 to
    /// 64 letters, digits, `.`, `_`, `:` or `-`, never personal.
    #[serde(default = "default_source")]
    #[schema(default = "api", pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub source: String,
    /// For a grant: the exact text the person was shown (Art. 7(1)). It is
    /// kept once per tenant; later grants may send `text_sha256` instead.
    #[serde(default)]
    #[schema(max_length = 65536, pattern = "\\S")]
    pub text: Option<String>,
    /// For a grant: the SHA-256 (64 lowercase hex digits) of a text sent
    /// before. An unknown hash is refused (`E_CONSENT_TEXT_UNKNOWN`); sent
    /// beside `text`, it must be that text's (`E_CONSENT_TEXT_MISMATCH`).
    #[serde(default)]
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub text_sha256: Option<String>,
}

/// One event of the consent ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEvent {
    /// The ledger entry's id (for a grant's receipt).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<String>,
    /// For a grant, the SHA-256 of the text shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_sha256: Option<String>,
    /// The purpose.
    pub purpose: String,
    /// Grant (true) or withdrawal (false).
    pub granted: bool,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// When a grant lapses, if ever.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// The policy version in force then.
    pub policy_version: u32,
}

impl From<&ConsentRow> for ConsentEvent {
    fn from(c: &ConsentRow) -> Self {
        Self {
            id: Some(c.id.to_string()),
            text_sha256: c.text_hash.as_ref().map(hash_hex),
            purpose: c.purpose.to_string(),
            granted: c.granted,
            at: c.at,
            expires_at: c.expires_at,
            policy_version: c.policy_version,
        }
    }
}

/// Where a subject stands on one consent purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentState {
    /// The purpose.
    pub purpose: String,
    /// True if a grant is in force now.
    pub live: bool,
    /// When the latest grant was given.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub granted_at: Option<Timestamp>,
    /// When it lapses.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// When it was last withdrawn.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<Timestamp>,
}

impl From<ConsentStatus> for ConsentState {
    fn from(c: ConsentStatus) -> Self {
        Self {
            purpose: c.purpose.to_string(),
            live: c.live,
            granted_at: c.granted_at,
            expires_at: c.expires_at,
            withdrawn_at: c.withdrawn_at,
        }
    }
}

/// `POST /v1/subjects/{id}/objections`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    /// The purpose objected to; absent objects to every purpose that can be
    /// objected to, direct marketing included.
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: Option<String>,
}

/// An objection on record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionEvent {
    /// The purpose objected to; null means every objectable purpose.
    pub purpose: Option<String>,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

impl From<&ObjectionRow> for ObjectionEvent {
    fn from(o: &ObjectionRow) -> Self {
        Self {
            purpose: o.purpose.as_ref().map(ToString::to_string),
            at: o.at,
        }
    }
}

/// `PUT /v1/subjects/{id}/restriction`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    /// True restricts processing (Art. 18); false lifts it.
    pub restricted: bool,
}
