//! The SQLite schema's migrations, embedded in the binary and applied in
//! order at open, in one `BEGIN IMMEDIATE` transaction (so two processes
//! opening the same file at once do not both migrate it). Forward-only: a
//! released file is never edited; a change is a new file.
//!
//! The applied version is the database's `PRAGMA user_version`, which is
//! written in the same transaction as the migrations it counts. A database
//! created by an earlier Tutela, which migrated through sqlx, has
//! `user_version = 0` and a `_sqlx_migrations` table: its successful
//! versions are adopted (and that table left as it is), so such a file
//! opens without running a migration twice.

use crate::error::{internal, sqlite};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use tutela_engine::store::StoreError;

/// Every migration, in order; its version is its position, counted from 1.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_key_check.sql"),
    include_str!("../../migrations/sqlite/0003_audit_lanes.sql"),
    include_str!("../../migrations/sqlite/0004_requests.sql"),
    include_str!("../../migrations/sqlite/0005_access.sql"),
    include_str!("../../migrations/sqlite/0006_holds.sql"),
    include_str!("../../migrations/sqlite/0007_deliveries.sql"),
    include_str!("../../migrations/sqlite/0008_deaths.sql"),
    include_str!("../../migrations/sqlite/0009_retention.sql"),
    include_str!("../../migrations/sqlite/0010_consent_proof.sql"),
    include_str!("../../migrations/sqlite/0011_policy_versions.sql"),
    include_str!("../../migrations/sqlite/0012_surveys.sql"),
    include_str!("../../migrations/sqlite/0013_consent_text_index.sql"),
    include_str!("../../migrations/sqlite/0014_records_clustered.sql"),
    include_str!("../../migrations/sqlite/0015_requests_by_subject_due.sql"),
    include_str!("../../migrations/sqlite/0016_unsubscribe_links_by_subject.sql"),
    include_str!("../../migrations/sqlite/0017_visitor_choices_by_age.sql"),
];

/// Brings the schema up to date; a database newer than this binary is
/// refused rather than written to.
pub(crate) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sqlite("migrate sqlite", &e))?;
    let recorded = user_version(&tx)?;
    let applied = if recorded == 0 {
        adopted_from_sqlx(&tx)?
    } else {
        recorded
    };
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if applied > known {
        return Err(internal(
            "migrate sqlite",
            "the database was written by a newer version of Tutela",
        ));
    }
    let start = usize::try_from(applied).unwrap_or(0);
    for migration in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(migration)
            .map_err(|e| sqlite("migrate sqlite", &e))?;
    }
    if recorded != known {
        tx.pragma_update(None, "user_version", known)
            .map_err(|e| sqlite("migrate sqlite", &e))?;
    }
    tx.commit().map_err(|e| sqlite("migrate sqlite", &e))
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| sqlite("migrate sqlite", &e))
}

