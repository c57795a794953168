//! Subjects: creation with first records, lookup by identifier through the
//! blind index (in a POST body, so identifiers never sit in a URL or an
//! access log), restriction, and erasure by destroying the subject's key.

use super::field;
use super::records::new_records;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{CreateSubject, Lookup, Restriction, SubjectRef};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::ids::SubjectId;
use tutela_policy::{CategoryId, PurposeId, SubjectKindId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_subject))
        .routes(routes!(lookup_subject))
        .routes(routes!(set_restriction))
        .routes(routes!(erase_subject))
}

/// Creates a subject of a declared kind with its own data key, storing its
/// first records (collected for `purpose`) in the same commit.
#[utoipa::path(post, path = "/v1/subjects", tag = "subjects", security(("bearer" = [])),
    request_body = CreateSubject,
    responses((status = 201, description = "Subject created", body = SubjectRef), Errors))]
async fn create_subject(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<CreateSubject>,
) -> Result<(StatusCode, Json<SubjectRef>), ApiError> {
    let kind = field("kind", &body.kind, SubjectKindId::parse)?;
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let records = new_records(body.records)?;
    let id = state
        .engine
        .create_subject(&who, &kind, &purpose, records)
        .await?;
    Ok((StatusCode::CREATED, Json(SubjectRef { id: id.0 })))
}

/// Finds the subject holding an identifier (a category declared with
/// `identifier = true`) through its keyed hash.
#[utoipa::path(post, path = "/v1/subjects/lookup", tag = "subjects", security(("bearer" = [])),
    request_body = Lookup,
    responses((status = 200, description = "The subject holding the identifier", body = SubjectRef), Errors))]
async fn lookup_subject(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<Lookup>,
) -> Result<Json<SubjectRef>, ApiError> {
    let category = field("category", &body.category, CategoryId::parse)?;
    let id = state
        .engine
        .find_subject(&who, &category, &body.value)
        .await?;
    Ok(Json(SubjectRef { id: id.0 }))
}

/// Sets or lifts restriction of processing (Art. 18): a restricted
/// subject's data is stored but read for no purpose, only for its own access.
#[utoipa::path(put, path = "/v1/subjects/{id}/restriction", tag = "subjects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = Restriction,
    responses((status = 204, description = "Done"), Errors))]
async fn set_restriction(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Restriction>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .set_restricted(&who, SubjectId(id), body.restricted)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Erases a subject: its data key is destroyed and its records and
/// identifiers dropped, so no copy of its data can be read again.
#[utoipa::path(delete, path = "/v1/subjects/{id}", tag = "subjects", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    responses((status = 204, description = "Erased"), Errors))]
async fn erase_subject(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.engine.erase_subject(&who, SubjectId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
