//! The HTTP routes, one module per feature. Each handler authenticates,
//! parses its input at the edge into the engine's id types, calls one engine
//! operation and converts the result into a wire type.

pub mod access;
pub mod audit;
pub mod banner;
pub mod checkpoints;
pub mod consents;
pub mod deaths;
pub mod keys;
pub mod notice;
pub mod ops;
pub mod policy;
pub mod policy_diff;
pub mod recipients;
pub mod records;
pub mod reports;
pub mod requests;
pub mod retention;
pub mod rights;
pub mod subjects;
pub mod surveys;
pub mod tenants;

use crate::error::ApiError;

/// Why an id did not parse, in words that never repeat the text given: a
/// client may send anything in the wrong field, even a personal value.
pub(crate) trait Explain {
    /// The explanation.
    fn explain(&self) -> String;
}

impl Explain for tutela_policy::IdError {
    fn explain(&self) -> String {
        let kind = self.kind();
        format!("not a valid {kind}: expected {}", kind.syntax())
    }
}

impl Explain for tutela_engine::ids::IdError {
    fn explain(&self) -> String {
        // Engine id errors never echo their input.
        self.to_string()
    }
}

/// Parses one body field into an engine or policy id type, naming the field
/// when it does not parse (`422 E_INVALID_FIELD`).
pub(crate) fn field<T, E: Explain>(
    name: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    parse(text).map_err(|e| ApiError::invalid_field(name, &e.explain()))
}

/// Parses a list field element by element, naming the failing position.
pub(crate) fn fields<T, E: Explain>(
    name: &str,
    texts: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, ApiError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| field(&format!("{name}[{i}]"), t, &parse))
        .collect()
}

/// Parses one query parameter; a bad one is `400 E_INVALID_QUERY`.
pub(crate) fn query_field<T, E: Explain>(
    name: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    parse(text).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("{name}: {}", e.explain()),
        )
    })
}
