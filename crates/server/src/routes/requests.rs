//! Data subject requests (Art. 12-22): filing, the identity check, the
//! queue by due date, extension, fee, refusal and fulfilment. Filing a
//! request that duplicates an open one answers `200` with `duplicate_of`
//! set (nothing new was opened); a new request answers `201`.

use super::{field, query_field};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::RequestErrors;
use crate::wire::{
    CodeSent, Delivery, ExtendRequest, FeeRequest, FulfilRequest, NewRequest, RefuseRequest,
    RequestPage, RequestQuery, RequestView, VerifyRequest,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::deliveries::DeliveryFilter;
use tutela_engine::deliveries::endpoint::Transport;
use tutela_engine::ids::{RequestId, SubjectId};
use tutela_engine::requests::{
    Directive, Fee, KindTag, PersonName, Reason, RequestCursor, RequestError, RequestFilter,
    RequestKind, RequestState, TransferUrl, VerifiedBy,
};
use tutela_engine::{EngineError, MAX_DELIVERIES_PER_PAGE, MAX_REQUESTS_PER_PAGE};
use tutela_policy::PurposeId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file, list))
        .routes(routes!(show))
        .routes(routes!(send_code))
        .routes(routes!(verify))
        .routes(routes!(extend))
        .routes(routes!(refuse))
        .routes(routes!(fee))
        .routes(routes!(fulfil))
}

fn engine_field(err: RequestError) -> ApiError {
    ApiError::from(EngineError::from(err))
}

fn missing(name: &'static str, kind: &str) -> ApiError {
    ApiError::invalid_field(name, &format!("is required for a {kind} request"))
}

/// Parses the kind and its detail at the edge.
fn parse_kind(body: &NewRequest, transport: Transport) -> Result<RequestKind, ApiError> {
    let tag = KindTag::parse(&body.kind).ok_or_else(|| {
        let names: Vec<&str> = KindTag::ALL.iter().map(|k| k.as_str()).collect();
        ApiError::invalid_field("kind", &format!("must be one of {}", names.join(", ")))
    })?;
    let purpose = match &body.purpose {
        Some(p) => Some(field("purpose", p, PurposeId::parse)?),
        None => None,
    };
    let extra = |name: &'static str, given: bool| {
        if given {
            Err(ApiError::invalid_field(
                name,
                &format!("does not apply to {} {tag} request", article(tag.as_str())),
            ))
        } else {
            Ok(())
        }
    };
    if !matches!(tag, KindTag::Objection | KindTag::ConsentWithdrawal) {
        extra("purpose", purpose.is_some())?;
    }
    if tag != KindTag::Transfer {
        extra("url", body.url.is_some())?;
    }
    if tag != KindTag::Directive {
        extra("directive", body.directive.is_some())?;
        extra("person", body.person.is_some())?;
    }
    Ok(match tag {
        KindTag::Access => RequestKind::Access,
        KindTag::Rectification => RequestKind::Rectification,
        KindTag::Erasure => RequestKind::Erasure,
        KindTag::Restriction => RequestKind::Restriction,
        KindTag::RestrictionLift => RequestKind::RestrictionLift,
        KindTag::Portability => RequestKind::Portability,
        KindTag::Objection => RequestKind::Objection(purpose),
        KindTag::ConsentWithdrawal => {
            RequestKind::ConsentWithdrawal(purpose.ok_or_else(|| missing("purpose", tag.as_str()))?)
        }
        KindTag::Transfer => {
            let url = body
                .url
                .as_deref()
                .ok_or_else(|| missing("url", tag.as_str()))?;
            RequestKind::Transfer(TransferUrl::parse_for(url, transport).map_err(engine_field)?)
        }
        KindTag::Directive => RequestKind::Directive(parse_directive(body)?),
    })
}

fn parse_directive(body: &NewRequest) -> Result<Directive, ApiError> {
    let word = body
        .directive
        .as_deref()
        .ok_or_else(|| missing("directive", "directive"))?;
    let directive = match word {
        "keep" => Directive::Keep,
        "erase" => Directive::Erase,
        "hand_to" => {
            let person = body
                .person
                .as_deref()
                .ok_or_else(|| ApiError::invalid_field("person", "is required for hand_to"))?;
            Directive::HandTo(PersonName::parse(person).map_err(engine_field)?)
        }
        _ => {
            return Err(ApiError::invalid_field(
                "directive",
                "must be keep, erase or hand_to",
            ));
        }
    };
    if !matches!(directive, Directive::HandTo(_)) && body.person.is_some() {
        return Err(ApiError::invalid_field("person", "applies to hand_to only"));
    }
    Ok(directive)
}

