//! Recording a subject's death (dpo and admin, like other request work):
//! the latest registered directive for after death is applied in the same
//! commit (keep, erase, or hand the access answer to a named person,
//! through `GET /v1/requests/{directive id}/answer`). Recording it twice is
//! `409 E_DEATH_RECORDED`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::RequestErrors;
use crate::wire::{DeathView, RecordDeath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::EngineError;
use tutela_engine::ids::SubjectId;
use tutela_engine::requests::Reason;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(record))
}

/// Records the subject's death and applies their latest registered
/// directive in the same commit: none or `keep` keeps the data as the
/// policy says; `erase` erases the subject as an erasure request does
/// (statutory holds kept, recipients told); `hand_to` makes the access
/// answer available for the named person through the directive's answer.
#[utoipa::path(post, path = "/v1/subjects/{id}/death", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = RecordDeath,
    responses((status = 201, description = "Recorded, and the directive applied", body = DeathView),
        RequestErrors))]
async fn record(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RecordDeath>,
) -> Result<(StatusCode, Json<DeathView>), ApiError> {
    let note = match &body.note {
        Some(text) => Some(Reason::parse("note", text).map_err(EngineError::from)?),
        None => None,
    };
    let row = state.engine.record_death(&who, SubjectId(id), note).await?;
    Ok((StatusCode::CREATED, Json(DeathView::from(row))))
}
