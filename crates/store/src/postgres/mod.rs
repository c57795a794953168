//! PostgreSQL, for deployments where several servers share one database.
//!
//! Each `apply` is one transaction. Concurrent writers, in this process or
//! another, are ordered per tenant by a row lock on the tenant's
//! `audit_heads` row, taken after the change's writes so it is held only
//! while the entries are linked and inserted.

use crate::error::backend;
use crate::queries::Queries;
use crate::rows::HeadDb;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::ids::TenantId;
use tutela_engine::store::{Change, StoreError};

/// The PostgreSQL schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections the pool may open.
const CONNECTIONS: u32 = 16;

/// Lock the head row until commit; concurrent appenders queue here.
const LOCK_HEAD: &str = "SELECT seq, mac FROM audit_heads WHERE tenant_id = $1 FOR UPDATE";
/// Give a first-time chain a row to lock. If two transactions race, the
/// second waits for the first to commit and then inserts nothing.
const INSERT_EMPTY_HEAD: &str = "INSERT INTO audit_heads (tenant_id, seq, mac) \
    VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING";

type Q = Queries<Postgres>;

/// A [`Store`](tutela_engine::store::Store) in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`) and brings the schema
    /// up to date. Migrations take an advisory lock, so several servers may
    /// start at once.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect(url)
            .await
            .map_err(|e| backend("connect postgres", &e))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| backend("migrate postgres", &sqlx::Error::from(e)))?;
        Ok(Self { pool })
    }

    async fn apply_change(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| backend("acquire", &e))?;
        let mut tx = conn.begin().await.map_err(|e| backend("begin", &e))?;
        // On any error `tx` is dropped and rolled back: nothing is committed.
        Q::apply_writes(&mut tx, tenant, &change).await?;
        let entries = if change.audit.is_empty() {
            Vec::new()
        } else {
            let head = lock_head(&mut tx, tenant).await?;
            Q::append_audit(&mut tx, tenant, chain, head, &change.audit).await?
        };
        tx.commit().await.map_err(|e| backend("commit", &e))?;
        Ok(entries)
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

    /// Closes the pool. PostgreSQL keeps its own files consistent; there
    /// is nothing to flush.
    async fn shutdown(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Q::ping(&self.pool).await
    }
}

/// Reads the tenant's head under a row lock held until commit, creating
/// the row first if the chain has never had one.
async fn lock_head(
    conn: &mut PgConnection,
    tenant: &TenantId,
) -> Result<Option<AuditHead>, StoreError> {
    if let Some(row) = Q::head_row(conn, tenant, LOCK_HEAD).await? {
        return row.into_head();
    }
    sqlx::query(INSERT_EMPTY_HEAD)
        .bind(tenant.as_str())
        .bind(&[0u8; 32][..])
        .execute(&mut *conn)
        .await
        .map_err(|e| backend("audit_heads", &e))?;
    Q::head_row(conn, tenant, LOCK_HEAD)
        .await?
        .map_or(Ok(None), HeadDb::into_head)
}

crate::store_impl!(PgStore, Postgres, pool);
