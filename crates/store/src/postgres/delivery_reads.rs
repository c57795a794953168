//! The reads of notices and endpoints on the PostgreSQL pool, and the
//! claim: one statement (its own short transaction) that locks the due
//! rows with `FOR UPDATE SKIP LOCKED` and sets their lease.

use crate::delivery_rows::{DeliveryDb, EndpointDb};
use crate::error::backend;
use crate::rows::{convert, micros};
use crate::sql;
use jiff::Timestamp;
use sqlx::postgres::PgPool;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow};
use tutela_engine::ids::TenantId;
use tutela_engine::store::StoreError;

/// The tenant's endpoints.
pub(crate) async fn endpoints(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<EndpointRow>, StoreError> {
    let rows: Vec<EndpointDb> = sqlx::query_as(sql::SELECT_ENDPOINTS)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("recipient_endpoints", &e))?;
    convert(rows)
}

/// The tenant's notices as filtered.
pub(crate) async fn deliveries(
    pool: &PgPool,
    tenant: &TenantId,
    filter: DeliveryFilter,
    limit: u32,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let state = filter.state.map_or("", |s| s.as_str());
    let request = filter.request.map(|r| r.to_string()).unwrap_or_default();
    let rows: Vec<DeliveryDb> = sqlx::query_as(sql::SELECT_DELIVERIES)
        .bind(tenant.as_str())
        .bind(state)
        .bind(request)
        .bind(i64::from(limit))
        .bind(filter.before.map(|d| d.to_string()).unwrap_or_default())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("deliveries", &e))?;
    convert(rows)
}

/// Claims due notices whose lease lapsed (see [`sql::CLAIM_DELIVERIES_PG`]).
pub(crate) async fn claim(
    pool: &PgPool,
    tenant: &TenantId,
    now: Timestamp,
    until: Timestamp,
    limit: u32,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows: Vec<DeliveryDb> = sqlx::query_as(sql::CLAIM_DELIVERIES_PG)
        .bind(tenant.as_str())
        .bind(micros(now))
        .bind(micros(until))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("deliveries", &e))?;
    convert(rows)
}