/// The highest version sqlx recorded as applied, or 0 without its table.
/// sqlx applies versions in order and stops at a failure, so the highest
/// successful one counts every migration before it too.
fn adopted_from_sqlx(conn: &Connection) -> Result<i64, StoreError> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| sqlite("migrate sqlite", &e))?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1",
        [],
        |row| row.get(0),
    )
    .map_err(|e| sqlite("migrate sqlite", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut statement = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The version a fully migrated database records: the number of files.
    fn latest() -> i64 {
        i64::try_from(MIGRATIONS.len()).unwrap()
    }

    #[test]
    fn a_fresh_database_gets_every_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
        let names = tables(&conn);
        assert!(names.contains(&"audit_entries".to_owned()));
        assert!(names.contains(&"key_check".to_owned()));
        let index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' \
                 AND name = 'audit_entries_by_subject'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(index, 1, "the access log's index");
        // Opening again runs nothing (a second CREATE TABLE would fail).
        run(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
    }

    /// The access log's read is a range scan of the 0005 index, in its
    /// order: its cost follows one subject's entries, not the chain's size.
    #[test]
    fn the_access_log_read_searches_its_index_without_sorting() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        let text = format!(
            "EXPLAIN QUERY PLAN {}",
            crate::sql::for_sqlite(crate::sql::SELECT_AUDIT_FOR_SUBJECT)
        );
        let mut statement = conn.prepare(&text).unwrap();
        let plan: Vec<String> = statement
            .query_map(rusqlite::params!["acme", "s", 0, 0, 0, 10], |row| {
                row.get(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("USING INDEX audit_entries_by_subject (tenant_id=? AND subject=?"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// The plan SQLite chooses for `sql` (placeholders bound to `args`).
    fn plan_of(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> String {
        let text = format!("EXPLAIN QUERY PLAN {}", crate::sql::for_sqlite(sql));
        let mut statement = conn.prepare(&text).unwrap();
        let plan: Vec<String> = statement
            .query_map(args, |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        plan.join("\n")
    }

    /// Migration 14 clusters records by subject: the rows written before it
    /// are all kept, a subject's records are found through the table's own
    /// key, and the sweep's candidates still through the collection-time
    /// index.
    #[test]
    fn records_are_clustered_by_subject_and_none_is_lost() {
        let mut conn = Connection::open_in_memory().unwrap();
        for m in MIGRATIONS.iter().take(13) {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", 13).unwrap();
        // The rows' subjects are beside the point here.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        for (subject, record) in [("s1", "r1"), ("s1", "r2"), ("s2", "r3")] {
            conn.execute(
                "INSERT INTO records (tenant_id, record_id, subject_id, category, purpose, \
                 source, ciphertext, collected_at) VALUES ('acme', ?1, ?2, 'email', 'account', \
                 'form', x'0102', 7)",
                [record, subject],
            )
            .unwrap();
        }
        run(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
        let kept: Vec<(String, String, Vec<u8>, i64)> = conn
            .prepare(
                "SELECT subject_id, record_id, ciphertext, collected_at FROM records \
                 ORDER BY record_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[2], ("s2".into(), "r3".into(), vec![1, 2], 7));
        let by_subject = plan_of(&conn, crate::sql::SUBJECT_HOLDINGS, &[&"acme", &"s1"]);
        assert!(
            by_subject.contains("USING PRIMARY KEY (tenant_id=? AND subject_id=?)"),
            "{by_subject}"
        );
        let one = plan_of(&conn, crate::sql::DELETE_RECORD, &[&"acme", &"r1", &"s1"]);
        assert!(
            one.contains("USING PRIMARY KEY (tenant_id=? AND subject_id=? AND record_id=?)"),
            "{one}"
        );
        let due = plan_of(
            &conn,
            crate::sql::SELECT_RETENTION_CANDIDATES,
            &[&"acme", &10, &0, &"", &500],
        );
        assert!(due.contains("records_by_age"), "{due}");
        assert!(!due.contains("TEMP B-TREE"), "{due}");
    }

    /// One subject's requests are read through the index on the subject
    /// and due date, whatever the length of the tenant's queue, unsorted.
    #[test]
    fn a_subjects_requests_are_listed_through_its_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        let plan = plan_of(
            &conn,
            crate::sql::SELECT_SUBJECT_REQUESTS,
            &[&"acme", &"", &0, &0, &i64::MIN, &"", &50, &"s1", &""],
        );
        assert!(
            plan.contains("USING INDEX requests_by_subject_due (tenant_id=? AND subject_id=?"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// What sqlx's migrator leaves behind.
    fn sqlx_table(conn: &Connection, versions: &[i64]) {
        conn.execute_batch(
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
             success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
        )
        .unwrap();
        for v in versions {
            conn.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (?1, 'm', 1, x'00', 1)",
                [v],
            )
            .unwrap();
        }
    }

    #[test]
    fn a_database_migrated_by_sqlx_is_adopted() {
        let mut conn = Connection::open_in_memory().unwrap();
        // What the sqlx-based versions created: migrations 1 and 2.
        for m in MIGRATIONS.iter().take(2) {
            conn.execute_batch(m).unwrap();
        }
        sqlx_table(&conn, &[1, 2]);
        conn.execute(
            "INSERT INTO audit_heads (tenant_id, seq, mac) VALUES ('acme', 4, zeroblob(32))",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO key_check (id, value) VALUES (1, zeroblob(32))",
            [],
        )
        .unwrap();
        run(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM key_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, 1, "nothing was re-created");
        // Migration 3 kept the chain's head, now as lane 0.
        let head: (i64, i64) = conn
            .query_row(
                "SELECT lane, seq FROM audit_heads WHERE tenant_id = 'acme'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(head, (0, 4));
    }

    #[test]
    fn a_partly_migrated_sqlx_database_gets_the_rest() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS.first().unwrap()).unwrap();
        sqlx_table(&conn, &[1]);
        run(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
        assert!(tables(&conn).contains(&"key_check".to_owned()));
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(run(&mut conn).is_err());
    }
}
