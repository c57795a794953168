//! Retention rows as the database returns them (events, plan history,
//! aggregates, sweep candidates) and their checked conversion into the
//! engine's types. Filled by sqlx (`FromRow`) on PostgreSQL and column by
//! column on SQLite, in the order of the selects in `sql/retention.rs`.

use crate::error::corrupt;
use crate::rows::{category, instant, tenant, uuid};
use tutela_engine::ids::{EventId, RecordId, SubjectId};
use tutela_engine::store::{
    AggregateRow, CandidateCursor, EventRow, PlanRow, RecordStamp, StoreError,
};
use tutela_policy::{EventName, PlanName};

/// `events`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct EventDb {
    tenant_id: String,
    event_id: String,
    name: String,
    subject_id: Option<String>,
    at: i64,
}

/// A row of `sql::SELECT_EVENTS_FOR` on SQLite.
pub(crate) fn event_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventDb> {
    Ok(EventDb {
        tenant_id: r.get(0)?,
        event_id: r.get(1)?,
        name: r.get(2)?,
        subject_id: r.get(3)?,
        at: r.get(4)?,
    })
}

impl TryFrom<EventDb> for EventRow {
    type Error = StoreError;
    fn try_from(r: EventDb) -> Result<Self, StoreError> {
        let subject = r
            .subject_id
            .map(|s| uuid(&s, "events.subject_id").map(SubjectId))
            .transpose()?;
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: EventId(uuid(&r.event_id, "events.event_id")?),
            name: EventName::parse(&r.name).map_err(|_| corrupt("events.name"))?,
            subject,
            at: instant(r.at, "events.at")?,
        })
    }
}

/// `subject_plans`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct PlanDb {
    tenant_id: String,
    subject_id: String,
    since: i64,
    plan: String,
}

/// A row of `sql::SELECT_PLANS_OF` on SQLite.
pub(crate) fn plan_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<PlanDb> {
    Ok(PlanDb {
        tenant_id: r.get(0)?,
        subject_id: r.get(1)?,
        since: r.get(2)?,
        plan: r.get(3)?,
    })
}

impl TryFrom<PlanDb> for PlanRow {
    type Error = StoreError;
    fn try_from(r: PlanDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            subject: SubjectId(uuid(&r.subject_id, "subject_plans.subject_id")?),
            plan: PlanName::parse(&r.plan).map_err(|_| corrupt("subject_plans.plan"))?,
            since: instant(r.since, "subject_plans.since")?,
        })
    }
}

/// `retention_aggregates` without its tenant.
#[derive(sqlx::FromRow)]
pub(crate) struct AggregateDb {
    category: String,
    period: String,
    count: i64,
}

/// A row of `sql::SELECT_AGGREGATES` on SQLite.
pub(crate) fn aggregate_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<AggregateDb> {
    Ok(AggregateDb {
        category: r.get(0)?,
        period: r.get(1)?,
        count: r.get(2)?,
    })
}

impl TryFrom<AggregateDb> for AggregateRow {
    type Error = StoreError;
    fn try_from(r: AggregateDb) -> Result<Self, StoreError> {
        Ok(Self {
            category: category(&r.category, "retention_aggregates.category")?,
            period: r.period,
            count: u64::try_from(r.count).map_err(|_| corrupt("retention_aggregates.count"))?,
        })
    }
}

/// A row of `sql::SELECT_RETENTION_CANDIDATES`.
#[derive(sqlx::FromRow)]
pub(crate) struct CandidateDb {
    collected_at: i64,
    subject_id: String,
}

/// A row of `sql::SELECT_RETENTION_CANDIDATES` on SQLite.
pub(crate) fn candidate_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<CandidateDb> {
    Ok(CandidateDb {
        collected_at: r.get(0)?,
        subject_id: r.get(1)?,
    })
}

impl TryFrom<CandidateDb> for CandidateCursor {
    type Error = StoreError;
    fn try_from(r: CandidateDb) -> Result<Self, StoreError> {
        Ok(Self {
            collected_at: instant(r.collected_at, "records.collected_at")?,
            subject: SubjectId(uuid(&r.subject_id, "records.subject_id")?),
        })
    }
}

/// A row of `sql::SELECT_RECORD_STAMPS`: the subject's erasure time, and
/// one record's stamp (all NULL when the subject has no record).
#[derive(sqlx::FromRow)]
pub(crate) struct StampDb {
    erased_at: Option<i64>,
    record_id: Option<String>,
    category: Option<String>,
    collected_at: Option<i64>,
}

/// A row of `sql::SELECT_RECORD_STAMPS` on SQLite.
pub(crate) fn stamp_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<StampDb> {
    Ok(StampDb {
        erased_at: r.get(0)?,
        record_id: r.get(1)?,
        category: r.get(2)?,
        collected_at: r.get(3)?,
    })
}

/// A live subject's stamps, oldest first (then by id, as a subject's
/// records are loaded); `None` when no row came back (no such subject) or
/// the subject is erased.
pub(crate) fn stamps(rows: Vec<StampDb>) -> Result<Option<Vec<RecordStamp>>, StoreError> {
    if rows.first().is_none_or(|r| r.erased_at.is_some()) {
        return Ok(None);
    }
    let mut stamps = Vec::with_capacity(rows.len());
    for row in rows {
        let (id, cat, at) = match (row.record_id, row.category, row.collected_at) {
            (Some(id), Some(cat), Some(at)) => (id, cat, at),
            (None, None, None) => continue,
            _ => return Err(corrupt("records")),
        };
        stamps.push(RecordStamp {
            id: RecordId(uuid(&id, "records.record_id")?),
            category: category(&cat, "records.category")?,
            collected_at: instant(at, "records.collected_at")?,
        });
    }
    stamps.sort_by_key(|s| (s.collected_at, s.id));
    Ok(Some(stamps))
}

/// The cursor's arguments: the start of time and the empty id before the
/// first page.
pub(crate) fn cursor_args(after: Option<CandidateCursor>) -> (i64, String) {
    after.map_or((i64::MIN, String::new()), |c| {
        (c.collected_at.as_microsecond(), c.subject.to_string())
    })
}
