//! The subject's access answer (Art. 15) in JSON, CSV, Markdown or HTML,
//! the portability export (Art. 20) in JSON or CSV, both also as the
//! answer to a verified access or portability request, and rectification
//! of one record (Art. 16). All work even under restriction, since it is the
//! subject asking; all need a dpo or admin key without a purpose scope.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::{Errors, RequestErrors};
use crate::wire::{
    Access, AnswerJson, FormatQuery, HandedOver, Portable, PortableFormatQuery, Rectification,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tutela_engine::RequestAnswer;
use tutela_engine::answer;
use tutela_engine::answer::{AccessAnswer, PortableData};
use tutela_engine::ids::{RecordId, RequestId, SubjectId};
use tutela_engine::requests::KindTag;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(access))
        .routes(routes!(portable))
        .routes(routes!(request_answer))
        .routes(routes!(rectify_record, delete_record))
}

/// A rendering the caller may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    Markdown,
    Html,
}

/// Parses `?format=`; `allowed` lists what this route renders.
fn format(asked: Option<&str>, allowed: &[(&str, Format)]) -> Result<Format, ApiError> {
    let asked = asked.unwrap_or("json");
    allowed
        .iter()
        .find(|(name, _)| *name == asked)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "E_INVALID_QUERY",
                format!("format: must be one of {}", names.join(", ")),
            )
        })
}

/// A text body with its content type, and for CSV a download filename.
fn text(body: String, content_type: &'static str, filename: Option<String>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(name) = filename
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

const CSV: &str = "text/csv; charset=utf-8";

/// Everything held about the subject and what the subject is entitled to
/// know about it (Art. 15): per category the purposes, legal bases,
/// recipients, retention, holds and sources; the rights, contacts and
/// authority; automated decisions; the consent ledger and objections; and
/// the subject's own access log. `format=csv` gives one row per record
/// (UTF-8 with BOM, formula-guarded), `md` and `html` a readable summary.
#[utoipa::path(get, path = "/v1/subjects/{id}/access", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"), FormatQuery),
    responses((status = 200, description = "The access answer", content(
        (AnswerJson = "application/json"),
        (String = "text/csv"),
        (String = "text/markdown"),
        (String = "text/html"))), Errors))]
async fn access(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    let format = format(query.format.as_deref(), ACCESS_FORMATS)?;
    let _slot = answer_slot(&state).await?;
    let answer = state.engine.access_answer(&who, SubjectId(id)).await?;
    render_access(answer, format, id)
}

/// One of the server's few slots for building a whole-subject answer
/// ([`AppState::answer_slots`]), held until the response body is built:
/// a subject may hold up to 64 MiB sealed, and an answer takes a few
/// times that while it is decrypted and rendered, so many at once would
/// take the memory every tenant shares.
async fn answer_slot(state: &AppState) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    state
        .answer_slots
        .acquire()
        .await
        .map_err(|e| ApiError::internal(&e))
}

const ACCESS_FORMATS: &[(&str, Format)] = &[
    ("json", Format::Json),
    ("csv", Format::Csv),
    ("md", Format::Markdown),
    ("html", Format::Html),
];

const PORTABLE_FORMATS: &[(&str, Format)] = &[("json", Format::Json), ("csv", Format::Csv)];

/// A directive's hand-over names the person it is for, which only the
/// JSON form carries.
const DIRECTIVE_FORMATS: &[(&str, Format)] = &[("json", Format::Json)];

fn render_access(answer: AccessAnswer, format: Format, id: Uuid) -> Result<Response, ApiError> {
    Ok(match format {
        Format::Json => Json(Access::from(answer)).into_response(),
        Format::Csv => text(
            answer::access_csv(&answer)?,
            CSV,
            Some(format!("access-{id}.csv")),
        ),
        Format::Markdown => text(
            answer::access_markdown(&answer),
            "text/markdown; charset=utf-8",
            None,
        ),
        Format::Html => text(
            answer::access_html(&answer),
            "text/html; charset=utf-8",
            None,
        ),
    })
}

