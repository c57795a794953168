//! Wire types of recipients' endpoints and notices (Art. 19). A signing
//! secret appears once, in the answer that creates it, and never again.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::deliveries::{DeliveryRow, EndpointRow};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a recipient is told.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutEndpoint {
    /// An `https://` URL without user name or password.
    #[schema(
        max_length = 2048,
        example = "https://crm.example/hooks/tutela",
        pattern = "^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#][!-~]*)?$"
    )]
    pub url: String,
}

/// A registered endpoint with its new signing secret, shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    /// The policy's recipient id.
    pub recipient: String,
    /// The URL.
    pub url: String,
    /// `whsec_` + base64 of 32 random bytes: verify `webhook-signature`
    /// with it (Standard Webhooks). Store it now; it is never shown again.
    pub secret: String,
}

/// An endpoint as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoint {
    /// The policy's recipient id.
    pub recipient: String,
    /// The URL.
    pub url: String,
    /// When it was registered (or last replaced, which makes a new secret).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<EndpointRow> for Endpoint {
    fn from(e: EndpointRow) -> Self {
        Self {
            recipient: e.recipient.to_string(),
            url: e.url,
            created_at: e.created_at,
        }
    }
}

/// One notice to one recipient and where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Its id, sent as `webhook-id`.
    pub id: Uuid,
    /// The recipient told.
    pub recipient: String,
    /// `subject.erased`, `record.rectified`, `record.deleted`,
    /// `subject.restricted` or `subject.restriction_lifted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The subject's id.
    pub subject: Uuid,
    /// The record, for a record-level act.
    pub record: Option<Uuid>,
    /// The categories affected.
    pub categories: Vec<String>,
    /// The request the act fulfilled, if any.
    pub request: Option<Uuid>,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: u32,
    /// When the act committed.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it is next tried (pending only).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<Timestamp>,
    /// When the recipient accepted it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<Timestamp>,
    /// The HTTP status of the last attempt (0: no answer or no endpoint).
    pub last_status: Option<u16>,
}

impl From<DeliveryRow> for Delivery {
    fn from(d: DeliveryRow) -> Self {
        let pending = d.state == tutela_engine::deliveries::DeliveryState::Pending;
        Self {
            id: d.id.0,
            recipient: d.recipient.to_string(),
            kind: d.kind.as_str().to_owned(),
            subject: d.subject.0,
            record: d.record.map(|r| r.0),
            categories: d.categories.iter().map(ToString::to_string).collect(),
            request: d.request.map(|r| r.0),
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            created_at: d.created_at,
            next_attempt_at: pending.then_some(d.next_attempt_at),
            delivered_at: d.delivered_at,
            last_status: d.last_status,
        }
    }
}

/// Which notices to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only in this state: `pending`, `delivered` or `failed`.
    #[serde(default)]
    #[param(pattern = "^(pending|delivered|failed)$")]
    pub state: Option<String>,
    /// At most this many: 1 to 500 (default 100).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 500)]
    pub limit: u32,
    /// Only notices older than this one: pass the id of the last notice of
    /// a page to get the next.
    #[serde(default)]
    #[param(value_type = Option<uuid::Uuid>)]
    pub before: Option<String>,
}

fn default_limit() -> u32 {
    100
}
