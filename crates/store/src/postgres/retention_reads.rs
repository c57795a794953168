//! The reads of retention on the PostgreSQL read pool.

use crate::error::backend;
use crate::retention_rows::{
    AggregateDb, CandidateDb, EventDb, PlanDb, StampDb, cursor_args, stamps,
};
use crate::rows::{convert, instant, micros};
use crate::sql;
use jiff::Timestamp;
use sqlx::postgres::PgPool;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{AggregateRow, Anchors, CandidateCursor, RecordStamp, StoreError};
use tutela_policy::EventName;

/// A subject's events (and the tenant's), plans and activity mark.
pub(crate) async fn subject_anchors(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Anchors, StoreError> {
    let id = subject.to_string();
    let events: Vec<EventDb> = sqlx::query_as(sql::SELECT_EVENTS_FOR)
        .bind(tenant.as_str())
        .bind(&id)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("events", &e))?;
    let plans: Vec<PlanDb> = sqlx::query_as(sql::SELECT_PLANS_OF)
        .bind(tenant.as_str())
        .bind(&id)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("plans", &e))?;
    let mark: Option<(i64,)> = sqlx::query_as(sql::SELECT_ACTIVITY_OF)
        .bind(tenant.as_str())
        .bind(&id)
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("activity", &e))?;
    Ok(Anchors {
        events: convert(events)?,
        plans: convert(plans)?,
        last_activity: mark
            .map(|(us,)| instant(us, "subject_activity.last_at"))
            .transpose()?,
    })
}

/// A live subject's record stamps, in one statement; `None` when erased
/// or gone.
pub(crate) async fn record_stamps(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
) -> Result<Option<Vec<RecordStamp>>, StoreError> {
    let rows: Vec<StampDb> = sqlx::query_as(sql::SELECT_RECORD_STAMPS)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("records", &e))?;
    stamps(rows)
}

/// Whether an event of `name` was recorded.
pub(crate) async fn event_recorded(
    pool: &PgPool,
    tenant: &TenantId,
    name: &EventName,
) -> Result<bool, StoreError> {
    let found: Option<(i32,)> = sqlx::query_as(sql::SELECT_EVENT_RECORDED)
        .bind(tenant.as_str())
        .bind(name.as_str())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("events", &e))?;
    Ok(found.is_some())
}

/// A page of sweep candidates.
pub(crate) async fn retention_candidates(
    pool: &PgPool,
    tenant: &TenantId,
    cutoff: Timestamp,
    after: Option<CandidateCursor>,
    limit: u32,
) -> Result<Vec<CandidateCursor>, StoreError> {
    let (at, subject) = cursor_args(after);
    let rows: Vec<CandidateDb> = sqlx::query_as(sql::SELECT_RETENTION_CANDIDATES)
        .bind(tenant.as_str())
        .bind(micros(cutoff))
        .bind(at)
        .bind(subject)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("records", &e))?;
    convert(rows)
}

/// Claims subjects for a sweep ([`sql::CLAIM_SWEEP_PG`]).
pub(crate) async fn claim_sweep(
    pool: &PgPool,
    tenant: &TenantId,
    subjects: &[SubjectId],
    now: Timestamp,
    until: Timestamp,
) -> Result<Vec<SubjectId>, StoreError> {
    let ids: Vec<String> = subjects.iter().map(ToString::to_string).collect();
    let rows: Vec<(String,)> = sqlx::query_as(sql::CLAIM_SWEEP_PG)
        .bind(tenant.as_str())
        .bind(ids)
        .bind(micros(now))
        .bind(micros(until))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("sweep claims", &e))?;
    rows.into_iter()
        .map(|(s,)| crate::rows::uuid(&s, "sweep_claims.subject_id").map(SubjectId))
        .collect()
}

/// Ends this sweeper's leases on `subjects` ([`sql::RELEASE_SWEEP_PG`]).
pub(crate) async fn release_sweep(
    pool: &PgPool,
    tenant: &TenantId,
    subjects: &[SubjectId],
    until: Timestamp,
) -> Result<(), StoreError> {
    let ids: Vec<String> = subjects.iter().map(ToString::to_string).collect();
    sqlx::query(sql::RELEASE_SWEEP_PG)
        .bind(tenant.as_str())
        .bind(ids)
        .bind(micros(until))
        .execute(pool)
        .await
        .map_err(|e| backend("sweep claims", &e))?;
    Ok(())
}

/// The tenant's aggregates.
pub(crate) async fn aggregates(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<AggregateRow>, StoreError> {
    let rows: Vec<AggregateDb> = sqlx::query_as(sql::SELECT_AGGREGATES)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("aggregates", &e))?;
    convert(rows)
}
