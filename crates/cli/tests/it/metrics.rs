//! `tutela serve` serves Prometheus metrics only on `metrics_listen`, a
//! separate address, and never on the API's; both stop on SIGTERM.

use crate::support::{spawn_demo, temp_dir};

/// The address after `metrics on http://` in what the server printed.
fn metrics_url(printed: &str) -> Option<String> {
    printed
        .lines()
        .find_map(|l| l.strip_prefix("metrics on "))
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_binds_metrics_only_when_metrics_listen_is_set() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[("TUTELA_METRICS_LISTEN", "127.0.0.1:0")]).await;
    let printed = std::fs::read_to_string(&server.stdout).unwrap();
    let url = metrics_url(&printed).unwrap_or_else(|| panic!("no metrics line\n{printed}"));
    let api = server.http.get(format!("{}/metrics", server.base));
    assert_eq!(api.send().await.unwrap().status(), 404);
    let metrics = server.http.get(&url).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics
            .text()
            .await
            .unwrap()
            .contains("tutela_http_requests_total")
    );
    let logs = server.logs();
    assert!(server.stop().success(), "{logs}");

    // Off by default: no second listener, nothing printed about one.
    let server = spawn_demo(d, &[]).await;
    let printed = std::fs::read_to_string(&server.stdout).unwrap();
    assert_eq!(metrics_url(&printed), None, "{printed}");
    let logs = server.logs();
    assert!(server.stop().success(), "{logs}");
}
