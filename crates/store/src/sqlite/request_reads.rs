//! The reads of data subject requests on a SQLite reader connection.

use super::reads::{all, one};
use crate::request_rows::{RequestDb, death_from_sqlite, from_sqlite};
use crate::rows::{convert, micros};
use crate::sql;
use tutela_engine::death::DeathRow;
use tutela_engine::requests::{RequestCursor, RequestFilter, RequestRow};
use tutela_engine::store::StoreError;

/// One request.
pub(crate) fn request(
    conn: &rusqlite::Connection,
    tenant: &str,
    id: &str,
) -> Result<Option<RequestRow>, StoreError> {
    one(
        conn,
        sql::SELECT_REQUEST,
        [tenant, id],
        "requests",
        from_sqlite,
    )?
    .map(RequestRow::try_from)
    .transpose()
}

/// A subject's open requests.
pub(crate) fn open_requests_of(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<Vec<RequestRow>, StoreError> {
    let rows: Vec<RequestDb> = all(
        conn,
        sql::SELECT_OPEN_REQUESTS_OF,
        [tenant, subject],
        "requests",
        from_sqlite,
    )?;
    convert(rows)
}

/// A page of the queue.
pub(crate) fn requests(
    conn: &rusqlite::Connection,
    tenant: &str,
    filter: RequestFilter,
    after: Option<RequestCursor>,
    limit: u32,
) -> Result<Vec<RequestRow>, StoreError> {
    let state = filter.state.map_or("", |s| s.as_str());
    let (overdue, before) = filter.due_before.map_or((0, 0), |t| (1, micros(t)));
    let (due, id) = after.map_or((i64::MIN, String::new()), |c| {
        (micros(c.due), c.id.to_string())
    });
    let (text, subject, kind) = sql::requests_listing(&filter);
    let rows: Vec<RequestDb> = all(
        conn,
        text,
        rusqlite::params![
            tenant,
            state,
            overdue,
            before,
            due,
            id,
            i64::from(limit),
            subject,
            kind
        ],
        "requests",
        from_sqlite,
    )?;
    convert(rows)
}

/// A subject's registered directives.
pub(crate) fn directives_of(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<Vec<RequestRow>, StoreError> {
    let rows: Vec<RequestDb> = all(
        conn,
        sql::SELECT_DIRECTIVES_OF,
        [tenant, subject],
        "requests",
        from_sqlite,
    )?;
    convert(rows)
}

/// A subject's recorded death.
pub(crate) fn death_of(
    conn: &rusqlite::Connection,
    tenant: &str,
    subject: &str,
) -> Result<Option<DeathRow>, StoreError> {
    one(
        conn,
        sql::SELECT_DEATH,
        [tenant, subject],
        "deaths",
        death_from_sqlite,
    )?
    .map(DeathRow::try_from)
    .transpose()
}
