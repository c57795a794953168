//! Wire types for consent receipts, unsubscribe links and the banner.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::consent::banner::{ChoiceState, Conflict};
use tutela_engine::{SignedReceipt, VisitorChoices};
use utoipa::ToSchema;

/// A signed consent receipt (ISO/IEC TS 27560 structure).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentReceipt {
    /// The receipt as signed, for reading.
    #[schema(value_type = Object)]
    pub receipt: serde_json::Value,
    /// The compact JWS (EdDSA over `header.payload`): what to keep and verify.
    pub jws: String,
    /// The tenant's receipt public key, hex (check it against the
    /// published one, not this copy).
    pub public_key: String,
}

impl ConsentReceipt {
    /// From the engine's signed receipt.
    pub fn new(r: &SignedReceipt) -> Self {
        Self {
            receipt: serde_json::to_value(&r.receipt).unwrap_or_default(),
            jws: r.jws.clone(),
            public_key: tutela_engine::audit::to_hex(&r.public_key),
        }
    }
}

/// The tenant's consent-receipt public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptKey {
    /// The tenant.
    pub tenant: String,
    /// `EdDSA` (Ed25519).
    pub alg: String,
    /// The public key, 64 hex digits.
    pub public_key: String,
}

/// `POST /v1/subjects/{id}/unsubscribe-links`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnsubscribeLink {
    /// The purpose the link ends (consent or legitimate interest).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
}

/// An issued one-click unsubscribe link.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnsubscribeLink {
    /// The token (shown once; only its hash is stored).
    pub token: String,
    /// The path to POST to, under the server's public address: put it in
    /// the message's `List-Unsubscribe` header.
    pub path: String,
    /// The `List-Unsubscribe-Post` header value (RFC 8058).
    pub list_unsubscribe_post: String,
}

/// The answer to using an unsubscribe link: the same for every token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unsubscribed {
    /// Always `unsubscribed` (nothing about the person is revealed).
    pub status: String,
}

/// A purpose a banner shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct BannerPurpose {
    /// Its id.
    pub purpose: String,
    /// What it is for.
    pub description: String,
    /// Its legal basis.
    pub basis: String,
    /// The data categories it uses.
    pub categories: Vec<String>,
    /// Sells or shares data (a GPC signal objects to it).
    pub sale_or_sharing: bool,
    /// Direct marketing (a GPC signal objects to it).
    pub direct_marketing: bool,
}

impl From<&tutela_policy::Purpose> for BannerPurpose {
    fn from(p: &tutela_policy::Purpose) -> Self {
        Self {
            purpose: p.id.to_string(),
            description: p.description.clone(),
            basis: p.basis.to_string(),
            categories: p.categories.iter().map(ToString::to_string).collect(),
            sale_or_sharing: p.sale_or_sharing,
            direct_marketing: p.direct_marketing,
        }
    }
}

/// One choice in a banner's answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceInput {
    /// A purpose the banner shows.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// Agreed (true) or refused (false).
    pub granted: bool,
}

/// `PUT /v1/visitors/{visitor_id}/choices`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoicesInput {
    /// The choices, at most one per purpose.
    #[schema(max_items = 64)]
    pub choices: Vec<ChoiceInput>,
}

/// A choice as read back.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceOut {
    /// The purpose.
    pub purpose: String,
    /// Whether processing may go ahead now.
    pub allowed: bool,
    /// The latest explicit choice, if any.
    pub explicit: Option<bool>,
    /// When it was made.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub explicit_at: Option<Timestamp>,
    /// When an explicit grant lapses (the purpose's consent validity).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// When a GPC signal last objected, if ever.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub gpc_at: Option<Timestamp>,
}

/// An explicit grant a later GPC signal contradicts; both stay on record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceConflict {
    /// The purpose.
    pub purpose: String,
    /// When the grant was made.
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: Timestamp,
    /// When the GPC signal objected.
    #[schema(value_type = String, format = DateTime)]
    pub gpc_at: Timestamp,
    /// What is done meanwhile.
    pub resolution: String,
}

/// A visitor's choices.
#[derive(Debug, Serialize, ToSchema)]
pub struct Choices {
    /// One per banner purpose.
    pub choices: Vec<ChoiceOut>,
    /// Grants contradicted by a GPC signal.
    pub conflicts: Vec<ChoiceConflict>,
}

fn choice(c: ChoiceState) -> ChoiceOut {
    ChoiceOut {
        purpose: c.purpose.to_string(),
        allowed: c.allowed,
        explicit: c.explicit,
        explicit_at: c.explicit_at,
        expires_at: c.expires_at,
        gpc_at: c.gpc_at,
    }
}

fn conflict(c: Conflict) -> ChoiceConflict {
    ChoiceConflict {
        purpose: c.purpose.to_string(),
        granted_at: c.granted_at,
        gpc_at: c.gpc_at,
        resolution: c.resolution.to_owned(),
    }
}

impl From<VisitorChoices> for Choices {
    fn from(v: VisitorChoices) -> Self {
        Self {
            choices: v.choices.into_iter().map(choice).collect(),
            conflicts: v.conflicts.into_iter().map(conflict).collect(),
        }
    }
}
