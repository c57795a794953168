//! Wire types for retention: lifecycle events, plan changes, the forecast
//! and the anonymised aggregates (counts only, never a value).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `POST /v1/events`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// An event a retention rule or hold of the policy counts from
    /// (`tenant.uninstalled`, `account.closed`).
    #[schema(pattern = "^[a-z][a-z0-9_.-]{0,63}$")]
    pub name: String,
    /// The subject it happened to; absent for the whole tenant.
    #[serde(default)]
    #[schema(format = Uuid, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    pub subject: Option<String>,
}

/// An event as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The subject, if one.
    pub subject: Option<String>,
}

/// `PUT /v1/subjects/{id}/plan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// The plan the account moves to (`free`, `pro`); any valid name,
    /// declared in the policy or not.
    #[schema(pattern = "^[a-z][a-z0-9_.-]{0,63}$")]
    pub plan: String,
}

/// `GET /v1/retention/forecast` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// How many days ahead: 0 to 3660 (default 30).
    #[serde(default = "default_days")]
    #[param(minimum = 0, maximum = 3660, default = 30)]
    pub days: u32,
}

fn default_days() -> u32 {
    30
}

/// What a sweep will do, by day, category, rule and fate.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastOut {
    /// From (now).
    pub from: String,
    /// Until.
    pub until: String,
    /// One line per (day, category, rule).
    pub lines: Vec<ForecastLineOut>,
    /// Held records whose statutory hold ends by `until`, by category.
    pub holds_ending: BTreeMap<String, u64>,
    /// Records falling due by `until` whose subject's processing is
    /// restricted, by category: a sweep leaves them until the restriction
    /// is lifted (Art. 18(2)), so they are not in `lines`.
    pub kept_restricted: BTreeMap<String, u64>,
}

/// One forecast line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastLineOut {
    /// The day (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// The category.
    pub category: String,
    /// The rule's position in the policy's `[[retention]]` list, from 0.
    pub rule: usize,
    /// The rule as written (`90 days from collected`).
    pub rule_text: String,
    /// `delete`, `anonymise`, or `hold`: a statutory hold still covers
    /// the category, so the sweep moves the records under it instead.
    pub then: String,
    /// How many records.
    pub count: u64,
}

/// The anonymised aggregates; groups below the policy's minimum size are
/// withheld.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregatesOut {
    /// Published groups.
    pub groups: Vec<AggregateOut>,
    /// How many groups were withheld as too small.
    pub suppressed: u64,
    /// The minimum group size applied.
    pub min_group_size: u32,
}

/// One aggregate group.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateOut {
    /// The category.
    pub category: String,
    /// The collection month, `YYYY-MM`.
    pub period: String,
    /// How many records were anonymised.
    pub count: u64,
}

impl From<tutela_engine::Forecast> for ForecastOut {
    fn from(f: tutela_engine::Forecast) -> Self {
        Self {
            from: f.from.to_string(),
            until: f.until.to_string(),
            lines: f
                .lines
                .into_iter()
                .map(|l| ForecastLineOut {
                    date: l.date.to_string(),
                    category: l.category.to_string(),
                    rule: l.rule,
                    rule_text: l.rule_text,
                    then: l.then.to_string(),
                    count: l.count,
                })
                .collect(),
            holds_ending: by_category(f.holds_ending),
            kept_restricted: by_category(f.kept_restricted),
        }
    }
}

fn by_category(counts: BTreeMap<tutela_policy::CategoryId, u64>) -> BTreeMap<String, u64> {
    counts
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect()
}

impl From<tutela_engine::Aggregates> for AggregatesOut {
    fn from(a: tutela_engine::Aggregates) -> Self {
        Self {
            groups: a
                .groups
                .into_iter()
                .map(|g| AggregateOut {
                    category: g.category.to_string(),
                    period: g.period,
                    count: g.count,
                })
                .collect(),
            suppressed: a.suppressed,
            min_group_size: a.min_group_size,
        }
    }
}
