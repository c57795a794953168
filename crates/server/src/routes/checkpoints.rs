//! Signed checkpoints of the caller's tenant's audit chain, for the DPO (and
//! admins): kept outside the database, they expose a later rollback of the
//! chain that the MACs alone cannot.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::openapi::Errors;
use crate::wire::SignedCheckpoint;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_checkpoint))
}

/// Appends an `audit.checkpoint` entry to the caller's tenant's chain and
/// returns a signed statement of the chain's length and head (Ed25519, the
/// deployment's key, `tutela audit pubkey`).
#[utoipa::path(post, path = "/v1/audit/checkpoints", tag = "audit", security(("bearer" = [])),
    responses((status = 201, description = "The signed checkpoint", body = SignedCheckpoint), Errors))]
async fn create_checkpoint(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<(StatusCode, Json<SignedCheckpoint>), ApiError> {
    let checkpoint = state.engine.checkpoint_own(&who).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignedCheckpoint::from(checkpoint)),
    ))
}
