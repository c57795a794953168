//! The OpenAPI document: the info block, the bearer security scheme, the
//! error schema and the error responses every protected route can give.
//! Paths are added by `utoipa-axum` from each handler's `#[utoipa::path]`,
//! so the document cannot drift from the router.

use crate::error::{ErrorBody, ErrorDetail};
use crate::wire::Diagnostic;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tutela",
        description = "A privacy engine: personal data stored encrypted per person and used only as the tenant's policy allows. \
Every error is `{\"error\": {\"code\", \"message\"}}` with a stable code.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, ErrorDetail, Diagnostic)),
    tags(
        (name = "operations", description = "Health, readiness and this document. Prometheus metrics are served on a separate address (`metrics_listen`), never here."),
        (name = "tenants", description = "Tenants (controllers) and their first admin key."),
        (name = "keys", description = "API keys: one tenant, one role, optionally a purpose scope."),
        (name = "policy", description = "The tenant's privacy policy, its versions and notice."),
        (name = "subjects", description = "Data subjects, lookup by identifier, restriction and erasure."),
        (name = "records", description = "Personal data: written for a purpose, read and disclosed only as the policy allows."),
        (name = "rights", description = "Consent, objection and the subject's own access."),
        (name = "requests", description = "Data subject requests: filing, identity check, due dates, refusal and fulfilment."),
        (name = "audit", description = "The tamper-evident audit chain."),
        (name = "retention", description = "Lifecycle events and plan changes that start retention periods, the forecast of what the sweep will remove, and anonymised aggregates (Art. 5(1)(e))."),
        (name = "reports", description = "Reports over identified data for a reporting purpose (counts, rankings, group totals) that leave out everyone the purpose may not use now, and anonymised aggregate exports to a recipient the policy lists (Art. 21, Recital 26, Art. 89)."),
        (name = "surveys", description = "Anonymous team surveys: answered with a one-time token alone, stored with no link to the respondent, results withheld for small groups and against subtraction (Recital 26, Art. 25)."),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme that protected routes refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tutela.<tenant>.<secret>")
                    .description(Some(
                        "An API key issued by `POST /v1/keys` or `tutela keys create`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The error answers any authenticated route can give, listed once.
#[derive(IntoResponses)]
#[allow(dead_code)] // never built: only its type describes responses
pub enum Errors {
    /// Malformed request: bad JSON, a bad id or query, or an undeclared category.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Missing, unknown or revoked API key.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// Refused by the policy, a consent, an objection, a restriction or the key's scope (and audited).
    #[response(status = 403)]
    Denied(ErrorBody),
    /// No such subject, key or policy in this tenant.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Clashes with what exists (an identifier, an erased subject).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than the server accepts.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// A field has the wrong type, is missing or unknown; or the policy is invalid.
    #[response(status = 422)]
    InvalidField(ErrorBody),
    /// Our fault; the details are in the server log only.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// `E_LEDGER_UNAVAILABLE`: the change erases or exercises a right, and
    /// the erasure ledger could not record it; nothing was changed, try
    /// again later.
    #[response(status = 503)]
    LedgerUnavailable(ErrorBody),
}

/// The error answers of the request routes: [`Errors`] plus 429.
#[derive(IntoResponses)]
#[allow(dead_code)] // never built: only its type describes responses
pub enum RequestErrors {
    /// Malformed request: bad JSON, a bad id or query.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Missing, unknown or revoked API key.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The key's role or scope does not allow this (audited).
    #[response(status = 403)]
    Denied(ErrorBody),
    /// No such request or subject in this tenant.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Not allowed in the request's state (`E_INVALID_TRANSITION`, `E_NOT_VERIFIED`, `E_CODE_EXPIRED`, ...).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than the server accepts.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// A field is missing, empty or malformed, or the code is wrong (`E_WRONG_CODE`).
    #[response(status = 422)]
    InvalidField(ErrorBody),
    /// Too many wrong codes (`E_CODE_LOCKED`) or codes sent too often (`E_CODE_RATE_LIMITED`).
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// Our fault; the details are in the server log only.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// `E_LEDGER_UNAVAILABLE`: the change erases or exercises a right, and
    /// the erasure ledger could not record it; nothing was changed, try
    /// again later.
    #[response(status = 503)]
    LedgerUnavailable(ErrorBody),
}
