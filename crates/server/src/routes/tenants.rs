//! Tenants: operator admins create client tenants (each with its first admin
//! key) and list them; every key can read its own tenant.

use super::field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::Errors;
use crate::wire::{CreateTenant, CreatedTenant, Tenant};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::ids::TenantId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_tenant, list_tenants))
        .routes(routes!(own_tenant))
}

/// Creates a client tenant with its first policy and a first admin key, in
/// one commit; the key's token is returned once.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", security(("bearer" = [])),
    request_body = CreateTenant,
    responses((status = 201, description = "Tenant created", body = CreatedTenant), Errors))]
async fn create_tenant(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<CreateTenant>,
) -> Result<(StatusCode, Json<CreatedTenant>), ApiError> {
    let id = field("id", &body.id, TenantId::parse)?;
    if let Some(problem) = tutela_engine::tenant_name_problem(&body.name) {
        return Err(ApiError::invalid_field("name", problem));
    }
    let (tenant, key) = state
        .engine
        .create_tenant_with_admin(&who, id, &body.name, &body.policy)
        .await?;
    let created = CreatedTenant {
        tenant: Tenant::from(tenant),
        admin_token: key.token,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Every tenant of the deployment (operator admins only).
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", security(("bearer" = [])),
    responses((status = 200, description = "All tenants", body = Vec<Tenant>), Errors))]
async fn list_tenants(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Vec<Tenant>>, ApiError> {
    let tenants = state.engine.tenants(&who).await?;
    Ok(Json(tenants.into_iter().map(Tenant::from).collect()))
}

/// The caller's own tenant.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenants", security(("bearer" = [])),
    responses((status = 200, description = "The caller's tenant", body = Tenant), Errors))]
async fn own_tenant(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(Tenant::from(state.engine.tenant(&who).await?)))
}
