//! The read side on PostgreSQL: each function runs on the read pool. The
//! SQL is `sql`'s, shared with SQLite; rows decode through `rows`.

use crate::error::{backend, corrupt};
use crate::rows::{
    ApiKeyDb, ApiKeyGrantDb, AuditEntryDb, HeadDb, LoadRow, PolicyDb, TenantDb, assemble, convert,
};
use crate::sql;
use sqlx::postgres::PgPool;
use tutela_engine::audit::{AuditEntry, AuditHead};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{
    ApiKeyGrant, ApiKeyRow, AuditCursor, PolicyRow, RecordFilter, StoreError, SubjectView,
    TenantRow,
};
use tutela_policy::CategoryId;
use uuid::Uuid;

/// The stored master key check value; an error if none is stored (the
/// caller stores one first).
pub(crate) async fn key_check(pool: &PgPool) -> Result<Vec<u8>, StoreError> {
    let row: (Vec<u8>,) = sqlx::query_as(sql::SELECT_KEY_CHECK)
        .fetch_one(pool)
        .await
        .map_err(|e| backend("key_check", &e))?;
    Ok(row.0)
}

/// Is the schema there?
pub(crate) async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query(sql::PING)
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|e| backend("ping", &e))
}

/// One tenant.
pub(crate) async fn tenant(pool: &PgPool, id: &TenantId) -> Result<Option<TenantRow>, StoreError> {
    let row: Option<TenantDb> = sqlx::query_as(sql::SELECT_TENANT)
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("tenants", &e))?;
    row.map(TenantRow::try_from).transpose()
}

/// Every tenant.
pub(crate) async fn tenants(pool: &PgPool) -> Result<Vec<TenantRow>, StoreError> {
    let rows: Vec<TenantDb> = sqlx::query_as(sql::SELECT_TENANTS)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("tenants", &e))?;
    convert(rows)
}

/// A policy version, or the current one.
pub(crate) async fn policy(
    pool: &PgPool,
    tenant: &TenantId,
    version: Option<u32>,
) -> Result<Option<PolicyRow>, StoreError> {
    let query = match version {
        Some(v) => sqlx::query_as(sql::SELECT_POLICY)
            .bind(tenant.as_str())
            .bind(i64::from(v)),
        None => sqlx::query_as(sql::SELECT_CURRENT_POLICY).bind(tenant.as_str()),
    };
    let row: Option<PolicyDb> = query
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("policies", &e))?;
    row.map(PolicyRow::try_from).transpose()
}

/// Every policy version, oldest first.
pub(crate) async fn policies(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<PolicyRow>, StoreError> {
    let rows: Vec<PolicyDb> = sqlx::query_as(sql::SELECT_POLICIES)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("policies", &e))?;
    convert(rows)
}

/// Everything a purpose check needs about one subject, in one statement
/// (so one consistent snapshot; [`sql::SELECT_SUBJECT_LOAD`]): the subject
/// with its tenant's policy version, its ledger and the records asked for.
pub(crate) async fn subject_view(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
    filter: RecordFilter<'_>,
) -> Result<Option<SubjectView>, StoreError> {
    let categories = match filter {
        RecordFilter::None => Some(&[][..]),
        RecordFilter::Categories(list) => Some(list),
        RecordFilter::All => None,
    };
    let (records, bound) = sql::subject_load(categories);
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql::select_subject_load(records)))
        .bind(tenant.as_str())
        .bind(subject.to_string());
    for c in bound {
        query = query.bind(c.as_str());
    }
    let rows: Vec<LoadRow> = query
        .fetch_all(pool)
        .await
        .map_err(|e| backend("subjects", &e))?;
    let Some(mut view) = assemble(rows)? else {
        return Ok(None);
    };
    sql::keep_asked(&mut view, categories);
    Ok(Some(view))
}

