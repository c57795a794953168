//! Turning database failures into [`StoreError`]s without leaking values.
//!
//! A driver error can carry the values of the failing row (PostgreSQL's
//! `DETAIL: Key (...)=(...)`, shown by its `Debug`), and those values are
//! ciphertext, hashes or identifiers. So a cause is kept only as the
//! driver's one-line message and its SQLSTATE code, never as the original
//! error value.

use std::fmt;
use tutela_engine::store::StoreError;

/// What a write names when one of its constraints fails: the thing that
/// already exists (unique key) and the thing it refers to (foreign key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Names {
    /// Reported as `Conflict { what }` on a unique violation.
    pub(crate) conflict: &'static str,
    /// Reported as `Missing { what }` on a foreign-key violation.
    pub(crate) missing: &'static str,
}

/// A database failure, reduced to what may be logged.
#[derive(Debug)]
pub struct BackendError {
    context: &'static str,
    code: Option<String>,
    message: String,
}

/// PostgreSQL's codes for a transaction that lost a race and may simply be
/// run again: `40P01` (deadlock detected) and `40001` (serialization
/// failure).
const TRANSIENT: [&str; 2] = ["40P01", "40001"];

/// Did `err` come from a lost race (a deadlock between two writers' row
/// locks), so that running the same change again is right?
pub(crate) fn is_transient(err: &StoreError) -> bool {
    let StoreError::Backend(cause) = err else {
        return false;
    };
    cause
        .downcast_ref::<BackendError>()
        .and_then(|b| b.code.as_deref())
        .is_some_and(|code| TRANSIENT.contains(&code))
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.message)?;
        if let Some(code) = &self.code {
            write!(f, " (code {code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for BackendError {}

/// A `StoreError::Backend` saying `context` failed because of `err`.
pub(crate) fn backend(context: &'static str, err: &sqlx::Error) -> StoreError {
    let (code, message) = match err {
        // The driver's own message only: `Display` of a database error is its
        // one-line message, its `Debug` would add the row's values.
        sqlx::Error::Database(db) => (db.code().map(|c| c.into_owned()), db.message().to_owned()),
        other => (None, other.to_string()),
    };
    StoreError::Backend(Box::new(BackendError {
        context,
        code,
        message,
    }))
}

/// A `StoreError::Backend` for a failure that is not the driver's.
pub(crate) fn internal(context: &'static str, message: &'static str) -> StoreError {
    StoreError::Backend(Box::new(BackendError {
        context,
        code: None,
        message: message.to_owned(),
    }))
}

/// Maps the failure of a write: unique and foreign-key violations become
/// `Conflict` and `Missing`, anything else `Backend`.
pub(crate) fn write_error(names: Names, err: &sqlx::Error) -> StoreError {
    match err.as_database_error().map(|db| db.kind()) {
        Some(sqlx::error::ErrorKind::UniqueViolation) => StoreError::Conflict {
            what: names.conflict,
        },
        Some(sqlx::error::ErrorKind::ForeignKeyViolation) => StoreError::Missing {
            what: names.missing,
        },
        _ => backend(names.conflict, err),
    }
}

/// A `StoreError::Backend` saying `context` failed because of `err`, from
/// rusqlite. SQLite's messages name tables and columns, never values; the
/// extended result code is kept as the code.
pub(crate) fn sqlite(context: &'static str, err: &rusqlite::Error) -> StoreError {
    let (code, message) = match err {
        rusqlite::Error::SqliteFailure(failure, message) => (
            Some(failure.extended_code.to_string()),
            message.clone().unwrap_or_else(|| failure.to_string()),
        ),
        other => (None, other.to_string()),
    };
    StoreError::Backend(Box::new(BackendError {
        context,
        code,
        message,
    }))
}

/// [`write_error`] for rusqlite: unique and primary-key violations become
/// `Conflict`, foreign-key violations `Missing`, anything else `Backend`.
pub(crate) fn sqlite_write(names: Names, err: &rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    match err {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                StoreError::Conflict {
                    what: names.conflict,
                }
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::Missing {
                what: names.missing,
            },
            _ => sqlite(names.conflict, err),
        },
        _ => sqlite(names.conflict, err),
    }
}

/// A row that does not decode into the engine's types (a bad id, a MAC of
/// the wrong length): the data was changed behind the store's back.
pub(crate) fn corrupt(column: &'static str) -> StoreError {
    internal(column, "stored value is malformed")
}

/// Carries one failure to every caller of a batch. `StoreError` is not
/// `Clone`, so each caller gets its own error that shares the cause.
pub(crate) fn shared(err: &StoreError) -> StoreError {
    match err {
        StoreError::Conflict { what } => StoreError::Conflict { what },
        StoreError::Missing { what } => StoreError::Missing { what },
        StoreError::SubjectErased => StoreError::SubjectErased,
        StoreError::SubjectFull => StoreError::SubjectFull,
        StoreError::Unsupported { what } => StoreError::Unsupported { what },
        StoreError::LedgerUnavailable(e) => {
            StoreError::LedgerUnavailable(std::io::Error::new(e.kind(), e.to_string()))
        }
        StoreError::Backend(cause) => StoreError::Backend(Box::new(BackendError {
            context: "batch",
            code: cause
                .downcast_ref::<BackendError>()
                .and_then(|b| b.code.clone()),
            message: cause.to_string(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_context_and_not_the_values() {
        let err = backend("records", &sqlx::Error::RowNotFound);
        let text = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(
            text.as_deref(),
            Some("records: no rows returned by a query that expected to return at least one row")
        );
        assert_eq!(err.to_string(), "storage failure");
    }

    #[test]
    fn sqlite_constraint_failures_name_the_thing_not_the_values() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .unwrap();
        conn.execute("INSERT INTO t VALUES ('secret-value')", [])
            .unwrap();
        let err = conn
            .execute("INSERT INTO t VALUES ('secret-value')", [])
            .unwrap_err();
        let names = Names {
            conflict: "tenant",
            missing: "subject",
        };
        assert!(matches!(
            sqlite_write(names, &err),
            StoreError::Conflict { what: "tenant" }
        ));
        let err = conn.execute("INSERT INTO nope VALUES (1)", []).unwrap_err();
        let backend = sqlite_write(names, &err);
        let cause = std::error::Error::source(&backend).map(ToString::to_string);
        assert_eq!(
            cause.as_deref(),
            Some("tenant: no such table: nope (code 1)")
        );
    }

    #[test]
    fn shared_errors_keep_their_kind() {
        let conflict = shared(&StoreError::Conflict { what: "tenant" });
        assert!(matches!(conflict, StoreError::Conflict { what: "tenant" }));
        let backend = shared(&internal("commit", "disk full"));
        let cause = std::error::Error::source(&backend).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("batch: commit: disk full"));
    }

    fn with_code(code: &str) -> StoreError {
        StoreError::Backend(Box::new(BackendError {
            context: "subject",
            code: Some(code.to_owned()),
            message: "lost".into(),
        }))
    }

    #[test]
    fn only_lost_races_are_run_again_and_sharing_keeps_that() {
        assert!(is_transient(&with_code("40P01")));
        assert!(is_transient(&with_code("40001")));
        assert!(!is_transient(&with_code("23505")), "a conflict is final");
        assert!(!is_transient(&StoreError::SubjectErased));
        assert!(is_transient(&shared(&with_code("40P01"))));
    }
}
