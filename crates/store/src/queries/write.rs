//! The write side: applying a change's writes in order and appending its
//! audit entries, inside a transaction the backend opened.

use super::{Affected, Dialect, Queries};
use crate::error::{Names, backend, internal, write_error};
use crate::rows::{HeadDb, join_purposes, micros};
use crate::sql;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tutela_engine::audit::{AuditChain, AuditEntry, AuditEvent, AuditHead};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{Change, IdentifierRow, RecordRow, StoreError, Write};

type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments>;

const TENANT: Names = Names {
    conflict: "tenant",
    missing: "tenant",
};
const POLICY: Names = Names {
    conflict: "policy version",
    missing: "tenant",
};
const fn of_subject(conflict: &'static str) -> Names {
    Names {
        conflict,
        missing: "subject",
    }
}
const SUBJECT: Names = Names {
    conflict: "subject",
    missing: "tenant",
};
const API_KEY: Names = Names {
    conflict: "api key",
    missing: "tenant",
};
const AUDIT: Names = Names {
    conflict: "audit entry",
    missing: "tenant",
};

fn to_i64(n: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| internal(what, "value out of range"))
}

/// Records and identifiers, which consecutive writes insert together.
fn is_row_insert(write: &Write) -> bool {
    matches!(write, Write::InsertRecord(_) | Write::InsertIdentifier(_))
}

/// Refuses a write whose row names another tenant than the change.
fn same_tenant(change: &TenantId, row: &TenantId) -> Result<(), StoreError> {
    if change == row {
        Ok(())
    } else {
        Err(internal(
            "apply",
            "a write names another tenant than its change",
        ))
    }
}

