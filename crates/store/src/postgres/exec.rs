//! Runs a [`plan`](crate::plan) on a PostgreSQL connection, inside the
//! transaction or savepoint the lane writer opened. sqlx prepares each
//! statement once per connection and reuses it.

use crate::error::{backend, internal, write_error};
use crate::plan::{Exec, Expect, Kind, Step, Value, within_room};
use crate::sql;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::query::Query;
use sqlx::{Arguments, Postgres};
use tutela_engine::store::StoreError;

/// Runs `steps` in order; stops at the first failure (the caller rolls
/// back its transaction or savepoint).
pub(crate) async fn run(conn: &mut PgConnection, steps: &[Step]) -> Result<(), StoreError> {
    for step in steps {
        match step {
            Step::RequireLive { tenant, subject } => require_live(conn, tenant, subject).await?,
            Step::RequireRoom { tenant, subject } => require_room(conn, tenant, subject).await?,
            Step::Exec(exec) => run_one(conn, exec).await?,
        }
    }
    Ok(())
}

async fn run_one(conn: &mut PgConnection, exec: &Exec) -> Result<(), StoreError> {
    let changed = execute(conn, exec).await?;
    if let Expect::Rows { what, count } = exec.expect {
        return if changed == count {
            Ok(())
        } else {
            Err(StoreError::Missing { what })
        };
    }
    if changed > 0 {
        return Ok(());
    }
    match &exec.expect {
        Expect::Any => Ok(()),
        Expect::Row(what) | Expect::Rows { what, .. } => Err(StoreError::Missing { what }),
        Expect::HeadUnmoved => Err(internal(
            "audit_heads",
            "the audit lane's head was moved by another writer",
        )),
        Expect::LiveSubject { tenant, subject } => {
            // Missing or erased: say which.
            require_live(conn, tenant, subject).await?;
            Err(StoreError::SubjectErased)
        }
    }
}

/// Executes one statement; the number of rows it changed.
async fn execute(conn: &mut PgConnection, exec: &Exec) -> Result<u64, StoreError> {
    let mut args = PgArguments::default();
    for value in &exec.args {
        bind(&mut args, value).map_err(|_| internal("bind", "an argument does not encode"))?;
    }
    let query: Query<'_, Postgres, PgArguments> =
        sqlx::query_with(sqlx::AssertSqlSafe(exec.sql.as_ref()), args);
    match query.execute(&mut *conn).await {
        Ok(done) => Ok(done.rows_affected()),
        Err(e) => Err(write_error(exec.names, &e)),
    }
}

/// Binds one value with the PostgreSQL type of the column it fills.
fn bind(args: &mut PgArguments, value: &Value) -> Result<(), sqlx::error::BoxDynError> {
    match value {
        Value::Null(Kind::Int) => args.add(None::<i64>),
        Value::Null(Kind::Text) => args.add(None::<String>),
        Value::Null(Kind::Blob) => args.add(None::<Vec<u8>>),
        Value::Int(n) => args.add(*n),
        Value::Bool(b) => args.add(*b),
        Value::Text(text) => args.add(text.clone()),
        Value::Blob(bytes) => args.add(bytes.clone()),
    }
}

/// Fails unless the subject is there and not erased, read under a share
/// lock held to commit ([`sql::SUBJECT_STATE_FOR_SHARE`]): an erasure's
/// UPDATE waits for this write to commit and then deletes what it wrote; a
/// write that waited for an erasure reads the erased row and stops.
async fn require_live(
    conn: &mut PgConnection,
    tenant: &str,
    subject: &str,
) -> Result<(), StoreError> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(sql::SUBJECT_STATE_FOR_SHARE)
        .bind(tenant)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| backend("subjects", &e))?;
    match row {
        None => Err(StoreError::Missing { what: "subject" }),
        Some((Some(_),)) => Err(StoreError::SubjectErased),
        Some((None,)) => Ok(()),
    }
}

/// Fails with `SubjectFull` when the subject holds more than one subject
/// may, counted inside the caller's transaction (its own writes included).
/// Writes racing on one subject from other connections (or servers) would
/// not see each other's rows until they commit, so each first takes a
/// transaction-scoped advisory lock on the subject: the count of the next
/// one runs after the previous one committed and sees its rows.
async fn require_room(
    conn: &mut PgConnection,
    tenant: &str,
    subject: &str,
) -> Result<(), StoreError> {
    sqlx::query(sql::LOCK_SUBJECT_ROOM_PG)
        .bind(tenant)
        .bind(subject)
        .execute(&mut *conn)
        .await
        .map_err(|e| backend("records", &e))?;
    let (records, bytes): (i64, i64) = sqlx::query_as(sql::SUBJECT_HOLDINGS_PG)
        .bind(tenant)
        .bind(subject)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| backend("records", &e))?;
    within_room(records, bytes)
}
