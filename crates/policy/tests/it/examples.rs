//! The policies in the repository's `examples/` directory, one per kind of
//! product: each passes `check` with no error and no warning, and the list
//! of fixtures the other tests use is the whole directory.

use std::path::PathBuf;

use tutela_policy::{EXAMPLE_POLICY, Policy, check};

/// The repository's `examples/` directory.
fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every `examples/*.toml` as (file stem, text), sorted by name, plus the
/// crate's own example policy as `example`.
pub fn all_policies() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = vec![("example".to_owned(), EXAMPLE_POLICY.to_owned())];
    for f in files {
        let stem = f
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&f).expect("an example is readable");
        out.push((stem, text));
    }
    out
}

#[test]
fn every_example_passes_the_check_without_errors_or_warnings() {
    let all = all_policies();
    assert!(
        all.len() >= 6,
        "the five seed domains plus the example: {}",
        all.len()
    );
    for (name, text) in &all {
        let checked = check(text);
        let problems: Vec<String> = checked
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            checked.is_ok() && problems.is_empty(),
            "{name}: {problems:#?}"
        );
    }
}

#[test]
fn the_examples_cover_the_five_domains() {
    let names: Vec<String> = all_policies().into_iter().map(|(n, _)| n).collect();
    for domain in [
        "team-mood-polls",
        "support-desk",
        "kudos-bot",
        "cleaning-traceability",
        "saas-web-app",
    ] {
        assert!(names.iter().any(|n| n == domain), "{domain} in {names:?}");
    }
}

#[test]
fn every_example_names_its_subject_kinds_and_retention() {
    for (name, text) in all_policies() {
        let p = Policy::parse(&text).expect("valid");
        assert!(!p.subject_kinds.is_empty(), "{name}");
        for c in p.categories.iter().filter(|c| c.storable) {
            assert!(
                p.retention_for(&c.id).next().is_some(),
                "{name}: {} has no deletion period",
                c.id
            );
        }
    }
}
