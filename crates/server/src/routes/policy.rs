//! The tenant's policy: the version in force, earlier versions (the notice
//! and record rendered from it are in `notice.rs`), publication of a new version, and a dry-run
//! check that reports every problem with its position.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::openapi::Errors;
use crate::wire::{
    Diagnostic, PendingVersion, PolicyCheck, PolicyDocument, PolicySource, PolicyVersion,
    PublishPolicy, PublishedPolicy, VersionQuery, changes,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::principal::Act;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current_policy, publish_policy))
        .routes(routes!(policy_versions))
        .routes(routes!(check_policy))
}

/// The policy in force, or an earlier `version`: its text and its parsed
/// form; with no `version`, also the version published to take effect
/// later, if any, with its effective time and changes.
#[utoipa::path(get, path = "/v1/policy", tag = "policy", security(("bearer" = [])),
    params(VersionQuery),
    responses((status = 200, description = "The policy", body = PolicyDocument), Errors))]
async fn current_policy(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<Json<PolicyDocument>, ApiError> {
    let ((row, parsed), pending, notified) = match query.version {
        Some(v) => (state.engine.policy(&who, Some(v)).await?, None, 0),
        None => {
            let overview = state.engine.policy_overview(&who).await?;
            (overview.current, overview.pending, overview.notified)
        }
    };
    let policy = serde_json::to_value(&*parsed).map_err(|e| ApiError::internal(&e))?;
    Ok(Json(PolicyDocument {
        version: row.version,
        published_at: row.published_at,
        effective_at: row.effective_at,
        source: row.source,
        policy,
        pending: pending.map(|(p, list)| PendingVersion {
            version: p.version,
            published_at: p.published_at,
            effective_at: p.effective_at,
            changes: changes(&list),
            notified,
        }),
    }))
}

/// Every published version, oldest first; a version replaced while it was
/// pending names the version that replaced it (`replaced_by`).
#[utoipa::path(get, path = "/v1/policy/versions", tag = "policy", security(("bearer" = [])),
    responses((status = 200, description = "Published versions", body = Vec<PolicyVersion>), Errors))]
async fn policy_versions(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Vec<PolicyVersion>>, ApiError> {
    let rows = state.engine.policy_versions(&who).await?;
    Ok(Json(PolicyVersion::history(&rows)))
}

/// Publishes a new policy version. An editorial version governs at once
/// (or from a later `effective_at`); one with material changes needs an
/// `effective_at` at least the notice period of the version in force after
/// now (`422 E_EFFECTIVE_TOO_SOON` names the earliest time), and the
/// version in force governs until then. A version published while another
/// is pending replaces it. An invalid policy is refused with
/// `422 E_POLICY_INVALID` and its diagnostics. A refusal stores nothing.
/// The latest version's own text again is `200` with `unchanged: true`
/// and stores nothing, so a deploy may publish on every run.
#[utoipa::path(put, path = "/v1/policy", tag = "policy", security(("bearer" = [])),
    request_body = PublishPolicy,
    responses(
        (status = 201, description = "Published", body = PublishedPolicy),
        (status = 200, description = "The latest version already has this text; nothing stored", body = PublishedPolicy),
        Errors))]
async fn publish_policy(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<PublishPolicy>,
) -> Result<(StatusCode, Json<PublishedPolicy>), ApiError> {
    let published = state
        .engine
        .publish_policy(&who, &body.source, body.effective_at)
        .await?;
    let status = if published.unchanged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(PublishedPolicy {
            version: published.row.version,
            effective_at: published.row.effective_at,
            pending: published.pending,
            unchanged: published.unchanged,
            changes: changes(&published.changes),
        }),
    ))
}

/// Checks a policy without publishing it: every problem, with line, column
/// and a hint. Any key that may read the policy may check one.
#[utoipa::path(post, path = "/v1/policy/check", tag = "policy", security(("bearer" = [])),
    request_body = PolicySource,
    responses((status = 200, description = "The problems found, if any", body = PolicyCheck), Errors))]
async fn check_policy(
    Auth(who): Auth,
    ApiJson(body): ApiJson<PolicySource>,
) -> Result<Json<PolicyCheck>, ApiError> {
    who.require(Act::ReadPolicy).map_err(ApiError::from)?;
    let checked = tutela_policy::check(&body.source);
    let diagnostics: Vec<Diagnostic> = checked.diagnostics.iter().map(Diagnostic::from).collect();
    Ok(Json(PolicyCheck {
        ok: checked.policy.is_some(),
        diagnostics,
    }))
}
