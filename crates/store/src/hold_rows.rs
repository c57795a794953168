//! `holds` and `held_records` rows as the database returns them, and their
//! checked conversion into the engine's [`HoldRow`] and [`HeldRecordRow`]:
//! a tampered value is reported as corrupt, not trusted. Filled by sqlx
//! (`FromRow`) on PostgreSQL and column by column on SQLite, in the order of
//! the selects in `sql/holds.rs`.

use crate::error::corrupt;
use crate::rows::{category, instant, purpose, tenant, uuid};
use tutela_engine::holds::{HeldRecordRow, HoldRow, HoldStart};
use tutela_engine::ids::{HoldId, RecordId, SubjectId};
use tutela_engine::store::StoreError;

/// `holds`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct HoldDb {
    tenant_id: String,
    hold_id: String,
    subject_id: String,
    law: String,
    wrapped_key: Vec<u8>,
    held_at: i64,
}

/// A row of `sql::SELECT_HOLDS_OF` on SQLite.
pub(crate) fn hold_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<HoldDb> {
    Ok(HoldDb {
        tenant_id: r.get(0)?,
        hold_id: r.get(1)?,
        subject_id: r.get(2)?,
        law: r.get(3)?,
        wrapped_key: r.get(4)?,
        held_at: r.get(5)?,
    })
}

impl TryFrom<HoldDb> for HoldRow {
    type Error = StoreError;
    fn try_from(r: HoldDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: HoldId(uuid(&r.hold_id, "holds.hold_id")?),
            subject: SubjectId(uuid(&r.subject_id, "holds.subject_id")?),
            law: r.law,
            wrapped_key: r.wrapped_key,
            held_at: instant(r.held_at, "holds.held_at")?,
        })
    }
}

/// `held_records`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct HeldDb {
    tenant_id: String,
    record_id: String,
    subject_id: String,
    hold_id: String,
    category: String,
    purpose: String,
    source: String,
    ciphertext: Vec<u8>,
    collected_at: i64,
    ends_at: i64,
    ends_from: String,
}

/// A row of a SQLite select naming `sql/holds.rs`'s held columns.
pub(crate) fn held_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeldDb> {
    Ok(HeldDb {
        tenant_id: r.get(0)?,
        record_id: r.get(1)?,
        subject_id: r.get(2)?,
        hold_id: r.get(3)?,
        category: r.get(4)?,
        purpose: r.get(5)?,
        source: r.get(6)?,
        ciphertext: r.get(7)?,
        collected_at: r.get(8)?,
        ends_at: r.get(9)?,
        ends_from: r.get(10)?,
    })
}

impl TryFrom<HeldDb> for HeldRecordRow {
    type Error = StoreError;
    fn try_from(r: HeldDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: RecordId(uuid(&r.record_id, "held_records.record_id")?),
            subject: SubjectId(uuid(&r.subject_id, "held_records.subject_id")?),
            hold: HoldId(uuid(&r.hold_id, "held_records.hold_id")?),
            category: category(&r.category, "held_records.category")?,
            purpose: purpose(&r.purpose, "held_records.purpose")?,
            source: r.source,
            ciphertext: r.ciphertext,
            collected_at: instant(r.collected_at, "held_records.collected_at")?,
            ends_at: instant(r.ends_at, "held_records.ends_at")?,
            start: HoldStart::parse(&r.ends_from)
                .ok_or_else(|| corrupt("held_records.ends_from"))?,
        })
    }
}
