//! Every read, as a plain function of a reader connection: the statement
//! from `sql` (rewritten for SQLite, prepared once per connection), its
//! rows filled column by column into the `rows` structs, whose conversions
//! check every value (a tampered row is reported, not trusted).

use crate::error::{corrupt, sqlite};
use crate::rows::{
    ApiKeyDb, ApiKeyGrantDb, AuditEntryDb, HeadDb, LoadRow, PolicyDb, TenantDb, assemble, convert,
};
use crate::sql;
use rusqlite::{Connection, OptionalExtension, Params, Row};
use tutela_engine::audit::{AuditEntry, AuditHead};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{
    ApiKeyGrant, ApiKeyRow, AuditCursor, PolicyRow, StoreError, SubjectView, TenantRow,
};
use tutela_policy::CategoryId;
use uuid::Uuid;

/// Every row of `text`, each mapped by `map`.
pub(super) fn all<T, P: Params>(
    conn: &Connection,
    text: &str,
    params: P,
    context: &'static str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = super::prepare(conn, text).map_err(|e| sqlite(context, &e))?;
    let rows = statement
        .query_map(params, map)
        .map_err(|e| sqlite(context, &e))?;
    rows.collect::<Result<Vec<T>, _>>()
        .map_err(|e| sqlite(context, &e))
}

/// The first row of `text`, if any, mapped by `map`.
pub(super) fn one<T, P: Params>(
    conn: &Connection,
    text: &str,
    params: P,
    context: &'static str,
    map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    let mut statement = super::prepare(conn, text).map_err(|e| sqlite(context, &e))?;
    statement
        .query_row(params, map)
        .optional()
        .map_err(|e| sqlite(context, &e))
}

fn tenant_db(r: &Row<'_>) -> rusqlite::Result<TenantDb> {
    Ok(TenantDb {
        tenant_id: r.get(0)?,
        name: r.get(1)?,
        operator: r.get(2)?,
        policy_version: r.get(3)?,
        created_at: r.get(4)?,
        pending_version: r.get(5)?,
        pending_at: r.get(6)?,
    })
}

fn policy_db(r: &Row<'_>) -> rusqlite::Result<PolicyDb> {
    Ok(PolicyDb {
        tenant_id: r.get(0)?,
        version: r.get(1)?,
        source: r.get(2)?,
        published_at: r.get(3)?,
        effective_at: r.get(4)?,
    })
}

fn api_key_db(r: &Row<'_>) -> rusqlite::Result<ApiKeyDb> {
    Ok(ApiKeyDb {
        tenant_id: r.get(0)?,
        api_key_id: r.get(1)?,
        secret_hash: r.get(2)?,
        role: r.get(3)?,
        purposes: r.get(4)?,
        label: r.get(5)?,
        created_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

fn audit_entry_db(r: &Row<'_>) -> rusqlite::Result<AuditEntryDb> {
    Ok(AuditEntryDb {
        lane: r.get(0)?,
        seq: r.get(1)?,
        at_us: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        purpose: r.get(5)?,
        subject: r.get(6)?,
        detail: r.get(7)?,
        outcome: r.get(8)?,
        prev_mac: r.get(9)?,
        mac: r.get(10)?,
    })
}

/// The stored master key check value; an error if none is stored.
pub(crate) fn key_check(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    one(conn, sql::SELECT_KEY_CHECK, [], "key_check", |r| r.get(0))?
        .ok_or_else(|| corrupt("key_check.value"))
}

/// Is the schema there?
pub(crate) fn ping(conn: &Connection) -> Result<(), StoreError> {
    one(conn, sql::PING, [], "ping", |_| Ok(())).map(|_| ())
}

/// One tenant.
pub(crate) fn tenant(conn: &Connection, id: &str) -> Result<Option<TenantRow>, StoreError> {
    one(conn, sql::SELECT_TENANT, [id], "tenants", tenant_db)?
        .map(TenantRow::try_from)
        .transpose()
}

/// Every tenant.
pub(crate) fn tenants(conn: &Connection) -> Result<Vec<TenantRow>, StoreError> {
    convert(all(conn, sql::SELECT_TENANTS, [], "tenants", tenant_db)?)
}

/// A policy version, or the current one.
pub(crate) fn policy(
    conn: &Connection,
    tenant: &str,
    version: Option<u32>,
) -> Result<Option<PolicyRow>, StoreError> {
    let row = match version {
        Some(v) => one(
            conn,
            sql::SELECT_POLICY,
            rusqlite::params![tenant, i64::from(v)],
            "policies",
            policy_db,
        )?,
        None => one(
            conn,
            sql::SELECT_CURRENT_POLICY,
            [tenant],
            "policies",
            policy_db,
        )?,
    };
    row.map(PolicyRow::try_from).transpose()
}

/// Every policy version, oldest first.
pub(crate) fn policies(conn: &Connection, tenant: &str) -> Result<Vec<PolicyRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_POLICIES,
        [tenant],
        "policies",
        policy_db,
    )?)
}

/// Which records a subject load brings, owned so it can cross to a reader
/// thread.
#[derive(Debug, Clone)]
pub(crate) enum Wanted {
    /// None.
    None,
    /// Of these categories (at most [`sql::MAX_CATEGORIES_IN`] are bound;
    /// a longer list is read whole and filtered here).
    Categories(Vec<CategoryId>),
    /// All.
    All,
}

