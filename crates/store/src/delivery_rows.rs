//! `deliveries` and `recipient_endpoints` rows as the database returns
//! them, and their checked conversion into the engine's rows: a tampered
//! value is reported as corrupt, not trusted. Filled by sqlx (`FromRow`)
//! on PostgreSQL and column by column on SQLite.

use crate::error::corrupt;
use jiff::Timestamp;
use tutela_engine::deliveries::{DeliveryRow, DeliveryState, EndpointRow, NoticeKind};
use tutela_engine::ids::{DeliveryId, RecordId, RequestId, SubjectId, TenantId};
use tutela_engine::store::StoreError;
use tutela_policy::{CategoryId, RecipientId};
use uuid::Uuid;

/// `deliveries`, column for column (`sql::DELIVERY_COLUMN_COUNT`).
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryDb {
    tenant_id: String,
    delivery_id: String,
    recipient: String,
    kind: String,
    subject_id: String,
    record_id: Option<String>,
    categories: String,
    request_id: Option<String>,
    created_at: i64,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    claimed_until: Option<i64>,
    delivered_at: Option<i64>,
    last_status: Option<i64>,
}

/// A row of a SQLite select naming the delivery columns in order.
pub(crate) fn delivery_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryDb> {
    Ok(DeliveryDb {
        tenant_id: r.get(0)?,
        delivery_id: r.get(1)?,
        recipient: r.get(2)?,
        kind: r.get(3)?,
        subject_id: r.get(4)?,
        record_id: r.get(5)?,
        categories: r.get(6)?,
        request_id: r.get(7)?,
        created_at: r.get(8)?,
        state: r.get(9)?,
        attempts: r.get(10)?,
        next_attempt_at: r.get(11)?,
        claimed_until: r.get(12)?,
        delivered_at: r.get(13)?,
        last_status: r.get(14)?,
    })
}

fn at(us: i64, column: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| corrupt(column))
}

fn at_opt(us: Option<i64>, column: &'static str) -> Result<Option<Timestamp>, StoreError> {
    us.map(|us| at(us, column)).transpose()
}

fn id(text: &str, column: &'static str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|_| corrupt(column))
}

fn categories(text: &str) -> Result<Vec<CategoryId>, StoreError> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| CategoryId::parse(c).map_err(|_| corrupt("deliveries.categories")))
        .collect()
}

impl TryFrom<DeliveryDb> for DeliveryRow {
    type Error = StoreError;

    fn try_from(d: DeliveryDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: TenantId::parse(&d.tenant_id).map_err(|_| corrupt("deliveries.tenant_id"))?,
            id: DeliveryId(id(&d.delivery_id, "deliveries.delivery_id")?),
            recipient: RecipientId::parse(&d.recipient)
                .map_err(|_| corrupt("deliveries.recipient"))?,
            kind: NoticeKind::parse(&d.kind).ok_or_else(|| corrupt("deliveries.kind"))?,
            subject: SubjectId(id(&d.subject_id, "deliveries.subject_id")?),
            record: d
                .record_id
                .map(|r| id(&r, "deliveries.record_id").map(RecordId))
                .transpose()?,
            categories: categories(&d.categories)?,
            request: d
                .request_id
                .map(|r| id(&r, "deliveries.request_id").map(RequestId))
                .transpose()?,
            created_at: at(d.created_at, "deliveries.created_at")?,
            state: DeliveryState::parse(&d.state).ok_or_else(|| corrupt("deliveries.state"))?,
            attempts: u32::try_from(d.attempts).map_err(|_| corrupt("deliveries.attempts"))?,
            next_attempt_at: at(d.next_attempt_at, "deliveries.next_attempt_at")?,
            claimed_until: at_opt(d.claimed_until, "deliveries.claimed_until")?,
            delivered_at: at_opt(d.delivered_at, "deliveries.delivered_at")?,
            last_status: d
                .last_status
                .map(|s| u16::try_from(s).map_err(|_| corrupt("deliveries.last_status")))
                .transpose()?,
        })
    }
}

/// `recipient_endpoints`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct EndpointDb {
    tenant_id: String,
    recipient: String,
    url: String,
    sealed_secret: Vec<u8>,
    created_at: i64,
}

/// A row of [`crate::sql::SELECT_ENDPOINTS`] on SQLite.
pub(crate) fn endpoint_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<EndpointDb> {
    Ok(EndpointDb {
        tenant_id: r.get(0)?,
        recipient: r.get(1)?,
        url: r.get(2)?,
        sealed_secret: r.get(3)?,
        created_at: r.get(4)?,
    })
}

impl TryFrom<EndpointDb> for EndpointRow {
    type Error = StoreError;

    fn try_from(e: EndpointDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: TenantId::parse(&e.tenant_id)
                .map_err(|_| corrupt("recipient_endpoints.tenant_id"))?,
            recipient: RecipientId::parse(&e.recipient)
                .map_err(|_| corrupt("recipient_endpoints.recipient"))?,
            url: e.url,
            sealed_secret: e.sealed_secret,
            created_at: at(e.created_at, "recipient_endpoints.created_at")?,
        })
    }
}
