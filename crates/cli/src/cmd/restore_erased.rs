//! What the database a restore replaces says, read before the backup takes
//! its place: every subject it records as erased, and every record it
//! keeps under a statutory hold. The restore erases those subjects again
//! in the restored copy beside what the ledger names, so a ledger emptied,
//! cut short or started anew does not bring back people whose erasure the
//! replaced database still remembers; and it deletes none of those
//! records, whatever the ledger says, so no line can destroy the copy the
//! law requires keeping. When that database is gone or unreadable (often
//! why one restores), the ledger alone answers.

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeSet;
use std::path::Path;
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::ledger::ErasureEntry;

/// What the replaced database records.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    /// Its erased subjects, with their erasure times.
    pub erased: Vec<ErasureEntry>,
    /// The records it keeps under a statutory hold.
    pub held: BTreeSet<RecordId>,
}

/// What `target` records; `None` when there is no such file. A file that
/// cannot be read as a database is reported as an error for the caller to
/// warn about, not to stop on.
pub(crate) fn recorded_in(target: &Path) -> Result<Option<Recorded>> {
    if !target.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(target, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", target.display()))?;
    Ok(Some(Recorded {
        erased: erased_in(&conn)?,
        held: held_in(&conn)?,
    }))
}

/// The records `conn` keeps under a hold (ids this binary cannot read
/// name no record it could delete, and are left out).
fn held_in(conn: &Connection) -> Result<BTreeSet<RecordId>> {
    let mut select = conn
        .prepare("SELECT record_id FROM held_records")
        .context("cannot read its held records")?;
    let ids = select
        .query_map([], |r| r.get::<_, String>(0))
        .context("cannot read its held records")?;
    let mut held = BTreeSet::new();
    for id in ids {
        let id = id.context("cannot read its held records")?;
        if let Ok(id) = RecordId::parse(&id) {
            held.insert(id);
        }
    }
    Ok(held)
}

/// The erased subjects `conn` records, with their erasure times.
fn erased_in(conn: &Connection) -> Result<Vec<ErasureEntry>> {
    let mut select = conn
        .prepare(
            "SELECT tenant_id, subject_id, erased_at FROM subjects WHERE erased_at IS NOT NULL",
        )
        .context("cannot read its subjects")?;
    let rows = select
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .context("cannot read its subjects")?;
    let mut erased = Vec::new();
    for row in rows {
        let (tenant, subject, at) = row.context("cannot read its subjects")?;
        // A row this binary cannot read names nobody it could erase again.
        let (Ok(tenant), Ok(subject), Ok(at)) = (
            TenantId::parse(&tenant),
            SubjectId::parse(&subject),
            jiff::Timestamp::from_microsecond(at),
        ) else {
            continue;
        };
        erased.push(ErasureEntry {
            tenant,
            subject,
            at,
        });
    }
    Ok(erased)
}
