//! Retention (Art. 5(1)(e)): lifecycle events and plan changes that start
//! retention periods, the forecast of what will go, and the anonymised
//! aggregates left by `then = "anonymise"` rules.

use super::field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::Errors;
use crate::wire::{AggregatesOut, EventIn, EventOut, ForecastOut, ForecastQuery, PlanIn};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::MAX_FORECAST_DAYS;
use tutela_engine::ids::SubjectId;
use tutela_policy::{EventName, PlanName};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_event))
        .routes(routes!(set_plan))
        .routes(routes!(forecast))
        .routes(routes!(aggregates))
}

/// Records a lifecycle event for the tenant or one subject, now. The name
/// must be one a retention rule or hold of the policy counts from
/// (`400 E_EVENT_NOT_DECLARED` otherwise).
#[utoipa::path(post, path = "/v1/events", tag = "retention", security(("bearer" = [])),
    request_body = EventIn,
    responses((status = 201, description = "Recorded", body = EventOut), Errors))]
async fn record_event(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<EventIn>,
) -> Result<(StatusCode, Json<EventOut>), ApiError> {
    let name = field("name", &body.name, EventName::parse)?;
    let subject = body
        .subject
        .as_deref()
        .map(|s| field("subject", s, tutela_engine::ids::SubjectId::parse))
        .transpose()?;
    let id = state.engine.record_event(&who, &name, subject).await?;
    Ok((
        StatusCode::CREATED,
        Json(EventOut {
            id: id.to_string(),
            name: name.to_string(),
            subject: subject.map(|s| s.to_string()),
        }),
    ))
}

/// Moves the subject's account to a plan, now; retention rules counted from
/// `plan:<name>` apply while the subject stays on it.
#[utoipa::path(put, path = "/v1/subjects/{id}/plan", tag = "retention", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = PlanIn,
    responses((status = 204, description = "Moved"), Errors))]
async fn set_plan(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PlanIn>,
) -> Result<StatusCode, ApiError> {
    let plan = field("plan", &body.plan, PlanName::parse)?;
    state.engine.set_plan(&who, SubjectId(id), &plan).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the retention sweep will remove within `days` days, by day,
/// category and rule: counts only, nothing changes.
#[utoipa::path(get, path = "/v1/retention/forecast", tag = "retention", security(("bearer" = [])),
    params(ForecastQuery),
    responses((status = 200, description = "The forecast", body = ForecastOut), Errors))]
async fn forecast(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<ForecastQuery>,
) -> Result<Json<ForecastOut>, ApiError> {
    if query.days > MAX_FORECAST_DAYS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("days: must be from 0 to {MAX_FORECAST_DAYS}"),
        ));
    }
    let f = state.engine.retention_forecast(&who, query.days).await?;
    Ok(Json(f.into()))
}

/// Counts of anonymised records by category and collection month; groups
/// smaller than the policy's `anonymity.min_group_size` are withheld.
#[utoipa::path(get, path = "/v1/retention/aggregates", tag = "retention", security(("bearer" = [])),
    responses((status = 200, description = "The aggregates", body = AggregatesOut), Errors))]
async fn aggregates(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<AggregatesOut>, ApiError> {
    let a = state.engine.retention_aggregates(&who).await?;
    Ok(Json(a.into()))
}
