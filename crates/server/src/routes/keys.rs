//! API keys: admins create keys (the token is shown once, in the response
//! that creates it), list them without secrets, and revoke them.

use super::{field, fields};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{ApiKey, CreateKey, CreatedKey};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::ids::{ApiKeyId, TenantId};
use tutela_policy::PurposeId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
}

/// Creates a key in the caller's own tenant, with at most the caller's own
/// role powers and purposes. Naming another `tenant` is refused, for the
/// operator too (`403 E_OTHER_TENANT`): a client tenant's first admin key
/// comes with `POST /v1/tenants`. The token is in this response and nowhere
/// else, ever.
#[utoipa::path(post, path = "/v1/keys", tag = "keys", security(("bearer" = [])),
    request_body = CreateKey,
    responses((status = 201, description = "Key created", body = CreatedKey), Errors))]
async fn create_key(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let tenant = match &body.tenant {
        Some(t) => field("tenant", t, TenantId::parse)?,
        None => who.tenant.clone(),
    };
    let purposes = fields("purposes", &body.purposes, PurposeId::parse)?;
    let issued = state
        .engine
        .create_api_key(&who, &tenant, body.role.into(), purposes, &body.label)
        .await?;
    let created = CreatedKey {
        id: issued.key.id.0,
        token: issued.token,
        role: issued.key.role,
        purposes: issued
            .key
            .purposes
            .iter()
            .map(ToString::to_string)
            .collect(),
        label: issued.key.label,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The tenant's keys, revoked ones included; never a secret.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", security(("bearer" = [])),
    responses((status = 200, description = "The tenant's keys", body = Vec<ApiKey>), Errors))]
async fn list_keys(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Vec<ApiKey>>, ApiError> {
    let keys = state.engine.api_keys(&who).await?;
    Ok(Json(keys.into_iter().map(ApiKey::from).collect()))
}

/// Revokes a key at once: the next request with it is refused.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"), Errors))]
async fn revoke_key(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.engine.revoke_api_key(&who, ApiKeyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
