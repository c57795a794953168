//! The real server for `tutela bench --http`: this binary started as a
//! child process with `serve --demo` on a free loopback port, its data in
//! the bench's temporary directory, its demo service key read from what it
//! prints; its memory read from `/proc`; and, on PostgreSQL, a database of
//! its own, created for the run and dropped after it (the server claims its
//! database for its master key, so it cannot share one with other users).

use anyhow::{Context, Result, bail};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to start or to stop.
const LIMIT: Duration = Duration::from_secs(120);

/// Variables that would change what the child does.
const ISOLATED: [&str; 8] = [
    "TUTELA_CONFIG",
    "TUTELA_MASTER_KEY",
    "TUTELA_MASTER_KEY_FILE",
    "TUTELA_DATABASE_URL",
    "TUTELA_LISTEN",
    "TUTELA_METRICS_LISTEN",
    "TUTELA_LOG",
    "RUST_LOG",
];

/// A running `tutela serve --demo`.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The demo's service key (bearer token): never printed.
    pub service: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// The server's peak and current resident memory, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Memory {
    /// `VmHWM`: the peak.
    pub peak_kib: u64,
    /// `VmRSS`: now.
    pub now_kib: u64,
}

impl Server {
    /// Starts the server in `dir` (on `database_url` if given, else the
    /// demo's SQLite file there) and waits until it prints its keys.
    pub async fn start(dir: &Path, database_url: Option<&str>) -> Result<Self> {
        let exe =
            std::env::current_exe().context("cannot find this program to start the server")?;
        let stdout = dir.join("serve.stdout");
        let stderr = dir.join("serve.stderr");
        let mut cmd = Command::new(exe);
        cmd.current_dir(dir)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).context("cannot create the server's log file")?)
            .stderr(File::create(&stderr).context("cannot create the server's log file")?);
        for var in ISOLATED {
            cmd.env_remove(var);
        }
        if let Some(url) = database_url {
            cmd.env("TUTELA_DATABASE_URL", url);
        }
        let child = cmd.spawn().context("cannot start the server")?;
        let mut server = Self {
            child,
            base: String::new(),
            service: String::new(),
            stdout,
            stderr,
        };
        let printed = server.wait_for_keys().await?;
        server.base = format!("http://{}", line_after(&printed, "listening on http://")?);
        server.service = line_after(&printed, "export SERVICE=")?;
        Ok(server)
    }

    async fn wait_for_keys(&mut self) -> Result<String> {
        let deadline = Instant::now() + LIMIT;
        loop {
            let text = std::fs::read_to_string(&self.stdout).unwrap_or_default();
            if text.contains("listening on http://") && text.contains("export SERVICE=") {
                return Ok(text);
            }
            if let Some(status) = self.child.try_wait().context("cannot watch the server")? {
                bail!("the server exited early ({status}):\n{}", self.log_tail());
            }
            if Instant::now() > deadline {
                bail!("the server did not start in time:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines the server logged, for errors.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let mut tail: Vec<&str> = text.lines().rev().take(20).collect();
        tail.reverse();
        tail.join("\n")
    }

    /// `VmHWM` and `VmRSS` from `/proc/<pid>/status` (zero where there is
    /// no `/proc`).
    pub fn memory(&self) -> Memory {
        let path = format!("/proc/{}/status", self.child.id());
        let text = std::fs::read_to_string(path).unwrap_or_default();
        parse_memory(&text)
    }

    /// Asks the server to stop (SIGTERM, so it closes its database) and
    /// waits; kills it if it does not stop in time.
    pub async fn stop(mut self) -> Result<()> {
        let pid = self.child.id().to_string();
        let asked = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + LIMIT;
        while asked && Instant::now() < deadline {
            if self
                .child
                .try_wait()
                .context("cannot watch the server")?
                .is_some()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.child.kill().context("cannot kill the server")?;
        self.child.wait().context("cannot wait for the server")?;
        bail!("the server did not stop on SIGTERM in time")
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

/// The first word after `prefix` on the line starting with it.
fn line_after(printed: &str, prefix: &str) -> Result<String> {
    printed
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .with_context(|| format!("the server printed no '{prefix}' line"))
}

fn parse_memory(status: &str) -> Memory {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        peak_kib: field("VmHWM:"),
        now_kib: field("VmRSS:"),
    }
}

/// A database created for one run on the server `admin_url` names, dropped
/// by [`ScratchDatabase::drop_now`].
pub(crate) struct ScratchDatabase {
    admin_url: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

impl ScratchDatabase {
    /// `CREATE DATABASE tutela_bench_<tag>` through `admin_url`.
    pub async fn create(admin_url: &str, tag: &str) -> Result<Self> {
        let name = format!("tutela_bench_{tag}");
        let mut admin = PgConnection::connect(admin_url)
            .await
            .context("cannot connect to PostgreSQL")?;
        // The tag is lowercase hex: safe inside an identifier.
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .context("cannot create the bench's database (the --http run needs CREATEDB)")?;
        Ok(Self {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// Drops the database, closing whatever connections remain.
    pub async fn drop_now(self) -> Result<()> {
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .context("cannot connect to PostgreSQL")?;
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await
        .context("cannot drop the bench's database")?;
        Ok(())
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base
        .get(scheme_end..)
        .and_then(|rest| rest.find('/'))
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", base.get(..host_end).unwrap_or(base));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }

    #[test]
    fn memory_is_read_from_proc_status() {
        let m = parse_memory("Name:\ttutela\nVmHWM:\t   21504 kB\nVmRSS:\t   20480 kB\n");
        assert_eq!(m.peak_kib, 21504);
        assert_eq!(m.now_kib, 20480);
    }
}
