//! Bearer-token authentication. The token (`tutela.<tenant>.<secret>`) is
//! handed to the engine as is and never logged; the tenant every later call
//! is confined to comes from the key, never from the request.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use tutela_engine::principal::Principal;

/// The authenticated caller. Handlers that take it refuse anonymous
/// requests with `401 E_UNAUTHENTICATED` before reading anything else.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut given = parts.headers.get_all(header::AUTHORIZATION).iter();
        let value = given.next().ok_or(ApiError::unauthenticated(
            "send an API key as 'Authorization: Bearer tutela.<tenant>.<secret>'",
        ))?;
        // Two credentials are ambiguous (a proxy adding its own, say):
        // which one acts is refused rather than guessed.
        if given.next().is_some() {
            return Err(ApiError::unauthenticated(
                "send one Authorization header, not several",
            ));
        }
        let token = value
            .to_str()
            .ok()
            .and_then(bearer_token)
            .ok_or(ApiError::unauthenticated(
                "the Authorization header must be 'Bearer <API key>'",
            ))?;
        let principal = state.engine.authenticate(token).await?;
        Ok(Auth(principal))
    }
}

/// The token of a `Bearer` credential (scheme case-insensitive).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_credentials_are_parsed() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
