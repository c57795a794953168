//! The PostgreSQL baseline: plain SQL through sqlx on a pool of c
//! connections, in tables named uniquely for this run and dropped at the
//! end. Writes are plain INSERTs, one transaction per call; the bare read is
//! a select; the audited read is the select plus one access-log INSERT
//! (who, purpose, subject, time) committed on its own before the answer,
//! with the database's `synchronous_commit`, as the engine's entries are.

use super::driver::{drive, phase, warm_up};
use super::report::{BareRun, Counts, Pair};
use super::workload::SubjectIds;
use super::{Catalog, Counters, Op, Side, Workload, run_tag};
use anyhow::{Context, Result, ensure};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Row};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Sets the baseline up on `url`, times its phases, and drops its tables
/// whatever happened.
pub(crate) async fn run(url: &str, catalog: Arc<Catalog>, w: &Workload) -> Result<BareRun> {
    let side = Arc::new(BarePg::setup(url, catalog, w).await?);
    let measured = async {
        // As the engine's setup does: one row per subject, from c callers.
        let label = "bare: create subjects".to_owned();
        drive(
            &side,
            label,
            0..w.total(),
            w.concurrency,
            BarePg::create_subject,
        )
        .await?;
        measure(&side, w).await
    }
    .await;
    let dropped = side.drop_tables().await;
    side.pool.close().await;
    let run = measured?;
    dropped?;
    Ok(run)
}

async fn measure(side: &Arc<BarePg>, w: &Workload) -> Result<BareRun> {
    warm_up(side, w).await?;
    let write: Pair = phase(side, "write", w, BarePg::write).await?;
    let select = phase(side, "select", w, BarePg::read).await?;
    let audited = phase(side, "audited read", w, BarePg::audited_read).await?;
    let (stored, access_rows) = side.stored_rows().await?;
    ensure!(
        stored == w.total() * w.batch,
        "bare table holds {stored} rows, expected {}",
        w.total() * w.batch
    );
    Ok(BareRun {
        settings: format!(
            "sqlx, plain SQL, pool of {} connections; one transaction per write call; \
             access-log row committed per read; synchronous_commit as the database sets it",
            w.concurrency
        ),
        write,
        select,
        audited,
        counts: side.counts(),
        access_rows,
    })
}

/// The baseline side on PostgreSQL.
pub(crate) struct BarePg {
    pool: PgPool,
    subjects_table: String,
    records: String,
    access: String,
    // Shared, so binding a statement copies no text.
    insert: Arc<str>,
    select: Arc<str>,
    log: Arc<str>,
    catalog: Arc<Catalog>,
    purpose: String,
    subjects: SubjectIds,
    batch: usize,
    counters: Counters,
}

impl BarePg {
    async fn setup(url: &str, catalog: Arc<Catalog>, w: &Workload) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(u32::try_from(w.concurrency).unwrap_or(u32::MAX))
            .connect(url)
            .await
            .context("cannot connect the bare side to PostgreSQL")?;
        // The tag is lowercase hex: safe inside an identifier.
        let tag = run_tag();
        let records = format!("tutela_bench_records_{tag}");
        let access = format!("tutela_bench_access_{tag}");
        let subjects_table = format!("tutela_bench_subjects_{tag}");
        let ddl = format!(
            "CREATE TABLE {subjects_table} (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at BIGINT NOT NULL); \
             CREATE TABLE {records} (subject TEXT NOT NULL, id TEXT NOT NULL, category TEXT NOT NULL, \
             purpose TEXT NOT NULL, value TEXT NOT NULL, collected_at BIGINT NOT NULL, \
             PRIMARY KEY (subject, id)); \
             CREATE UNIQUE INDEX {records}_identifier ON {records} (category, value) WHERE category = '{identifier}'; \
             CREATE TABLE {access} (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, who TEXT NOT NULL, \
             purpose TEXT NOT NULL, subject TEXT NOT NULL)",
            identifier = catalog.identifier
        );
        sqlx::raw_sql(AssertSqlSafe(ddl))
            .execute(&pool)
            .await
            .context("cannot create the bare tables")?;
        Ok(Self {
            insert: format!(
                "INSERT INTO {records} (subject, id, category, purpose, value, collected_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .into(),
            select: format!(
                "SELECT id, category, purpose, value, collected_at FROM {records} WHERE subject = $1"
            )
            .into(),
            log: format!(
                "INSERT INTO {access} (at, who, purpose, subject) VALUES ($1, $2, $3, $4)"
            )
            .into(),
            subjects_table,
            records,
            access,
            pool,
            purpose: catalog.purpose.to_string(),
            catalog,
            subjects: SubjectIds::new(w.total()),
            batch: w.batch,
            counters: Counters::default(),
        })
    }

