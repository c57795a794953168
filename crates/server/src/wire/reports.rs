//! Wire types for reports over identified data (counts, rankings, group
//! totals) and the anonymised export's query.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /v1/reports/{purpose}/counts` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountsQuery {
    /// The category whose records are counted.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The `next` of the previous page; absent for the first.
    #[param(format = Uuid, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub after: Option<String>,
    /// Most lines on the page: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: u32,
}

/// `GET /v1/reports/{purpose}/ranking` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// The category whose records are counted.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// How many of the top lines to return: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: u32,
}

/// `GET /v1/reports/{purpose}/totals` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TotalsQuery {
    /// The category whose records are counted.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The category whose value groups subjects (a team); the purpose
    /// must cover it, and it must differ from `category`.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub group_by: String,
}

/// `GET /v1/reports/{purpose}/export` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The recipient the export is for; the purpose must list it in
    /// `export_to`.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub recipient: String,
    /// The category whose records are counted.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub category: String,
    /// The category whose value groups subjects; absent for months only.
    #[param(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub group_by: Option<String>,
}

fn default_limit() -> u32 {
    100
}

/// One subject's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountLine {
    /// The subject's pseudonym.
    pub subject: String,
    /// Its records of the category.
    pub count: u64,
}

/// A page of per-subject counts, by subject id.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsOut {
    /// The reporting purpose.
    pub purpose: String,
    /// The category counted.
    pub category: String,
    /// The subjects on this page.
    pub lines: Vec<CountLine>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<String>,
}

/// One line of a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankLine {
    /// 1 for the highest count; equal counts share a rank and the next
    /// rank skips (standard competition ranking, "1224").
    pub rank: u64,
    /// The subject's pseudonym.
    pub subject: String,
    /// Its records of the category.
    pub count: u64,
}

/// A ranking of every subject the purpose may use now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    /// The reporting purpose.
    pub purpose: String,
    /// The category counted.
    pub category: String,
    /// How many subjects were ranked in all.
    pub subjects: u64,
    /// The top lines.
    pub lines: Vec<RankLine>,
}

/// One group's total.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupLine {
    /// The group value; null for subjects with none.
    pub group: Option<String>,
    /// How many subjects.
    pub subjects: u64,
    /// How many records of the category they hold.
    pub count: u64,
}

/// Totals per group value.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsOut {
    /// The reporting purpose.
    pub purpose: String,
    /// The category counted.
    pub category: String,
    /// The grouping category.
    pub group_by: String,
    /// How many subjects were included in all.
    pub subjects: u64,
    /// How many records they hold in all.
    pub count: u64,
    /// One line per group value, no value first.
    pub groups: Vec<GroupLine>,
}
