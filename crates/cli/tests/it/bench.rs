//! `tutela bench --quick`: a smoke run of every mode that checks the report
//! names every phase beside its baseline and ratio, and that the run left
//! nothing behind.

use crate::support::{random_tag, temp_dir, tutela};
use sqlx::Connection;

/// A small, fast shape for every mode.
const QUICK: [&str; 6] = ["bench", "--quick", "--concurrency", "4", "--dir", "."];

fn assert_no_leftovers(dir: &std::path::Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "the bench left {left:?} behind");
}

#[test]
fn quick_bench_prints_every_phase_beside_both_baselines() {
    let dir = temp_dir();
    let run = tutela(dir.path(), &QUICK);
    run.expect_code(0).expect_output(&[
        "200 subjects per phase",
        "baseline: rusqlite, prepared statements",
        "write records c=1",
        "write records c=4",
        "read c=1 vs bare select",
        "read c=4 vs bare select",
        "read c=1 vs audited read",
        "read c=4 vs audited read",
        "access-log rows",
        "verified intact",
    ]);
    // every phase row carries a finite ratio and a verdict
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("write records") || l.starts_with("read c="))
        .collect();
    assert_eq!(rows.len(), 6, "{run}");
    for row in rows {
        let ratio: f64 = row
            .split_whitespace()
            .rev()
            .nth(3)
            .unwrap()
            .parse()
            .unwrap();
        assert!(ratio.is_finite() && ratio > 0.0, "{row}");
        assert!(row.ends_with("ok") || row.ends_with("MISSED"), "{row}");
    }
    assert_no_leftovers(dir.path());
}

#[test]
fn quick_requests_bench_prints_export_and_erasure_beside_their_baseline() {
    let dir = temp_dir();
    let mut args = QUICK.to_vec();
    args.push("--requests");
    let run = tutela(dir.path(), &args);
    run.expect_code(0).expect_output(&[
        "tutela bench --requests",
        "Engine::access_answer",
        "Engine::erase_subject",
        "export, 1,000-record store",
        "export, 5,000-record store",
        "erase subject with 10 records",
        "erase subject with 500 records",
        "export growth with the store",
        "filled 5,000 records",
    ]);
    // every latency row carries four finite figures and a positive ratio
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("export, ") || l.starts_with("erase subject"))
        .collect();
    assert_eq!(rows.len(), 4, "{run}");
    for row in rows {
        let figures: Vec<f64> = row
            .split_whitespace()
            .filter_map(|w| w.trim_start_matches('(').parse().ok())
            .collect();
        let [.., eng50, eng99, base50, base99, ratio, samples] = figures[..] else {
            panic!("{row}");
        };
        assert!(eng50 > 0.0 && eng99 >= eng50, "{row}");
        assert!(base50 > 0.0 && base99 >= base50, "{row}");
        assert!(ratio.is_finite() && ratio > 0.0, "{row}");
        assert!(samples >= 3.0, "{row}");
    }
    assert_no_leftovers(dir.path());
}

#[test]
fn quick_http_bench_reports_rate_latency_errors_and_memory() {
    let dir = temp_dir();
    let mut args = QUICK.to_vec();
    args.push("--http");
    let run = tutela(dir.path(), &args);
    run.expect_code(0).expect_output(&[
        "tutela bench --http",
        "read c=1",
        "read c=4",
        "p99 ms",
        "VmHWM",
        "errors: 0 of 1200 requests",
    ]);
    assert_no_leftovers(dir.path());
}

#[test]
fn quick_bench_on_postgres_with_two_engines() {
    let Ok(url) = std::env::var("TUTELA_TEST_DATABASE_URL") else {
        eprintln!("skipped: TUTELA_TEST_DATABASE_URL is not set");
        return;
    };
    // A database of its own, so the bench's tenants do not stay behind in
    // the shared test database.
    let name = format!("tutela_bench_it_{}", random_tag());
    let admin = |sql: String| {
        let url = url.clone();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            });
    };
    admin(format!("CREATE DATABASE {name}"));
    let own = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let dir = temp_dir();
    let mut args = QUICK.to_vec();
    args.extend(["--database-url", &own, "--servers", "2"]);
    let run = tutela(dir.path(), &args);
    admin(format!("DROP DATABASE {name} WITH (FORCE)"));
    run.expect_code(0).expect_output(&[
        "PostgreSQL",
        "baseline: sqlx, plain SQL",
        "read c=4 vs audited read",
        "write c=4, 2 engines vs 1",
        "read c=4, 2 engines vs 1",
        "audit chain (2 engines)",
    ]);
    assert!(!run.stdout.contains("BROKEN"), "{run}");
    assert_no_leftovers(dir.path());
}

#[test]
fn quick_sweep_bench_prints_the_sweep_beside_the_bare_and_the_hand_rolled_delete() {
    let dir = temp_dir();
    let mut args = QUICK.to_vec();
    args.push("--sweep");
    let run = tutela(dir.path(), &args);
    run.expect_code(0).expect_output(&[
        "records expired               1000",
        "bare rusqlite DELETE",
        "hand-rolled sweep",
        "ratio sweep / bare",
        "ratio sweep / hand",
    ]);
    for label in ["ratio sweep / bare", "ratio sweep / hand"] {
        let ratio: f64 = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in {}", run.stdout));
        assert!(ratio.is_finite() && ratio > 0.0, "{label} {ratio}");
    }
    assert_no_leftovers(dir.path());
}