fn load_row(r: &Row<'_>) -> rusqlite::Result<LoadRow> {
    Ok(LoadRow {
        kind: r.get(1)?,
        id: r.get(2)?,
        tenant_id: r.get(3)?,
        subject_id: r.get(4)?,
        txt1: r.get(5)?,
        txt2: r.get(6)?,
        txt3: r.get(7)?,
        bytes: r.get(8)?,
        flag: r.get(9)?,
        at1: r.get(10)?,
        at2: r.get(11)?,
        num: r.get(12)?,
        num2: r.get(13)?,
        at3: r.get(14)?,
    })
}

/// Everything a purpose check needs about one subject, in one statement
/// (so one consistent snapshot): the subject with its tenant's policy
/// version, its ledger and the records asked for. `None` if there is no
/// such subject.
pub(crate) fn subject_view(
    conn: &Connection,
    tenant: &str,
    subject: &str,
    wanted: &Wanted,
) -> Result<Option<SubjectView>, StoreError> {
    let categories = match wanted {
        Wanted::None => Some(&[][..]),
        Wanted::Categories(list) => Some(list.as_slice()),
        Wanted::All => None,
    };
    let (records, bound) = sql::subject_load(categories);
    let mut args: Vec<&str> = vec![tenant, subject];
    args.extend(bound.iter().map(CategoryId::as_str));
    let rows = all(
        conn,
        &sql::select_subject_load(records),
        rusqlite::params_from_iter(args),
        "subjects",
        load_row,
    )?;
    let Some(mut view) = assemble(rows)? else {
        return Ok(None);
    };
    sql::keep_asked(&mut view, categories);
    Ok(Some(view))
}

/// The subject an identifier's blind index points at.
pub(crate) fn subject_by_identifier(
    conn: &Connection,
    tenant: &str,
    category: &str,
    blind_index: &[u8; 32],
) -> Result<Option<SubjectId>, StoreError> {
    let row: Option<String> = one(
        conn,
        sql::SELECT_SUBJECT_BY_IDENTIFIER,
        rusqlite::params![tenant, category, &blind_index[..]],
        "identifiers",
        |r| r.get(0),
    )?;
    row.map(|id| {
        Uuid::try_parse(&id)
            .map(SubjectId)
            .map_err(|_| corrupt("identifiers.subject_id"))
    })
    .transpose()
}

/// A key by the hash of its secret with its tenant's operator flag, in
/// one statement.
pub(crate) fn api_key_grant(
    conn: &Connection,
    tenant: &str,
    secret_hash: &[u8; 32],
) -> Result<Option<ApiKeyGrant>, StoreError> {
    let row = one(
        conn,
        sql::SELECT_API_KEY_GRANT,
        rusqlite::params![tenant, &secret_hash[..]],
        "api_keys",
        |r| {
            Ok(ApiKeyGrantDb {
                key: api_key_db(r)?,
                operator: r.get(8)?,
            })
        },
    )?;
    row.map(ApiKeyGrant::try_from).transpose()
}

/// The tenant's keys, oldest first.
pub(crate) fn api_keys(conn: &Connection, tenant: &str) -> Result<Vec<ApiKeyRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_API_KEYS,
        [tenant],
        "api_keys",
        api_key_db,
    )?)
}

/// A page of one lane of the chain.
pub(crate) fn audit_entries(
    conn: &Connection,
    tenant: &str,
    lane: u32,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    // No entry lies beyond i64::MAX, so a larger `after` asks for nothing.
    let Ok(after) = i64::try_from(after) else {
        return Ok(Vec::new());
    };
    convert(all(
        conn,
        sql::SELECT_AUDIT_ENTRIES,
        rusqlite::params![tenant, i64::from(lane), after, i64::from(limit)],
        "audit_entries",
        audit_entry_db,
    )?)
}

/// A page of the entries naming one subject, after a cursor.
pub(crate) fn audit_for_subject(
    conn: &Connection,
    tenant: &str,
    subject: &str,
    after: Option<AuditCursor>,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let (at_us, lane, seq) = crate::rows::cursor_args(after);
    convert(all(
        conn,
        sql::SELECT_AUDIT_FOR_SUBJECT,
        rusqlite::params![tenant, subject, at_us, lane, seq, i64::from(limit)],
        "audit_for_subject",
        audit_entry_db,
    )?)
}

/// Each lane's last committed position and MAC, by lane.
pub(crate) fn audit_heads(conn: &Connection, tenant: &str) -> Result<Vec<AuditHead>, StoreError> {
    let rows = all(
        conn,
        sql::SELECT_AUDIT_HEADS,
        [tenant],
        "audit_heads",
        |r| {
            Ok(HeadDb {
                lane: r.get(0)?,
                seq: r.get(1)?,
                mac: r.get(2)?,
            })
        },
    )?;
    let mut heads = Vec::with_capacity(rows.len());
    for row in rows {
        heads.extend(row.into_head()?);
    }
    Ok(heads)
}

/// Every lane with a head or an entry, ascending.
pub(crate) fn audit_lanes(conn: &Connection, tenant: &str) -> Result<Vec<u32>, StoreError> {
    let lanes: Vec<i64> = all(
        conn,
        sql::SELECT_AUDIT_LANES,
        [tenant],
        "audit_lanes",
        |r| r.get(0),
    )?;
    lanes
        .into_iter()
        .map(|l| crate::rows::lane(l, "audit_entries.lane"))
        .collect()
}

/// Every tenant id with a tenant row, an audit head or an audit entry.
pub(crate) fn audit_tenants(conn: &Connection) -> Result<Vec<TenantId>, StoreError> {
    let ids: Vec<String> = all(conn, sql::SELECT_AUDIT_TENANTS, [], "audit_tenants", |r| {
        r.get(0)
    })?;
    ids.iter()
        .map(|id| TenantId::parse(id).map_err(|_| corrupt("audit_entries.tenant_id")))
        .collect()
}
