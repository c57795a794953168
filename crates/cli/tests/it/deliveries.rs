//! `tutela deliveries run`: one pass of the task that tells recipients
//! (Art. 19), from the command line: an erasure's notices are tried once,
//! and a second pass right after tries nothing (they wait for backoff).

use crate::support::{spawn_demo, temp_dir, tutela};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pass_tries_due_notices_and_then_waits_for_the_backoff() {
    let dir = temp_dir();
    let d = dir.path();
    // The server's own delivery task is off, so only the CLI sends.
    let server = spawn_demo(d, &[("TUTELA_DELIVERY_INTERVAL_SECS", "0")]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "account",
        "records": [{"category": "email", "value": "notice.test@demo.example"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().unwrap().to_owned();
    let (status, _) = server
        .delete(&format!("/v1/subjects/{subject}"), &server.dpo)
        .await;
    assert_eq!(status, 204);
    assert!(server.stop().success());

    // Two recipients get email (helpdesk, tax_office); neither has an
    // endpoint yet, so both attempts fail and are scheduled again.
    tutela(d, &["deliveries", "run"])
        .expect_code(0)
        .expect_output(&["delivered 0, to retry 2, given up 0"]);
    tutela(d, &["deliveries", "run"])
        .expect_code(0)
        .expect_output(&["delivered 0, to retry 0, given up 0"]);
}
