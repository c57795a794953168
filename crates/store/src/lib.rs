//! Tutela's storage: the engine's [`Store`] on SQLite (the embedded
//! default, one file) and on PostgreSQL (several servers, one database).
//!
//! Both run the same SQL (`sql`, rewritten from `$n` to `?n` for SQLite)
//! and the same row conversions (`rows`). SQLite runs on rusqlite, on
//! threads of its own (`sqlite/`): a writer that executes each change's
//! pure plan (`plan`) with group commit, and a few reader connections.
//! PostgreSQL runs on sqlx, through `queries`. Migrations are forward-only
//! and embedded, one directory per backend, and run on connect.
//!
//! Every table's key starts with `tenant_id`, every statement filters by it
//! (listing tenants and the ids of every audit chain aside), and none joins
//! across tenants.

mod error;
mod plan;
mod postgres;
mod queries;
mod rows;
mod sql;
mod sqlite;

pub use error::BackendError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use error::internal;
use std::sync::Arc;
use tutela_engine::store::{Store, StoreError};

/// Opens the store a URL names: `sqlite://path/to/file.db` (created if
/// missing; `sqlite:///abs/path.db` for an absolute path) or
/// `postgres://user@host/db`. Runs the migrations.
///
/// Errors never repeat the URL, which may hold a password.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = sqlite_path(rest)?;
        return Ok(Arc::new(SqliteStore::open(path).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::connect(url).await?));
    }
    Err(internal(
        "connect",
        "unsupported database URL: use sqlite://PATH or postgres://...",
    ))
}

/// The file path in what follows `sqlite:`.
fn sqlite_path(rest: &str) -> Result<&str, StoreError> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    if path.is_empty() || path.starts_with(":memory:") {
        // The writer and the readers are separate connections: an in-memory
        // database would not be shared between them.
        return Err(internal("connect", "sqlite needs a file path"));
    }
    Ok(path)
}

/// Implements [`Store`] for a sqlx backend struct (PostgreSQL) by delegating to its
/// `apply_change`, `check`, `insert_key_check` and `shutdown` methods and to the shared `queries` reads
/// on its pool field.
macro_rules! store_impl {
    ($store:ty, $db:ty, $pool:ident) => {
        #[async_trait::async_trait]
        impl tutela_engine::store::Store for $store {
            async fn apply(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                change: tutela_engine::store::Change,
                chain: &tutela_engine::audit::AuditChain,
            ) -> Result<Vec<tutela_engine::audit::AuditEntry>, tutela_engine::store::StoreError>
            {
                self.apply_change(tenant, change, chain).await
            }

            async fn ping(&self) -> Result<(), tutela_engine::store::StoreError> {
                self.check().await
            }

            async fn claim_key_check(
                &self,
                value: &[u8; 32],
            ) -> Result<Vec<u8>, tutela_engine::store::StoreError> {
                self.insert_key_check(value).await?;
                $crate::queries::Queries::<$db>::key_check(&self.$pool).await
            }

            async fn close(&self) -> Result<(), tutela_engine::store::StoreError> {
                self.shutdown().await
            }

            async fn tenant(
                &self,
                id: &tutela_engine::ids::TenantId,
            ) -> Result<Option<tutela_engine::store::TenantRow>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::tenant(&self.$pool, id).await
            }

            async fn tenants(
                &self,
            ) -> Result<Vec<tutela_engine::store::TenantRow>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::tenants(&self.$pool).await
            }

            async fn policy(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                version: Option<u32>,
            ) -> Result<Option<tutela_engine::store::PolicyRow>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::policy(&self.$pool, tenant, version).await
            }

            async fn policies(
                &self,
                tenant: &tutela_engine::ids::TenantId,
            ) -> Result<Vec<tutela_engine::store::PolicyRow>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::policies(&self.$pool, tenant).await
            }

            async fn subject_view(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                subject: tutela_engine::ids::SubjectId,
                records: tutela_engine::store::RecordFilter<'_>,
            ) -> Result<Option<tutela_engine::store::SubjectView>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::subject_view(&self.$pool, tenant, subject, records)
                    .await
            }

            async fn subject_by_identifier(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                category: &tutela_policy::CategoryId,
                blind_index: &[u8; 32],
            ) -> Result<Option<tutela_engine::ids::SubjectId>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::subject_by_identifier(
                    &self.$pool,
                    tenant,
                    category,
                    blind_index,
                )
                .await
            }

            async fn api_key_grant(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                secret_hash: &[u8; 32],
            ) -> Result<Option<tutela_engine::store::ApiKeyGrant>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::api_key_grant(&self.$pool, tenant, secret_hash)
                    .await
            }

            async fn api_keys(
                &self,
                tenant: &tutela_engine::ids::TenantId,
            ) -> Result<Vec<tutela_engine::store::ApiKeyRow>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::api_keys(&self.$pool, tenant).await
            }

            async fn audit_entries(
                &self,
                tenant: &tutela_engine::ids::TenantId,
                lane: u32,
                after: u64,
                limit: u32,
            ) -> Result<Vec<tutela_engine::audit::AuditEntry>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::audit_entries(
                    &self.$pool,
                    tenant,
                    lane,
                    after,
                    limit,
                )
                .await
            }

            async fn audit_heads(
                &self,
                tenant: &tutela_engine::ids::TenantId,
            ) -> Result<Vec<tutela_engine::audit::AuditHead>, tutela_engine::store::StoreError>
            {
                $crate::queries::Queries::<$db>::audit_heads(&self.$pool, tenant).await
            }

            async fn audit_lanes(
                &self,
                tenant: &tutela_engine::ids::TenantId,
            ) -> Result<Vec<u32>, tutela_engine::store::StoreError> {
                $crate::queries::Queries::<$db>::audit_lanes(&self.$pool, tenant).await
            }

            async fn audit_tenants(
                &self,
            ) -> Result<Vec<tutela_engine::ids::TenantId>, tutela_engine::store::StoreError> {
                $crate::queries::Queries::<$db>::audit_tenants(&self.$pool).await
            }
        }
    };
}
pub(crate) use store_impl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_file() {
        assert_eq!(sqlite_path("//data/t.db").ok(), Some("data/t.db"));
        assert_eq!(sqlite_path("///var/lib/t.db").ok(), Some("/var/lib/t.db"));
        assert_eq!(sqlite_path("t.db?mode=rwc").ok(), Some("t.db"));
        assert!(sqlite_path(":memory:").is_err());
        assert!(sqlite_path("//").is_err());
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = connect("mysql://root:hunter2@db/x").await.err();
        let cause = err
            .as_ref()
            .and_then(std::error::Error::source)
            .map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("unsupported") && !c.contains("hunter2")));
    }
}
