//! Every read and write, written once for any sqlx driver that stores the
//! engine's types the way the migrations do. Both backends instantiate
//! [`Queries`]; what truly differs (pools, locking the audit head, the group
//! commit) stays in `sqlite/` and `postgres/`.
//!
//! Each impl block states the driver capabilities it needs (which Rust types
//! bind, which rows decode); SQLite and PostgreSQL meet them all, checked at
//! the two places the backends name `Queries<Sqlite>` / `Queries<Postgres>`.

mod read;
mod write;

pub(crate) use write::link;

use std::marker::PhantomData;

/// How many rows a statement changed; each driver names it its own way.
pub(crate) trait Affected {
    /// Rows inserted, updated or deleted.
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// The operations for driver `DB`; a namespace, never instantiated.
pub(crate) struct Queries<DB>(PhantomData<DB>);

/// The few statements whose text differs between the drivers.
pub(crate) trait Dialect {
    /// Reads a subject's erasure time inside a writing transaction, keeping
    /// a concurrent erasure from committing in between where the backend
    /// needs a lock for that.
    const SUBJECT_STATE: &'static str;
}

impl Dialect for sqlx::Sqlite {
    const SUBJECT_STATE: &'static str = crate::sql::SUBJECT_STATE;
}

impl Dialect for sqlx::Postgres {
    const SUBJECT_STATE: &'static str = crate::sql::SUBJECT_STATE_FOR_SHARE;
}