/// The subject an identifier's blind index points at.
pub(crate) async fn subject_by_identifier(
    pool: &PgPool,
    tenant: &TenantId,
    category: &CategoryId,
    blind_index: &[u8; 32],
) -> Result<Option<SubjectId>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(sql::SELECT_SUBJECT_BY_IDENTIFIER)
        .bind(tenant.as_str())
        .bind(category.as_str())
        .bind(&blind_index[..])
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("identifiers", &e))?;
    row.map(|(id,)| {
        Uuid::try_parse(&id)
            .map(SubjectId)
            .map_err(|_| corrupt("identifiers.subject_id"))
    })
    .transpose()
}

/// A key by the hash of its secret with its tenant's operator flag, in
/// one statement.
pub(crate) async fn api_key_grant(
    pool: &PgPool,
    tenant: &TenantId,
    secret_hash: &[u8; 32],
) -> Result<Option<ApiKeyGrant>, StoreError> {
    let row: Option<ApiKeyGrantDb> = sqlx::query_as(sql::SELECT_API_KEY_GRANT)
        .bind(tenant.as_str())
        .bind(&secret_hash[..])
        .fetch_optional(pool)
        .await
        .map_err(|e| backend("api_keys", &e))?;
    row.map(ApiKeyGrant::try_from).transpose()
}

/// The tenant's keys, oldest first.
pub(crate) async fn api_keys(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<ApiKeyRow>, StoreError> {
    let rows: Vec<ApiKeyDb> = sqlx::query_as(sql::SELECT_API_KEYS)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("api_keys", &e))?;
    convert(rows)
}

/// A page of one lane of the chain.
pub(crate) async fn audit_entries(
    pool: &PgPool,
    tenant: &TenantId,
    lane: u32,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    // No entry lies beyond i64::MAX, so a larger `after` asks for nothing.
    let Ok(after) = i64::try_from(after) else {
        return Ok(Vec::new());
    };
    let rows: Vec<AuditEntryDb> = sqlx::query_as(sql::SELECT_AUDIT_ENTRIES)
        .bind(tenant.as_str())
        .bind(i64::from(lane))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("audit_entries", &e))?;
    convert(rows)
}

/// A page of the entries naming one subject, after a cursor.
pub(crate) async fn audit_for_subject(
    pool: &PgPool,
    tenant: &TenantId,
    subject: SubjectId,
    after: Option<AuditCursor>,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let (at_us, lane, seq) = crate::rows::cursor_args(after);
    let rows: Vec<AuditEntryDb> = sqlx::query_as(sql::SELECT_AUDIT_FOR_SUBJECT)
        .bind(tenant.as_str())
        .bind(subject.to_string())
        .bind(at_us)
        .bind(lane)
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(|e| backend("audit_for_subject", &e))?;
    convert(rows)
}

/// Each lane's last committed position and MAC.
pub(crate) async fn audit_heads(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<AuditHead>, StoreError> {
    let rows: Vec<HeadDb> = sqlx::query_as(sql::SELECT_AUDIT_HEADS)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("audit_heads", &e))?;
    let mut heads = Vec::with_capacity(rows.len());
    for row in rows {
        heads.extend(row.into_head()?);
    }
    Ok(heads)
}

/// Every lane with a head or an entry, ascending.
pub(crate) async fn audit_lanes(pool: &PgPool, tenant: &TenantId) -> Result<Vec<u32>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql::SELECT_AUDIT_LANES)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(|e| backend("audit_lanes", &e))?;
    rows.into_iter()
        .map(|(l,)| crate::rows::lane(l, "audit_entries.lane"))
        .collect()
}

/// Every tenant id with a tenant row, an audit head or an audit entry.
pub(crate) async fn audit_tenants(pool: &PgPool) -> Result<Vec<TenantId>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(sql::SELECT_AUDIT_TENANTS)
        .fetch_all(pool)
        .await
        .map_err(|e| backend("audit_tenants", &e))?;
    rows.into_iter()
        .map(|(id,)| TenantId::parse(&id).map_err(|_| corrupt("audit_entries.tenant_id")))
        .collect()
}
