//! Reports over identified data for a reporting purpose, and the
//! anonymised export. Whoever the purpose may not use now (objection,
//! withdrawn consent, restriction, erasure) is in no report; each subject
//! included gets a `report.use` entry in their access log.

use super::query_field;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiPath, ApiQuery};
use crate::openapi::Errors;
use crate::wire::{
    CountLine, CountsOut, CountsQuery, ExportQuery, GroupLine, RankLine, RankingOut, RankingQuery,
    TotalsOut, TotalsQuery,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tutela_engine::ids::SubjectId;
use tutela_engine::reports::{MAX_REPORT_LINES, ReportQuery};
use tutela_policy::{CategoryId, PurposeId, RecipientId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(counts))
        .routes(routes!(ranking))
        .routes(routes!(totals))
        .routes(routes!(export))
}

fn purpose_of(text: &str) -> Result<PurposeId, ApiError> {
    query_field("purpose", text, PurposeId::parse)
}

/// Refuses a line limit outside 1..=[`MAX_REPORT_LINES`] (`400 E_INVALID_QUERY`).
fn limit_of(limit: u32) -> Result<u32, ApiError> {
    if (1..=MAX_REPORT_LINES).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "E_INVALID_QUERY",
            format!("limit: must be from 1 to {MAX_REPORT_LINES}"),
        ))
    }
}

fn category_of(name: &str, text: &str) -> Result<CategoryId, ApiError> {
    query_field(name, text, CategoryId::parse)
}

/// Per-subject counts of `category` for a reporting purpose, a page at a
/// time by subject id. Subjects the purpose may not use now are left out.
#[utoipa::path(get, path = "/v1/reports/{purpose}/counts", tag = "reports", security(("bearer" = [])),
    params(("purpose" = String, Path, description = "A purpose declared with `reporting = true`", pattern = "^[a-z][a-z0-9_]{0,63}$"), CountsQuery),
    responses((status = 200, description = "A page of counts", body = CountsOut), Errors))]
async fn counts(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(purpose): ApiPath<String>,
    ApiQuery(query): ApiQuery<CountsQuery>,
) -> Result<Json<CountsOut>, ApiError> {
    let purpose = purpose_of(&purpose)?;
    let category = category_of("category", &query.category)?;
    let limit = limit_of(query.limit)?;
    let after = query
        .after
        .as_deref()
        .map(|a| query_field("after", a, SubjectId::parse))
        .transpose()?;
    let page = state
        .engine
        .report_counts(&who, &purpose, category.clone(), after, limit)
        .await?;
    Ok(Json(CountsOut {
        purpose: purpose.to_string(),
        category: category.to_string(),
        lines: page
            .lines
            .into_iter()
            .map(|l| CountLine {
                subject: l.subject.to_string(),
                count: l.count,
            })
            .collect(),
        next: page.next.map(|n| n.to_string()),
    }))
}

/// Every subject the reporting purpose may use now, ranked by its count
/// of `category` (standard competition ranking: ties share a rank, the
/// next rank skips); the top `limit` lines.
#[utoipa::path(get, path = "/v1/reports/{purpose}/ranking", tag = "reports", security(("bearer" = [])),
    params(("purpose" = String, Path, description = "A purpose declared with `reporting = true`", pattern = "^[a-z][a-z0-9_]{0,63}$"), RankingQuery),
    responses((status = 200, description = "The ranking", body = RankingOut), Errors))]
async fn ranking(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(purpose): ApiPath<String>,
    ApiQuery(query): ApiQuery<RankingQuery>,
) -> Result<Json<RankingOut>, ApiError> {
    let purpose = purpose_of(&purpose)?;
    let category = category_of("category", &query.category)?;
    let limit = limit_of(query.limit)?;
    let r = state
        .engine
        .report_ranking(&who, &purpose, category.clone(), limit)
        .await?;
    Ok(Json(RankingOut {
        purpose: purpose.to_string(),
        category: category.to_string(),
        subjects: r.subjects,
        lines: r
            .lines
            .into_iter()
            .map(|l| RankLine {
                rank: l.rank,
                subject: l.subject.to_string(),
                count: l.count,
            })
            .collect(),
    }))
}

/// Totals of `category` per value of `group_by` (a team), over every
/// subject the reporting purpose may use now.
#[utoipa::path(get, path = "/v1/reports/{purpose}/totals", tag = "reports", security(("bearer" = [])),
    params(("purpose" = String, Path, description = "A purpose declared with `reporting = true`", pattern = "^[a-z][a-z0-9_]{0,63}$"), TotalsQuery),
    responses((status = 200, description = "Totals per group", body = TotalsOut), Errors))]
async fn totals(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(purpose): ApiPath<String>,
    ApiQuery(query): ApiQuery<TotalsQuery>,
) -> Result<Json<TotalsOut>, ApiError> {
    let purpose = purpose_of(&purpose)?;
    let report = ReportQuery {
        category: category_of("category", &query.category)?,
        group_by: Some(category_of("group_by", &query.group_by)?),
    };
    let t = state.engine.report_totals(&who, &purpose, &report).await?;
    Ok(Json(TotalsOut {
        purpose: purpose.to_string(),
        category: report.category.to_string(),
        group_by: query.group_by,
        subjects: t.subjects,
        count: t.count,
        groups: t
            .groups
            .into_iter()
            .map(|g| GroupLine {
                group: g.group,
                subjects: g.subjects,
                count: g.count,
            })
            .collect(),
    }))
}

/// The anonymised export for a recipient the reporting purpose lists in
/// `export_to`: CSV (UTF-8 with BOM, formula-guarded) with columns
/// `category, table, row, key, subjects, records, status`, no identifier,
/// groups with fewer people than `anonymity.min_group_size` withheld, and
/// whatever would reveal one by subtraction withheld too; a withheld
/// group's value is never printed (one keyless `withheld` row per reason).
/// Audited as a disclosure to the recipient; any other recipient is refused
/// (`403 E_EXPORT_RECIPIENT_NOT_LISTED`, audited), and so is grouping by an
/// identifier category (`400 E_GROUP_BY_IDENTIFIER`).
#[utoipa::path(get, path = "/v1/reports/{purpose}/export", tag = "reports", security(("bearer" = [])),
    params(("purpose" = String, Path, description = "A purpose declared with `reporting = true`", pattern = "^[a-z][a-z0-9_]{0,63}$"), ExportQuery),
    responses((status = 200, description = "The anonymised export", content((String = "text/csv"))), Errors))]
async fn export(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(purpose): ApiPath<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let purpose = purpose_of(&purpose)?;
    let recipient = query_field("recipient", &query.recipient, RecipientId::parse)?;
    let report = ReportQuery {
        category: category_of("category", &query.category)?,
        group_by: query
            .group_by
            .as_deref()
            .map(|g| category_of("group_by", g))
            .transpose()?,
    };
    let out = state
        .engine
        .report_export(&who, &purpose, &recipient, &report)
        .await?;
    let mut response = out.csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{purpose}-{recipient}.csv\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
