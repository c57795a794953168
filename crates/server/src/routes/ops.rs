//! Operations endpoints: liveness, readiness, the OpenAPI document, the
//! JSON answers for unknown routes and wrong methods, and the metrics
//! handler, which only the separate metrics listener serves.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::wire::Health;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(openapi_json))
}

/// The serialised OpenAPI document, built once at start-up.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub Arc<str>);

/// Liveness: the process answers. Touches no database, so an orchestrator
/// does not restart a server whose database is briefly away.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the store answers and is migrated.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The store is unreachable", body = ErrorBody),
    ))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    match state.engine.store().ping().await {
        Ok(()) => Ok(Json(Health {
            status: "ready".into(),
        })),
        Err(err) => {
            tracing::warn!(error = %crate::error::chain(&err), "readiness check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "E_NOT_READY",
                "the store is unreachable",
            ))
        }
    }
}

/// Prometheus metrics in the text exposition format. Not part of the API:
/// counts of erasures and refusals say something about a tenant, so they
/// are served only by [`crate::metrics_app`], on its own address.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
async fn openapi_json(Extension(doc): Extension<OpenApiJson>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.0.to_string(),
    )
        .into_response()
}

/// Unknown route.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "E_NOT_FOUND",
        "no such route; see /openapi.json",
    )
}

/// Known route, wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "E_METHOD_NOT_ALLOWED",
        "this route does not accept that method; see /openapi.json",
    )
}
