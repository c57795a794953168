//! Wire types of data subject requests. A request as shown never carries
//! its one-time code, its code hash or its sealed detail (a transfer URL, a
//! person's name): `has_detail` says whether one is held.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::requests::RequestRow;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /v1/requests`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The subject's id.
    pub subject: Uuid,
    /// `access`, `rectification`, `erasure`, `restriction`,
    /// `restriction_lift`, `objection`, `portability`,
    /// `consent_withdrawal`, `transfer` or `directive`.
    #[schema(
        example = "erasure",
        pattern = "^(access|rectification|erasure|restriction|restriction_lift|objection|portability|consent_withdrawal|transfer|directive)$"
    )]
    pub kind: String,
    /// For `objection` (optional: absent objects to every objectable
    /// purpose) and `consent_withdrawal` (required).
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: Option<String>,
    /// For `transfer`: the `https://` URL to push the portable data to.
    #[serde(default)]
    #[schema(
        max_length = 2048,
        pattern = "^https://[A-Za-z0-9-][A-Za-z0-9.-]*(:[0-9]{1,5})?([/?#][!-~]*)?$"
    )]
    pub url: Option<String>,
    /// For `directive`: `keep`, `erase` or `hand_to`.
    #[serde(default)]
    #[schema(pattern = "^(keep|erase|hand_to)$")]
    pub directive: Option<String>,
    /// For `directive` `hand_to`: the person's name (sealed when stored).
    #[serde(default)]
    #[schema(
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pub person: Option<String>,
}

/// `POST /v1/requests/{id}/verify`: either `code`, or `method` and `note`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The one-time code the subject received (case, spaces and dashes do
    /// not matter).
    #[serde(default)]
    #[schema(max_length = 64)]
    pub code: Option<String>,
    /// Verified by other means: `document`, `manual` or `account`.
    #[serde(default)]
    #[schema(pattern = "^(document|manual|account)$")]
    pub method: Option<String>,
    /// How identity was verified by other means (staff text, not audited).
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub note: Option<String>,
}

/// `POST /v1/requests/{id}/extend`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// Why more time is needed (Art. 12(3)); told to the subject.
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub reason: String,
    /// By how many months; default the policy's whole extension.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 24)]
    pub months: Option<u32>,
}

/// `POST /v1/requests/{id}/refuse`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// Why (Art. 12(4)); told to the subject with the right to complain.
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub reason: String,
}

/// `POST /v1/requests/{id}/fee`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeRequest {
    /// Amount in minor units (cents), from 1 to 100,000,000.
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub amount_minor: i64,
    /// ISO 4217 code of a currency (not `XXX`, `XTS` or a metal).
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// Why a fee is charged (Art. 12(5)).
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub reason: String,
}

/// `POST /v1/requests/{id}/fulfil`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilRequest {
    /// What was done; required for rectification.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub note: Option<String>,
}

/// `GET /v1/requests` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only requests in this state.
    #[serde(default)]
    #[param(pattern = "^(received|verified|fulfilled|refused|duplicate)$")]
    pub state: Option<String>,
    /// Only open requests past their due date.
    #[serde(default)]
    pub overdue: bool,
    /// Only this subject's requests (their id).
    #[serde(default)]
    #[param(
        pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$"
    )]
    pub subject: Option<String>,
    /// Only requests of this kind.
    #[serde(default)]
    #[param(
        pattern = "^(access|rectification|erasure|restriction|restriction_lift|objection|portability|consent_withdrawal|transfer|directive)$"
    )]
    pub kind: Option<String>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    #[param(
        pattern = "^[0-9]{1,17}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )]
    pub after: Option<String>,
    /// At most this many: 1 to 200 (default 50).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
}

fn default_limit() -> u32 {
    50
}

/// A fee on record.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeView {
    /// Minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Why.
    pub reason: String,
}

