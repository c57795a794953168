//! `tutela policy check|render`: the example passes; a broken policy fails
//! with each problem's code at its line and column; the notice has one
//! section per purpose.

use crate::support::{temp_dir, tutela};
use tutela_policy::{EXAMPLE_POLICY, Policy};

/// The 1-based line of the first line of `text` containing `needle`, and
/// that line.
fn line_of<'t>(text: &'t str, needle: &str) -> (usize, &'t str) {
    text.lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i + 1, l))
        .unwrap_or_else(|| panic!("{needle:?} is not in the policy"))
}

/// The `(line, column)` of the diagnostic with `code` for `file` in `out`.
fn position(out: &str, file: &str, code: &str) -> (usize, usize) {
    let line = out
        .lines()
        .find(|l| l.contains(&format!("error[{code}]")))
        .unwrap_or_else(|| panic!("no {code} in\n{out}"));
    let rest = line
        .strip_prefix(&format!("{file}:"))
        .unwrap_or_else(|| panic!("{line:?} does not start with the file name"));
    let mut parts = rest.splitn(3, ':');
    let l = parts.next().unwrap().parse().unwrap();
    let c = parts.next().unwrap().parse().unwrap();
    (l, c)
}

#[test]
fn the_example_policy_passes() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("example.toml"), EXAMPLE_POLICY).unwrap();
    tutela(dir.path(), &["policy", "check", "example.toml"])
        .expect_code(0)
        .expect_output(&["ok: 1 file checked, 0 error(s)"]);
}

#[test]
fn a_broken_policy_fails_with_codes_at_their_positions() {
    // Two mistakes in an otherwise valid policy: a purpose that names an
    // undeclared category, and a recipient in the US without a safeguard.
    let broken = EXAMPLE_POLICY
        .replacen(
            "categories = [\"ticket_text\", \"external_id\"]",
            "categories = [\"ticket_text\", \"shoe_size\"]",
            1,
        )
        .replacen("safeguard = \"scc\"\n", "", 1);
    assert_ne!(broken, EXAMPLE_POLICY);
    let dir = temp_dir();
    std::fs::write(dir.path().join("broken.toml"), &broken).unwrap();
    std::fs::write(dir.path().join("good.toml"), EXAMPLE_POLICY).unwrap();
    let run = tutela(dir.path(), &["policy", "check", "good.toml", "broken.toml"]);
    run.expect_code(1).expect_output(&[
        "E_UNKNOWN_CATEGORY",
        "E_TRANSFER_WITHOUT_SAFEGUARD",
        "  hint: ",
        "failed: 2 files checked",
    ]);
    assert!(
        !run.stdout.contains("good.toml:"),
        "the good file has no problems\n{run}"
    );

    let (line, text) = line_of(&broken, "\"shoe_size\"");
    let column = text.find("\"shoe_size\"").unwrap() + 1;
    let (l, c) = position(&run.stdout, "broken.toml", "E_UNKNOWN_CATEGORY");
    assert_eq!(l, line, "{run}");
    assert!(
        c == column || c == column + 1,
        "column {c}, expected about {column}\n{run}"
    );

    let (line, text) = line_of(&broken, "country = \"US\"");
    let column = text.find("\"US\"").unwrap() + 1;
    let (l, c) = position(&run.stdout, "broken.toml", "E_TRANSFER_WITHOUT_SAFEGUARD");
    assert_eq!(l, line, "{run}");
    assert!(
        c == column || c == column + 1,
        "column {c}, expected about {column}\n{run}"
    );
}

#[test]
fn render_prints_a_section_per_purpose() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("example.toml"), EXAMPLE_POLICY).unwrap();
    let run = tutela(dir.path(), &["policy", "render", "example.toml"]);
    run.expect_code(0);
    let policy = Policy::parse(EXAMPLE_POLICY).unwrap();
    assert!(policy.purposes.len() >= 2);
    // Each purpose's description opens a section under its own heading.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut headings = Vec::new();
    for purpose in &policy.purposes {
        let words = purpose.description.trim_end_matches('.');
        let at = lines
            .iter()
            .position(|l| l.starts_with(words))
            .unwrap_or_else(|| panic!("no section for purpose {}\n{run}", purpose.id));
        let heading = lines[..at]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .filter(|l| l.starts_with("### "))
            .unwrap_or_else(|| panic!("purpose {} has no heading of its own\n{run}", purpose.id));
        headings.push(*heading);
    }
    headings.sort_unstable();
    headings.dedup();
    assert_eq!(headings.len(), policy.purposes.len(), "{headings:?}");
}

#[test]
fn render_refuses_an_invalid_policy_with_its_problems() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("broken.toml"), "[[purpose]]\nid = \"x\"\n").unwrap();
    let run = tutela(dir.path(), &["policy", "render", "broken.toml"]);
    run.expect_code(1)
        .expect_output(&["broken.toml:", "error[", "not a valid policy"]);
    assert!(run.stdout.is_empty(), "{run}");
}

#[test]
fn diff_lists_material_changes_first_in_text_and_json() {
    let dir = temp_dir();
    let longer = EXAMPLE_POLICY.replacen(
        "categories = [\"ticket_text\"]\nkeep = \"1 year\"",
        "categories = [\"ticket_text\"]\nkeep = \"2 years\"",
        1,
    );
    assert_ne!(longer, EXAMPLE_POLICY);
    std::fs::write(dir.path().join("old.toml"), EXAMPLE_POLICY).unwrap();
    std::fs::write(dir.path().join("new.toml"), &longer).unwrap();
    let run = tutela(dir.path(), &["policy", "diff", "old.toml", "new.toml"]);
    run.expect_code(0).expect_output(&[
        "MATERIAL  retention_longer at retention.ticket_text",
        "ticket_text is now kept 2 years",
        "1 change(s): 1 material, 0 editorial",
        "no sooner than 30 days after publication",
    ]);
    let run = tutela(
        dir.path(),
        &["policy", "diff", "old.toml", "new.toml", "--format", "json"],
    );
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["material"], 1);
    assert_eq!(json["changes"][0]["kind"], "retention_longer");
    assert_eq!(json["changes"][0]["material"], true);
    let same = tutela(dir.path(), &["policy", "diff", "old.toml", "old.toml"]);
    same.expect_code(0)
        .expect_output(&["0 change(s): 0 material, 0 editorial"]);
}

#[test]
fn diff_of_an_invalid_policy_names_the_line() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("old.toml"), EXAMPLE_POLICY).unwrap();
    std::fs::write(dir.path().join("bad.toml"), "name = \n").unwrap();
    tutela(dir.path(), &["policy", "diff", "old.toml", "bad.toml"])
        .expect_code(1)
        .expect_output(&["bad.toml:1:", "E_PARSE", "is not a valid policy"]);
}
