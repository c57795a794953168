//! What an operator holding the database finds in stored answers: read
//! straight from SQLite and PostgreSQL, no column or value ties an answer
//! to a member (member ids, tokens, token hashes, times), and the order the
//! rows are stored in does not follow the order people answered in.
//!
//! The order test: 500 members answer in a shuffled order; submission `i`
//! answers `floor(11 i / 500)`, so a value rises with the submission's
//! place. Spearman's rank correlation between the rows' storage order
//! and their values is near 1 if storage follows submission order; for
//! independent orders it is about N(0, 1/(n - 1)), a standard deviation of
//! 0.045 at n = 500, so |rho| < 0.2 is beyond 4 sigma: a false alarm
//! about once in 100,000 runs.

use crate::support::{PG_ENV, with_pg_database};
use crate::surveys::{answer, setup, survey};
use serde_json::json;
use std::sync::Arc;
use tutela_engine::ids::{SubjectId, SurveyId};
use tutela_engine::principal::Principal;
use tutela_engine::store::Store;
use tutela_engine::survey::noise::SeededRandom;
use tutela_engine::survey::results::shuffle;
use tutela_engine::{Engine, IssuedToken};
use tutela_store::{PgStore, SqliteStore};

const N: usize = 500;
const TEAMS: usize = 10;
/// |rho| at or above this fails the test (above 4 sigma at n = 500).
const RHO_LIMIT: f64 = 0.2;

/// One stored answer row, every column as text or bytes.
#[derive(Debug)]
struct RawRow {
    columns: Vec<(String, Vec<u8>)>,
    value: i64,
}

/// What must appear in no stored answer: member ids (text and bytes),
/// tokens and their secrets, stored token hashes, the answer time, and
/// the free text in plain.
struct Secrets {
    needles: Vec<Vec<u8>>,
}

impl Secrets {
    fn check(&self, rows: &[RawRow]) {
        for row in rows {
            for (name, bytes) in &row.columns {
                for needle in &self.needles {
                    let found = bytes.windows(needle.len()).any(|w| w == needle.as_slice());
                    assert!(!found, "column {name} holds a linking value");
                }
            }
        }
    }
}

/// Spearman's rho of storage position against value (ties ranked by
/// their mean rank).
fn spearman(values: &[i64]) -> f64 {
    let n = values.len() as f64;
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|&i| values[i]);
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0;
        for k in i..=j {
            ranks[order[k]] = mean;
        }
        i = j + 1;
    }
    let pos: Vec<f64> = (0..values.len()).map(|i| i as f64).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (mp, mr) = (mean(&pos), mean(&ranks));
    let cov: f64 = pos
        .iter()
        .zip(&ranks)
        .map(|(p, r)| (p - mp) * (r - mr))
        .sum();
    let sd = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>().sqrt();
    cov / (sd(&pos, mp) * sd(&ranks, mr))
}

/// Creates and opens a survey for 500 members in 10 teams, and returns it
/// with every token and the hashes stored for them.
async fn open_survey(
    engine: &Engine,
    admin: &Principal,
    people: &[SubjectId],
) -> (SurveyId, Vec<IssuedToken>) {
    let chunks: Vec<(String, &[SubjectId])> = people
        .chunks(N / TEAMS)
        .enumerate()
        .map(|(i, c)| (format!("team{i}"), c))
        .collect();
    let teams: Vec<(&str, &[SubjectId])> = chunks.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    let raw = survey(
        json!([
            {"key": "enps", "prompt": "Would you recommend us?", "kind": "scale_0_10"},
            {"key": "comment", "prompt": "Anything else?", "kind": "text"}
        ]),
        &teams,
    );
    let id = engine.create_survey(admin, &raw).await.unwrap();
    let tokens = engine.open_survey(admin, id).await.unwrap();
    (id, tokens)
}

/// Everyone answers, in a shuffled order; submission `i` answers
/// `11 i / N`. Returns the needles no answer row may hold.
async fn answer_all(engine: &Engine, tokens: &[IssuedToken], hashes: Vec<Vec<u8>>) -> Secrets {
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    shuffle(&mut order, &mut SeededRandom::new(42)).unwrap();
    let now = engine.now();
    let mut needles = hashes;
    for (i, &who) in order.iter().enumerate() {
        let value = (i * 11 / tokens.len()) as i64;
        let given = answer(json!({"enps": value, "comment": format!("note {i}")}));
        engine
            .submit_survey_answer(&tokens[who].token, &given)
            .await
            .unwrap();
    }
    for t in tokens {
        needles.push(t.subject.to_string().into_bytes());
        needles.push(t.subject.as_bytes().to_vec());
        needles.push(t.token.clone().into_bytes());
        let secret = t.token.rsplit('.').next().unwrap().to_owned();
        needles.push(secret.into_bytes());
    }
    // Free text is sealed: its words appear nowhere.
    needles.push(b"note ".to_vec());
    let us = now.as_microsecond();
    needles.push(us.to_string().into_bytes());
    needles.push((us / 1_000_000).to_string().into_bytes());
    needles.push(us.to_le_bytes().to_vec());
    needles.push(us.to_be_bytes().to_vec());
    needles.push(now.to_string().into_bytes());
    Secrets { needles }
}

fn expected_columns() -> Vec<&'static str> {
    vec![
        "tenant_id",
        "survey_id",
        "answer_id",
        "team",
        "period",
        "question",
        "value",
        "sealed",
    ]
}

