//! `tutela policy render --format md|html` and `tutela policy record
//! --format csv|json`, and `tutela policy check` over every policy in the
//! repository's `examples/`.

use std::path::PathBuf;

use crate::support::{temp_dir, tutela};
use tutela_policy::EXAMPLE_POLICY;

/// The repository's example policies.
fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_passes_policy_check() {
    let files = examples();
    assert!(files.len() >= 5, "{files:?}");
    let dir = temp_dir();
    let mut args = vec!["policy".to_owned(), "check".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tutela(dir.path(), &args)
        .expect_code(0)
        .expect_output(&[&format!(
            "ok: {} files checked, 0 error(s), 0 warning(s)",
            files.len()
        )]);
}

#[test]
fn render_gives_markdown_by_default_and_html_on_request() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("p.toml"), EXAMPLE_POLICY).unwrap();
    let md = tutela(dir.path(), &["policy", "render", "p.toml"]);
    md.expect_code(0);
    assert!(
        md.stdout.starts_with("# Privacy notice: Acme Support Desk"),
        "{md}"
    );
    let same = tutela(
        dir.path(),
        &["policy", "render", "--format", "md", "p.toml"],
    );
    assert_eq!(same.stdout, md.stdout);
    let html = tutela(
        dir.path(),
        &["policy", "render", "--format", "html", "p.toml"],
    );
    html.expect_code(0);
    assert!(
        html.stdout
            .starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html}"
    );
    assert!(html.stdout.contains("<main>") && html.stdout.contains("Acme Software GmbH"));
}

#[test]
fn an_unknown_format_is_refused_by_the_argument_parser() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("p.toml"), EXAMPLE_POLICY).unwrap();
    let run = tutela(
        dir.path(),
        &["policy", "render", "--format", "pdf", "p.toml"],
    );
    run.expect_code(2)
        .expect_output(&["--format", "pdf", "md", "html"]);
    assert!(run.stdout.is_empty(), "{run}");
    let run = tutela(
        dir.path(),
        &["policy", "record", "--format", "xlsx", "p.toml"],
    );
    run.expect_code(2).expect_output(&["csv", "json"]);
}

#[test]
fn record_prints_json_and_both_csv_tables() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("p.toml"), EXAMPLE_POLICY).unwrap();
    let json = tutela(dir.path(), &["policy", "record", "p.toml"]);
    json.expect_code(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["record_format"], 1);
    assert_eq!(value["activities"].as_array().unwrap().len(), 7, "{json}");
    let csv = tutela(
        dir.path(),
        &["policy", "record", "--format", "csv", "p.toml"],
    );
    csv.expect_code(0);
    let lines: Vec<&str> = csv.stdout.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0]
            .trim_start_matches('\u{feff}')
            .starts_with("purpose,description,legal_basis")
    );
    assert_eq!(lines.len(), 8, "header and one row per purpose\n{csv}");
    let processors = tutela(
        dir.path(),
        &[
            "policy",
            "record",
            "--format",
            "csv",
            "--table",
            "processors",
            "p.toml",
        ],
    );
    processors
        .expect_code(0)
        .expect_output(&["processor,name,country", "helpdesk,Helpdesk Cloud Inc.,US"]);
}

#[test]
fn record_refuses_an_invalid_policy_naming_file_line_and_column() {
    let dir = temp_dir();
    let broken = EXAMPLE_POLICY.replace(
        "categories = [\"ticket_text\", \"external_id\"]",
        "categories = [\"ticket_text\", \"external_id\"]\nsubject_kinds = [\"agnet\"]",
    );
    std::fs::write(dir.path().join("broken.toml"), &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("\"agnet\""))
        .unwrap()
        + 1;
    let run = tutela(
        dir.path(),
        &["policy", "record", "--format", "csv", "broken.toml"],
    );
    run.expect_code(1).expect_output(&[
        &format!("broken.toml:{line}:18: error[E_UNKNOWN_SUBJECT_KIND]"),
        "not a valid policy",
    ]);
    assert!(run.stdout.is_empty(), "{run}");
}
