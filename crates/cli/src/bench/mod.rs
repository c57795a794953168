//! `tutela bench`: what the privacy costs. One run on one database measures
//! records written per second through the engine (purpose check, encryption,
//! blind index, audit, commit) beside a bare plaintext store writing the same
//! rows with the same batching and sync settings, and purpose-checked reads
//! beside two baselines: a bare select of the same rows, and a hand-rolled
//! audited read (the select plus one access-log row committed the way the
//! engine commits its audit entries). Each phase runs sequentially and
//! concurrently, and the report prints every figure beside its baseline.
//!
//! On SQLite the baseline is rusqlite with cached prepared statements, the
//! fastest plaintext store a user could write; with `--database-url
//! postgres://...` both sides run on that PostgreSQL, and `--servers 2` adds a
//! second engine on the same database and tenant. `--http` measures
//! purpose-checked reads through the real server instead (see `http`).
//! `--requests` measures data subject requests instead: the access export
//! on a small and a large store, and erasure (see `requests`). `--surveys`
//! measures survey results beside a bare `GROUP BY` (see `surveys`).

mod bare_pg;
mod bare_sqlite;
mod child;
mod driver;
mod engine_side;
mod http;
mod report;
mod requests;
mod surveys;
mod sweep;
mod sweep_hand;
mod workload;

use anyhow::{Context, Result, bail, ensure};
pub(crate) use driver::{Counters, Op, Side, progress};
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub(crate) use workload::{Catalog, PURPOSE, Workload};

/// Options of `tutela bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Subjects per timed phase (each phase touches every one once).
    #[arg(long, default_value_t = 2000)]
    pub subjects: usize,
    /// Records per write call (one identifier, the rest other categories).
    #[arg(long, default_value_t = 5)]
    pub batch: usize,
    /// Concurrent tasks in the concurrent phases.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Where to put the SQLite databases (a temporary directory is made
    /// inside it and removed afterwards); both sides run on this disk.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// A smoke test: 200 subjects (with `--requests`: small stores).
    #[arg(long, conflicts_with = "subjects")]
    pub quick: bool,
    /// Run both sides on this PostgreSQL (`postgres://user@host/db`) instead
    /// of SQLite files. The engine's tables are migrated in place and its
    /// tenant is named uniquely per run; the baseline's tables are created
    /// with a unique suffix and dropped at the end.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// With a PostgreSQL URL: also run the concurrent phases with this many
    /// engines (each with its own pool, as separate servers would) on the
    /// same database and tenant, and report the scaling.
    #[arg(long, default_value_t = 1, requires = "database_url")]
    pub servers: usize,
    /// Measure purpose-checked reads through the real HTTP server (started
    /// as a child process with `serve --demo`) instead of in process.
    #[arg(long, conflicts_with = "servers")]
    pub http: bool,
    /// Measure data subject requests instead, on SQLite: the access export
    /// (Art. 15, JSON and CSV) of one subject in a store of 10,000 and of
    /// 1,000,000 records, and erasure of subjects with 10 and 10,000
    /// records, each beside a bare rusqlite baseline (`--quick`: small
    /// stores).
    #[arg(long, conflicts_with_all = ["http", "database_url", "subjects", "batch"])]
    pub requests: bool,
    /// Measure records expired per second through a retention sweep beside
    /// a bare rusqlite DELETE of the same rows, on SQLite (`--subjects`
    /// subjects with `--batch` due records each).
    #[arg(long, conflicts_with_all = ["http", "database_url", "requests", "servers"])]
    pub sweep: bool,
    /// Measure survey results over 1,000,000 stored answers in 50 teams
    /// beside a bare rusqlite GROUP BY over the same rows, on SQLite
    /// (`--quick`: 100,000 answers).
    #[arg(long, conflicts_with_all = ["http", "database_url", "requests", "servers", "sweep"])]
    pub surveys: bool,
}

/// Runs the benchmark and prints the report on stdout.
pub async fn run(args: BenchArgs) -> Result<()> {
    let workload = Workload {
        subjects: if args.quick { 200 } else { args.subjects },
        batch: args.batch,
        concurrency: args.concurrency,
    };
    ensure!(workload.subjects >= 1, "--subjects must be at least 1");
    ensure!(workload.batch >= 1, "--batch must be at least 1");
    ensure!(
        workload.concurrency >= 1,
        "--concurrency must be at least 1"
    );
    ensure!(
        (1..=8).contains(&args.servers),
        "--servers must be between 1 and 8"
    );
    let dir = tempfile::Builder::new()
        .prefix("tutela-bench-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot make a temporary directory in {}",
                args.dir.display()
            )
        })?;
    let target = Target::new(args.database_url.as_deref(), &args.dir)?;
    let text = if args.surveys {
        let answers = if args.quick { 100_000 } else { 1_000_000 };
        surveys::run(dir.path(), answers).await?.render()
    } else if args.sweep {
        sweep::run(dir.path(), workload.subjects, workload.batch)
            .await?
            .render()
    } else if args.requests {
        let shape = if args.quick {
            requests::Shape::quick(workload.concurrency)
        } else {
            requests::Shape::full(workload.concurrency)
        };
        let outcome = requests::run(&shape, dir.path(), &target).await?;
        requests::report::render(&outcome)
    } else if args.http {
        let outcome = http::bench(&workload, dir.path(), &target).await?;
        let text = report::render_http(&outcome);
        ensure_http_clean(&outcome, &text)?;
        text
    } else {
        let outcome = bench(&workload, dir.path(), &target, args.servers).await?;
        report::render(&outcome)
    };
    print!("{text}");
    dir.close()
        .context("cannot remove the bench's temporary directory")?;
    Ok(())
}

