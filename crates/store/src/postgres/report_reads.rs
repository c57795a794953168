//! The read reports page through subjects with, on the PostgreSQL read pool.

use crate::error::backend;
use crate::rows::uuid;
use crate::sql;
use sqlx::postgres::PgPool;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::StoreError;
use tutela_policy::CategoryId;

/// A page of the subjects holding a record of `category`.
pub(crate) async fn report_subjects(
    pool: &PgPool,
    tenant: &TenantId,
    category: &CategoryId,
    after: Option<SubjectId>,
    limit: u32,
) -> Result<Vec<SubjectId>, StoreError> {
    let after = after.map(|s| s.to_string()).unwrap_or_default();
    let rows: Vec<(String,)> = sqlx::query_as(sql::SELECT_REPORT_SUBJECTS)
        .bind(tenant.as_str())
        .bind(category.as_str())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("records", &e))?;
    rows.iter()
        .map(|(s,)| uuid(s, "records.subject_id").map(SubjectId))
        .collect()
}
