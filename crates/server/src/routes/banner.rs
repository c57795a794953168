//! A website's cookie and tracking banner: the purposes to show, and the
//! choices of an anonymous visitor (a random id in the site's cookie) or a
//! known subject. A `Sec-GPC: 1` header is recorded and objects to every
//! purpose marked `sale_or_sharing` or `direct_marketing` (Art. 21(5),
//! CCPA/CPRA); an earlier explicit grant stays visible as a conflict.

use super::field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{BannerPurpose, Choices, ChoicesInput};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use std::collections::BTreeMap;
use tutela_engine::EngineError;
use tutela_engine::consent::ConsentError;
use tutela_engine::consent::banner::Visitor;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_policy::PurposeId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(banner))
        .routes(routes!(set_visitor, get_visitor))
        .routes(routes!(set_subject, get_subject))
}

/// The purposes a banner shows: consent purposes that are not essential,
/// and every purpose that sells, shares or markets directly.
#[utoipa::path(get, path = "/v1/banner", tag = "rights", security(("bearer" = [])),
    responses((status = 200, description = "The purposes to show", body = Vec<BannerPurpose>), Errors))]
async fn banner(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Vec<BannerPurpose>>, ApiError> {
    let purposes = state.engine.banner(&who).await?;
    Ok(Json(purposes.iter().map(BannerPurpose::from).collect()))
}

/// Stores an anonymous visitor's choices (appended, never overwritten).
/// A `Sec-GPC: 1` request header (Global Privacy Control; any other value
/// is no signal) is recorded as an objection to every purpose marked
/// `sale_or_sharing` or `direct_marketing`.
#[utoipa::path(put, path = "/v1/visitors/{visitor_id}/choices", tag = "rights",
    security(("bearer" = [])),
    params(("visitor_id" = String, Path, description = "A random id the website keeps",
        pattern = "^[A-Za-z0-9_-]{22,64}$")),
    request_body = ChoicesInput,
    responses((status = 200, description = "The choices in force", body = Choices), Errors))]
async fn set_visitor(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChoicesInput>,
) -> Result<Json<Choices>, ApiError> {
    let visitor = anonymous(&id)?;
    set(&state, &who, visitor, &headers, &body).await
}

/// An anonymous visitor's choices in force, and conflicts.
#[utoipa::path(get, path = "/v1/visitors/{visitor_id}/choices", tag = "rights",
    security(("bearer" = [])),
    params(("visitor_id" = String, Path, description = "A random id the website keeps",
        pattern = "^[A-Za-z0-9_-]{22,64}$")),
    responses((status = 200, description = "The choices in force", body = Choices), Errors))]
async fn get_visitor(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Choices>, ApiError> {
    let visitor = anonymous(&id)?;
    Ok(Json(
        state.engine.visitor_choices(&who, &visitor).await?.into(),
    ))
}

/// Stores a known subject's banner choices; a `Sec-GPC: 1` header is
/// recorded as for a visitor and also puts an objection on the subject's
/// ledger where one applies.
#[utoipa::path(put, path = "/v1/subjects/{id}/choices", tag = "rights",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = ChoicesInput,
    responses((status = 200, description = "The choices in force", body = Choices), Errors))]
async fn set_subject(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChoicesInput>,
) -> Result<Json<Choices>, ApiError> {
    set(
        &state,
        &who,
        Visitor::Subject(SubjectId(id)),
        &headers,
        &body,
    )
    .await
}

/// A known subject's banner choices in force, and conflicts.
#[utoipa::path(get, path = "/v1/subjects/{id}/choices", tag = "rights",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    responses((status = 200, description = "The choices in force", body = Choices), Errors))]
async fn get_subject(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Choices>, ApiError> {
    let visitor = Visitor::Subject(SubjectId(id));
    Ok(Json(
        state.engine.visitor_choices(&who, &visitor).await?.into(),
    ))
}

fn anonymous(id: &str) -> Result<Visitor, ApiError> {
    Visitor::anonymous(id)
        .map_err(|m| ApiError::invalid_field("visitor_id", m.trim_start_matches("visitor_id: ")))
}

/// `Sec-GPC: 1` (the only value the specification defines); anything else
/// is no signal.
fn gpc(headers: &HeaderMap) -> bool {
    headers
        .get("sec-gpc")
        .is_some_and(|v| v.as_bytes().trim_ascii() == b"1")
}

async fn set(
    state: &AppState,
    who: &Principal,
    visitor: Visitor,
    headers: &HeaderMap,
    body: &ChoicesInput,
) -> Result<Json<Choices>, ApiError> {
    let mut choices = BTreeMap::new();
    for (i, c) in body.choices.iter().enumerate() {
        let name = format!("choices[{i}].purpose");
        let purpose = field(&name, &c.purpose, PurposeId::parse)?;
        if choices.contains_key(&purpose) {
            let twice = ConsentError::DuplicateChoice(purpose.to_string());
            return Err(EngineError::from(twice).into());
        }
        choices.insert(purpose, c.granted);
    }
    let answer = state
        .engine
        .set_visitor_choices(who, visitor, &choices, gpc(headers))
        .await?;
    Ok(Json(answer.into()))
}