    fn subject(&self, i: usize) -> Result<&str> {
        self.subjects.get(i)
    }

    fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    async fn select(&self, i: usize) -> Result<()> {
        let rows: Vec<(String, String, String, String, i64)> =
            sqlx::query_as(AssertSqlSafe(Arc::clone(&self.select)))
                .bind(self.subject(i)?)
                .fetch_all(&self.pool)
                .await
                .with_context(|| format!("bare read of subject {i} failed"))?;
        ensure!(
            rows.len() == self.batch,
            "bare read {} rows, expected {}",
            rows.len(),
            self.batch
        );
        self.counters.read.fetch_add(rows.len(), Ordering::Relaxed);
        Ok(())
    }

    /// Inserts subject `i`'s row (untimed set-up).
    fn create_subject(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let sql = format!(
                "INSERT INTO {} (id, kind, created_at) VALUES ($1, $2, $3)",
                self.subjects_table
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(self.subject(i)?)
                .bind(self.catalog.kind.as_str())
                .bind(wall_clock_micros())
                .execute(&self.pool)
                .await
                .with_context(|| format!("bare subject insert {i} failed"))?;
            Ok(())
        })
    }

    fn audited_read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            self.select(i).await?;
            sqlx::query(AssertSqlSafe(Arc::clone(&self.log)))
                .bind(wall_clock_micros())
                .bind("bench-service")
                .bind(self.purpose.as_str())
                .bind(self.subject(i)?)
                .execute(&self.pool)
                .await
                .with_context(|| format!("bare access-log insert for subject {i} failed"))?;
            Ok(())
        })
    }

    async fn stored_rows(&self) -> Result<(usize, usize)> {
        let mut counts = [0usize; 2];
        for (slot, table) in counts.iter_mut().zip([&self.records, &self.access]) {
            let row = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await
                .context("cannot count the bare rows")?;
            *slot = usize::try_from(row.try_get::<i64, _>(0)?)?;
        }
        let [records, access] = counts;
        Ok((records, access))
    }

    async fn drop_tables(&self) -> Result<()> {
        let sql = format!(
            "DROP TABLE IF EXISTS {}, {}, {}",
            self.subjects_table, self.records, self.access
        );
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .context("cannot drop the bare tables")?;
        Ok(())
    }
}

/// The baseline is plain SQL outside the engine, stamping rows with the
/// wall clock as a user would.
#[allow(clippy::disallowed_methods)]
fn wall_clock_micros() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

impl Side for BarePg {
    fn name(&self) -> &'static str {
        "bare"
    }

    fn write(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move {
            let subject = self.subject(i)?;
            let rows = self.catalog.batch(i, self.batch);
            let at = wall_clock_micros();
            let mut tx = self.pool.begin().await.context("bare begin failed")?;
            for (category, value) in &rows {
                sqlx::query(AssertSqlSafe(Arc::clone(&self.insert)))
                    .bind(subject)
                    .bind(uuid::Uuid::now_v7().to_string())
                    .bind(category.as_str())
                    .bind(self.purpose.as_str())
                    .bind(value.as_str())
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .with_context(|| format!("bare insert for subject {i} failed"))?;
            }
            tx.commit().await.context("bare commit failed")?;
            self.counters
                .written
                .fetch_add(rows.len(), Ordering::Relaxed);
            Ok(())
        })
    }

    fn read(self: Arc<Self>, i: usize) -> Op {
        Box::pin(async move { self.select(i).await })
    }
}
