//! The reads of consent texts, unsubscribe links and banner choices on a
//! SQLite reader connection.

use super::reads::{all, one};
use crate::consent_rows::{ChoiceDb, choice_from_sqlite, link_from_sqlite};
use crate::rows::{convert, micros, uuid};
use crate::sql;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::store::StoreError;

/// A stored consent text by its hex hash.
pub(crate) fn consent_text(
    conn: &rusqlite::Connection,
    tenant: &str,
    hash: &str,
) -> Result<Option<String>, StoreError> {
    one(
        conn,
        sql::SELECT_CONSENT_TEXT,
        [tenant, hash],
        "consent texts",
        |r| r.get(0),
    )
}

/// An unsubscribe link by its hex hash.
pub(crate) fn unsubscribe_link(
    conn: &rusqlite::Connection,
    tenant: &str,
    hash: &str,
) -> Result<Option<UnsubscribeLinkRow>, StoreError> {
    one(
        conn,
        sql::SELECT_UNSUBSCRIBE_LINK,
        [tenant, hash],
        "unsubscribe links",
        link_from_sqlite,
    )?
    .map(UnsubscribeLinkRow::try_from)
    .transpose()
}

/// A visitor's banner choices by its stored key.
pub(crate) fn visitor_choices(
    conn: &rusqlite::Connection,
    tenant: &str,
    visitor: &str,
) -> Result<Vec<VisitorChoiceRow>, StoreError> {
    let rows: Vec<ChoiceDb> = all(
        conn,
        sql::SELECT_VISITOR_CHOICES,
        [tenant, visitor],
        "visitor choices",
        choice_from_sqlite,
    )?;
    convert(rows)
}

/// Up to `limit` ids of the tenant's banner choices made before `before`,
/// oldest first.
pub(crate) fn choices_before(
    conn: &rusqlite::Connection,
    tenant: &str,
    before: jiff::Timestamp,
    limit: u32,
) -> Result<Vec<uuid::Uuid>, StoreError> {
    let ids: Vec<String> = all(
        conn,
        sql::SELECT_VISITOR_CHOICES_BEFORE,
        rusqlite::params![tenant, micros(before), i64::from(limit)],
        "visitor choices",
        |r| r.get(0),
    )?;
    ids.iter()
        .map(|id| uuid(id, "visitor_choices.choice_id"))
        .collect()
}
