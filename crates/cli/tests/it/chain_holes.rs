//! Defect 8 of the hardening issue: `audit verify` must not be blind to a
//! chain deleted whole, nor to a chain whose tenant row was deleted.

use crate::support::{temp_dir, tutela};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::Path;

/// Two tenants (`acme`, `beta`) besides the operator, made with the CLI.
pub fn setup(d: &Path) {
    tutela(d, &["init"]).expect_code(0);
    for id in ["acme", "beta"] {
        tutela(
            d,
            &[
                "tenant",
                "create",
                id,
                "--name",
                "Example Ltd",
                "--policy",
                "tutela-data/policy.toml",
            ],
        )
        .expect_code(0);
    }
    tutela(d, &["audit", "verify"])
        .expect_code(0)
        .expect_output(&["acme: intact (", "beta: intact (", "operator: intact ("]);
}

/// A raw connection to the database file, as someone with write access
/// to it would have: no foreign keys enforced.
pub async fn raw_db(d: &Path) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(d.join("tutela-data/tutela.db"))
        .foreign_keys(false)
        .connect()
        .await
        .unwrap()
}

/// Runs `sql` on the database file; returns the rows it touched.
pub async fn tamper(d: &Path, sql: &'static str) -> u64 {
    let mut conn = raw_db(d).await;
    let done = sqlx::query(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    done.rows_affected()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_08_a_chain_deleted_whole_is_reported_broken() {
    let dir = temp_dir();
    let d = dir.path();
    setup(d);
    assert!(tamper(d, "DELETE FROM audit_entries WHERE tenant_id = 'acme'").await > 0);
    assert_eq!(
        tamper(d, "DELETE FROM audit_heads WHERE tenant_id = 'acme'").await,
        1
    );
    tutela(d, &["audit", "verify"])
        .expect_code(1)
        .expect_output(&[
            "acme: BROKEN at entry 1 (",
            "creation entry",
            "beta: intact (",
        ]);
    tutela(d, &["audit", "verify", "--tenant", "acme"])
        .expect_code(1)
        .expect_output(&["acme: BROKEN at entry 1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_head_or_creation_entry_is_a_break() {
    let dir = temp_dir();
    let d = dir.path();
    setup(d);
    tamper(d, "DELETE FROM audit_heads WHERE tenant_id = 'acme'").await;
    tamper(
        d,
        "DELETE FROM audit_entries WHERE tenant_id = 'beta' AND seq = 1",
    )
    .await;
    tutela(d, &["audit", "verify"])
        .expect_code(1)
        .expect_output(&["acme: BROKEN at entry", "head", "beta: BROKEN at entry 1 ("]);
    // A checkpoint can still be taken: it leaves the broken chains alone.
    tutela(d, &["audit", "checkpoint", "--out", "cp.json"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_08_a_deleted_tenant_row_does_not_hide_its_chain() {
    let dir = temp_dir();
    let d = dir.path();
    setup(d);
    assert_eq!(
        tamper(d, "DELETE FROM tenants WHERE tenant_id = 'beta'").await,
        1
    );
    tutela(d, &["audit", "verify"])
        .expect_code(1)
        .expect_output(&[
            "acme: intact (",
            "beta: BROKEN at entry 1 (tenant row missing",
        ]);
    tutela(d, &["audit", "verify", "--tenant", "beta"])
        .expect_code(1)
        .expect_output(&["beta: BROKEN", "tenant row missing"]);
}
