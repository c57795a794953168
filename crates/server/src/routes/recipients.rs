//! Recipients are told (Art. 19): an admin registers, per recipient the
//! policy declares, the HTTPS URL notices are POSTed to and receives its
//! signing secret once; staff list the notices and where each stands.

use super::{field, query_field};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::Errors;
use crate::wire::{CreatedEndpoint, Delivery, DeliveryQuery, Endpoint, PutEndpoint};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tutela_engine::deliveries::endpoint::EndpointUrl;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryState};
use tutela_policy::RecipientId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_endpoint, delete_endpoint))
        .routes(routes!(list_endpoints))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

/// Registers (or replaces) where a recipient of the policy is told of
/// rectifications, erasures and restrictions. The signing secret is in this
/// response and nowhere else; replacing the endpoint makes a new one.
/// Plain `http://` and URLs with a user name or password are refused.
#[utoipa::path(put, path = "/v1/recipients/{id}/endpoint", tag = "recipients",
    security(("bearer" = [])), request_body = PutEndpoint,
    params(("id" = String, Path, description = "The policy's recipient id", pattern = "^[a-z][a-z0-9_]{0,63}$")),
    responses((status = 201, description = "Registered; the secret is shown once", body = CreatedEndpoint), Errors))]
async fn put_endpoint(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PutEndpoint>,
) -> Result<(StatusCode, Json<CreatedEndpoint>), ApiError> {
    let recipient = field("id", &id, RecipientId::parse)?;
    let url = EndpointUrl::parse(&body.url, state.endpoint_transport)
        .map_err(|why| ApiError::invalid_field("url", why))?;
    let secret = state
        .engine
        .put_endpoint(&who, &recipient, url.clone())
        .await?;
    let created = CreatedEndpoint {
        recipient: recipient.to_string(),
        url: url.as_str().to_owned(),
        secret: format!("whsec_{}", STANDARD.encode(&*secret)),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Removes a recipient's endpoint; its pending notices wait for a new one.
#[utoipa::path(delete, path = "/v1/recipients/{id}/endpoint", tag = "recipients",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The policy's recipient id", pattern = "^[a-z][a-z0-9_]{0,63}$")),
    responses((status = 204, description = "Removed"), Errors))]
async fn delete_endpoint(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let recipient = field("id", &id, RecipientId::parse)?;
    state.engine.delete_endpoint(&who, &recipient).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's registered endpoints: URLs, never secrets.
#[utoipa::path(get, path = "/v1/recipients", tag = "recipients", security(("bearer" = [])),
    responses((status = 200, description = "The endpoints", body = Vec<Endpoint>), Errors))]
async fn list_endpoints(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<Vec<Endpoint>>, ApiError> {
    let rows = state.engine.endpoints(&who).await?;
    Ok(Json(rows.into_iter().map(Endpoint::from).collect()))
}

/// The tenant's notices to recipients, newest first.
#[utoipa::path(get, path = "/v1/deliveries", tag = "recipients", security(("bearer" = [])),
    params(DeliveryQuery),
    responses((status = 200, description = "The notices", body = Vec<Delivery>), Errors))]
async fn list_deliveries(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let state_filter = match &query.state {
        Some(s) => Some(query_field("state", s, parse_state)?),
        None => None,
    };
    if !(1..=tutela_engine::MAX_DELIVERIES_PER_PAGE).contains(&query.limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            "limit: must be 1 to 500".to_owned(),
        ));
    }
    let before = match &query.before {
        Some(id) => Some(query_field("before", id, parse_delivery_id)?),
        None => None,
    };
    let filter = DeliveryFilter {
        state: state_filter,
        request: None,
        before,
    };
    let rows = state.engine.deliveries(&who, filter, query.limit).await?;
    Ok(Json(rows.into_iter().map(Delivery::from).collect()))
}

/// Sends a notice given up on (`failed`, after every attempt) again: it
/// is pending from now, its attempts counted afresh, and the next delivery
/// pass tries it. Fix the recipient's endpoint first. Only a failed notice
/// can be retried (`404 E_FAILED_DELIVERY_NOT_FOUND` otherwise).
#[utoipa::path(post, path = "/v1/deliveries/{id}/retry", tag = "recipients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The notice's id")),
    responses((status = 204, description = "Pending again"), Errors))]
async fn retry_delivery(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<uuid::Uuid>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .retry_delivery(&who, tutela_engine::ids::DeliveryId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Why a state filter did not parse.
struct BadState;

impl super::Explain for BadState {
    fn explain(&self) -> String {
        "must be pending, delivered or failed".to_owned()
    }
}

/// Why a `before` cursor did not parse.
struct BadId;

impl super::Explain for BadId {
    fn explain(&self) -> String {
        "must be the id of a notice (a UUID)".to_owned()
    }
}

fn parse_delivery_id(text: &str) -> Result<tutela_engine::ids::DeliveryId, BadId> {
    tutela_engine::ids::DeliveryId::parse(text).map_err(|_| BadId)
}

fn parse_state(text: &str) -> Result<DeliveryState, BadState> {
    DeliveryState::parse(text).ok_or(BadState)
}
