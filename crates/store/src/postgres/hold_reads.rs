//! The reads of statutory holds on the PostgreSQL read pool.

use crate::error::backend;
use crate::hold_rows::{HeldDb, HoldDb};
use crate::rows::{convert, micros};
use crate::sql;
use jiff::Timestamp;
use sqlx::postgres::PgPool;
use tutela_engine::holds::{HeldRecordRow, SubjectHolds};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::StoreError;

/// An erased subject's holds and held records.
pub(crate) async fn subject_holds(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<SubjectHolds, StoreError> {
    let holds: Vec<HoldDb> = sqlx::query_as(sql::SELECT_HOLDS_OF)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("holds", &e))?;
    let records: Vec<HeldDb> = sqlx::query_as(sql::SELECT_HELD_OF)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("held records", &e))?;
    Ok(SubjectHolds {
        holds: convert(holds)?,
        records: convert(records)?,
    })
}

/// Whether the tenant holds records of `category`.
pub(crate) async fn category_held(
    pool: &PgPool,
    tenant: &TenantId,
    category: &str,
) -> Result<bool, StoreError> {
    let (held,): (i64,) = sqlx::query_as(sql::SELECT_CATEGORY_HELD)
        .bind(tenant.as_str())
        .bind(category)
        .fetch_one(pool)
        .await
        .map_err(|e| backend("held records", &e))?;
    Ok(held > 0)
}

/// The tenant's held records due before `before`.
pub(crate) async fn holds_due(
    pool: &PgPool,
    tenant: &TenantId,
    before: Timestamp,
    limit: u32,
) -> Result<Vec<HeldRecordRow>, StoreError> {
    let rows: Vec<HeldDb> = sqlx::query_as(sql::SELECT_HOLDS_DUE)
        .bind(tenant.as_str())
        .bind(micros(before))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("held records", &e))?;
    convert(rows)
}
