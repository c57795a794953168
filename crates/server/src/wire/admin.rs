//! Wire types for tenants, API keys and the policy.

use super::bounded;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::store::{ApiKeyRow, PolicyRow, TenantRow};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /v1/tenants`: a new client tenant with its first policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// Slug: lowercase letters, digits and '-', at most 63 characters.
    #[schema(example = "acme", pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub id: String,
    /// The controller's display name: 1 to 200 characters, not all blank.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// The tenant's first policy, as TOML text.
    pub policy: String,
}

/// A tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tenant {
    /// Slug.
    pub id: String,
    /// Display name of the controller.
    pub name: String,
    /// True for the deployment's operator tenant.
    pub operator: bool,
    /// The policy version in force.
    pub policy_version: u32,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<TenantRow> for Tenant {
    fn from(t: TenantRow) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            operator: t.operator,
            policy_version: t.policy_version,
            created_at: t.created_at,
        }
    }
}

/// A tenant just created, with the token of its first admin key.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// `tutela.<tenant>.<secret>`: shown once, never again.
    pub admin_token: String,
}

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Runs the tenant.
    Admin,
    /// A product's backend: writes records and reads them for its purposes.
    Service,
    /// The data protection officer: policy, audit, subjects' rights.
    Dpo,
    /// Policy and aggregates only, never a personal value.
    Analyst,
}

impl From<RoleName> for tutela_engine::principal::Role {
    fn from(r: RoleName) -> Self {
        use tutela_engine::principal::Role;
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::Service => Role::Service,
            RoleName::Dpo => Role::Dpo,
            RoleName::Analyst => Role::Analyst,
        }
    }
}

/// `POST /v1/keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// The key's role.
    pub role: RoleName,
    /// Purposes the key may use data for (at most 100); absent or empty
    /// means every purpose its role allows.
    #[serde(default, deserialize_with = "bounded::purposes")]
    #[schema(schema_with = bounded::purposes_schema)]
    pub purposes: Vec<String>,
    /// A label for people (`support-bot`), never personal: 1 to 100
    /// characters, not all blank, no control characters, no `@` (an email
    /// address as a label would be shown in every subject's access log).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^@\\uFF20\\uFE6B\\x00-\\x1f\\x7f-\\x9f]*[^@\\uFF20\\uFE6B\\s\\x00-\\x1f\\x7f-\\x9f][^@\\uFF20\\uFE6B\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub label: String,
    /// The caller's own tenant, if given. Keys are only ever created in the
    /// caller's own tenant: any other is refused with `403 E_OTHER_TENANT`,
    /// operator admins included.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub tenant: Option<String>,
}

/// A key just created. The token is shown here once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key's public id.
    pub id: Uuid,
    /// `tutela.<tenant>.<secret>`.
    pub token: String,
    /// Role as stored.
    pub role: String,
    /// Purpose scope (empty: any).
    pub purposes: Vec<String>,
    /// Label.
    pub label: String,
}

/// An API key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    /// Public id.
    pub id: Uuid,
    /// Role.
    pub role: String,
    /// Purpose scope (empty: any).
    pub purposes: Vec<String>,
    /// Label.
    pub label: String,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(k: ApiKeyRow) -> Self {
        Self {
            id: k.id.0,
            role: k.role,
            purposes: k.purposes.iter().map(ToString::to_string).collect(),
            label: k.label,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A policy text to publish or check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySource {
    /// The policy, as TOML text.
    pub source: String,
}

/// One problem found in a policy, with where it is and how to fix it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// Stable code of the problem.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// How to fix it.
    pub hint: Option<String>,
}

impl From<&tutela_policy::Diagnostic> for Diagnostic {
    fn from(d: &tutela_policy::Diagnostic) -> Self {
        Self {
            severity: d.severity.to_string(),
            code: d.code.to_owned(),
            message: d.message.clone(),
            line: d.line,
            column: d.column,
            hint: d.hint.clone(),
        }
    }
}

/// The policy in force (or a given version).
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDocument {
    /// Version number.
    pub version: u32,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// When it took effect.
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// The TOML text exactly as published.
    pub source: String,
    /// The parsed policy.
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
    /// The version published to take effect later, if any (only when the
    /// version in force was asked for).
    pub pending: Option<super::PendingVersion>,
}

/// One published version, without its text.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    /// Version number.
    pub version: u32,
    /// When it was published.
    #[schema(value_type = String, format = DateTime)]
    pub published_at: Timestamp,
    /// When it takes (or took) effect; a version replaced while pending never did.
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// The version published while this one was still pending, which
    /// replaced it: this one never governed. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<u32>,
}

impl PolicyVersion {
    /// The history as listed: each version with the later one that
    /// replaced it before its `effective_at`, if any (a version published
    /// while another is pending replaces it).
    pub fn history(rows: &[PolicyRow]) -> Vec<Self> {
        rows.iter()
            .map(|p| Self {
                version: p.version,
                published_at: p.published_at,
                effective_at: p.effective_at,
                replaced_by: rows
                    .iter()
                    .filter(|later| {
                        later.version > p.version && later.published_at < p.effective_at
                    })
                    .map(|later| later.version)
                    .min(),
            })
            .collect()
    }
}

/// `?version=N` on policy reads; absent means the version in force.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A published version number, from 1.
    #[param(minimum = 1)]
    pub version: Option<u32>,
}

/// A version just published.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedPolicy {
    /// Its number.
    pub version: u32,
    /// When it takes effect.
    #[schema(value_type = String, format = DateTime)]
    pub effective_at: Timestamp,
    /// True when it waits for `effective_at`; the previous version governs until then.
    pub pending: bool,
    /// True when the latest version already had this text: nothing was
    /// stored and `version` is that version.
    pub unchanged: bool,
    /// Its changes against the version in force, material first.
    pub changes: Vec<super::PolicyChange>,
}

/// The result of `POST /v1/policy/check`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyCheck {
    /// True when the policy has no errors (warnings may remain).
    pub ok: bool,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}
