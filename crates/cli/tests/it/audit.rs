//! `tutela audit verify` after a demo run: intact, then an edited entry is
//! found, by tenant and position, with exit code 1. Also: the server stops
//! gracefully on SIGTERM, and a second demo start reuses the data and
//! revokes the previous run's keys.

use crate::support::{spawn_demo, temp_dir, tutela};
use serde_json::json;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_finds_an_edited_entry() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "account",
        "records": [{"category": "email", "value": "audit.test@demo.example"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, _) = server
        .get(
            &format!("/v1/subjects/{id}/records?purpose=advertising"),
            &server.service,
        )
        .await;
    assert_eq!(status, 403);
    let (status, verified) = server.get("/v1/audit/verify", &server.dpo).await;
    assert_eq!(status, 200, "{verified}");
    let logs = server.logs();
    let stopped = server.stop();
    assert!(
        stopped.success(),
        "serve did not stop cleanly on SIGTERM: {stopped}\n{logs}"
    );

    tutela(d, &["audit", "verify"])
        .expect_code(0)
        .expect_output(&["acme: intact (", "operator: intact ("]);

    let db = d.join("tutela-data/tutela.db");
    let mut conn = SqliteConnectOptions::new()
        .filename(&db)
        .connect()
        .await
        .unwrap();
    let edited = sqlx::query("UPDATE audit_entries SET detail = detail || ' (edited)' WHERE tenant_id = 'acme' AND seq = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(edited.rows_affected(), 1);
    conn.close().await.unwrap();

    let run = tutela(d, &["audit", "verify"]);
    run.expect_code(1)
        .expect_output(&["acme: BROKEN at entry 3 (", "operator: intact ("]);
    tutela(d, &["audit", "verify", "--tenant", "operator"]).expect_code(0);
    tutela(d, &["audit", "verify", "--tenant", "acme"])
        .expect_code(1)
        .expect_output(&["acme: BROKEN at entry 3"]);
    tutela(d, &["audit", "verify", "--tenant", "nobody"])
        .expect_code(1)
        .expect_output(&["nobody", "--tenant"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_demo_start_reuses_the_data_and_revokes_old_keys() {
    let dir = temp_dir();
    let d = dir.path();
    let first = spawn_demo(d, &[]).await;
    let old_service = first.service.clone();
    let printed = std::fs::read_to_string(&first.stdout).unwrap();
    assert!(printed.contains("First run"), "{printed}");
    first.stop();
    let key_before = std::fs::read(d.join("tutela-data/master.key")).unwrap();

    let second = spawn_demo(d, &[]).await;
    assert_ne!(second.service, old_service);
    assert_eq!(
        std::fs::read(d.join("tutela-data/master.key")).unwrap(),
        key_before
    );
    let (status, _) = second.get("/v1/tenant", &old_service).await;
    assert_eq!(status, 401, "the previous run's demo key still works");
    let (status, found) = second
        .post(
            "/v1/subjects/lookup",
            &second.service,
            &json!({"category": "email", "value": "ada@demo.example"}),
        )
        .await;
    assert_eq!(status, 200, "the demo subjects were not kept: {found}");
    second.stop();
    tutela(d, &["tenant", "list"])
        .expect_code(0)
        .expect_output(&["acme", "operator"]);
}
