//! The load driver every side shares: c tasks pulling the next subject
//! index from one counter, timing the whole phase, with a progress bar.

use super::Workload;
use super::report::{Counts, Pair};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One operation on one subject, boxed so every side shares one driver.
pub(crate) type Op = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// A system under test: the engine, or a baseline.
pub(crate) trait Side: Send + Sync + 'static {
    /// How the side is named on progress bars.
    fn name(&self) -> &'static str;
    /// Writes subject `subject`'s batch in one call.
    fn write(self: Arc<Self>, subject: usize) -> Op;
    /// Reads subject `subject`'s records back and checks their number (the
    /// engine: a purpose-checked, audited read; a baseline: a bare select).
    fn read(self: Arc<Self>, subject: usize) -> Op;
}

/// Rows written and read by one side, counted as they were confirmed.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Rows confirmed written.
    pub written: AtomicUsize,
    /// Rows read back.
    pub read: AtomicUsize,
}

impl Counters {
    /// The counts so far.
    pub fn snapshot(&self) -> Counts {
        Counts {
            written: self.written.load(Ordering::Relaxed),
            read: self.read.load(Ordering::Relaxed),
        }
    }
}

/// Untimed warm-up writes and reads, so no timed phase pays for a cold
/// cache or a first connection.
pub(crate) async fn warm_up<S: Side>(side: &Arc<S>, w: &Workload) -> Result<()> {
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
    Ok(())
}

/// Times `op` over the sequential set at c=1, then over the concurrent set
/// at the workload's concurrency.
pub(crate) async fn phase<S: Side>(
    side: &Arc<S>,
    what: &str,
    w: &Workload,
    op: fn(Arc<S>, usize) -> Op,
) -> Result<Pair> {
    let name = side.name();
    let c = w.concurrency;
    Ok(Pair {
        sequential: drive(
            side,
            format!("{name}: {what} c=1"),
            w.sequential_set(),
            1,
            op,
        )
        .await?,
        concurrent: drive(
            side,
            format!("{name}: {what} c={c}"),
            w.concurrent_set(),
            c,
            op,
        )
        .await?,
    })
}

/// Runs `op` on every index of `range` from `concurrency` tasks pulling the
/// next index from a shared counter; returns the wall time.
pub(crate) async fn drive<S: Side>(
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