fn assert_unlinked_order(rows: &[RawRow], what: &str) {
    let values: Vec<i64> = rows.iter().map(|r| r.value).filter(|v| *v >= 0).collect();
    assert_eq!(values.len(), N);
    let rho = spearman(&values);
    assert!(
        rho.abs() < RHO_LIMIT,
        "{what}: storage order follows submission order (rho {rho})"
    );
}

// ---- SQLite ----

fn sqlite_rows(path: &std::path::Path) -> (Vec<String>, Vec<RawRow>) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM survey_answers").unwrap();
    let names: Vec<String> = stmt
        .column_names()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let rows = stmt
        .query_map([], |r| {
            let mut columns = Vec::new();
            let mut value = -1;
            for (i, name) in names.iter().enumerate() {
                let v: rusqlite::types::Value = r.get(i)?;
                let bytes = match v {
                    rusqlite::types::Value::Null => Vec::new(),
                    rusqlite::types::Value::Integer(n) => {
                        if name == "value" {
                            value = n;
                        }
                        n.to_string().into_bytes()
                    }
                    rusqlite::types::Value::Real(f) => f.to_string().into_bytes(),
                    rusqlite::types::Value::Text(t) => t.into_bytes(),
                    rusqlite::types::Value::Blob(b) => b,
                };
                columns.push((name.clone(), bytes));
            }
            Ok(RawRow { columns, value })
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (names, rows)
}

fn sqlite_token_hashes(path: &std::path::Path) -> Vec<Vec<u8>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT token_hash FROM survey_tokens")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_answers_hold_nothing_linking_and_no_submission_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let (engine, _, admin, people) = setup(Arc::clone(&store), "", N).await;
    let (id, tokens) = open_survey(&engine, &admin, &people).await;
    // A second connection reads what the store committed (WAL mode).
    let hashes = sqlite_token_hashes(&path);
    assert_eq!(hashes.len(), N);
    let secrets = answer_all(&engine, &tokens, hashes).await;
    // Table order while the survey is open, then after it closed.
    for stage in ["open", "closed"] {
        if stage == "closed" {
            engine.close_survey(&admin, id).await.unwrap();
        }
        let (names, rows) = sqlite_rows(&path);
        assert_eq!(names, expected_columns());
        assert_eq!(rows.len(), 2 * N);
        secrets.check(&rows);
        assert_unlinked_order(&rows, stage);
    }
    store.close().await.unwrap();
}

// ---- PostgreSQL ----

async fn pg_rows(url: &str) -> (Vec<String>, Vec<RawRow>) {
    use sqlx::{Column, Connection, Row};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    // ctid order: the heap's physical order, what a page dump shows.
    let rows = sqlx::query("SELECT * FROM survey_answers ORDER BY ctid")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let names: Vec<String> = rows
        .first()
        .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
        .unwrap_or_default();
    let raw = rows
        .iter()
        .map(|r| {
            let mut columns = Vec::new();
            let mut value = -1;
            for name in &names {
                let bytes = match name.as_str() {
                    "answer_id" | "sealed" => r
                        .try_get::<Option<Vec<u8>>, _>(name.as_str())
                        .unwrap()
                        .unwrap_or_default(),
                    "value" => {
                        let v: Option<i64> = r.try_get(name.as_str()).unwrap();
                        value = v.unwrap_or(-1);
                        v.map(|n| n.to_string().into_bytes()).unwrap_or_default()
                    }
                    _ => r.try_get::<String, _>(name.as_str()).unwrap().into_bytes(),
                };
                columns.push((name.clone(), bytes));
            }
            RawRow { columns, value }
        })
        .collect();
    (names, raw)
}

async fn pg_token_hashes(url: &str) -> Vec<Vec<u8>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT token_hash FROM survey_tokens")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_answers_hold_nothing_linking_and_lose_submission_order_at_close() {
    if std::env::var(PG_ENV).is_err() {
        eprintln!("skipped: PostgreSQL variant ({PG_ENV} is not set)");
        return;
    }
    with_pg_database(|url| async move {
        let store: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let (engine, _, admin, people) = setup(Arc::clone(&store), "", N).await;
        let (id, tokens) = open_survey(&engine, &admin, &people).await;
        let hashes = pg_token_hashes(&url).await;
        assert_eq!(hashes.len(), N);
        let secrets = answer_all(&engine, &tokens, hashes).await;
        let (names, open_rows) = pg_rows(&url).await;
        assert_eq!(names, expected_columns());
        secrets.check(&open_rows);
        // While open, a heap keeps insertion order: the test sees it,
        // which is why closing rewrites the table.
        let values: Vec<i64> = open_rows
            .iter()
            .map(|r| r.value)
            .filter(|v| *v >= 0)
            .collect();
        assert!(
            spearman(&values) > 0.9,
            "the test must be able to see order"
        );
        engine.close_survey(&admin, id).await.unwrap();
        let (_, rows) = pg_rows(&url).await;
        assert_eq!(rows.len(), 2 * N);
        secrets.check(&rows);
        assert_unlinked_order(&rows, "postgres after close");
        store.close().await.unwrap();
    })
    .await;
}

#[test]
fn spearman_sees_order_and_its_absence() {
    let rising: Vec<i64> = (0..500).map(|i| i * 11 / 500).collect();
    assert!(spearman(&rising) > 0.99);
    let mut mixed = rising.clone();
    shuffle(&mut mixed, &mut SeededRandom::new(7)).unwrap();
    assert!(spearman(&mixed).abs() < RHO_LIMIT);
}
