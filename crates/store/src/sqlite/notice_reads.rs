//! The reads of policy-change notices on a SQLite reader connection.

use super::reads::{all, one};
use crate::rows::uuid;
use crate::sql;
use tutela_engine::ids::SubjectId;
use tutela_engine::store::StoreError;

/// The next page of subjects to tell of `version`.
pub(crate) fn notice_candidates(
    conn: &rusqlite::Connection,
    tenant: &str,
    version: u32,
    category: &str,
    limit: u32,
) -> Result<Vec<SubjectId>, StoreError> {
    let ids: Vec<String> = all(
        conn,
        sql::SELECT_NOTICE_CANDIDATES,
        rusqlite::params![tenant, category, i64::from(version), i64::from(limit)],
        "policy notices",
        |r| r.get(0),
    )?;
    ids.iter()
        .map(|id| uuid(id, "records.subject_id").map(SubjectId))
        .collect()
}

/// How many subjects were told of `version`.
pub(crate) fn notices_sent(
    conn: &rusqlite::Connection,
    tenant: &str,
    version: u32,
) -> Result<u64, StoreError> {
    let n: Option<i64> = one(
        conn,
        sql::COUNT_POLICY_NOTICES,
        rusqlite::params![tenant, i64::from(version)],
        "policy notices",
        |r| r.get(0),
    )?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}
