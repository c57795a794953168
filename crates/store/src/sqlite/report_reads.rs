//! The read reports page through subjects with, on a SQLite reader.

use super::reads::all;
use crate::rows::uuid;
use crate::sql;
use tutela_engine::ids::SubjectId;
use tutela_engine::store::StoreError;

/// A page of the subjects holding a record of `category`.
pub(crate) fn report_subjects(
    conn: &rusqlite::Connection,
    tenant: &str,
    category: &str,
    after: &str,
    limit: u32,
) -> Result<Vec<SubjectId>, StoreError> {
    let ids: Vec<String> = all(
        conn,
        sql::SELECT_REPORT_SUBJECTS,
        rusqlite::params![tenant, category, after, i64::from(limit)],
        "records",
        |r| r.get(0),
    )?;
    ids.iter()
        .map(|s| uuid(s, "records.subject_id").map(SubjectId))
        .collect()
}