/// An HTTP run with failed requests is reported, then fails the command.
fn ensure_http_clean(outcome: &report::HttpOutcome, text: &str) -> Result<()> {
    if outcome.errors() > 0 {
        print!("{text}");
        bail!("{} HTTP requests failed", outcome.errors());
    }
    Ok(())
}

/// Where the bench runs: SQLite files in the temporary directory, or one
/// PostgreSQL database.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// SQLite files on the disk of `dir` (shown in the report).
    Sqlite { shown: PathBuf },
    /// The PostgreSQL at this URL.
    Postgres { url: String },
}

impl Target {
    fn new(url: Option<&str>, dir: &Path) -> Result<Self> {
        match url {
            None => Ok(Self::Sqlite {
                shown: dir.to_path_buf(),
            }),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Self::Postgres { url: u.to_owned() })
            }
            Some(_) => bail!("--database-url must be a postgres:// URL (SQLite is the default)"),
        }
    }

    /// How the report names the database, never with a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { shown } => format!("SQLite, same disk ({})", shown.display()),
            Self::Postgres { url } => {
                format!("PostgreSQL ({})", redact_url(url))
            }
        }
    }

    /// The store URL of the engine side: a file in `dir`, or the database.
    pub fn engine_url(&self, dir: &Path, file: &str) -> Result<String> {
        match self {
            Self::Sqlite { .. } => {
                let path = std::path::absolute(dir.join(file))
                    .context("cannot resolve the bench directory")?;
                Ok(format!("sqlite://{}", path.display()))
            }
            Self::Postgres { url } => Ok(url.clone()),
        }
    }
}

/// `url` without its user's password, for the report and errors.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = url.get(scheme + 3..at).unwrap_or_default();
            let user = userinfo.split(':').next().unwrap_or_default();
            let password = if userinfo.contains(':') { ":***" } else { "" };
            format!(
                "{}{user}{password}{}",
                url.get(..scheme + 3).unwrap_or_default(),
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}

/// A random lowercase tag naming this run's tenant and tables.
pub(crate) fn run_tag() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id.chars().take(12).collect()
}

/// The engine, then the baseline, then (with `servers` > 1) the engine
/// again with that many engines, all on `target`.
pub(crate) async fn bench(
    workload: &Workload,
    dir: &Path,
    target: &Target,
    servers: usize,
) -> Result<report::Outcome> {
    let catalog = Arc::new(Catalog::from_policy(
        tutela_policy::EXAMPLE_POLICY,
        PURPOSE,
    )?);
    let url = target.engine_url(dir, "engine.db")?;
    let engine = engine_side::run(&url, Arc::clone(&catalog), workload, 1).await?;
    let bare = match target {
        Target::Sqlite { .. } => {
            bare_sqlite::run(&dir.join("bare.db"), Arc::clone(&catalog), workload).await?
        }
        Target::Postgres { url } => bare_pg::run(url, Arc::clone(&catalog), workload).await?,
    };
    let scaling = if servers > 1 {
        let url = target.engine_url(dir, "engine-scaled.db")?;
        Some(engine_side::run(&url, catalog, workload, servers).await?)
    } else {
        None
    };
    Ok(report::Outcome {
        workload: *workload,
        target: target.describe(),
        engine,
        bare,
        scaling,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bench_core_runs_on_a_tiny_workload() {
        let dir = tempfile::tempdir().unwrap();
        let w = Workload {
            subjects: 20,
            batch: 3,
            concurrency: 4,
        };
        let target = Target::new(None, dir.path()).unwrap();
        let outcome = bench(&w, dir.path(), &target, 1).await.unwrap();
        let rows = w.total() * w.batch;
        assert_eq!(outcome.engine.counts.written, rows);
        assert_eq!(outcome.bare.counts.written, rows);
        // warm-up reads cover the warm-up subjects, then every timed subject
        // once; the baseline reads each timed subject twice (bare select,
        // then audited read), logging an access row for the second
        assert_eq!(outcome.engine.counts.read, rows);
        let timed = 2 * w.subjects;
        assert_eq!(outcome.bare.counts.read, rows + timed * w.batch);
        assert_eq!(outcome.bare.access_rows, timed);
        assert!(outcome.engine.audit.intact);
        assert_eq!(outcome.engine.audit.entries, outcome.engine.audit.expected);
        for row in report::rows(&outcome) {
            let ratio = row.ratio();
            assert!(ratio.is_finite() && ratio > 0.0, "{}: {ratio}", row.label);
        }
        let text = report::render(&outcome);
        assert!(text.contains("write records c=1"), "{text}");
        assert!(text.contains("vs audited read"), "{text}");
    }
}
