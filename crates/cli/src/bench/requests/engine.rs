//! The engine side of `tutela bench --requests`: a fresh store per phase,
//! filled through the engine's own batched writes, then the access answer
//! (Art. 15) and erasure (Art. 17) timed one call at a time through the
//! public engine API.
//!
//! The filler goes through `Engine::create_subject` with 100 records per
//! call (the engine's most per write) from several tasks, so the store's
//! writer group-commits them: every row is sealed under its subject's key,
//! every identifier has its blind index and every call its audit entry, so
//! the large store is the store the engine would really hold, chain
//! included; and it fills at the engine's write rate, which the report
//! prints.

use super::Shape;
use super::report::{ExportSide, Latency};
use crate::bench::engine_side::{OPERATOR, tenant_id};
use crate::bench::{Catalog, progress, run_tag};
use anyhow::{Context, Result, ensure};
use indicatif::ProgressBar;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tutela_engine::clock::SystemClock;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_engine::{Engine, MAX_RECORDS_PER_WRITE, NewRecord, RecordSource, answer};
use tutela_policy::{CategoryId, EXAMPLE_POLICY};
use tutela_vault::MasterKey;

/// One engine on a fresh store, acting as the tenant's local admin.
struct Bench {
    engine: Arc<Engine>,
    who: Principal,
    catalog: Arc<Catalog>,
    source: RecordSource,
}

impl Bench {
    async fn open(url: &str, catalog: &Arc<Catalog>) -> Result<Self> {
        let store = tutela_store::connect(url)
            .await
            .context("cannot open the engine's store")?;
        let engine = Arc::new(Engine::new(
            store,
            Arc::new(SystemClock),
            Arc::new(MasterKey::generate()),
        ));
        let tenant = tenant_id(&format!("bench-{}", run_tag()))?;
        let operator = Principal::local_admin(tenant_id(OPERATOR)?, true);
        engine
            .create_tenant(&operator, tenant.clone(), "Bench tenant", EXAMPLE_POLICY)
            .await
            .context("cannot create the bench tenant")?;
        Ok(Self {
            engine,
            who: Principal::local_admin(tenant, false),
            catalog: Arc::clone(catalog),
            source: RecordSource::parse("bench", "source").context("the bench source")?,
        })
    }

    fn records(&self, values: Vec<(CategoryId, String)>) -> Vec<NewRecord> {
        values
            .into_iter()
            .map(|(category, value)| NewRecord {
                category,
                value,
                source: self.source.clone(),
            })
            .collect()
    }

    /// Creates subject number `index` holding `size` records: the first
    /// call creates it with up to 100, later calls add 100 at a time.
    async fn subject(&self, index: usize, size: usize, bar: &ProgressBar) -> Result<SubjectId> {
        let first = size.min(MAX_RECORDS_PER_WRITE);
        let values = self.records(self.catalog.batch(index, first));
        let c = &self.catalog;
        let id = self
            .engine
            .create_subject(&self.who, &c.kind, &c.purpose, values)
            .await
            .context("cannot create a bench subject")?;
        bar.inc(first as u64);
        let mut written = first;
        while written < size {
            let n = (size - written).min(MAX_RECORDS_PER_WRITE);
            let values = self.records(c.more(index, written, n));
            self.engine
                .write_records(&self.who, id, &c.purpose, values)
                .await
                .context("cannot write a bench subject's records")?;
            written += n;
            bar.inc(n as u64);
        }
        Ok(id)
    }

    /// Fills the store with `records` records held by subjects of 100,
    /// numbered from `first`, from `tasks` tasks; returns the wall time.
    async fn fill(
        self: &Arc<Self>,
        first: usize,
        records: usize,
        tasks: usize,
    ) -> Result<Duration> {
        let bar = progress(
            format!("engine: fill {}", super::report::thousands(records)),
            records,
        );
        let subjects = records.div_ceil(MAX_RECORDS_PER_WRITE);
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for task in 0..tasks.max(1) {
            let (me, bar) = (Arc::clone(self), bar.clone());
            set.spawn(async move {
                for s in (task..subjects).step_by(tasks.max(1)) {
                    let size = (records - s * MAX_RECORDS_PER_WRITE).min(MAX_RECORDS_PER_WRITE);
                    me.subject(first + s, size, &bar).await?;
                }
                Ok::<(), anyhow::Error>(())
            });
        }
        while let Some(joined) = set.join_next().await {
            joined.context("a filling task failed to finish")??;
        }
        bar.finish_and_clear();
        Ok(started.elapsed())
    }

