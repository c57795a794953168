//! Query of the record of processing route.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// `?format=`, `?table=` and `?version=` of `GET /v1/policy/record`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecordQuery {
    /// A published version number, from 1; absent means the version in force.
    #[param(minimum = 1)]
    pub version: Option<u32>,
    /// `json` (default): the whole record; `csv`: one table.
    #[param(inline)]
    pub format: Option<RecordFormat>,
    /// With `format=csv`: `activities` (default) or `processors`.
    #[param(inline)]
    pub table: Option<RecordTableParam>,
}

/// The record's rendering.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordFormat {
    /// The whole record as JSON.
    Json,
    /// One table as RFC 4180 CSV.
    Csv,
}

/// Which table a CSV record holds.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordTableParam {
    /// One row per purpose.
    Activities,
    /// One row per processor.
    Processors,
}
