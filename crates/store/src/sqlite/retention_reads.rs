//! The reads of retention on a SQLite reader connection.

use super::reads::{all, one};
use crate::retention_rows::{
    AggregateDb, CandidateDb, EventDb, PlanDb, StampDb, aggregate_from_sqlite,
    candidate_from_sqlite, cursor_args, event_from_sqlite, plan_from_sqlite, stamp_from_sqlite,
    stamps,
};
use crate::rows::{convert, instant, micros};
use crate::sql;
use jiff::Timestamp;
use tutela_engine::store::{AggregateRow, Anchors, CandidateCursor, RecordStamp, StoreError};

/// A subject's events (and the tenant's), plans and activity mark.
pub(crate) fn subject_anchors(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<Anchors, StoreError> {
    let events: Vec<EventDb> = all(
        conn,
        sql::SELECT_EVENTS_FOR,
        [tenant, subject],
        "events",
        event_from_sqlite,
    )?;
    let plans: Vec<PlanDb> = all(
        conn,
        sql::SELECT_PLANS_OF,
        [tenant, subject],
        "plans",
        plan_from_sqlite,
    )?;
    let mark: Option<i64> = one(
        conn,
        sql::SELECT_ACTIVITY_OF,
        [tenant, subject],
        "activity",
        |r| r.get(0),
    )?;
    Ok(Anchors {
        events: convert(events)?,
        plans: convert(plans)?,
        last_activity: mark
            .map(|us| instant(us, "subject_activity.last_at"))
            .transpose()?,
    })
}

/// A live subject's record stamps, in one statement; `None` when erased
/// or gone.
pub(crate) fn record_stamps(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<Option<Vec<RecordStamp>>, StoreError> {
    let rows: Vec<StampDb> = all(
        conn,
        sql::SELECT_RECORD_STAMPS,
        [tenant, subject],
        "records",
        stamp_from_sqlite,
    )?;
    stamps(rows)
}

/// Whether an event of `name` was recorded.
pub(crate) fn event_recorded(
    conn: &rusqlite::Connection,
    tenant: &str,
    name: &str,
) -> Result<bool, StoreError> {
    let found: Option<i64> = one(
        conn,
        sql::SELECT_EVENT_RECORDED,
        [tenant, name],
        "events",
        |r| r.get(0),
    )?;
    Ok(found.is_some())
}

/// A page of sweep candidates.
pub(crate) fn retention_candidates(
    conn: &rusqlite::Connection,
    tenant: &str,
    cutoff: Timestamp,
    after: Option<CandidateCursor>,
    limit: u32,
) -> Result<Vec<CandidateCursor>, StoreError> {
    let (at, subject) = cursor_args(after);
    let rows: Vec<CandidateDb> = all(
        conn,
        sql::SELECT_RETENTION_CANDIDATES,
        rusqlite::params![tenant, micros(cutoff), at, subject, i64::from(limit)],
        "records",
        candidate_from_sqlite,
    )?;
    convert(rows)
}

/// The tenant's aggregates.
pub(crate) fn aggregates(
    conn: &rusqlite::Connection,
    tenant: &str,
) -> Result<Vec<AggregateRow>, StoreError> {
    let rows: Vec<AggregateDb> = all(
        conn,
        sql::SELECT_AGGREGATES,
        [tenant],
        "aggregates",
        aggregate_from_sqlite,
    )?;
    convert(rows)
}