    /// One export: the access answer, rendered as JSON and as CSV; returns
    /// the access-log rows it held.
    async fn export(&self, subject: SubjectId, records: usize) -> Result<usize> {
        let answer = self
            .engine
            .access_answer(&self.who, subject)
            .await
            .context("the engine's access answer failed")?;
        let json = serde_json::to_string(&answer).context("cannot render the answer as JSON")?;
        let csv = answer::access_csv(&answer).context("cannot render the answer as CSV")?;
        ensure!(
            answer.records.len() == records && !json.is_empty() && csv.lines().count() > records,
            "the access answer holds {} records, expected {records}",
            answer.records.len()
        );
        Ok(answer.access_log.len())
    }

    async fn close(&self) -> Result<()> {
        self.engine
            .store()
            .close()
            .await
            .context("cannot close the engine's store")
    }
}

/// Fills a store on `url` to `store_records` records around one subject of
/// `shape.subject_records`, read `shape.log_reads` times so its access log
/// is not empty, then times `shape.exports` exports of its access answer.
pub(crate) async fn export(
    url: &str,
    catalog: &Arc<Catalog>,
    shape: &Shape,
    store_records: usize,
) -> Result<ExportSide> {
    let bench = Arc::new(Bench::open(url, catalog).await?);
    let measured = export_on(&bench, shape, store_records).await;
    let closed = bench.close().await;
    let side = measured?;
    closed?;
    Ok(side)
}

async fn export_on(bench: &Arc<Bench>, shape: &Shape, store_records: usize) -> Result<ExportSide> {
    let hidden = ProgressBar::hidden();
    let target = bench.subject(0, shape.subject_records, &hidden).await?;
    for _ in 0..shape.log_reads {
        bench
            .engine
            .read_records(&bench.who, target, &bench.catalog.purpose, None)
            .await
            .context("cannot read the exported subject")?;
    }
    let filler = store_records.saturating_sub(shape.subject_records);
    let fill = bench.fill(1, filler, shape.concurrency).await?;
    for _ in 0..shape.warm_up {
        bench.export(target, shape.subject_records).await?;
    }
    let bar = progress("engine: export".into(), shape.exports);
    let mut samples = Vec::with_capacity(shape.exports);
    let mut log_rows = 0;
    for _ in 0..shape.exports {
        let started = Instant::now();
        log_rows = bench.export(target, shape.subject_records).await?;
        samples.push(started.elapsed());
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(ExportSide {
        latency: Latency::of(samples),
        log_rows,
        fill,
    })
}

/// On a fresh store on `url`: `shape.erasures` subjects of each size in
/// `shape.erasure_sizes`, then each erased and timed, one at a time.
pub(crate) async fn erasure(
    url: &str,
    catalog: &Arc<Catalog>,
    shape: &Shape,
) -> Result<Vec<Latency>> {
    let bench = Bench::open(url, catalog).await?;
    let measured = erasure_on(&bench, shape).await;
    let closed = bench.close().await;
    let latencies = measured?;
    closed?;
    Ok(latencies)
}

async fn erasure_on(bench: &Bench, shape: &Shape) -> Result<Vec<Latency>> {
    let mut out = Vec::new();
    for (k, &size) in shape.erasure_sizes.iter().enumerate() {
        let bar = progress(format!("engine: subjects of {size}"), shape.erasures * size);
        let mut subjects = Vec::with_capacity(shape.erasures);
        for s in 0..shape.erasures {
            subjects.push(bench.subject(k * shape.erasures + s, size, &bar).await?);
        }
        bar.finish_and_clear();
        let mut samples = Vec::with_capacity(subjects.len());
        for subject in subjects {
            let started = Instant::now();
            bench
                .engine
                .erase_subject(&bench.who, subject)
                .await
                .context("the engine's erasure failed")?;
            samples.push(started.elapsed());
        }
        out.push(Latency::of(samples));
    }
    Ok(out)
}
