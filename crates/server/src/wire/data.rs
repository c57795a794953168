//! Wire types for subjects and their records.

use super::bounded::{self, Capped};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::PlainRecord;
use utoipa::ToSchema;
use uuid::Uuid;

/// One value to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecord {
    /// A category declared in the policy.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The value, at most 65,536 characters; sealed before it is stored.
    #[schema(max_length = 65536)]
    pub value: String,
    /// Where it came from: a short token from your own vocabulary (`api`,
    /// `signup-form`, `import:crm`), stored unencrypted, so never personal:
    /// 1 to 64 letters, digits, `.`, `_`, `:` or `-`.
    #[serde(default = "default_source")]
    #[schema(default = "api", pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub source: String,
}

pub(super) fn default_source() -> String {
    "api".to_owned()
}

/// `POST /v1/subjects`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubject {
    /// A subject kind declared in the policy.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub kind: String,
    /// The purpose the first records are collected for.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// The first records (may be empty), at most 100.
    #[serde(default, deserialize_with = "bounded::records")]
    #[schema(max_items = 100)]
    pub records: Vec<NewRecord>,
}

/// A subject's pseudonym.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectRef {
    /// The subject id.
    pub id: Uuid,
}

/// `POST /v1/subjects/lookup`: in the body, so identifiers never sit in URLs
/// or access logs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// A category declared as an identifier.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The identifier's value: at least one visible character (a value
    /// that is blank once spaces and invisible characters are dropped is
    /// refused, `422 E_INVALID_FIELD`), at most 65,536 characters.
    #[schema(min_length = 1, max_length = 65536, pattern = "\\S")]
    pub value: String,
}

/// `POST /v1/subjects/{id}/records`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteRecords {
    /// The purpose the records are collected for.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// The values: 1 to 100.
    #[serde(deserialize_with = "bounded::some_records")]
    #[schema(min_items = 1, max_items = 100)]
    pub records: Vec<NewRecord>,
}

/// Ids of records just written.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordIds {
    /// One id per record, in request order.
    pub ids: Vec<Uuid>,
}

/// `GET /v1/subjects/{id}/records` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// The purpose the data is used for.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// Comma-separated categories, at most 100 names and no more than the
    /// policy declares; absent means every category the purpose covers.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63}){0,99}$")]
    pub categories: Option<String>,
}

/// A value read back after the purpose check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Record {
    /// The record's id.
    pub id: Uuid,
    /// Its category.
    pub category: String,
    /// The value.
    pub value: String,
    /// The purpose it was collected for.
    pub collected_for: String,
    /// Where it came from.
    pub source: String,
    /// When it was collected.
    #[schema(value_type = String, format = DateTime)]
    pub collected_at: Timestamp,
}

impl From<PlainRecord> for Record {
    fn from(r: PlainRecord) -> Self {
        Self {
            id: r.id.0,
            category: r.category.to_string(),
            value: r.value,
            collected_for: r.collected_for.to_string(),
            source: r.source,
            collected_at: r.collected_at,
        }
    }
}

/// Records read for a purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct Records {
    /// The purpose they were read for.
    pub purpose: String,
    /// The values.
    pub records: Vec<Record>,
}

/// `POST /v1/subjects/{id}/disclosures`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclose {
    /// The purpose of the disclosure.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// A recipient declared for that purpose.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub recipient: String,
    /// Categories to disclose, at most 100 names and no more than the policy
    /// declares; absent means every category the purpose covers.
    #[serde(default, deserialize_with = "bounded::categories")]
    #[schema(schema_with = bounded::categories_schema)]
    pub categories: Option<Capped>,
}

/// What to hand to the recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct Disclosure {
    /// The recipient.
    pub recipient: String,
    /// The values to send.
    pub records: Vec<Record>,
}

/// `POST /v1/subjects/{id}/checks`: may data of a category never stored be
/// processed in passing for a purpose (and handed to a recipient)? No
/// value is sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInPassing {
    /// A category the policy declares `storable = false`.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The purpose of the processing.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
    /// A recipient declared for that purpose, if the data is handed on.
    #[serde(default)]
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub recipient: Option<String>,
}

/// The answer of a check in passing: allowed (a refusal is an error).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedInPassing {
    /// Always true: a refusal answers with its error code instead.
    pub allowed: bool,
    /// The category checked.
    pub category: String,
    /// The purpose checked.
    pub purpose: String,
    /// The recipient checked, if any.
    pub recipient: Option<String>,
    /// When the check was made.
    #[schema(value_type = String, format = DateTime)]
    pub checked_at: jiff::Timestamp,
}
