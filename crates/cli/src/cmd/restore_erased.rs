//! What the database a restore replaces says about erasures: every subject
//! it records as erased, read before the backup takes its place. The
//! restore erases them again in the restored copy beside what the ledger
//! names, so a ledger emptied, cut short or started anew does not bring
//! back people whose erasure the replaced database still remembers. When
//! that database is gone or unreadable (often why one restores), the
//! ledger alone answers.

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::ledger::ErasureEntry;

/// The erased subjects `target` records, with their erasure times; none
/// when there is no such file. A file that cannot be read as a database
/// is reported as an error for the caller to warn about, not to stop on.
pub(crate) fn erased_in(target: &Path) -> Result<Vec<ErasureEntry>> {
    if !target.exists() {
        return Ok(Vec::new());
    }
    let conn = Connection::open_with_flags(target, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open {}", target.display()))?;
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
