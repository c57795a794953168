//! PostgreSQL, for deployments where several servers share one database.
//!
//! Reads run on a pool. Changes go to the store's lane writers ([`writer`]):
//! each holds one lane of every tenant's audit chain (an advisory lock on
//! the lane number) and group-commits the changes sent to it, so one
//! tenant's audited acts commit concurrently across writers and servers,
//! and each lane stays a verifiable hash chain.

mod consent_reads;
mod delivery_reads;
mod exec;
mod hold_reads;
mod notice_reads;
mod reads;
mod report_reads;
mod request_reads;
mod retention_reads;
mod store;
mod survey_reads;
mod writer;

use crate::error::{backend, internal};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use tutela_engine::audit::{AuditChain, AuditEntry};
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError, WriteAhead};
use writer::LaneWriters;

/// The PostgreSQL schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections the read pool may open (the writers have their own).
const CONNECTIONS: u32 = 16;

/// A [`Store`](tutela_engine::store::Store) in a PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    pool: PgPool,
    writers: LaneWriters,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`), brings the schema up
    /// to date and starts the lane writers. Migrations take an advisory
    /// lock, so several servers may start at once.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|e| backend("connect postgres", &e))?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options.clone())
            .await
            .map_err(|e| backend("connect postgres", &e))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| backend("migrate postgres", &sqlx::Error::from(e)))?;
        let writers = LaneWriters::start(&options).await?;
        Ok(Self { pool, writers })
    }

    /// Hands a change to a lane writer.
    async fn apply_change(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.writers.apply(tenant, change, chain, ahead).await
    }

    /// Stores the master key check value unless one is there.
    async fn insert_key_check(&self, value: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query(crate::sql::INSERT_KEY_CHECK)
            .bind(&value[..])
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| backend("key_check", &e))
    }

    /// Commits what the writers hold, releases their lanes and closes the
    /// pool. PostgreSQL keeps its own files consistent; there is nothing
    /// else to flush.
    async fn shutdown(&self) -> Result<(), StoreError> {
        self.writers.close().await;
        self.pool.close().await;
        Ok(())
    }

    /// Are the writers running and the schema there?
    async fn check(&self) -> Result<(), StoreError> {
        if !self.writers.is_running() {
            return Err(internal("ping", "a postgres lane writer has stopped"));
        }
        reads::ping(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    /// The two backends' migrations are numbered in step: a change to the
    /// schema lands on both, as a file of the same number (a no-op where
    /// one backend needs nothing).
    #[test]
    fn both_backends_have_the_same_number_of_migrations() {
        assert_eq!(
            super::MIGRATOR.iter().count(),
            crate::sqlite::migrate::MIGRATIONS.len()
        );
    }
}
