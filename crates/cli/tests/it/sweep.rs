//! `tutela sweep` and `tutela events`: the forecast from the command line
//! (counts only, nothing changes), a sweep with nothing due yet, and an
//! event the policy does not count from refused with its code.

use crate::support::{spawn_demo, temp_dir, tutela};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forecast_lists_what_will_go_and_a_sweep_removes_nothing_early() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[("TUTELA_SWEEP_INTERVAL_SECS", "0")]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "operations",
        "records": [{"category": "server_log", "value": "GET / 200"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    assert!(server.stop().success());

    tutela(
        d,
        &["sweep", "--dry-run", "--days", "100", "--tenant", "acme"],
    )
    .expect_code(0)
    .expect_output(&[
        "tenant acme",
        "server_log",
        "delete (90 days from collected)",
    ]);
    tutela(d, &["sweep", "--dry-run", "--days", "5000"]).expect_code(2);
    tutela(d, &["sweep", "--days", "3"]).expect_code(2);
    tutela(d, &["sweep", "--tenant", "acme"])
        .expect_code(0)
        .expect_output(&["swept 0 subjects"]);
    tutela(
        d,
        &["events", "record", "--tenant", "acme", "tenant.uninstall"],
    )
    .expect_code(1)
    .expect_output(&["E_EVENT_NOT_DECLARED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_notify_with_nothing_pending_says_so() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    assert!(server.stop().success());
    tutela(d, &["policy", "notify", "--tenant", "acme"])
        .expect_code(0)
        .expect_output(&["no policy version is pending for acme"]);
    tutela(d, &["policy", "notify", "--tenant", "acme", "--page", "0"]).expect_code(2);
}