/// A data subject request.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    /// The request's id.
    pub id: Uuid,
    /// The subject's id.
    pub subject: Uuid,
    /// The kind.
    pub kind: String,
    /// The purpose an objection or withdrawal names.
    pub purpose: Option<String>,
    /// The directive chosen.
    pub directive: Option<String>,
    /// Whether a sealed detail (transfer URL, person) is held.
    pub has_detail: bool,
    /// `received`, `verified`, `fulfilled`, `refused` or `duplicate`.
    pub state: String,
    /// Open and past its effective due date.
    pub overdue: bool,
    /// When received.
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    /// The first due date.
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    /// The due date after an extension.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub extended_due_at: Option<Timestamp>,
    /// The due date in force.
    #[schema(value_type = String, format = DateTime)]
    pub effective_due_at: Timestamp,
    /// Why it was extended.
    pub extension_reason: Option<String>,
    /// Why it was refused.
    pub refusal_reason: Option<String>,
    /// A fee, if one is charged.
    pub fee: Option<FeeView>,
    /// `controller` or `operator` (the policy's first handler).
    pub handler: String,
    /// How to reach the handler.
    pub handler_contact: String,
    /// The open request this one duplicates.
    pub duplicate_of: Option<Uuid>,
    /// When identity was verified.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<Timestamp>,
    /// `code`, `document`, `manual` or `account`.
    pub verified_by: Option<String>,
    /// Codes sent so far.
    pub codes_sent: u32,
    /// When the pending code expires, if one is pending.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub code_expires_at: Option<Timestamp>,
    /// When fulfilled.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fulfilled_at: Option<Timestamp>,
    /// When closed.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
    /// Staff's note on fulfilment.
    pub closed_note: Option<String>,
    /// The notices to recipients its act queued (Art. 19), shown on the
    /// request itself (`GET /v1/requests/{id}`), not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<Vec<super::Delivery>>,
    /// In the answer to filing only: the act asked for cannot be done
    /// under the policy in force (`W_OBJECTION_NOT_APPLICABLE`,
    /// `W_CONSENT_NOT_APPLICABLE`). The request is filed all the same, so
    /// it can be refused with the reason before its due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<FilingWarning>,
}

/// A warning given when a request is filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FilingWarning {
    /// Stable code.
    pub code: String,
    /// What to do, in words.
    pub message: String,
}

impl RequestView {
    /// The view of `row` as of `now` (for the overdue flag).
    pub fn new(row: &RequestRow, now: Timestamp) -> Self {
        let text =
            |r: &Option<tutela_engine::requests::Reason>| r.as_ref().map(|r| r.as_str().to_owned());
        Self {
            id: row.id.0,
            subject: row.subject.0,
            kind: row.kind.as_str().to_owned(),
            purpose: row.purpose.as_ref().map(ToString::to_string),
            directive: row.directive.map(|d| d.as_str().to_owned()),
            has_detail: row.sealed_detail.is_some(),
            state: row.state.as_str().to_owned(),
            overdue: row.overdue(now),
            received_at: row.received_at,
            due_at: row.due_at,
            extended_due_at: row.extended_due_at,
            effective_due_at: row.effective_due_at(),
            extension_reason: text(&row.extension_reason),
            refusal_reason: text(&row.refusal_reason),
            fee: row.fee.as_ref().map(|f| FeeView {
                amount_minor: f.amount_minor,
                currency: f.currency.clone(),
                reason: f.reason.as_str().to_owned(),
            }),
            handler: row.handler.as_str().to_owned(),
            handler_contact: row.handler_contact.clone(),
            duplicate_of: row.duplicate_of.map(|d| d.0),
            verified_at: row.verified_at,
            verified_by: row.verified_by.map(|m| m.as_str().to_owned()),
            codes_sent: row.code.sent,
            code_expires_at: row.code.hash.and(row.code.expires_at),
            fulfilled_at: row.fulfilled_at,
            closed_at: row.closed_at,
            closed_note: text(&row.closed_note),
            deliveries: None,
            warning: None,
        }
    }
}

/// A page of the queue, by effective due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    /// The requests.
    pub requests: Vec<RequestView>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<String>,
}

/// `POST /v1/requests/{id}/code`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// When the code just sent expires.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}
