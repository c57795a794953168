//! `POST /v1/policy/diff`: what a policy text changes, against another text
//! or the version in force, before anyone publishes it.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::Errors;
use crate::wire::{DiffRequest, PolicyDiff, changes};
use axum::Json;
use axum::extract::State;
use tutela_engine::EngineError;
use tutela_engine::effective_time;
use tutela_engine::principal::Act;
use tutela_policy::{Policy, has_material};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(diff_policy))
}

/// Lists each change from `old` (default: the version in force) to `new`,
/// material first, with the earliest time a publication now could take
/// effect. An invalid text is refused with `422 E_POLICY_INVALID` and its
/// diagnostics (line and column). Changes nothing.
#[utoipa::path(post, path = "/v1/policy/diff", tag = "policy", security(("bearer" = [])),
    request_body = DiffRequest,
    responses((status = 200, description = "The changes", body = PolicyDiff), Errors))]
async fn diff_policy(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<DiffRequest>,
) -> Result<Json<PolicyDiff>, ApiError> {
    who.require(Act::ReadPolicy).map_err(ApiError::from)?;
    let new = parse(&body.new)?;
    let (old, against_version) = match &body.old {
        Some(text) => (std::sync::Arc::new(parse(text)?), None),
        None => {
            let (row, parsed) = state.engine.policy(&who, None).await?;
            (parsed, Some(row.version))
        }
    };
    let list = tutela_policy::diff(&old, &new);
    let material = list.iter().filter(|c| c.material).count();
    let notice = old.changes.notice_period;
    let earliest_effective_at = match against_version {
        Some(_) => {
            let now = state.engine.now();
            let at = effective_time(now, has_material(&list), &notice, None);
            Some(match at {
                Ok(at) => at,
                Err(EngineError::EffectiveTooSoon { earliest, .. }) => earliest,
                Err(e) => return Err(e.into()),
            })
        }
        None => None,
    };
    Ok(Json(PolicyDiff {
        against_version,
        material,
        editorial: list.len() - material,
        notice_period: notice.to_string(),
        earliest_effective_at,
        changes: changes(&list),
    }))
}

fn parse(source: &str) -> Result<Policy, ApiError> {
    Policy::parse(source).map_err(|d| EngineError::PolicyInvalid(d).into())
}
