//! Wire types for policy versions: publishing ahead of time, the pending
//! version beside the one in force, and the diff of two versions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `PUT /v1/policy`: a policy text to publish, and when it applies.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPolicy {
    /// The policy, as TOML text.
    pub source: String,
    /// When the version takes effect (RFC 3339). Required when it has
    /// material changes, and then at least the notice period of the
    /// version in force after now; absent, an editorial version applies at once.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default, deserialize_with = "super::opt_rfc3339")]
    pub effective_at: Option<Timestamp>,
}

/// One change between two policy versions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyChange {
    /// Stable code of the kind of change (`purpose_added`, `retention_longer`, ...).
    pub kind: String,
    /// Whether subjects must be told before it applies.
    pub material: bool,
    /// Where in the policy (`purpose.support.categories.phone`).
    pub path: String,
    /// One plain sentence.
    pub summary: String,
    /// The categories whose holders it affects.
    pub categories: Vec<String>,
}

impl From<&tutela_policy::Change> for PolicyChange {
    fn from(c: &tutela_policy::Change) -> Self {
        Self {
            kind: c.kind.code().to_owned(),
            material: c.material,
            path: c.path.clone(),
            summary: c.summary.clone(),
            categories: c.categories.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The changes as wire values, material first.
pub fn changes(list: &[tutela_policy::Change]) -> Vec<PolicyChange> {
    list.iter().map(PolicyChange::from).collect()
}

/// A version published ahead of its time.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingVersion {
    /// Version number.
    pub version: u32,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// When it takes effect; the current version governs until then.
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// Its changes against the version in force, material first.
    pub changes: Vec<PolicyChange>,
    /// Subjects told of its material changes so far (Art. 13(3)), by the
    /// server's notice task or `tutela policy notify`, each once.
    pub notified: u64,
}

/// `POST /v1/policy/diff`: the new text, and optionally the old one (by
/// default the version in force).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffRequest {
    /// The version to compare, as TOML text.
    pub new: String,
    /// The version to compare against, as TOML text; absent means the
    /// tenant's version in force.
    pub old: Option<String>,
}

/// The result of `POST /v1/policy/diff`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDiff {
    /// The version compared against, when it was the one in force.
    pub against_version: Option<u32>,
    /// How many changes are material.
    pub material: usize,
    /// How many are editorial.
    pub editorial: usize,
    /// The old version's notice period (`30 days`).
    pub notice_period: String,
    /// Against the version in force: the earliest `effective_at` a
    /// publication now may give (now, when nothing is material).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub earliest_effective_at: Option<Timestamp>,
    /// Every change, material first.
    pub changes: Vec<PolicyChange>,
}