impl<DB> Queries<DB>
where
    DB: Database + Dialect,
    DB::QueryResult: Affected,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> HeadDb: FromRow<'r, DB::Row>,
    for<'r> (Option<i64>,): FromRow<'r, DB::Row>,
{
    async fn exec(
        conn: &mut DB::Connection,
        query: Query<'_, DB>,
        names: Names,
    ) -> Result<u64, StoreError> {
        match query.execute(conn).await {
            Ok(done) => Ok(done.affected()),
            Err(e) => Err(write_error(names, &e)),
        }
    }

    /// Applies `change.writes` in order on `conn`, inside the caller's
    /// transaction. Stops at the first failure; the caller rolls back.
    pub(crate) async fn apply_writes(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        change: &Change,
    ) -> Result<(), StoreError> {
        let mut rest = change.writes.as_slice();
        while let Some((first, tail)) = rest.split_first() {
            if is_row_insert(first) {
                let n = rest.iter().take_while(|w| is_row_insert(w)).count();
                let (run, after) = rest.split_at(n);
                Self::insert_rows(conn, tenant, run).await?;
                rest = after;
            } else {
                Self::write(conn, tenant, first).await?;
                rest = tail;
            }
        }
        Ok(())
    }

    /// Inserts a run of records and identifiers with one multi-row statement
    /// each (records first, since identifiers point at them): a write of
    /// several values costs two statements, not one per value.
    async fn insert_rows(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        run: &[Write],
    ) -> Result<(), StoreError> {
        let t = tenant.as_str();
        let mut subjects: Vec<SubjectId> = run
            .iter()
            .filter_map(|w| match w {
                Write::InsertRecord(r) => Some(r.subject),
                Write::InsertIdentifier(r) => Some(r.subject),
                _ => None,
            })
            .collect();
        subjects.sort_unstable();
        subjects.dedup();
        for subject in &subjects {
            Self::require_live(conn, tenant, subject).await?;
        }
        let records: Vec<&RecordRow> = run
            .iter()
            .filter_map(|w| match w {
                Write::InsertRecord(r) => Some(r),
                _ => None,
            })
            .collect();
        for chunk in records.chunks(sql::MAX_ROWS_PER_INSERT) {
            let statement = sql::insert_rows(sql::INSERT_RECORDS_INTO, 8, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(statement));
            for row in chunk {
                same_tenant(tenant, &row.tenant)?;
                q = q
                    .bind(t)
                    .bind(row.id.to_string())
                    .bind(row.subject.to_string())
                    .bind(row.category.as_str())
                    .bind(row.purpose.as_str())
                    .bind(row.source.as_str())
                    .bind(row.ciphertext.as_slice())
                    .bind(micros(row.collected_at));
            }
            Self::exec(conn, q, of_subject("record")).await?;
        }
        let identifiers: Vec<&IdentifierRow> = run
            .iter()
            .filter_map(|w| match w {
                Write::InsertIdentifier(r) => Some(r),
                _ => None,
            })
            .collect();
        for chunk in identifiers.chunks(sql::MAX_ROWS_PER_INSERT) {
            let statement = sql::insert_rows(sql::INSERT_IDENTIFIERS_INTO, 5, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(statement));
            for row in chunk {
                same_tenant(tenant, &row.tenant)?;
                q = q
                    .bind(t)
                    .bind(row.category.as_str())
                    .bind(&row.blind_index[..])
                    .bind(row.subject.to_string())
                    .bind(row.record.to_string());
            }
            Self::exec(conn, q, of_subject("identifier")).await?;
        }
        Ok(())
    }

    async fn write(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        write: &Write,
    ) -> Result<(), StoreError> {
        let t = tenant.as_str();
        match write {
            Write::InsertTenant(row) => {
                same_tenant(tenant, &row.id)?;
                let q = sqlx::query(sql::INSERT_TENANT)
                    .bind(t)
                    .bind(row.name.as_str())
                    .bind(row.operator)
                    .bind(i64::from(row.policy_version))
                    .bind(micros(row.created_at));
                Self::exec(conn, q, TENANT).await?;
            }
            Write::InsertPolicy(row) => {
                same_tenant(tenant, &row.tenant)?;
                let version = i64::from(row.version);
                let q = sqlx::query(sql::INSERT_POLICY)
                    .bind(t)
                    .bind(version)
                    .bind(row.source.as_str())
                    .bind(micros(row.published_at));
                Self::exec(conn, q, POLICY).await?;
                let q = sqlx::query(sql::SET_POLICY_VERSION).bind(t).bind(version);
                Self::exec(conn, q, POLICY).await?;
            }
            Write::InsertSubject(row) => {
                same_tenant(tenant, &row.tenant)?;
                let q = sqlx::query(sql::INSERT_SUBJECT)
                    .bind(t)
                    .bind(row.id.to_string())
                    .bind(row.kind.as_str())
                    .bind(row.wrapped_key.as_deref())
                    .bind(row.restricted)
                    .bind(micros(row.created_at))
                    .bind(row.erased_at.map(micros));
                Self::exec(conn, q, SUBJECT).await?;
            }
            Write::InsertIdentifier(_) | Write::InsertRecord(_) => {
                Self::insert_rows(conn, tenant, std::slice::from_ref(write)).await?;
            }
            Write::InsertConsent(row) => {
                same_tenant(tenant, &row.tenant)?;
                Self::require_live(conn, tenant, &row.subject).await?;
                let q = sqlx::query(sql::INSERT_CONSENT)
                    .bind(t)
                    .bind(row.id.to_string())
                    .bind(row.subject.to_string())
                    .bind(row.purpose.as_str())
                    .bind(row.granted)
                    .bind(micros(row.at))
                    .bind(row.expires_at.map(micros))
                    .bind(i64::from(row.policy_version))
                    .bind(row.source.as_str());
                Self::exec(conn, q, of_subject("consent")).await?;
            }
            Write::InsertObjection(row) => {
                same_tenant(tenant, &row.tenant)?;
                Self::require_live(conn, tenant, &row.subject).await?;
                let q = sqlx::query(sql::INSERT_OBJECTION)
                    .bind(t)
                    .bind(row.id.to_string())
                    .bind(row.subject.to_string())
                    .bind(row.purpose.as_ref().map(|p| p.as_str()))
                    .bind(micros(row.at));
                Self::exec(conn, q, of_subject("objection")).await?;
            }
            Write::SetRestricted {
                subject,
                restricted,
            } => {
                let q = sqlx::query(sql::SET_RESTRICTED)
                    .bind(t)
                    .bind(subject.to_string())
                    .bind(*restricted);
                if Self::exec(conn, q, of_subject("subject")).await? == 0 {
                    // Missing or erased: say which.
                    Self::require_live(conn, tenant, subject).await?;
                    return Err(StoreError::SubjectErased);
                }
            }
            Write::EraseSubject { subject, at } => {
                let id = subject.to_string();
                let q = sqlx::query(sql::ERASE_SUBJECT)
                    .bind(t)
                    .bind(id.as_str())
                    .bind(micros(*at));
                Self::exec_existing(conn, q, "subject").await?;
                for statement in [sql::DELETE_IDENTIFIERS, sql::DELETE_RECORDS] {
                    let q = sqlx::query(statement).bind(t).bind(id.as_str());
                    Self::exec(conn, q, of_subject("subject")).await?;
                }
            }
            Write::InsertApiKey(row) => {
                same_tenant(tenant, &row.tenant)?;
                let purposes = join_purposes(&row.purposes);
                let q = sqlx::query(sql::INSERT_API_KEY)
                    .bind(t)
                    .bind(row.id.to_string())
                    .bind(&row.secret_hash[..])
                    .bind(row.role.as_str())
                    .bind(purposes.as_str())
                    .bind(row.label.as_str())
                    .bind(micros(row.created_at))
                    .bind(row.revoked_at.map(micros));
                Self::exec(conn, q, API_KEY).await?;
            }
            Write::RevokeApiKey { id, at } => {
                let q = sqlx::query(sql::REVOKE_API_KEY)
                    .bind(t)
                    .bind(id.to_string())
                    .bind(micros(*at));
                Self::exec_existing(conn, q, "api key").await?;
            }
        }
        Ok(())
    }

    /// Fails unless `subject` is there and not erased, read inside the
    /// caller's transaction (under a share lock held to commit where the
    /// backend needs one, see [`Dialect::SUBJECT_STATE`]): every write about
    /// a subject checks this first, so a write racing an erasure either
    /// commits before it (and the erasure deletes it) or fails with
    /// `SubjectErased`, leaving nothing behind.
    async fn require_live(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        subject: &SubjectId,
    ) -> Result<(), StoreError> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(DB::SUBJECT_STATE)
            .bind(tenant.as_str())
            .bind(subject.to_string())
            .fetch_optional(conn)
            .await
            .map_err(|e| backend("subjects", &e))?;
        match row {
            None => Err(StoreError::Missing { what: "subject" }),
            Some((Some(_),)) => Err(StoreError::SubjectErased),
            Some((None,)) => Ok(()),
        }
    }

    /// Runs an update that must hit a row; `Missing { what }` if none.
    async fn exec_existing(
        conn: &mut DB::Connection,
        query: Query<'_, DB>,
        what: &'static str,
    ) -> Result<(), StoreError> {
        let names = Names {
            conflict: what,
            missing: what,
        };
        match Self::exec(conn, query, names).await? {
            0 => Err(StoreError::Missing { what }),
            _ => Ok(()),
        }
    }

    /// Reads a lane's head row. `None` when the lane has no row yet (or a
    /// placeholder row of an empty lane).
    pub(crate) async fn head_row(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        lane: u32,
    ) -> Result<Option<AuditHead>, StoreError> {
        let row: Option<HeadDb> = sqlx::query_as(sql::SELECT_HEAD)
            .bind(tenant.as_str())
            .bind(i64::from(lane))
            .fetch_optional(conn)
            .await
            .map_err(|e| backend("audit_heads", &e))?;
        row.map_or(Ok(None), HeadDb::into_head)
    }

    /// Inserts linked entries, [`sql::MAX_ROWS_PER_INSERT`] per statement.
    pub(crate) async fn insert_audit(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        entries: &[AuditEntry],
    ) -> Result<(), StoreError> {
        let t = tenant.as_str();
        for chunk in entries.chunks(sql::MAX_ROWS_PER_INSERT) {
            let statement = sql::insert_rows(
                sql::INSERT_AUDIT_ENTRIES_INTO,
                sql::AUDIT_ENTRY_COLUMNS,
                chunk.len(),
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(statement));
            for e in chunk {
                q = q
                    .bind(t)
                    .bind(i64::from(e.lane))
                    .bind(to_i64(e.seq, "audit seq")?)
                    .bind(e.at_us)
                    .bind(e.actor.as_str())
                    .bind(e.action.as_str())
                    .bind(e.purpose.as_deref())
                    .bind(e.subject.as_deref())
                    .bind(e.detail.as_str())
                    .bind(e.outcome.as_str())
                    .bind(&e.prev_mac[..])
                    .bind(&e.mac[..]);
            }
            Self::exec(conn, q, AUDIT).await?;
        }
        Ok(())
    }

    /// Moves a lane's head to `head` from `old_seq` (0: the lane had none).
    /// Fails if the head was moved by anyone else meanwhile: the caller's
    /// transaction then rolls back rather than fork the lane.
    pub(crate) async fn move_head(
        conn: &mut DB::Connection,
        tenant: &TenantId,
        head: AuditHead,
        old_seq: u64,
    ) -> Result<(), StoreError> {
        let q = sqlx::query(sql::MOVE_AUDIT_HEAD)
            .bind(tenant.as_str())
            .bind(i64::from(head.lane))
            .bind(to_i64(head.seq, "audit seq")?)
            .bind(&head.mac[..])
            .bind(to_i64(old_seq, "audit seq")?);
        match Self::exec(conn, q, AUDIT).await? {
            1 => Ok(()),
            _ => Err(internal(
                "audit_heads",
                "the audit lane's head was moved by another writer",
            )),
        }
    }
}

/// Links `events` on `lane` after `head`, for `tenant`'s chain: the pure
/// step before the entries are inserted.
pub(crate) fn link(
    tenant: &TenantId,
    chain: &AuditChain,
    lane: u32,
    head: Option<AuditHead>,
    events: &[AuditEvent],
) -> Result<Vec<AuditEntry>, StoreError> {
    if chain.tenant() != tenant {
        return Err(internal("apply", "the audit chain is another tenant's"));
    }
    let mut entries: Vec<AuditEntry> = Vec::with_capacity(events.len());
    for event in events {
        let prev = entries.last().map(AuditEntry::head).or(head);
        entries.push(chain.link(lane, prev.as_ref(), event));
    }
    Ok(entries)
}
