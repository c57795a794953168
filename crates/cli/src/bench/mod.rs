//! `tutela bench`: what the privacy costs. One run on one disk measures
//! records written per second through the engine (purpose check, encryption,
//! blind index, audit, commit) beside bare SQLite writing the same rows in
//! plaintext with the same batching, and purpose-checked reads beside bare
//! selects, each sequentially and concurrently, and reports the ratios.

mod bare_side;
mod engine_side;
mod report;
mod workload;

use anyhow::{Context, Result, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use std::future::Future;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
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
    /// Where to put the databases (a temporary directory is made inside it
    /// and removed afterwards); both sides run on this disk.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// A smoke test: 200 subjects.
    #[arg(long, conflicts_with = "subjects")]
    pub quick: bool,
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
    let dir = tempfile::Builder::new()
        .prefix("tutela-bench-")
        .tempdir_in(&args.dir)
        .with_context(|| {
            format!(
                "cannot make a temporary directory in {}",
                args.dir.display()
            )
        })?;
    let outcome = bench(&workload, dir.path()).await?;
    print!("{}", report::render(&outcome, &args.dir));
    dir.close()
        .context("cannot remove the bench's temporary directory")?;
    Ok(())
}

/// Both sides, one after the other, in `dir`.
pub(crate) async fn bench(workload: &Workload, dir: &Path) -> Result<report::Outcome> {
    let catalog = Arc::new(Catalog::from_policy(
        tutela_policy::EXAMPLE_POLICY,
        PURPOSE,
    )?);
    let engine =
        engine_side::EngineSide::setup(&dir.join("engine.db"), Arc::clone(&catalog), workload)
            .await?;
    let engine = Arc::new(engine);
    let engine_times = measure(&engine, workload).await?;
    let audit = engine.verify_audit().await?;
    let engine_counts = engine.counts();
    drop(engine);

    let bare = Arc::new(bare_side::BareSide::setup(&dir.join("bare.db"), catalog, workload).await?);
    let bare_times = measure(&bare, workload).await?;
    let stored = bare.stored_rows().await?;
    let bare_counts = bare.counts();
    ensure!(
        stored == workload.total() * workload.batch,
        "bare table holds {stored} rows, expected {}",
        workload.total() * workload.batch
    );
    bare.close().await;

    Ok(report::Outcome {
        workload: *workload,
        engine: engine_times,
        bare: bare_times,
        engine_counts,
        bare_counts,
        audit,
    })
}

/// One operation on one subject, boxed so both sides share one driver.
pub(crate) type Op = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// A system under test: the engine, or bare SQLite.
pub(crate) trait Side: Send + Sync + 'static {
    /// How the side is named on progress bars.
    fn name(&self) -> &'static str;
    /// Writes subject `subject`'s batch in one call.
    fn write(self: Arc<Self>, subject: usize) -> Op;
    /// Reads subject `subject`'s records back and checks their number.
    fn read(self: Arc<Self>, subject: usize) -> Op;
}

/// Rows written and read by one side, counted as they were confirmed.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub written: AtomicUsize,
    pub read: AtomicUsize,
}

impl Counters {
    pub fn snapshot(&self) -> report::Counts {
        report::Counts {
            written: self.written.load(Ordering::Relaxed),
            read: self.read.load(Ordering::Relaxed),
        }
    }
}

/// Warms a side up, then times its four phases.
async fn measure<S: Side>(side: &Arc<S>, w: &Workload) -> Result<report::Timings> {
    let name = side.name();
    let c = w.concurrency;
    drive(
        side,
        format!("{name}: warm-up writes"),
        w.warm(),
        c,
        S::write,
    )
    .await?;
    drive(side, format!("{name}: warm-up reads"), w.warm(), c, S::read).await?;
    Ok(report::Timings {
        write_sequential: drive(
            side,
            format!("{name}: write c=1"),
            w.sequential_set(),
            1,
            S::write,
        )
        .await?,
        write_concurrent: drive(
            side,
            format!("{name}: write c={c}"),
            w.concurrent_set(),
            c,
            S::write,
        )
        .await?,
        read_sequential: drive(
            side,
            format!("{name}: read c=1"),
            w.sequential_set(),
            1,
            S::read,
        )
        .await?,
        read_concurrent: drive(
            side,
            format!("{name}: read c={c}"),
            w.concurrent_set(),
            c,
            S::read,
        )
        .await?,
    })
}

/// Runs `op` on every index of `range` from `concurrency` tasks pulling the
/// next index from a shared counter; returns the wall time.
async fn drive<S: Side>(
    side: &Arc<S>,
    label: String,
    range: Range<usize>,
    concurrency: usize,
    op: fn(Arc<S>, usize) -> Op,
) -> Result<Duration> {
    let bar = progress(label, range.len());
    let next = Arc::new(AtomicUsize::new(range.start));
    let end = range.end;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (side, next, bar) = (Arc::clone(side), Arc::clone(&next), bar.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return Ok::<(), anyhow::Error>(());
                }
                op(Arc::clone(&side), i).await?;
                bar.inc(1);
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a bench task failed to finish")??;
    }
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    Ok(elapsed)
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub(crate) fn progress(label: String, len: usize) -> ProgressBar {
    let style = ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} ({per_sec})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len as u64)
        .with_style(style)
        .with_message(label)
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
        let outcome = bench(&w, dir.path()).await.unwrap();
        let rows = w.total() * w.batch;
        for counts in [&outcome.engine_counts, &outcome.bare_counts] {
            assert_eq!(counts.written, rows);
            // warm-up reads cover the warm-up subjects, then every subject once
            assert_eq!(counts.read, rows);
        }
        assert!(outcome.audit.intact);
        assert_eq!(outcome.audit.entries, outcome.audit.expected);
        for row in report::rows(&outcome) {
            let ratio = row.ratio();
            assert!(ratio.is_finite() && ratio > 0.0, "{}: {ratio}", row.label);
        }
        let text = report::render(&outcome, dir.path());
        assert!(text.contains("write records (c=1, batch 3)"), "{text}");
    }
}
