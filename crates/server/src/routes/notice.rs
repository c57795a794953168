//! What the policy in force tells people and the regulator: the privacy
//! notice (Art. 13, 14) as Markdown or HTML by content negotiation, and the
//! record of processing activities (Art. 30(1)) as JSON or CSV. Both are
//! rendered from the very policy the engine enforces, so they cannot drift
//! from it. Any key that may read the policy may read them.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::wire::{RecordFormat, RecordQuery, RecordTableParam, VersionQuery};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tutela_policy::{NoticeFormat, RecordTable};
use utoipa::IntoResponses;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(policy_notice))
        .routes(routes!(policy_record))
}

/// The error answers of the notice: the common ones plus 406.
#[derive(IntoResponses)]
#[allow(dead_code)] // never built: only its type describes responses
enum NoticeErrors {
    /// Malformed query.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Missing, unknown or revoked API key.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The key may not read the policy.
    #[response(status = 403)]
    Denied(ErrorBody),
    /// No policy, or no such version.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// `Accept` names neither Markdown nor HTML (`E_NOT_ACCEPTABLE`).
    #[response(status = 406)]
    NotAcceptable(ErrorBody),
}

/// The privacy notice of the policy in force, or of an earlier `version`.
/// `Accept: text/html` gives a standalone accessible HTML page;
/// `text/markdown`, `text/*`, `*/*` or no `Accept` give Markdown; an
/// `Accept` that allows neither is refused with `406 E_NOT_ACCEPTABLE`.
#[utoipa::path(get, path = "/v1/policy/notice", tag = "policy", security(("bearer" = [])),
    params(VersionQuery),
    responses((status = 200, description = "The notice", content(
        (String = "text/markdown"),
        (String = "text/html"))), NoticeErrors))]
async fn policy_notice(
    State(state): State<AppState>,
    Auth(who): Auth,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> Result<Response, ApiError> {
    let accept = headers
        .get(header::ACCEPT)
        .map(|v| v.to_str().unwrap_or_default());
    let format = negotiate(accept).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "E_NOT_ACCEPTABLE",
            "the notice is served as 'text/markdown' or 'text/html'",
        )
    })?;
    let (_, parsed) = state.engine.policy(&who, query.version).await?;
    let notice = parsed
        .render_notice(format)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(text(notice, format.content_type(), None))
}

/// The record of processing activities (Art. 30(1)) of the policy in
/// force, or of an earlier `version`: `format=json` (default) the whole
/// record (activities, processors, security measures); `format=csv` one
/// table, `table=activities` (default, one row per purpose) or
/// `table=processors` (one row per processor, with country and safeguard).
#[utoipa::path(get, path = "/v1/policy/record", tag = "policy", security(("bearer" = [])),
    params(RecordQuery),
    responses((status = 200, description = "The record", content(
        (serde_json::Value = "application/json"),
        (String = "text/csv"))), NoticeErrors))]
async fn policy_record(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiQuery(query): ApiQuery<RecordQuery>,
) -> Result<Response, ApiError> {
    let (row, parsed) = state.engine.policy(&who, query.version).await?;
    let record = parsed.record();
    let internal = |e: tutela_policy::RecordError| ApiError::internal(&e);
    Ok(match query.format.unwrap_or(RecordFormat::Json) {
        RecordFormat::Json => text(
            record.to_json().map_err(internal)?,
            "application/json",
            None,
        ),
        RecordFormat::Csv => {
            let (table, name) = match query.table.unwrap_or(RecordTableParam::Activities) {
                RecordTableParam::Activities => (RecordTable::Activities, "activities"),
                RecordTableParam::Processors => (RecordTable::Processors, "processors"),
            };
            text(
                record.to_csv(table).map_err(internal)?,
                "text/csv; charset=utf-8",
                Some(format!("record-{name}-v{}.csv", row.version)),
            )
        }
    })
}

/// The notice format an `Accept` header asks for: the acceptable type with
/// the highest quality, Markdown on a tie or when the header is absent;
/// `None` when it accepts neither.
pub(crate) fn negotiate(accept: Option<&str>) -> Option<NoticeFormat> {
    let Some(accept) = accept else {
        return Some(NoticeFormat::Markdown);
    };
    // Per format, the quality of the most specific range that matches it
    // (RFC 9110 §12.5.1): `text/markdown;q=0` refuses Markdown even
    // under `*/*`.
    let (mut md, mut html): (Option<Match>, Option<Match>) = (None, None);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(quality)
            .unwrap_or(1000);
        let (for_md, for_html) = match media.as_str() {
            "text/markdown" | "text/x-markdown" => (Some(2), None),
            "text/html" => (None, Some(2)),
            "text/*" => (Some(1), Some(1)),
            "*/*" => (Some(0), Some(0)),
            _ => (None, None),
        };
        if let Some(specific) = for_md {
            md = more_specific(md, (specific, q));
        }
        if let Some(specific) = for_html {
            html = more_specific(html, (specific, q));
        }
    }
    let md = md.map(|(_, q)| q);
    let html = html.map(|(_, q)| q);
    let md = md.filter(|q| *q > 0);
    let html = html.filter(|q| *q > 0);
    match (md, html) {
        (Some(m), Some(h)) if h > m => Some(NoticeFormat::Html),
        (Some(_), _) => Some(NoticeFormat::Markdown),
        (None, Some(_)) => Some(NoticeFormat::Html),
        (None, None) => None,
    }
}

/// How specific a media range that matched was (2 exact, 1 `text/*`, 0
/// `*/*`), and its quality in thousandths.
type Match = (u8, u16);

/// The match to keep: the more specific, or on equal footing the higher
/// quality.
fn more_specific(kept: Option<Match>, new: Match) -> Option<Match> {
    match kept {
        Some(k) if k >= new => Some(k),
        _ => Some(new),
    }
}

/// A `q=` value in thousandths; `None` when it is not one (RFC 9110 §12.4.2).
fn quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    match whole {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

/// A text body with its content type, and for a download a filename.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_format() {
        let cases = [
            (None, Some(NoticeFormat::Markdown)),
            (Some("text/html"), Some(NoticeFormat::Html)),
            (Some("text/markdown"), Some(NoticeFormat::Markdown)),
            (Some("*/*"), Some(NoticeFormat::Markdown)),
            (Some("text/*"), Some(NoticeFormat::Markdown)),
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                Some(NoticeFormat::Html),
            ),
            (
                Some("text/markdown;q=0.5, text/html"),
                Some(NoticeFormat::Html),
            ),
            (
                Some("text/html;q=0.5, text/markdown"),
                Some(NoticeFormat::Markdown),
            ),
            (Some("TEXT/HTML"), Some(NoticeFormat::Html)),
            (
                Some("*/*;q=0.1, text/markdown;q=0"),
                Some(NoticeFormat::Html),
            ),
            (Some("text/markdown;q=0, */*"), Some(NoticeFormat::Html)),
            (Some("text/html;q=0, text/*"), Some(NoticeFormat::Markdown)),
            (Some("application/json"), None),
            (Some("text/html;q=0"), None),
            (Some("image/png, application/pdf"), None),
            (Some(""), None),
            (Some("text/html;q=2"), Some(NoticeFormat::Html)),
        ];
        for (accept, want) in cases {
            assert_eq!(negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn qualities_parse_per_the_rfc() {
        assert_eq!(quality("0.8"), Some(800));
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("0"), Some(0));
        assert_eq!(quality("0.0001"), None);
        assert_eq!(quality("x"), None);
        assert_eq!(quality("1.5"), None);
    }
}
