//! Proof of consent (Art. 7(1)): signed receipts and the key that checks
//! them; and one-click unsubscribe links (Art. 21(2)-(3), ePrivacy
//! Art. 13(2), RFC 8058), whose use needs no login and reveals nothing.

use super::field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{ConsentReceipt, NewUnsubscribeLink, ReceiptKey, UnsubscribeLink, Unsubscribed};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use tutela_engine::audit::to_hex;
use tutela_engine::consent::unsubscribe::LinkToken;
use tutela_engine::ids::{ConsentId, SubjectId};
use tutela_policy::PurposeId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(receipt))
        .routes(routes!(receipt_key))
        .routes(routes!(create_link))
        .routes(routes!(unsubscribe, unsubscribe_page))
}

/// The page a person sees opening an unsubscribe link in a browser or a
/// mail client without one-click: one button that POSTs to the same
/// address. Opening it changes nothing (a link scanner must not
/// unsubscribe anyone) and names no one: the page is the same for every
/// well-formed token.
const UNSUBSCRIBE_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">\
<title>Unsubscribe</title></head><body><h1>Unsubscribe</h1>\
<p>Press the button to stop receiving these messages. Nothing changes until you do.</p>\
<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
<button type=\"submit\">Unsubscribe</button></form></body></html>\n";

/// An unsubscribe link opened with GET (a browser, a mail client without
/// RFC 8058 one-click): a page with one button that POSTs the link, so
/// the person can still unsubscribe. Changes nothing and is the same page
/// for every well-formed token; a token of the wrong shape is `404`.
#[utoipa::path(get, path = "/v1/unsubscribe/{token}", tag = "rights",
    params(("token" = String, Path, description = "The link's token",
        pattern = "^[a-z0-9][a-z0-9-]{0,62}\\.[A-Za-z0-9_-]{43}$")),
    responses((status = 200, description = "A page whose button unsubscribes (the same page for every well-formed token)",
        content((String = "text/html"))), Errors))]
async fn unsubscribe_page(
    token: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<axum::response::Response, ApiError> {
    link_token(token)?;
    Ok(html(UNSUBSCRIBE_PAGE))
}

/// The link's token from the path. A path that is not even text (invalid
/// UTF-8 once decoded) names no link either: the same JSON `404` as any
/// token of the wrong shape, not the router's plain-text refusal.
fn link_token(
    token: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<String, ApiError> {
    match token {
        Ok(axum::extract::Path(token)) if LinkToken::parse(&token).is_some() => Ok(token),
        _ => Err(not_a_link()),
    }
}

fn not_a_link() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "E_UNSUBSCRIBE_LINK_NOT_FOUND",
        "this is not an unsubscribe link",
    )
}

/// A consent receipt for one grant, signed with the tenant's receipt key
/// (a compact JWS, EdDSA); `tutela consent verify` checks it offline.
#[utoipa::path(get, path = "/v1/subjects/{id}/consents/{consent_id}/receipt", tag = "rights",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"),
        ("consent_id" = Uuid, Path, description = "The grant's ledger id")),
    responses((status = 200, description = "The signed receipt", body = ConsentReceipt), Errors))]
async fn receipt(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath((id, consent)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<ConsentReceipt>, ApiError> {
    let signed = state
        .engine
        .consent_receipt(&who, SubjectId(id), ConsentId(consent))
        .await?;
    Ok(Json(ConsentReceipt::new(&signed)))
}

/// The caller's tenant's consent-receipt public key, to publish and to
/// verify receipts with.
#[utoipa::path(get, path = "/v1/consents/receipt-key", tag = "rights", security(("bearer" = [])),
    responses((status = 200, description = "The public key", body = ReceiptKey), Errors))]
async fn receipt_key(
    State(state): State<AppState>,
    Auth(who): Auth,
) -> Result<Json<ReceiptKey>, ApiError> {
    Ok(Json(ReceiptKey {
        tenant: who.tenant.to_string(),
        alg: "EdDSA".into(),
        public_key: to_hex(&state.engine.receipt_public_key(&who.tenant)),
    }))
}

/// Issues a one-click unsubscribe link ending `purpose` for the subject:
/// for the `List-Unsubscribe` and `List-Unsubscribe-Post` headers of
/// every message sent for it.
#[utoipa::path(post, path = "/v1/subjects/{id}/unsubscribe-links", tag = "rights",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = NewUnsubscribeLink,
    responses((status = 201, description = "The link", body = UnsubscribeLink), Errors))]
async fn create_link(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewUnsubscribeLink>,
) -> Result<(StatusCode, Json<UnsubscribeLink>), ApiError> {
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let token = state
        .engine
        .create_unsubscribe_link(&who, SubjectId(id), &purpose)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UnsubscribeLink {
            path: format!("/v1/unsubscribe/{token}"),
            token,
            list_unsubscribe_post: "List-Unsubscribe=One-Click".into(),
        }),
    ))
}

/// Uses an unsubscribe link (RFC 8058 one-click: a mail client POSTs
/// `List-Unsubscribe=One-Click`; any body is accepted and ignored). No
/// login. The purpose ends at once for the link's subject; the answer is
/// the same for a fresh, used or unknown token (a token of the wrong shape
/// is `404`: it names no link and tells nothing about anyone).
#[utoipa::path(post, path = "/v1/unsubscribe/{token}", tag = "rights",
    params(("token" = String, Path, description = "The link's token",
        pattern = "^[a-z0-9][a-z0-9-]{0,62}\\.[A-Za-z0-9_-]{43}$")),
    responses((status = 200, description = "Unsubscribed (the same answer for every well-formed token): JSON, or a page for a browser that asks for text/html",
        content((Unsubscribed = "application/json"), (String = "text/html"))), Errors))]
async fn unsubscribe(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    token: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let token = link_token(token)?;
    state.engine.unsubscribe(&token).await?;
    if wants_html(&headers) {
        return Ok(html(UNSUBSCRIBED_PAGE));
    }
    Ok(Json(Unsubscribed {
        status: "unsubscribed".into(),
    })
    .into_response())
}

/// What a person sees after pressing the page's button.
const UNSUBSCRIBED_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">\
<title>Unsubscribed</title></head><body><h1>Unsubscribed</h1>\
<p>You will not receive these messages any more.</p></body></html>\n";

/// A browser's form post asks for HTML; a mail client's one-click POST
/// (RFC 8058) and API callers get JSON.
fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

fn html(page: &'static str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}
