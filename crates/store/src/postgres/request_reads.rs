//! The reads of data subject requests on the PostgreSQL read pool.

use crate::error::backend;
use crate::request_rows::{DeathDb, RequestDb};
use crate::rows::{convert, micros};
use crate::sql;
use sqlx::postgres::PgPool;
use tutela_engine::death::DeathRow;
use tutela_engine::ids::{RequestId, SubjectId, TenantId};
use tutela_engine::requests::{RequestCursor, RequestFilter, RequestRow};
use tutela_engine::store::StoreError;

/// One request.
pub(crate) async fn request(
    pool: &PgPool,
    tenant: &TenantId,
    id: RequestId,
) -> Result<Option<RequestRow>, StoreError> {
    let row: Option<RequestDb> = sqlx::query_as(sql::SELECT_REQUEST)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("requests", &e))?;
    row.map(RequestRow::try_from).transpose()
}

/// A subject's open requests.
pub(crate) async fn open_requests_of(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Vec<RequestRow>, StoreError> {
    of_subject(pool, sql::SELECT_OPEN_REQUESTS_OF, tenant, subject).await
}

/// The requests `statement` selects for one subject (`$1` tenant, `$2`
/// subject).
async fn of_subject(
    pool: &PgPool,
    statement: &'static str,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Vec<RequestRow>, StoreError> {
    let rows: Vec<RequestDb> = sqlx::query_as(statement)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("requests", &e))?;
    convert(rows)
}

/// A page of the queue.
pub(crate) async fn requests(
    pool: &PgPool,
    tenant: &TenantId,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    limit: u32,
) -> Result<Vec<RequestRow>, StoreError> {
    let state = filter.state.map_or("", |s| s.as_str());
    let (overdue, before) = filter.due_before.map_or((0_i64, 0), |t| (1, micros(t)));
    let (due, id) = after.map_or((i64::MIN, String::new()), |c| {
        (micros(c.due), c.id.to_string())
    });
    let (text, subject, kind) = sql::requests_listing(&filter);
    let rows: Vec<RequestDb> = sqlx::query_as(text)
        .bind(tenant.as_str())
        .bind(state)
        .bind(overdue)
        .bind(before)
        .bind(due)
        .bind(id)
        .bind(i64::from(limit))
        .bind(subject)
        .bind(kind)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("requests", &e))?;
    convert(rows)
}

/// A subject's registered directives.
pub(crate) async fn directives_of(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Vec<RequestRow>, StoreError> {
    of_subject(pool, sql::SELECT_DIRECTIVES_OF, tenant, subject).await
}

/// A subject's recorded death.
pub(crate) async fn death_of(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Option<DeathRow>, StoreError> {
    let row: Option<DeathDb> = sqlx::query_as(sql::SELECT_DEATH)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("deaths", &e))?;
    row.map(DeathRow::try_from).transpose()
}
