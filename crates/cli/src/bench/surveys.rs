//! `tutela bench --surveys`: survey results over 1,000,000 stored answers
//! in 50 teams beside a bare rusqlite `GROUP BY` over the same rows, in the
//! same run on the same file. Tutela's path is the one grouped statement
//! plus the survey's own reads (definition, members, tokens), the pure
//! suppression and figures in Rust, and the audit entry of the read; the
//! baseline is the grouped statement alone, prepared once.

use super::progress;
use anyhow::{Context, Result, ensure};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, params};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tutela_engine::Engine;
use tutela_engine::audit::AuditChain;
use tutela_engine::clock::ManualClock;
use tutela_engine::ids::{SubjectId, SurveyId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::store::{Change, SubjectRow, Write};
use tutela_engine::survey::RawSurvey;
use tutela_engine::survey::noise::{RandomSource, SeededRandom};
use tutela_vault::MasterKey;

/// Teams in the survey.
const TEAMS: usize = 50;
/// Members per team.
const MEMBERS: usize = 10;
/// ISO weeks the answers spread over.
const WEEKS: usize = 4;
/// Timed reads on each side; the median is reported.
const ROUNDS: usize = 5;

/// What the survey bench measured.
#[derive(Debug, Clone)]
pub(crate) struct SurveyOutcome {
    /// Answer rows stored.
    pub answers: usize,
    /// Median time of Tutela's results.
    pub results: Duration,
    /// Median time of the bare `GROUP BY`.
    pub bare: Duration,
}

impl SurveyOutcome {
    /// The report, as printed.
    pub(crate) fn render(&self) -> String {
        let per_sec = |d: Duration| self.answers as f64 / d.as_secs_f64().max(1e-9);
        format!(
            "survey results (SQLite, {TEAMS} teams, {WEEKS} weeks, median of {ROUNDS} reads)\n\
             answers counted         {:>12}\n\
             tutela results          {:>12.0} answers/s  ({:.3} s)\n\
             bare rusqlite GROUP BY  {:>12.0} answers/s  ({:.3} s)\n\
             ratio results / bare    {:>12.2}  (target >= 0.5)\n",
            self.answers,
            per_sec(self.results),
            self.results.as_secs_f64(),
            per_sec(self.bare),
            self.bare.as_secs_f64(),
            self.bare.as_secs_f64() / self.results.as_secs_f64().max(1e-9),
        )
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Runs both sides in `dir` over `answers` answer rows.
pub(crate) async fn run(dir: &Path, answers: usize) -> Result<SurveyOutcome> {
    let path = dir.join("surveys.db");
    let start: Timestamp = "2026-11-02T09:00:00Z".parse()?;
    let master = Arc::new(MasterKey::generate());
    let tenant = TenantId::parse("bench")?;
    let id = prepare(&path, start, &master, &tenant).await?;
    fill(&path, &tenant, id, answers)?;
    let clock = Arc::new(ManualClock::new(
        start + SignedDuration::from_hours(24 * 7 * 5),
    ));
    let url = format!("sqlite://{}", path.display());
    let store = tutela_store::connect(&url).await?;
    let engine = Engine::new(store, clock, master);
    let who = Principal::local_admin(tenant.clone(), false);
    let mut ours = Vec::with_capacity(ROUNDS);
    let mut bare = Vec::with_capacity(ROUNDS);
    let conn = Connection::open(&path)?;
    let mut statement = conn.prepare(
        "SELECT team, period, question, value, COUNT(*) FROM survey_answers \
         WHERE tenant_id = ?1 AND survey_id = ?2 AND value IS NOT NULL \
         GROUP BY team, period, question, value",
    )?;
    let survey = id.to_string();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let (results, _) = engine.survey_results(&who, id).await?;
        ours.push(started.elapsed());
        ensure!(results.questions.len() == 2, "results lack questions");
        let started = Instant::now();
        let rows: Vec<(String, String, String, i64, i64)> = statement
            .query_map(params![tenant.as_str(), survey], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        bare.push(started.elapsed());
        let counted: i64 = rows.iter().map(|r| r.4).sum();
        ensure!(
            counted as usize == answers,
            "the GROUP BY counted {counted}"
        );
    }
    engine.store().close().await?;
    Ok(SurveyOutcome {
        answers,
        results: median(ours),
        bare: median(bare),
    })
}

/// A tenant, its members and an opened survey of two questions.
async fn prepare(
    path: &Path,
    start: Timestamp,
    master: &Arc<MasterKey>,
    tenant: &TenantId,
) -> Result<SurveyId> {
    let store = tutela_store::connect(&format!("sqlite://{}", path.display()))
        .await
        .context("cannot open the bench database")?;
    let clock = Arc::new(ManualClock::new(start));
    let engine = Engine::new(Arc::clone(&store), clock, Arc::clone(master));
    let op = TenantId::parse("operator")?;
    engine
        .bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await?;
    engine
        .create_tenant(
            &Principal::local_admin(op, true),
            tenant.clone(),
            "Bench",
            tutela_policy::EXAMPLE_POLICY,
        )
        .await?;
    let mut writes = Vec::new();
    let mut teams = Vec::new();
    for t in 0..TEAMS {
        let mut members = Vec::new();
        for _ in 0..MEMBERS {
            let id = SubjectId::new();
            members.push(id);
            writes.push(Write::InsertSubject(SubjectRow {
                tenant: tenant.clone(),
                id,
                kind: "employee".into(),
                wrapped_key: None,
                restricted: false,
                created_at: start,
                erased_at: None,
            }));
        }
        teams.push(
            json!({"key": format!("team{t:02}"), "name": format!("Team {t}"), "members": members}),
        );
    }
    let chain = AuditChain::new(tenant.clone(), master.audit_key(tenant.as_str()));
    store
        .apply(
            tenant,
            Change {
                writes,
                audit: Vec::new(),
            },
            &chain,
        )
        .await?;
    let raw: RawSurvey = serde_json::from_value(json!({
        "title": "Pulse",
        "organisation": "Bench",
        "questions": [
            {"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"},
            {"key": "enps", "prompt": "Would you recommend us?", "kind": "scale_0_10"}
        ],
        "teams": teams,
        "opens_at": start.to_string(),
        "closes_at": (start + SignedDuration::from_hours(24 * 7 * 4)).to_string(),
        "purpose": "account",
    }))?;
    let who = Principal::local_admin(tenant.clone(), false);
    let id = engine.create_survey(&who, &raw).await?;
    engine.open_survey(&who, id).await?;
    store.close().await?;
    Ok(id)
}

/// Stores `answers` answer rows as answering would, in bulk: random keys,
/// teams, ISO weeks, both questions.
fn fill(path: &Path, tenant: &TenantId, id: SurveyId, answers: usize) -> Result<()> {
    let mut conn = Connection::open(path)?;
    let mut rng = SeededRandom::new(2026);
    let survey = id.to_string();
    let bar = progress("fill: answers".to_owned(), answers);
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO survey_answers (tenant_id, survey_id, answer_id, team, period, question, value) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for n in 0..answers {
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&rng.below(u64::MAX)?.to_le_bytes());
            key[8..].copy_from_slice(&rng.below(u64::MAX)?.to_le_bytes());
            let team = format!("team{:02}", rng.below(TEAMS as u64)?);
            let period = format!("2026-W{}", 45 + rng.below(WEEKS as u64)?);
            let (question, value) = if n % 2 == 0 {
                ("pulse", 1 + rng.below(5)? as i64)
            } else {
                ("enps", rng.below(11)? as i64)
            };
            insert.execute(params![
                tenant.as_str(),
                survey,
                key.as_slice(),
                team,
                period,
                question,
                value
            ])?;
            if n % 10_000 == 0 {
                bar.set_position(n as u64);
            }
        }
    }
    tx.commit()?;
    bar.finish_and_clear();
    Ok(())
}
