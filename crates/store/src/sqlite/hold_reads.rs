//! The reads of statutory holds on a SQLite reader connection.

use super::reads::all;
use crate::hold_rows::{HeldDb, HoldDb, held_from_sqlite, hold_from_sqlite};
use crate::rows::{convert, micros};
use crate::sql;
use jiff::Timestamp;
use tutela_engine::holds::{HeldRecordRow, SubjectHolds};
use tutela_engine::store::StoreError;

/// An erased subject's holds and held records.
pub(crate) fn subject_holds(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<SubjectHolds, StoreError> {
    let holds: Vec<HoldDb> = all(
        conn,
        sql::SELECT_HOLDS_OF,
        [tenant, subject],
        "holds",
        hold_from_sqlite,
    )?;
    let records: Vec<HeldDb> = all(
        conn,
        sql::SELECT_HELD_OF,
        [tenant, subject],
        "held records",
        held_from_sqlite,
    )?;
    Ok(SubjectHolds {
        holds: convert(holds)?,
        records: convert(records)?,
    })
}

/// Whether the tenant holds records of `category`.
pub(crate) fn category_held(
    conn: &rusqlite::Connection,
    tenant: &str,
    category: &str,
) -> Result<bool, StoreError> {
    let held: Option<i64> = super::reads::one(
        conn,
        sql::SELECT_CATEGORY_HELD,
        [tenant, category],
        "held records",
        |row| row.get(0),
    )?;
    Ok(held.unwrap_or(0) > 0)
}

/// The tenant's held records due before `before`.
pub(crate) fn holds_due(
    conn: &rusqlite::Connection,
    tenant: &str,
    before: Timestamp,
    limit: u32,
) -> Result<Vec<HeldRecordRow>, StoreError> {
    let rows: Vec<HeldDb> = all(
        conn,
        sql::SELECT_HOLDS_DUE,
        rusqlite::params![tenant, micros(before), i64::from(limit)],
        "held records",
        held_from_sqlite,
    )?;
    convert(rows)
}
