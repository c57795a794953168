//! A usable first start: `tutela init`, then `tutela serve` prints an
//! operator admin key once; it works; the next start prints none.

use crate::support::{command, temp_dir, tutela, wait_limited};
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `tutela serve --listen 127.0.0.1:0` in `dir`; the child, the base URL
/// and everything printed on stdout once it listens.
async fn serve(dir: &Path, n: usize) -> (Child, String, String) {
    let stdout = dir.join(format!("plain-serve-{n}.stdout"));
    let stderr = dir.join(format!("plain-serve-{n}.stderr"));
    let mut child = command(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).unwrap())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&stdout).unwrap_or_default();
        if let Some(addr) = text
            .lines()
            .find_map(|l| l.strip_prefix("listening on http://"))
        {
            let base = format!("http://{}", addr.trim());
            return (child, base, text);
        }
        if let Some(status) = child.try_wait().unwrap() {
            let err = std::fs::read_to_string(&stderr).unwrap_or_default();
            panic!("serve exited early ({status})\n{text}\n{err}");
        }
        assert!(Instant::now() < deadline, "serve did not start\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn stop(mut child: Child) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = wait_limited(&mut child, Duration::from_secs(30)).expect("serve stops");
    assert!(status.success(), "serve did not stop cleanly: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_prints_an_operator_admin_key_once() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    let (child, base, printed) = serve(d, 0).await;
    let token = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("operator admin key"))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_else(|| panic!("no operator admin key printed\n{printed}"));
    assert!(token.starts_with("tutela.operator."), "{printed}");
    assert!(printed.contains("not be shown again"), "{printed}");
    assert!(printed.contains("/v1/tenants"), "{printed}");
    let resp = reqwest::Client::new()
        .get(format!("{base}/v1/tenant"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["id"], "operator", "{body}");
    stop(child);

    let (child, _, printed) = serve(d, 1).await;
    assert!(!printed.contains("tutela.operator."), "{printed}");
    assert!(!printed.contains("admin key"), "{printed}");
    stop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_port_creates_nothing_so_the_key_comes_at_the_next_start() {
    let dir = temp_dir();
    let d = dir.path();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();

    // The demo: no data directory is left behind.
    tutela(d, &["serve", "--demo", "--listen", &addr])
        .expect_code(1)
        .expect_output(&["cannot listen on", "(listen)"]);
    assert!(!d.join("tutela-data").exists());

    // A first start: no operator key is made that would never be printed.
    tutela(d, &["init"]).expect_code(0);
    tutela(d, &["serve", "--listen", &addr])
        .expect_code(1)
        .expect_output(&["cannot listen on"]);
    drop(busy);
    let (child, _, printed) = serve(d, 0).await;
    assert!(
        printed.contains("operator admin key"),
        "the first key is still shown once: {printed}"
    );
    stop(child);
}
