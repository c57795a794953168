//! The engine under test: a fresh SQLite store, a generated master key, a
//! tenant under the example policy, and every operation through the public
//! engine API, so each write pays for the purpose check, sealing, the blind
//! index, the audit entry and the commit, and each read for the check,
//! unwrapping, opening and its audit entry.

use super::report::{AuditSummary, Counts};
use super::{Catalog, Counters, Op, Side, Workload, progress};
use anyhow::{Context, Result, anyhow, ensure};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tutela_engine::clock::SystemClock;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::{Engine, NewRecord, RecordSource};
use tutela_policy::EXAMPLE_POLICY;
use tutela_vault::MasterKey;

/// Entries the setup puts on the bench tenant's chain before any subject:
/// the tenant's creation and its first policy.
const SETUP_ENTRIES: u64 = 2;

/// The engine side of the bench.
pub(crate) struct EngineSide {
    engine: Arc<Engine>,
    who: Principal,
    catalog: Arc<Catalog>,
    subjects: Vec<SubjectId>,
    batch: usize,
    source: RecordSource,
    counters: Counters,
}

impl EngineSide {
    /// A store at `path`, an operator, a tenant, and `workload.total()`
    /// subjects without records (untimed).
    pub async fn setup(path: &Path, catalog: Arc<Catalog>, workload: &Workload) -> Result<Self> {
        let store = tutela_store::SqliteStore::open(path)
            .await
            .with_context(|| format!("cannot open the engine's store at {}", path.display()))?;
        let engine = Arc::new(Engine::new(
            Arc::new(store),
            Arc::new(SystemClock),
            Arc::new(MasterKey::generate()),
        ));
        let operator = tenant_id("operator")?;
        engine
            .bootstrap_operator(operator.clone(), "Bench operator", EXAMPLE_POLICY)
            .await
            .context("cannot bootstrap the operator tenant")?;
        let tenant = tenant_id("bench")?;
        let admin = Principal::local_admin(operator, true);
        engine
            .create_tenant(&admin, tenant.clone(), "Bench tenant", EXAMPLE_POLICY)
            .await
            .context("cannot create the bench tenant")?;
        let who = Principal::local_admin(tenant, false);
        let subjects = create_subjects(&engine, &who, &catalog, workload).await?;
        Ok(Self {
            engine,
            who,
            catalog,
            subjects,
            batch: workload.batch,
            source: RecordSource::parse("bench", "source").context("the bench source")?,
            counters: Counters::default(),
        })
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

    /// Walks the tenant's audit chain: one entry per subject created, per
    /// write and per read, on top of the setup's.
    pub async fn verify_audit(&self) -> Result<AuditSummary> {
        let report = self
            .engine
            .verify_audit(&self.who)
            .await
            .context("cannot verify the audit chain")?;
        let counts = self.counts();
        let ops = self.subjects.len() + (counts.written + counts.read) / self.batch;
        Ok(AuditSummary {
            entries: report.verified,
            expected: SETUP_ENTRIES + ops as u64,
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
                .engine
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
                .engine
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

fn tenant_id(slug: &str) -> Result<TenantId> {
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