fn reason(name: &'static str, text: &str) -> Result<Reason, ApiError> {
    Reason::parse(name, text).map_err(engine_field)
}

/// Files a request about a subject (dpo, admin, or a product's service key
/// on behalf of its user). A duplicate of an open request is linked to it,
/// closed at once, and answered with `200`.
#[utoipa::path(post, path = "/v1/requests", tag = "requests", security(("bearer" = [])),
    request_body = NewRequest,
    responses((status = 201, description = "Filed", body = RequestView),
        (status = 200, description = "A duplicate of an open request: linked (`duplicate_of`) and closed", body = RequestView),
        RequestErrors))]
async fn file(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<NewRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let kind = parse_kind(&body, state.endpoint_transport)?;
    let filed = state
        .engine
        .file_request(&who, SubjectId(body.subject), kind)
        .await?;
    let status = if filed.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut view = RequestView::new(&filed.row, state.engine.now());
    view.warning = filed.not_applicable.map(|n| crate::wire::FilingWarning {
        code: n.code().to_owned(),
        message: n.message(),
    });
    Ok((status, Json(view)))
}

/// The tenant's requests by effective due date, optionally only one state
/// or only the overdue ones.
#[utoipa::path(get, path = "/v1/requests", tag = "requests", security(("bearer" = [])),
    params(RequestQuery),
    responses((status = 200, description = "A page of requests", body = RequestPage), RequestErrors))]
async fn list(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<RequestQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    if !(1..=MAX_REQUESTS_PER_PAGE).contains(&query.limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("limit: must be from 1 to {MAX_REQUESTS_PER_PAGE}"),
        ));
    }
    let filter_state = match &query.state {
        Some(s) => Some(query_field("state", s, |t| {
            RequestState::parse(t).ok_or(CursorError(
                "must be received, verified, fulfilled, refused or duplicate",
            ))
        })?),
        None => None,
    };
    let after = match &query.after {
        Some(text) => Some(query_field("after", text, parse_cursor)?),
        None => None,
    };
    let now = state.engine.now();
    let subject = match &query.subject {
        Some(text) => Some(query_field("subject", text, |t| {
            subject_id(t).ok_or(CursorError("must be a subject id (a UUID)"))
        })?),
        None => None,
    };
    let kind = match &query.kind {
        Some(text) => Some(query_field("kind", text, |t| {
            KindTag::parse(t).ok_or(CursorError(KIND_NAMES))
        })?),
        None => None,
    };
    let filter = RequestFilter {
        state: filter_state,
        due_before: query.overdue.then_some(now),
        subject,
        kind,
    };
    let rows = state
        .engine
        .requests(&who, filter, after, query.limit)
        .await?;
    let full = u32::try_from(rows.len()).is_ok_and(|n| n == query.limit);
    let next = rows
        .last()
        .filter(|_| full)
        .map(|r| format!("{}.{}", r.effective_due_at().as_microsecond(), r.id));
    Ok(Json(RequestPage {
        requests: rows.iter().map(|r| RequestView::new(r, now)).collect(),
        next,
    }))
}

/// A subject id in the two spellings the API document declares for a
/// query: hyphenated, or 32 hex digits.
fn subject_id(text: &str) -> Option<SubjectId> {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let plain = text.len() == 32 && hex(text);
    let dashed = text.len() == 36
        && text
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'))
        && hex(&text.replace('-', ""));
    (plain || dashed)
        .then(|| Uuid::parse_str(text).ok().map(SubjectId))
        .flatten()
}

/// What a `kind` may be, in words.
const KIND_NAMES: &str = "must be access, rectification, erasure, restriction, restriction_lift, objection, portability, consent_withdrawal, transfer or directive";

