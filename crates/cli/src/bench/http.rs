//! `tutela bench --http`: purpose-checked reads through the real server.
//! The engine is first measured in process on the same backend (the
//! baseline); then the server is started as a child process, subjects are
//! created through its API (untimed), and `GET /v1/subjects/{id}/records`
//! is driven from c concurrent keep-alive connections, recording every
//! request's latency, every failure, and the server's resident memory.
//!
//! The client runs on the same machine and shares its cores with the
//! server: the figures are a floor for what a separate client would see.

use super::child::{ScratchDatabase, Server};
use super::report::{HttpOutcome, Load};
use super::{Catalog, PURPOSE, Target, Workload, engine_side, progress, run_tag};
use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Requests of the concurrent phase per subject: enough requests for a
/// stable p99 without more subjects to create.
const ROUNDS: usize = 5;

/// The in-process baseline, then the server on a fresh database.
pub(crate) async fn bench(w: &Workload, dir: &Path, target: &Target) -> Result<HttpOutcome> {
    let scratch = match target {
        Target::Postgres { url } => Some(ScratchDatabase::create(url, &run_tag()).await?),
        Target::Sqlite { .. } => None,
    };
    let outcome = measure(w, dir, target, scratch.as_ref().map(|s| s.url.as_str())).await;
    if let Some(db) = scratch {
        db.drop_now().await?;
    }
    outcome
}

async fn measure(
    w: &Workload,
    dir: &Path,
    target: &Target,
    database_url: Option<&str>,
) -> Result<HttpOutcome> {
    let catalog = Arc::new(Catalog::from_policy(
        tutela_policy::EXAMPLE_POLICY,
        PURPOSE,
    )?);
    let engine_url = match database_url {
        Some(url) => url.to_owned(),
        None => target.engine_url(dir, "engine.db")?,
    };
    let engine = engine_side::run(&engine_url, Arc::clone(&catalog), w, 1).await?;
    let server_dir = dir.join("server");
    std::fs::create_dir_all(&server_dir).context("cannot make the server's directory")?;
    let server = Server::start(&server_dir, database_url).await?;
    let loaded = drive_server(&server, &catalog, w).await;
    let memory = server.memory();
    let stopped = server.stop().await;
    let (sequential, concurrent) = loaded?;
    stopped?;
    Ok(HttpOutcome {
        workload: *w,
        target: target.describe(),
        engine,
        sequential,
        concurrent,
        memory,
    })
}

/// Creates the subjects, warms up, then times reads at c=1 and at c.
async fn drive_server(
    server: &Server,
    catalog: &Arc<Catalog>,
    w: &Workload,
) -> Result<(Load, Load)> {
    let client = Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(w.concurrency)
            .timeout(Duration::from_secs(60))
            .build()
            .context("cannot build the HTTP client")?,
        base: server.base.clone(),
        token: server.service.clone(),
    };
    let ids = Arc::new(create_subjects(&client, catalog, w).await?);
    client
        .check_one(ids.first().context("no subject")?, w.batch)
        .await?;
    let c = w.concurrency;
    load(&client, &ids, w.warm().len(), c, "http: warm-up reads").await?;
    let sequential = load(&client, &ids, w.subjects, 1, "http: read c=1").await?;
    let concurrent = load(
        &client,
        &ids,
        ROUNDS * w.subjects,
        c,
        &format!("http: read c={c}"),
    )
    .await?;
    Ok((sequential, concurrent))
}

/// The API client: one connection pool, the demo's service key.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// One purpose-checked read; Ok(true) when answered 200.
    async fn read(&self, id: &str) -> bool {
        let url = format!("{}/v1/subjects/{id}/records?purpose={PURPOSE}", self.base);
        match self.http.get(url).bearer_auth(&self.token).send().await {
            Ok(resp) => {
                let ok = resp.status().as_u16() == 200;
                resp.bytes().await.is_ok() && ok
            }
            Err(_) => false,
        }
    }

    /// Reads one subject and checks the answer holds its `batch` records.
    async fn check_one(&self, id: &str, batch: usize) -> Result<()> {
        let url = format!("{}/v1/subjects/{id}/records?purpose={PURPOSE}", self.base);
        let body: Value = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .context("the first read got no answer")?
            .error_for_status()
            .context("the first read was refused")?
            .json()
            .await
            .context("the first read's answer is not JSON")?;
        let n = body
            .get("records")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        ensure!(n == batch, "the server read {n} records, expected {batch}");
        Ok(())
    }

    /// Creates one subject with its batch of records; its id.
    async fn create(&self, catalog: &Catalog, i: usize, batch: usize) -> Result<String> {
        let records: Vec<Value> = catalog
            .batch(i, batch)
            .into_iter()
            .map(|(category, value)| json!({ "category": category.to_string(), "value": value }))
            .collect();
        let body = json!({
            "kind": catalog.kind.to_string(),
            "purpose": catalog.purpose.to_string(),
            "records": records,
        });
        let created: Value = self
            .http
            .post(format!("{}/v1/subjects", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .context("creating a subject got no answer")?
            .error_for_status()
            .context("creating a subject was refused")?
            .json()
            .await
            .context("the created subject's answer is not JSON")?;
        created
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("the created subject's answer has no id")
    }
}

/// `workload.subjects` subjects created from c tasks; their ids.
async fn create_subjects(
    client: &Client,
    catalog: &Arc<Catalog>,
    w: &Workload,
) -> Result<Vec<String>> {
    let bar = progress("http: create subjects".into(), w.subjects);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..w.concurrency {
        let (client, catalog, next, bar) = (
            client.clone(),
            Arc::clone(catalog),
            Arc::clone(&next),
            bar.clone(),
        );
        let (total, batch) = (w.subjects, w.batch);
        tasks.spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(made);
                }
                made.push((i, client.create(&catalog, i, batch).await?));
                bar.inc(1);
            }
        });
    }
    let mut all = Vec::with_capacity(w.subjects);
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.context("a subject-creating task failed to finish")??);
    }
    bar.finish_and_clear();
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, id)| id).collect())
}

/// `count` reads over `ids` in turn from `concurrency` tasks; every
/// latency and failure recorded.
async fn load(
    client: &Client,
    ids: &Arc<Vec<String>>,
    count: usize,
    concurrency: usize,
    label: &str,
) -> Result<Load> {
    let bar = progress(label.to_owned(), count);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (client, ids, next, bar) = (
            client.clone(),
            Arc::clone(ids),
            Arc::clone(&next),
            bar.clone(),
        );
        tasks.spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i % ids.len().max(1)).filter(|_| i < count) else {
                    return (latencies, errors);
                };
                let sent = Instant::now();
                if !client.read(id).await {
                    errors += 1;
                }
                latencies.push(sent.elapsed());
                bar.inc(1);
            }
        });
    }
    let (mut latencies, mut errors) = (Vec::with_capacity(count), 0);
    while let Some(joined) = tasks.join_next().await {
        let (l, e) = joined.context("a load task failed to finish")?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    Ok(Load::from_latencies(latencies, elapsed, errors))
}
