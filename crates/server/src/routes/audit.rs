//! The audit chain: pages of entries and a verification of the whole chain.
//! Entries hold pseudonyms, ids and codes only.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::Errors;
use crate::wire::{AuditHeads, AuditPage, AuditQuery, AuditRecord, AuditVerification, LaneHead};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::audit::MAX_LANES;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most entries one page may hold (the engine's page size).
const MAX_PAGE: u32 = 1000;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audit_entries))
        .routes(routes!(heads))
        .routes(routes!(verify))
}

/// A page of one lane of the caller's tenant's chain: entries after
/// `after`, at most `limit`.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, description = "Entries in order", body = AuditPage), Errors))]
async fn audit_entries(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    if i64::try_from(query.after).is_err() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("after: must be from 0 to {}", i64::MAX),
        ));
    }
    if query.lane >= MAX_LANES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("lane: must be from 0 to {}", MAX_LANES - 1),
        ));
    }
    if !(1..=MAX_PAGE).contains(&query.limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("limit: must be from 1 to {MAX_PAGE}"),
        ));
    }
    let entries = state
        .engine
        .audit_entries(&who, query.lane, query.after, query.limit)
        .await?;
    Ok(Json(AuditPage {
        entries: entries.into_iter().map(AuditRecord::from).collect(),
    }))
}

/// Where each lane of the caller's tenant's chain ends.
#[utoipa::path(get, path = "/v1/audit/heads", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "Each lane's head", body = AuditHeads), Errors))]
async fn heads(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<AuditHeads>, ApiError> {
    let heads = state.engine.audit_heads(&who).await?;
    Ok(Json(AuditHeads {
        heads: heads.into_iter().map(LaneHead::from).collect(),
    }))
}

/// Walks every lane of the chain and names the first edited, deleted,
/// reordered or cut entry.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "The verification", body = AuditVerification), Errors))]
async fn verify(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<AuditVerification>, ApiError> {
    let report = state.engine.verify_audit(&who).await?;
    Ok(Json(AuditVerification::from(report)))
}
