//! The reads of notices and endpoints on a SQLite reader connection, and
//! the claim, which runs on the writer's connection (`writer/`).

use super::reads::all;
use crate::delivery_rows::{DeliveryDb, delivery_from_sqlite, endpoint_from_sqlite};
use crate::rows::{convert, micros};
use crate::sql;
use jiff::Timestamp;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow};
use tutela_engine::store::StoreError;

/// The tenant's endpoints.
pub(crate) fn endpoints(
    conn: &rusqlite::Connection,
    tenant: &str,
) -> Result<Vec<EndpointRow>, StoreError> {
    let rows = all(
        conn,
        sql::SELECT_ENDPOINTS,
        [tenant],
        "recipient_endpoints",
        endpoint_from_sqlite,
    )?;
    convert(rows)
}

/// The tenant's notices as filtered.
pub(crate) fn deliveries(
    conn: &rusqlite::Connection,
    tenant: &str,
    filter: DeliveryFilter,
    limit: u32,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let state = filter.state.map_or("", |s| s.as_str());
    let request = filter.request.map(|r| r.to_string()).unwrap_or_default();
    let before = filter.before.map(|d| d.to_string()).unwrap_or_default();
    let rows: Vec<DeliveryDb> = all(
        conn,
        sql::SELECT_DELIVERIES,
        rusqlite::params![tenant, state, request, i64::from(limit), before],
        "deliveries",
        delivery_from_sqlite,
    )?;
    convert(rows)
}

/// Claims due notices on the writer's connection, in a transaction of its
/// own (the writer runs nothing else meanwhile).
pub(crate) fn claim(
    conn: &rusqlite::Connection,
    tenant: &str,
    now: Timestamp,
    until: Timestamp,
    limit: u32,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let rows: Vec<DeliveryDb> = all(
        conn,
        sql::CLAIM_DELIVERIES_SQLITE,
        rusqlite::params![tenant, micros(now), micros(until), i64::from(limit)],
        "deliveries",
        delivery_from_sqlite,
    )?;
    convert(rows)
}