fn render_portable(data: PortableData, format: Format, id: Uuid) -> Result<Response, ApiError> {
    Ok(match format {
        Format::Csv => text(
            answer::portable_csv(&data)?,
            CSV,
            Some(format!("portable-{id}.csv")),
        ),
        _ => Json(Portable::from(data)).into_response(),
    })
}

/// The data a verified access or portability request hands over: the
/// Art. 15 answer (json, csv, md, html) or the Art. 20 export (json, csv)
/// of the request's own subject. Refused before verification
/// (`409 E_NOT_VERIFIED`), after a refusal or as a duplicate, and for
/// kinds that hand no data over (`409 E_NO_ANSWER`). A registered
/// `hand_to` directive answers (json only) once the subject's death is
/// recorded and applied it, naming the person it is for (`HandedOver`);
/// before that `409 E_NOT_DECEASED`, and `409 E_DIRECTIVE_NOT_APPLIED` for
/// a directive the death did not apply. Audited as `subject.access` or
/// `subject.export`.
#[utoipa::path(get, path = "/v1/requests/{id}/answer", tag = "requests", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The request's id"), FormatQuery),
    responses((status = 200, description = "The answer", content(
        (AnswerJson = "application/json"),
        (String = "text/csv"),
        (String = "text/markdown"),
        (String = "text/html"))), RequestErrors))]
async fn request_answer(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> Result<Response, ApiError> {
    // The format is checked against the request's kind before anything is
    // decrypted or audited: a bad query changes nothing.
    let request = state.engine.request(&who, RequestId(id)).await?;
    let formats = match request.kind {
        KindTag::Portability => PORTABLE_FORMATS,
        KindTag::Directive => DIRECTIVE_FORMATS,
        _ => ACCESS_FORMATS,
    };
    let asked = format(query.format.as_deref(), formats)?;
    let _slot = answer_slot(&state).await?;
    match state.engine.request_answer(&who, RequestId(id)).await? {
        RequestAnswer::Access(answer) => render_access(*answer, asked, id),
        RequestAnswer::Portable(data) => render_portable(data, asked, id),
        RequestAnswer::HandedOver {
            person,
            death_recorded_at,
            answer,
        } => Ok(Json(HandedOver {
            handed_to: person,
            death_recorded_at,
            answer: Access::from(*answer),
        })
        .into_response()),
    }
}

/// The data the subject provided under consent or contract, to take to
/// another organisation (Art. 20(1)(a)); data kept under other bases is
/// left out. Audited as `subject.export`.
#[utoipa::path(get, path = "/v1/subjects/{id}/portable", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"), PortableFormatQuery),
    responses((status = 200, description = "The export", content(
        (Portable = "application/json"),
        (String = "text/csv"))), Errors))]
async fn portable(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<PortableFormatQuery>,
) -> Result<Response, ApiError> {
    let format = format(query.format.as_deref(), PORTABLE_FORMATS)?;
    let _slot = answer_slot(&state).await?;
    let data = state.engine.portable_data(&who, SubjectId(id)).await?;
    render_portable(data, format, id)
}

/// Corrects one record's value (Art. 16): sealed afresh under the
/// subject's key, same record id. A corrected identifier finds the subject
/// under the new value only; a blank one is refused (422), another
/// subject's is a conflict (409). Audited as `record.rectify`.
#[utoipa::path(put, path = "/v1/subjects/{id}/records/{record_id}", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"),
           ("record_id" = Uuid, Path, description = "The record's id")),
    request_body = Rectification,
    responses((status = 204, description = "Rectified"), Errors))]
async fn rectify_record(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath((id, record)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<Rectification>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .rectify_record(&who, SubjectId(id), RecordId(record), &body.value)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one record of the subject (and its identifier, if it is one).
/// Audited as `record.delete`.
#[utoipa::path(delete, path = "/v1/subjects/{id}/records/{record_id}", tag = "rights", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"),
           ("record_id" = Uuid, Path, description = "The record's id")),
    responses((status = 204, description = "Deleted"), Errors))]
async fn delete_record(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath((id, record)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .delete_record(&who, SubjectId(id), RecordId(record))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
