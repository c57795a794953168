//! Security headers on every response, errors and unknown routes included.
//! The API serves JSON only, so the content security policy allows nothing;
//! `/v1` answers can carry personal data, so no cache may keep them.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Headers every response gets.
const ALWAYS: [(HeaderName, &str); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
];

/// True for paths whose answers may carry personal data: all of the API.
fn may_carry_personal_data(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// Middleware adding the security headers to whatever the inner service
/// answered, and `Cache-Control: no-store` to every `/v1` answer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let no_store = may_carry_personal_data(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in ALWAYS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_api_paths_are_uncacheable() {
        assert!(may_carry_personal_data("/v1/subjects"));
        assert!(may_carry_personal_data("/v1"));
        assert!(!may_carry_personal_data("/v10"));
        assert!(!may_carry_personal_data("/healthz"));
    }
}
