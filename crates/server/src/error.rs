//! The one error shape every failure takes on the wire:
//! `{"error": {"code": "E_...", "message": "...", "diagnostics": [...]}}`.
//! Engine errors keep their stable codes and get a status from their
//! [`ErrorKind`]; failures that are our fault become a bare "internal error"
//! for the client while the cause chain goes to the log.

use crate::wire::Diagnostic;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;
use tutela_engine::{EngineError, ErrorKind};
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A stable code for programs, a message for people, and for policy errors
/// every problem found with its position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, part of the API contract (`E_PURPOSE_NOT_DECLARED`, ...).
    #[schema(example = "E_PURPOSE_NOT_DECLARED")]
    pub code: String,
    /// What is wrong and how to fix it. Never holds a personal value.
    pub message: String,
    /// For `E_POLICY_INVALID`: every problem in the policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<Diagnostic>>,
}

/// A failed request, ready to become a response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    diagnostics: Option<Vec<Diagnostic>>,
}

/// Marks a response as a refusal (by policy, scope or credentials), so the
/// metrics layer can count denials by code without parsing bodies.
#[derive(Debug, Clone, Copy)]
pub struct Denial(pub &'static str);

impl ApiError {
    /// An error with an explicit status, code and message.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            diagnostics: None,
        }
    }

    /// `422 E_INVALID_FIELD`: one field of the request has the wrong type,
    /// is missing or unknown, or does not parse.
    pub fn invalid_field(field: &str, message: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "E_INVALID_FIELD",
            format!("{field}: {message}"),
        )
    }

    /// 401 without (valid) credentials.
    pub fn unauthenticated(message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "E_UNAUTHENTICATED", message)
    }

    /// 500 for failures that are ours. The cause is logged here, once, and
    /// the client learns nothing about it.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %chain(cause), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E_INTERNAL",
            "internal error",
        )
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// `error: cause: cause`, for the log.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        let status = match err.kind() {
            ErrorKind::BadRequest if matches!(err, EngineError::PolicyInvalid(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::InvalidField => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Denied => StatusCode::FORBIDDEN,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::BadGateway => StatusCode::BAD_GATEWAY,
            ErrorKind::Unavailable => {
                // The cause (a path, an OS error) is for the operator only.
                tracing::error!(error = %chain(&err), "a change was refused: {}", err.code());
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorKind::Internal => return Self::internal(&err),
        };
        let diagnostics = match &err {
            EngineError::PolicyInvalid(found) => Some(found.iter().map(Diagnostic::from).collect()),
            _ => None,
        };
        Self {
            status,
            code: err.code(),
            message: err.to_string().into(),
            diagnostics,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let denied = matches!(
            self.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        );
        let unauthenticated = self.status == StatusCode::UNAUTHORIZED;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.into_owned(),
                diagnostics: self.diagnostics,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if unauthenticated {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if denied {
            response.extensions_mut().insert(Denial(self.code));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_kinds_map_to_statuses() {
        let cases = [
            (EngineError::NoPolicy, StatusCode::NOT_FOUND),
            (EngineError::TenantExists, StatusCode::CONFLICT),
            (EngineError::Unauthenticated, StatusCode::UNAUTHORIZED),
            (EngineError::Restricted, StatusCode::FORBIDDEN),
            (
                EngineError::PolicyInvalid(Vec::new()),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                EngineError::CategoryNotDeclared("x".into()),
                StatusCode::BAD_REQUEST,
            ),
            (EngineError::Unreadable, StatusCode::INTERNAL_SERVER_ERROR),
            // Authorization boundaries (operator/tenant, purpose scope).
            (EngineError::OtherTenant, StatusCode::FORBIDDEN),
            (
                EngineError::UnscopedKeyRequired("read the audit chain"),
                StatusCode::FORBIDDEN,
            ),
            (EngineError::KeyBeyondScope("wider"), StatusCode::FORBIDDEN),
            (
                EngineError::MasterKeyMismatch,
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (
                EngineError::TooManyCategories { asked: 9, max: 8 },
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (err, status) in cases {
            let code = err.code();
            let api = ApiError::from(err);
            assert_eq!(api.status(), status, "{code}");
        }
    }

    /// A change refused because its ledger lines could not be written is
    /// a 503 with its own code, so a client knows to retry and that
    /// nothing changed; the cause (a path, an OS error) stays in the log.
    /// Before, it was a bare 500 `E_INTERNAL` (found by an outside probe).
    #[test]
    fn an_unwritable_ledger_is_a_503_that_names_itself_and_not_its_cause() {
        let err = EngineError::LedgerUnavailable(std::io::Error::other("/srv/tutela: disk full"));
        let api = ApiError::from(err);
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.code(), "E_LEDGER_UNAVAILABLE");
        assert!(!api.message.contains("disk"), "{}", api.message);
        assert!(!api.message.contains("/srv"), "{}", api.message);
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let api = ApiError::from(EngineError::Unreadable);
        assert_eq!(api.code(), "E_INTERNAL");
        assert_eq!(api.message, "internal error");
    }

    #[test]
    fn unauthenticated_responses_ask_for_a_bearer_token() {
        let response = ApiError::from(EngineError::Unauthenticated).into_response();
        assert_eq!(
            response
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(HeaderValue::as_bytes),
            Some(&b"Bearer"[..])
        );
        assert!(response.extensions().get::<Denial>().is_some());
    }
}
