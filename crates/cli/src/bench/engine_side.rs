//! The engine under test: a store opened through `tutela_store::connect`
//! (a fresh SQLite file, or the PostgreSQL under test), a generated master
//! key, a tenant of its own under the example policy, and every operation
//! through the public engine API, so each write pays for the purpose check,
//! sealing, the blind index, the audit entry and the commit, and each read
//! for the check, unwrapping, opening and its audit entry.
//!
//! With several engines (`--servers`), each has its own store (its own
//! pool), as separate servers would, all sharing the master key and the
//! tenant; operation `i` goes to engine `i % n`.

use super::driver::{phase, warm_up};
use super::report::{AuditSummary, Counts, EngineRun};
use super::{Catalog, Counters, Op, Side, Workload, progress, run_tag};
use anyhow::{Context, Result, anyhow, ensure};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tutela_engine::clock::SystemClock;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::{Engine, NewRecord, RecordSource};
use tutela_policy::EXAMPLE_POLICY;
use tutela_vault::MasterKey;

/// The operator the bench acts as when it creates its tenant, as the CLI
/// does; no operator tenant is created, so a shared database gains only the
/// bench's tenant.
pub(crate) const OPERATOR: &str = "bench-operator";

/// Sets the engine side up on `url` with `engines` engines, times its
/// phases, verifies the tenant's chain and closes its stores.
pub(crate) async fn run(
    url: &str,
    catalog: Arc<Catalog>,
    w: &Workload,
    engines: usize,
) -> Result<EngineRun> {
    let side = Arc::new(EngineSide::setup(url, catalog, w, engines).await?);
    let measured = measure(&side, w, engines).await;
    // Closed whatever happened, so the SQLite file is complete on its own.
    let closed = side.close().await;
    let run = measured?;
    closed?;
    Ok(run)
}

async fn measure(side: &Arc<EngineSide>, w: &Workload, engines: usize) -> Result<EngineRun> {
    warm_up(side, w).await?;
    let write = phase(side, "write", w, EngineSide::write).await?;
    let read = phase(side, "read", w, EngineSide::read).await?;
    Ok(EngineRun {
        engines,
        write,
        read,
        counts: side.counts(),
        audit: side.verify_audit().await?,
    })
}

/// The engine side of the bench.
pub(crate) struct EngineSide {
    engines: Vec<Arc<Engine>>,
    who: Principal,
    catalog: Arc<Catalog>,
    subjects: Vec<SubjectId>,
    batch: usize,
    source: RecordSource,
    counters: Counters,
    /// Entries on the chain once the subjects exist, before any timed act.
    setup_entries: u64,
}

impl EngineSide {
    /// `engines` stores on `url`, a tenant named uniquely for this run, and
    /// `workload.total()` subjects without records (untimed).
    pub async fn setup(
        url: &str,
        catalog: Arc<Catalog>,
        workload: &Workload,
        engines: usize,
    ) -> Result<Self> {
        let master = Arc::new(MasterKey::generate());
        let mut opened = Vec::with_capacity(engines);
        for _ in 0..engines.max(1) {
            let store = tutela_store::connect(url)
                .await
                .context("cannot open the engine's store")?;
            opened.push(Arc::new(Engine::new(
                store,
                Arc::new(SystemClock),
                Arc::clone(&master),
            )));
        }
        let first = opened.first().context("no engine")?;
        let tenant = tenant_id(&format!("bench-{}", run_tag()))?;
        let operator = Principal::local_admin(tenant_id(OPERATOR)?, true);
        first
            .create_tenant(&operator, tenant.clone(), "Bench tenant", EXAMPLE_POLICY)
            .await
            .context("cannot create the bench tenant")?;
        let who = Principal::local_admin(tenant, false);
        let subjects = create_subjects(first, &who, &catalog, workload).await?;
        let setup_entries = first
            .verify_audit(&who)
            .await
            .context("cannot verify the audit chain")?
            .verified;
        Ok(Self {
            engines: opened,
            who,
            catalog,
            subjects,
            batch: workload.batch,
            source: RecordSource::parse("bench", "source").context("the bench source")?,
            counters: Counters::default(),
            setup_entries,
        })
    }

