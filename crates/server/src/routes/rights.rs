//! The subject's rights: consent granted and withdrawn (Art. 7) and
//! objection (Art. 21). Access, portability and rectification are in
//! `access.rs`.

use super::field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{ConsentChange, ConsentEvent, ConsentState, Objection, ObjectionEvent};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::EngineError;
use tutela_engine::consent::ConsentError;
use tutela_engine::consent::proof::ConsentText;
use tutela_engine::ids::SubjectId;
use tutela_policy::PurposeId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(consent_status, grant_consent))
        .routes(routes!(withdraw_consent))
        .routes(routes!(object))
}

/// Where the subject stands on every consent purpose of the policy.
#[utoipa::path(get, path = "/v1/subjects/{id}/consents", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    responses((status = 200, description = "One entry per consent purpose", body = Vec<ConsentState>), Errors))]
async fn consent_status(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<ConsentState>>, ApiError> {
    let status = state.engine.consent_status(&who, SubjectId(id)).await?;
    Ok(Json(status.into_iter().map(ConsentState::from).collect()))
}

/// Records the subject's consent to a purpose that rests on consent.
#[utoipa::path(post, path = "/v1/subjects/{id}/consents", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = ConsentChange,
    responses((status = 201, description = "Granted", body = ConsentEvent), Errors))]
async fn grant_consent(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ConsentChange>,
) -> Result<(StatusCode, Json<ConsentEvent>), ApiError> {
    change_consent(&state, &who, id, body, true).await
}

/// Records the withdrawal of consent; it works from this instant on, and
/// earlier processing stays lawful.
#[utoipa::path(post, path = "/v1/subjects/{id}/consents/withdraw", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = ConsentChange,
    responses((status = 201, description = "Withdrawn", body = ConsentEvent), Errors))]
async fn withdraw_consent(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ConsentChange>,
) -> Result<(StatusCode, Json<ConsentEvent>), ApiError> {
    change_consent(&state, &who, id, body, false).await
}

async fn change_consent(
    state: &AppState,
    who: &tutela_engine::principal::Principal,
    id: Uuid,
    body: ConsentChange,
    granted: bool,
) -> Result<(StatusCode, Json<ConsentEvent>), ApiError> {
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let text = match (&body.text, &body.text_sha256) {
        (Some(text), Some(hash)) => {
            let shown = ConsentText::shown(text)?;
            if ConsentText::hash(hash)?.digest() != shown.digest() {
                return Err(EngineError::from(ConsentError::TextMismatch).into());
            }
            Some(shown)
        }
        (Some(text), None) => Some(ConsentText::shown(text)?),
        (None, Some(hash)) => Some(ConsentText::hash(hash)?),
        (None, None) => None,
    };
    let row = state
        .engine
        .record_consent_with(who, SubjectId(id), &purpose, granted, &body.source, text)
        .await?;
    Ok((StatusCode::CREATED, Json(ConsentEvent::from(&row))))
}

/// Records an objection to one purpose, or without `purpose` to every
/// purpose that can be objected to, direct marketing included.
#[utoipa::path(post, path = "/v1/subjects/{id}/objections", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = Objection,
    responses(
        (status = 201, description = "Recorded", body = ObjectionEvent),
        (status = 200, description = "The same objection was recorded before; nothing written", body = ObjectionEvent),
        Errors))]
async fn object(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Objection>,
) -> Result<(StatusCode, Json<ObjectionEvent>), ApiError> {
    let purpose = match &body.purpose {
        Some(p) => Some(field("purpose", p, PurposeId::parse)?),
        None => None,
    };
    let (row, new) = state
        .engine
        .object_once(&who, SubjectId(id), purpose.as_ref())
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ObjectionEvent::from(&row))))
}
