//! Extractors that turn every malformed request into the API's error shape
//! with a stable code. Serde's own messages can quote the offending value,
//! which may be personal, so they are reduced to the field's path and what
//! was expected before they reach a client; they never reach the log.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON body: `application/json`, within the body limit, well formed, and
/// matching the request type exactly.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "E_UNSUPPORTED_MEDIA_TYPE",
                "send the body as JSON with 'Content-Type: application/json'",
            ));
        }
        if !req
            .headers()
            .get_all(header::CONTENT_ENCODING)
            .iter()
            .all(is_identity)
        {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "E_UNSUPPORTED_MEDIA_TYPE",
                "send the body uncompressed: this server accepts no 'Content-Encoding' other than identity",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "E_BODY_TOO_LARGE",
                    "the request body is larger than this server accepts",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "E_BAD_REQUEST",
                    "the request body could not be read",
                )
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A `Content-Encoding` of `identity`: a compressed body is never
/// inflated (no decompression bomb), so it is refused by name rather than
/// read as malformed JSON, and a plain body labelled compressed is not
/// taken as if the label were absent. Every such header counts: two
/// headers, `gzip` in the second, are refused as one `identity, gzip` is.
fn is_identity(value: &axum::http::HeaderValue) -> bool {
    value.to_str().is_ok_and(|t| {
        t.split(',')
            .all(|e| e.trim().eq_ignore_ascii_case("identity"))
    })
}

fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document into `T`, with errors that name the field but
/// never quote a value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every request body is an object; serde would also build a struct
    // from an array of its fields in order, which no client means.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Err(err) if !err.is_data() => json_error(".", &err),
                _ => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "E_INVALID_FIELD",
                    "body must be a JSON object",
                ),
            },
        );
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| json_error(&safe_path(err.path()), err.inner()))?;
    de.end().map_err(|err| json_error(".", &err))?;
    Ok(value)
}

fn json_error(path: &str, err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_BAD_JSON",
            format!(
                "the body is not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            ),
        ),
        Category::Data => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E_INVALID_FIELD",
            field_message(path, &describe_data_error(&err.to_string())),
        ),
    }
}

/// `path: what`, or for the body as a whole `body what` (`body must be a
/// JSON object`) and, for a missing or unknown top-level field, `what` alone.
fn field_message(path: &str, what: &str) -> String {
    // The path of an unknown field ends with that field: name its parent.
    let keyed = what.starts_with("unknown field") || what.starts_with("duplicate field");
    let path = match keyed {
        true => path.rsplit_once('.').map_or(".", |(parent, _)| parent),
        false => path,
    };
    // A duplicate top-level key is reported at the body (`.`), whose
    // parent is empty: that is the body too.
    let path = if path.is_empty() { "." } else { path };
    let named = keyed || what.starts_with("missing field");
    match (path, named) {
        (".", true) => what.to_owned(),
        (".", false) => format!("body {what}"),
        _ => format!("{path}: {what}"),
    }
}

/// The path to a field (`records[0].value`), with any key that does not
/// look like a field name replaced by `?`: keys come from the client too.
fn safe_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(if is_plain_name(key) { key } else { "?" });
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// Whether a client-supplied key looks like a field name and may be echoed.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Rewrites serde's data error message into the API's words: which field is
/// missing or unknown, or what a field must be. It never repeats a value, and
/// unknown field names are echoed only when they look like field names.
fn describe_data_error(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or_default();
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("missing field '{name}'");
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return if is_plain_name(name) {
            format!("duplicate field '{name}'")
        } else {
            "duplicate field".to_owned()
        };
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return if is_plain_name(name) {
            format!("unknown field '{name}'")
        } else {
            "unknown field".to_owned()
        };
    }
    if message.starts_with("must ") {
        // Our own bounds (`must have at most 100 items`) are already in words.
        return message.to_owned();
    }
    match message.rsplit_once("expected ") {
        Some((_, expected)) => describe_expected(expected),
        None if message.contains("digit") || message.contains("number too") => {
            "must be a whole number in range".to_owned()
        }
        None => "has an invalid value".to_owned(),
    }
}

