//! `unsubscribe_links` and `visitor_choices` rows as the database returns
//! them, and their checked conversion into the engine's rows: a tampered
//! value is reported as corrupt, not trusted. Filled by sqlx (`FromRow`)
//! on PostgreSQL and column by column on SQLite, in the order of the
//! selects in `sql/consent.rs`.

use crate::error::corrupt;
use crate::rows::{instant, instant_opt, purpose, tenant, uuid};
use tutela_engine::consent::banner::Visitor;
use tutela_engine::consent::proof::parse_hash;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::ids::SubjectId;
use tutela_engine::store::StoreError;

/// `unsubscribe_links`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct LinkDb {
    tenant_id: String,
    token_hash: String,
    subject_id: String,
    purpose: String,
    created_at: i64,
    used_at: Option<i64>,
}

/// A row of `sql::SELECT_UNSUBSCRIBE_LINK` on SQLite.
pub(crate) fn link_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkDb> {
    Ok(LinkDb {
        tenant_id: r.get(0)?,
        token_hash: r.get(1)?,
        subject_id: r.get(2)?,
        purpose: r.get(3)?,
        created_at: r.get(4)?,
        used_at: r.get(5)?,
    })
}

impl TryFrom<LinkDb> for UnsubscribeLinkRow {
    type Error = StoreError;
    fn try_from(r: LinkDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            token_hash: parse_hash(&r.token_hash)
                .ok_or_else(|| corrupt("unsubscribe_links.token_hash"))?,
            subject: SubjectId(uuid(&r.subject_id, "unsubscribe_links.subject_id")?),
            purpose: purpose(&r.purpose, "unsubscribe_links.purpose")?,
            created_at: instant(r.created_at, "unsubscribe_links.created_at")?,
            used_at: instant_opt(r.used_at, "unsubscribe_links.used_at")?,
        })
    }
}

/// `visitor_choices`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct ChoiceDb {
    tenant_id: String,
    choice_id: String,
    visitor: String,
    purpose: String,
    granted: bool,
    gpc: bool,
    at_us: i64,
}

/// A row of `sql::SELECT_VISITOR_CHOICES` on SQLite.
pub(crate) fn choice_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChoiceDb> {
    Ok(ChoiceDb {
        tenant_id: r.get(0)?,
        choice_id: r.get(1)?,
        visitor: r.get(2)?,
        purpose: r.get(3)?,
        granted: r.get(4)?,
        gpc: r.get(5)?,
        at_us: r.get(6)?,
    })
}

impl TryFrom<ChoiceDb> for VisitorChoiceRow {
    type Error = StoreError;
    fn try_from(r: ChoiceDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: uuid(&r.choice_id, "visitor_choices.choice_id")?,
            visitor: Visitor::from_key(&r.visitor)
                .ok_or_else(|| corrupt("visitor_choices.visitor"))?,
            purpose: purpose(&r.purpose, "visitor_choices.purpose")?,
            granted: r.granted,
            gpc: r.gpc,
            at: instant(r.at_us, "visitor_choices.at_us")?,
        })
    }
}
