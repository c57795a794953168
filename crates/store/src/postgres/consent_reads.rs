//! The reads of consent texts, unsubscribe links and banner choices on the
//! PostgreSQL read pool.

use crate::consent_rows::{ChoiceDb, LinkDb};
use crate::error::backend;
use crate::rows::{convert, micros, uuid};
use crate::sql;
use sqlx::postgres::PgPool;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::store::StoreError;

/// A stored consent text by its hex hash.
pub(crate) async fn consent_text(
    pool: &PgPool,
    tenant: &str,
    hash: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar(sql::SELECT_CONSENT_TEXT)
        .bind(tenant)
        .bind(hash)
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("consent texts", &e))
}

/// An unsubscribe link by its hex hash.
pub(crate) async fn unsubscribe_link(
    pool: &PgPool,
    tenant: &str,
    hash: &str,
) -> Result<Option<UnsubscribeLinkRow>, StoreError> {
    let row: Option<LinkDb> = sqlx::query_as(sql::SELECT_UNSUBSCRIBE_LINK)
        .bind(tenant)
        .bind(hash)
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("unsubscribe links", &e))?;
    row.map(UnsubscribeLinkRow::try_from).transpose()
}

/// A visitor's banner choices by its stored key.
pub(crate) async fn visitor_choices(
    pool: &PgPool,
    tenant: &str,
    visitor: &str,
) -> Result<Vec<VisitorChoiceRow>, StoreError> {
    let rows: Vec<ChoiceDb> = sqlx::query_as(sql::SELECT_VISITOR_CHOICES)
        .bind(tenant)
        .bind(visitor)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("visitor choices", &e))?;
    convert(rows)
}

/// Up to `limit` ids of the tenant's banner choices made before `before`,
/// oldest first.
pub(crate) async fn choices_before(
    pool: &PgPool,
    tenant: &str,
    before: jiff::Timestamp,
    limit: u32,
) -> Result<Vec<uuid::Uuid>, StoreError> {
    let ids: Vec<String> = sqlx::query_scalar(sql::SELECT_VISITOR_CHOICES_BEFORE)
        .bind(tenant)
        .bind(micros(before))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("visitor choices", &e))?;
    ids.iter()
        .map(|id| uuid(id, "visitor_choices.choice_id"))
        .collect()
}
