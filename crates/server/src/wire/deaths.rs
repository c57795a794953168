//! Wire types of a recorded death and of a directive's hand-over. The
//! death as shown carries ids and names only; the hand-over names the
//! person the subject chose, since it is addressed to them.

use super::Access;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::death::DeathRow;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /v1/subjects/{id}/death`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordDeath {
    /// Staff's note: how the death was learnt of (no personal value).
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*[^\\s\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200b\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff\\ufff9-\\ufffb]*$"
    )]
    pub note: Option<String>,
}

/// A recorded death and what it applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeathView {
    /// The subject's pseudonym.
    pub subject: Uuid,
    /// When the death was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
    /// The registered directive applied, if there was one.
    pub directive: Option<Uuid>,
    /// `none`, `keep`, `erase` or `hand_to`.
    pub applied: String,
    /// Staff's note.
    pub note: Option<String>,
}

impl From<DeathRow> for DeathView {
    fn from(row: DeathRow) -> Self {
        Self {
            subject: row.subject.0,
            recorded_at: row.recorded_at,
            directive: row.directive.map(|d| d.0),
            applied: row.applied.as_str().to_owned(),
            note: row.note.map(|n| n.as_str().to_owned()),
        }
    }
}

/// The answer of a `hand_to` directive applied at the subject's death:
/// the subject's access answer, for the person they named.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandedOver {
    /// The person the subject named to receive their data.
    pub handed_to: String,
    /// When the death was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub death_recorded_at: Timestamp,
    /// The subject's access answer.
    pub answer: Access,
}

/// The JSON a request's answer is: the access answer, or, for a directive
/// applied at death, the hand-over. Describes the document only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // never built: only its type describes the answer
pub enum AnswerJson {
    /// For an access request.
    Access(Access),
    /// For a `hand_to` directive applied at the subject's death.
    HandedOver(HandedOver),
}
