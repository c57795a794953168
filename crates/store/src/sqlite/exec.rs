//! Runs a [`plan`](crate::plan) on a rusqlite connection, inside the
//! transaction or savepoint the writer opened: each statement through the
//! connection's prepared-statement cache, its `$n` placeholders rewritten
//! to `?n` ([`sql::for_sqlite`]).

use crate::error::{Names, sqlite, sqlite_write};
use crate::plan::{Exec, Expect, Step, Value, within_room};
use crate::sql;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use tutela_engine::store::StoreError;

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Null(_) => ValueRef::Null,
            Self::Int(n) => ValueRef::Integer(*n),
            Self::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Self::Text(text) => ValueRef::Text(text.as_bytes()),
            Self::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

/// Runs `steps` in order; stops at the first failure (the caller rolls
/// back its transaction or savepoint).
pub(crate) fn run(conn: &Connection, steps: &[Step]) -> Result<(), StoreError> {
    for step in steps {
        match step {
            Step::RequireLive { tenant, subject } => require_live(conn, tenant, subject)?,
            Step::RequireRoom { tenant, subject } => require_room(conn, tenant, subject)?,
            Step::Exec(exec) => run_one(conn, exec)?,
        }
    }
    Ok(())
}

fn run_one(conn: &Connection, exec: &Exec) -> Result<(), StoreError> {
    let changed = execute(conn, &exec.sql, &exec.args, exec.names)?;
    if let Expect::Rows { what, count } = exec.expect {
        return if u64::try_from(changed) == Ok(count) {
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
        Expect::HeadUnmoved => Err(crate::error::internal(
            "audit_heads",
            "the audit lane's head was moved by another writer",
        )),
        Expect::LiveSubject { tenant, subject } => {
            // Missing or erased: say which.
            require_live(conn, tenant, subject)?;
            Err(StoreError::SubjectErased)
        }
    }
}

/// Executes one statement; the number of rows it changed.
fn execute(
    conn: &Connection,
    text: &str,
    args: &[Value],
    names: Names,
) -> Result<usize, StoreError> {
    let mut statement = super::prepare(conn, text).map_err(|e| sqlite(names.conflict, &e))?;
    statement
        .execute(params_from_iter(args))
        .map_err(|e| sqlite_write(names, &e))
}

/// Fails unless the subject is there and not erased, read inside the
/// caller's transaction. The writer is this database's only writer
/// connection and holds the write lock, so nothing can change the answer
/// before the transaction ends.
fn require_live(conn: &Connection, tenant: &str, subject: &str) -> Result<(), StoreError> {
    let mut statement =
        super::prepare(conn, sql::SUBJECT_STATE).map_err(|e| sqlite("subjects", &e))?;
    let row: Option<Option<i64>> = statement
        .query_row([tenant, subject], |row| row.get(0))
        .optional()
        .map_err(|e| sqlite("subjects", &e))?;
    match row {
        None => Err(StoreError::Missing { what: "subject" }),
        Some(Some(_)) => Err(StoreError::SubjectErased),
        Some(None) => Ok(()),
    }
}

/// Fails with `SubjectFull` when the subject holds more than one subject
/// may, counted inside the caller's transaction (its own writes included).
fn require_room(conn: &Connection, tenant: &str, subject: &str) -> Result<(), StoreError> {
    let mut statement =
        super::prepare(conn, sql::SUBJECT_HOLDINGS).map_err(|e| sqlite("records", &e))?;
    let (records, bytes): (i64, i64) = statement
        .query_row([tenant, subject], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(|e| sqlite("records", &e))?;
    within_room(records, bytes)
}