/// What serde expected, said in JSON's terms rather than Rust's.
fn describe_expected(expected: &str) -> String {
    let expected = expected.trim();
    if let Some(list) = expected.strip_prefix("one of ") {
        let names: Vec<String> = list
            .split(", ")
            .map(|n| format!("'{}'", n.trim_matches('`')))
            .collect();
        return format!("must be one of {}", names.join(", "));
    }
    let what = match expected {
        e if e.starts_with("struct ") || e.contains("map") || e.contains("object") => {
            "a JSON object"
        }
        e if e.contains("sequence") || e.contains("array") || e.contains("list") => "an array",
        e if e.contains("string") => "a string",
        e if e.contains("bool") => return "must be true or false".to_owned(),
        e if e.starts_with('u') || e.contains("unsigned") => "a whole number, 0 or more",
        e if e.starts_with('i') || e.contains("integer") => "a whole number",
        e if e.starts_with('f') || e.contains("float") => "a number",
        _ => return "has an invalid value".to_owned(),
    };
    format!("must be {what}")
}

/// Path parameters (ids): a malformed one is `400 E_INVALID_ID`.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "E_INVALID_ID",
                    "the id in the path is not a valid UUID",
                )
            })
    }
}

/// Query parameters: a malformed query is `400 E_INVALID_QUERY`, naming the
/// parameter and never repeating its value.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// Parses a query string into `T`, with errors that name the parameter.
/// A parameter given twice is refused by name: which of the two was
/// meant cannot be known.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    if let Some(name) = repeated_name(pairs) {
        let name = if is_plain_name(&name) {
            name
        } else {
            "a parameter".to_owned()
        };
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("{name}: given more than once"),
        ));
    }
    let de = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = safe_path(err.path());
        let what = describe_data_error(&err.inner().to_string());
        let message = match path.as_str() {
            "." => what,
            name => format!("{name}: {what}"),
        };
        ApiError::new(StatusCode::BAD_REQUEST, "E_INVALID_QUERY", message)
    })
}

/// The first parameter name that occurs twice in a query.
fn repeated_name(pairs: form_urlencoded::Parse<'_>) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    pairs
        .map(|(name, _)| name.into_owned())
        .find(|name| !seen.insert(name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn a_parameter_given_twice_is_named() {
        let err = parse_query::<Probe>("name=a&count=1&count=2").unwrap_err();
        assert_eq!(err.code(), "E_INVALID_QUERY");
        assert!(format!("{err:?}").contains("count: given more than once"));
        let err =
            parse_query::<Probe>("name=a&count=1&alice%40example.com=1&alice%40example.com=2")
                .unwrap_err();
        assert!(!format!("{err:?}").contains("alice"));
        assert!(parse_query::<Probe>("name=a&count=1").is_ok());
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Probe {
        name: String,
        count: u32,
    }

    #[test]
    fn json_errors_name_the_field_and_never_the_value() {
        let err =
            parse_json::<Probe>(br#"{"name": "alice@example.com", "count": "alice@example.com"}"#)
                .unwrap_err();
        assert_eq!(err.code(), "E_INVALID_FIELD");
        let text = format!("{err:?}");
        assert!(text.contains("count"), "{text}");
        assert!(!text.contains("alice"), "{text}");

        let err = parse_json::<Probe>(br#"{"name": "x"}"#).unwrap_err();
        assert!(format!("{err:?}").contains("missing field 'count'"));

        let err = parse_json::<Probe>(br#"{"name": "x", "count": 1, "extra": 1}"#).unwrap_err();
        assert!(format!("{err:?}").contains("unknown field 'extra'"));

        let err = parse_json::<Probe>(br#"{"name": "x", "count": 1, "count": 2}"#).unwrap_err();
        assert_eq!(err.code(), "E_INVALID_FIELD");
        assert!(
            format!("{err:?}").contains("duplicate field 'count'"),
            "{err:?}"
        );
        // Named without an empty path in front (an outside probe saw
        // ": duplicate field").
        assert!(!format!("{err:?}").contains(": duplicate"), "{err:?}");

        let err = parse_json::<Probe>(br#"{"name": "x", "count": 1, "alice@example.com": 1}"#)
            .unwrap_err();
        assert!(!format!("{err:?}").contains("alice"));

        let err = parse_json::<Probe>(br#"{"name": "#).unwrap_err();
        assert_eq!(err.code(), "E_BAD_JSON");
        let err = parse_json::<Probe>(br#"{"name": "x", "count": 1} trailing"#).unwrap_err();
        assert_eq!(err.code(), "E_BAD_JSON");
    }

    #[test]
    fn content_types_are_checked() {
        use axum::http::HeaderValue;
        assert!(is_json(Some(&HeaderValue::from_static("application/json"))));
        assert!(is_json(Some(&HeaderValue::from_static(
            "Application/JSON; charset=utf-8"
        ))));
        assert!(is_json(Some(&HeaderValue::from_static(
            "application/problem+json"
        ))));
        assert!(!is_json(Some(&HeaderValue::from_static("text/plain"))));
        assert!(!is_json(None));
    }
}
