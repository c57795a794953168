//! The reads of surveys on the PostgreSQL read pool, and the rewrite that
//! puts stored answers in the order of their random keys.

use crate::error::backend;
use crate::rows::convert;
use crate::sql;
use crate::survey_rows::{
    MemberDb, MembershipDb, ParticipationDb, SurveyDb, TallyDb, TextDb, survey_row, token_row,
};
use sqlx::postgres::PgPool;
use tutela_engine::ids::{SubjectId, SurveyId, TenantId};
use tutela_engine::store::StoreError;
use tutela_engine::survey::{
    MemberRow, MembershipRow, ParticipationRow, SealedTextRow, SurveyRow, TallyRow, TokenRow,
};

/// One survey.
pub(crate) async fn survey(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
) -> Result<Option<SurveyRow>, StoreError> {
    let row: Option<SurveyDb> = sqlx::query_as(sql::SELECT_SURVEY)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("surveys", &e))?;
    row.map(|r| survey_row(tenant, r)).transpose()
}

/// A survey's members.
pub(crate) async fn members(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
) -> Result<Vec<MemberRow>, StoreError> {
    let rows: Vec<MemberDb> = sqlx::query_as(sql::SELECT_SURVEY_MEMBERS)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("survey members", &e))?;
    convert(rows)
}

/// A subject's memberships, newest first.
pub(crate) async fn memberships(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
    limit: u32,
) -> Result<Vec<MembershipRow>, StoreError> {
    let rows: Vec<MembershipDb> = sqlx::query_as(sql::SELECT_SUBJECT_MEMBERSHIPS)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("survey members", &e))?;
    convert(rows)
}

/// One unspent token.
pub(crate) async fn token(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
    hash: &[u8; 32],
) -> Result<Option<TokenRow>, StoreError> {
    let team: Option<(String,)> = sqlx::query_as(sql::SELECT_SURVEY_TOKEN)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .bind(hash.as_slice())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("survey tokens", &e))?;
    team.map(|(t,)| token_row(&t, hash)).transpose()
}

/// Grouped counts.
pub(crate) async fn tallies(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
) -> Result<Vec<TallyRow>, StoreError> {
    let rows: Vec<TallyDb> = sqlx::query_as(sql::SELECT_SURVEY_TALLIES)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("survey answers", &e))?;
    convert(rows)
}

/// Sealed texts.
pub(crate) async fn texts(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
    limit: u32,
) -> Result<Vec<SealedTextRow>, StoreError> {
    let rows: Vec<TextDb> = sqlx::query_as(sql::SELECT_SURVEY_TEXTS)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("survey answers", &e))?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Issued and unspent tokens per team.
pub(crate) async fn participation(
    pool: &PgPool,
    tenant: &TenantId,
    id: SurveyId,
) -> Result<Vec<ParticipationRow>, StoreError> {
    let rows: Vec<ParticipationDb> = sqlx::query_as(sql::SELECT_SURVEY_PARTICIPATION)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("survey tokens", &e))?;
    convert(rows)
}

/// Rewrites `survey_answers` in the order of its primary key, whose last
/// column is random: the heap no longer follows insertion order, and the
/// old file, in submission order, is unlinked.
pub(crate) async fn settle(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::raw_sql("CLUSTER survey_answers USING survey_answers_pkey")
        .execute(pool)
        .await
        .map_err(|e| backend("survey answers", &e))?;
    Ok(())
}
