//! Helpers: the binary with a clean environment, runs with a time limit and
//! captured output, and a `serve --demo` on a free port with its printed
//! keys, its output captured to files, and a bounded wait for `/healthz`.

use serde_json::Value;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tutela");

/// How long any one command may take before the test gives up on it.
const COMMAND_LIMIT: Duration = Duration::from_secs(120);

/// Variables that would change what the binary does.
const ISOLATED: [&str; 9] = [
    "TUTELA_CONFIG",
    "TUTELA_ERASURE_LEDGER",
    "TUTELA_MASTER_KEY",
    "TUTELA_MASTER_KEY_FILE",
    "TUTELA_DATABASE_URL",
    "TUTELA_LISTEN",
    "TUTELA_LOG",
    "RUST_LOG",
    "TUTELA_TEST_DATABASE_URL",
];

/// The binary, run in `dir`, with no inherited `TUTELA_*` settings.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir);
    for var in ISOLATED {
        cmd.env_remove(var);
    }
    cmd
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    /// The exit code (None if killed by a signal).
    pub code: Option<i32>,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Run {
    /// Fails the test unless the run exited with `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }

    /// Fails the test unless stdout or stderr holds every one of `needles`.
    #[track_caller]
    pub fn expect_output(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.stdout.contains(needle) || self.stderr.contains(needle),
                "output lacks {needle:?}\n{self}"
            );
        }
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `tutela ARGS` in `dir` and checks that it did not panic.
#[track_caller]
pub fn tutela(dir: &Path, args: &[&str]) -> Run {
    tutela_with(command(dir).args(args))
}

/// Runs a prepared command with the time limit; checks it did not panic.
#[track_caller]
pub fn tutela_with(cmd: &mut Command) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tutela binary starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).map(|_| text)
    });
    let status = wait_limited(&mut child, COMMAND_LIMIT)
        .unwrap_or_else(|| panic!("tutela {cmd:?} did not finish in time"));
    let run = Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader").expect("stdout is UTF-8"),
        stderr: err.join().expect("stderr reader").expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked\n{run}"
    );
    run
}

/// Waits for `child` at most `limit`; kills it and answers None after that.
pub fn wait_limited(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        // A real wait: the child is another process on the wall clock, and
        // there is no handle to wait on with a timeout in std.
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A `tutela serve` (usually `--demo`) running in a directory.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The demo's acme service key (empty when not a demo).
    pub service: String,
    /// The demo's acme DPO key (empty when not a demo).
    pub dpo: String,
    /// Where its stdout went.
    pub stdout: PathBuf,
    /// Where its stderr went.
    pub stderr: PathBuf,
    /// A client for its API.
    pub http: reqwest::Client,
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

/// Starts `tutela serve --demo --listen 127.0.0.1:0` in `dir` with `env`,
/// reads the bound address and the keys from its stdout, and waits (a
/// bounded number of tries) until `/healthz` answers.
pub async fn spawn_demo(dir: &Path, env: &[(&str, &str)]) -> Server {
    let mut server = spawn_serve(dir, &["--demo"], env).await;
    let printed = std::fs::read_to_string(&server.stdout).unwrap_or_default();
    server.service = line_after(&printed, "export SERVICE=");
    server.dpo = line_after(&printed, "export DPO=");
    server
}

/// Starts `tutela serve --listen 127.0.0.1:0 ARGS` in `dir` with `env`,
/// reads the bound address from its stdout, and waits (a bounded number of
/// tries) until `/healthz` answers. Its `service` and `dpo` keys are empty:
/// only a demo prints keys ([`spawn_demo`]).
pub async fn spawn_serve(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let n = SERVERS.fetch_add(1, Ordering::Relaxed);
    let stdout = dir.join(format!("serve-{n}.stdout"));
    let stderr = dir.join(format!("serve-{n}.stderr"));
    let mut child = command(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("stdout file"))
        .stderr(File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("the tutela binary starts");
    let deadline = Instant::now() + COMMAND_LIMIT;
    let printed = loop {
        let text = std::fs::read_to_string(&stdout).unwrap_or_default();
        if text.contains("listening on http://") {
            break text;
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            panic!("serve exited early ({status})\n{}", logs(&stdout, &stderr));
        }
        assert!(
            Instant::now() < deadline,
            "serve did not start in time\n{}",
            logs(&stdout, &stderr)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let server = Server {
        base: format!("http://{}", line_after(&printed, "listening on http://")),
        service: String::new(),
        dpo: String::new(),
        child,
        stdout,
        stderr,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
    };
    server.wait_healthy().await;
    server
}

/// The first word after `prefix` on the first line of `printed` starting
/// with it.
#[track_caller]
pub fn line_after(printed: &str, prefix: &str) -> String {
    printed
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_else(|| panic!("no {prefix:?} line in\n{printed}"))
}

fn logs(stdout: &Path, stderr: &Path) -> String {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    format!("--- stdout\n{}\n--- stderr\n{}", read(stdout), read(stderr))
}

impl Server {
    async fn wait_healthy(&self) {
        for _ in 0..100 {
            if let Ok(resp) = self.http.get(format!("{}/healthz", self.base)).send().await
                && resp.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "/healthz never answered\n{}",
            logs(&self.stdout, &self.stderr)
        );
    }

    /// POSTs `body` with `token`; the status and the JSON answer.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the request is answered");
        answer(resp).await
    }

    /// GETs `path` with `token`; the status and the JSON answer.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is answered");
        answer(resp).await
    }

    /// DELETEs `path` with `token`; the status and the JSON answer (null
    /// when empty).
    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is answered");
        answer(resp).await
    }

    /// Kills the server (SIGKILL) and waits for it: nothing gets flushed or
    /// cleaned up on the way out.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the server to stop (SIGTERM on unix) and waits; its exit status.
    pub fn stop(mut self) -> ExitStatus {
        #[cfg(unix)]
        {
            let pid = self.child.id().to_string();
            let sent = Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill runs");
            assert!(sent.success(), "kill -TERM {pid} failed");
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
        }
        wait_limited(&mut self.child, Duration::from_secs(30)).expect("the server stops in time")
    }

    /// What the server printed and logged so far.
    pub fn logs(&self) -> String {
        logs(&self.stdout, &self.stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("a body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, json)
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tutela-cli-it-")
        .tempdir()
        .expect("a temporary directory")
}

/// A random lowercase tag, to make probe values unique per run.
pub fn random_tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