/// Why a query value did not parse.
struct CursorError(&'static str);

impl super::Explain for CursorError {
    fn explain(&self) -> String {
        self.0.to_owned()
    }
}

fn parse_cursor(text: &str) -> Result<RequestCursor, CursorError> {
    let bad = CursorError("must be the `next` value of the previous page");
    let (due, id) = text.split_once('.').ok_or(CursorError(bad.0))?;
    let due = due
        .parse::<i64>()
        .ok()
        .and_then(|us| jiff::Timestamp::from_microsecond(us).ok())
        .ok_or(CursorError(bad.0))?;
    let id = RequestId::parse(id).map_err(|_| CursorError(bad.0))?;
    Ok(RequestCursor { due, id })
}

/// One request.
#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, description = "The request", body = RequestView), RequestErrors))]
async fn show(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RequestView>, ApiError> {
    let row = state.engine.request(&who, RequestId(id)).await?;
    let filter = DeliveryFilter {
        state: None,
        request: Some(row.id),
        before: None,
    };
    let deliveries = state
        .engine
        .deliveries(&who, filter, MAX_DELIVERIES_PER_PAGE)
        .await?;
    let mut view = RequestView::new(&row, state.engine.now());
    view.deliveries = Some(deliveries.into_iter().map(Delivery::from).collect());
    Ok(Json(view))
}

/// Sends the subject a new one-time code (through the configured
/// notifier); the previous code stops working. At most one a minute and
/// five per request.
#[utoipa::path(post, path = "/v1/requests/{id}/code", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    responses((status = 200, description = "Sent", body = CodeSent), RequestErrors))]
async fn send_code(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<CodeSent>, ApiError> {
    let expires_at = state.engine.send_request_code(&who, RequestId(id)).await?;
    Ok(Json(CodeSent { expires_at }))
}

/// Verifies the subject's identity: with the code they received, or by
/// recording how staff verified it otherwise (`method` and `note`).
#[utoipa::path(post, path = "/v1/requests/{id}/verify", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = VerifyRequest,
    responses((status = 200, description = "Verified", body = RequestView), RequestErrors))]
async fn verify(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<VerifyRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let id = RequestId(id);
    let row = match (&body.code, &body.method) {
        (Some(code), None) if body.note.is_none() => {
            state.engine.verify_request(&who, id, code).await?
        }
        (None, Some(method)) => {
            let method = VerifiedBy::parse(method)
                .filter(|m| *m != VerifiedBy::Code)
                .ok_or_else(|| {
                    ApiError::invalid_field("method", "must be document, manual or account")
                })?;
            let note = reason("note", body.note.as_deref().unwrap_or_default())?;
            state
                .engine
                .verify_request_manually(&who, id, method, note)
                .await?
        }
        _ => {
            return Err(ApiError::invalid_field(
                "code",
                "give either code, or method and note",
            ));
        }
    };
    Ok(Json(RequestView::new(&row, state.engine.now())))
}

/// Extends the due date once, with a reason, before the first due date.
#[utoipa::path(post, path = "/v1/requests/{id}/extend", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = ExtendRequest,
    responses((status = 200, description = "Extended", body = RequestView), RequestErrors))]
async fn extend(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ExtendRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let why = reason("reason", &body.reason)?;
    let row = state
        .engine
        .extend_request(&who, RequestId(id), why, body.months)
        .await?;
    Ok(Json(RequestView::new(&row, state.engine.now())))
}

/// Refuses the request with a reason; the subject is told why and that
/// they may complain to the supervisory authority.
#[utoipa::path(post, path = "/v1/requests/{id}/refuse", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = RefuseRequest,
    responses((status = 200, description = "Refused", body = RequestView), RequestErrors))]
async fn refuse(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RefuseRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let why = reason("reason", &body.reason)?;
    let row = state
        .engine
        .refuse_request(&who, RequestId(id), why)
        .await?;
    Ok(Json(RequestView::new(&row, state.engine.now())))
}

/// Records a fee with its reason (Art. 12(5)).
#[utoipa::path(post, path = "/v1/requests/{id}/fee", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = FeeRequest,
    responses((status = 200, description = "Recorded", body = RequestView), RequestErrors))]
async fn fee(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FeeRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let fee = Fee::parse(body.amount_minor, &body.currency, &body.reason).map_err(engine_field)?;
    let row = state
        .engine
        .set_request_fee(&who, RequestId(id), fee)
        .await?;
    Ok(Json(RequestView::new(&row, state.engine.now())))
}

/// Fulfils a verified request: the act it asks for (erasure, restriction,
/// objection, withdrawal, the push of a transfer, the registration of a
/// directive) and the request's closing commit together. A transfer whose
/// receiver fails answers `502 E_TRANSFER_FAILED` (or `422
/// E_TRANSFER_REFUSED` for an address the guard refuses) and stays
/// verified; fulfilling it again retries with the same `webhook-id`.
#[utoipa::path(post, path = "/v1/requests/{id}/fulfil", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id")),
    request_body = FulfilRequest,
    responses((status = 200, description = "Fulfilled", body = RequestView),
        (status = 502, description = "The transfer's receiver could not be reached or did not accept the data (`E_TRANSFER_FAILED`); the request stays verified", body = crate::error::ErrorBody),
        RequestErrors))]
async fn fulfil(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FulfilRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let note = match &body.note {
        Some(text) => Some(reason("note", text)?),
        None => None,
    };
    let row = state
        .engine
        .fulfil_request(&who, RequestId(id), note)
        .await?;
    Ok(Json(RequestView::new(&row, state.engine.now())))
}

/// `a` or `an` before a request kind, so messages read right.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
