//! The reads of policy-change notices on the PostgreSQL read pool.

use crate::error::backend;
use crate::rows::uuid;
use crate::sql;
use sqlx::postgres::PgPool;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::StoreError;
use tutela_policy::CategoryId;

/// The next page of subjects to tell of `version`.
pub(crate) async fn notice_candidates(
    pool: &PgPool,
    tenant: &TenantId,
    version: u32,
    category: &CategoryId,
    limit: u32,
) -> Result<Vec<SubjectId>, StoreError> {
    let ids: Vec<(String,)> = sqlx::query_as(sql::SELECT_NOTICE_CANDIDATES)
        .bind(tenant.as_str())
        .bind(category.as_str())
        .bind(i64::from(version))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("policy notices", &e))?;
    ids.iter()
        .map(|(id,)| uuid(id, "records.subject_id").map(SubjectId))
        .collect()
}

/// How many subjects were told of `version`.
pub(crate) async fn notices_sent(
    pool: &PgPool,
    tenant: &TenantId,
    version: u32,
) -> Result<u64, StoreError> {
    let (n,): (i64,) = sqlx::query_as(sql::COUNT_POLICY_NOTICES)
        .bind(tenant.as_str())
        .bind(i64::from(version))
        .fetch_one(pool)
        .await
        .map_err(|e| backend("policy notices", &e))?;
    Ok(u64::try_from(n).unwrap_or(0))
}