    fn engine(&self, i: usize) -> Result<&Arc<Engine>> {
        self.engines
            .get(i % self.engines.len().max(1))
            .context("no engine")
    }

    fn subject(&self, i: usize) -> Result<SubjectId> {
        self.subjects
            .get(i)
            .copied()
            .context("subject index out of range")
    }

    /// Rows confirmed so far.
    pub fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    /// Closes every engine's store (on SQLite: checkpoints the WAL).
    async fn close(&self) -> Result<()> {
        for engine in &self.engines {
            engine
                .store()
                .close()
                .await
                .context("cannot close the engine's store")?;
        }
        Ok(())
    }

    /// Walks the tenant's audit chain: the setup's entries, then one per
    /// write and per read.
    pub async fn verify_audit(&self) -> Result<AuditSummary> {
        let report = self
            .engine(0)?
            .verify_audit(&self.who)
            .await
            .context("cannot verify the audit chain")?;
        let counts = self.counts();
        let ops = (counts.written + counts.read) / self.batch;
        Ok(AuditSummary {
            entries: report.verified,
            expected: self.setup_entries + ops as u64,
            intact: report.intact(),
        })
    }
}

impl Side for EngineSide {
    fn name(&self) -> &'static str {
        "engine"
    }

    fn write(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let records = self
                .catalog
                .batch(i, self.batch)
                .into_iter()
                .map(|(category, value)| NewRecord {
                    category,
                    value,
                    source: self.source.clone(),
                })
                .collect();
            let ids = self
                .engine(i)?
                .write_records(&self.who, subject, &self.catalog.purpose, records)
                .await
                .with_context(|| format!("engine write of subject {i} failed"))?;
            ensure!(
                ids.len() == self.batch,
                "engine wrote {} records, expected {}",
                ids.len(),
                self.batch
            );
            self.counters
                .written
                .fetch_add(ids.len(), Ordering::Relaxed);
            Ok(())
        })
    }

    fn read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let records = self
                .engine(i)?
                .read_records(&self.who, subject, &self.catalog.purpose, None)
                .await
                .with_context(|| format!("engine read of subject {i} failed"))?;
            ensure!(
                records.len() == self.batch,
                "engine read {} records, expected {}",
                records.len(),
                self.batch
            );
            self.counters
                .read
                .fetch_add(records.len(), Ordering::Relaxed);
            Ok(())
        })
    }
}

/// A tenant id from one of the bench's own slugs.
pub(crate) fn tenant_id(slug: &str) -> Result<TenantId> {
    TenantId::parse(slug).map_err(|e| anyhow!("{e}"))
}

/// Creates the subjects from `workload.concurrency` tasks, each taking every
/// c-th index, and returns their ids in index order.
async fn create_subjects(
    engine: &Arc<Engine>,
    who: &Principal,
    catalog: &Arc<Catalog>,
    w: &Workload,
) -> Result<Vec<SubjectId>> {
    let total = w.total();
    let tasks = w.concurrency.max(1);
    let bar = progress("engine: create subjects".into(), total);
    let mut set = tokio::task::JoinSet::new();
    for first in 0..tasks {
        let (engine, who, catalog, bar) = (
            Arc::clone(engine),
            who.clone(),
            Arc::clone(catalog),
            bar.clone(),
        );
        set.spawn(async move {
            let mut made = Vec::new();
            for i in (first..total).step_by(tasks) {
                let id = engine
                    .create_subject(&who, &catalog.kind, &catalog.purpose, Vec::new())
                    .await
                    .context("cannot create a bench subject")?;
                made.push((i, id));
                bar.inc(1);
            }
            Ok::<_, anyhow::Error>(made)
        });
    }
    let mut all = Vec::with_capacity(total);
    while let Some(joined) = set.join_next().await {
        all.extend(joined.context("a subject-creating task failed to finish")??);
    }
    bar.finish_and_clear();
    all.sort_unstable_by_key(|(i, _)| *i);
    ensure!(
        all.len() == total,
        "created {} subjects, expected {total}",
        all.len()
    );
    Ok(all.into_iter().map(|(_, id)| id).collect())
}
