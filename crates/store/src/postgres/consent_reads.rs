//! The reads of consent texts, unsubscribe links and banner choices on the
//! PostgreSQL read pool.

use crate::consent_rows::{ChoiceDb, LinkDb};
use crate::error::backend;
use crate::rows::convert;
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
