//! `tutela policy import-fides|export-fides`, and `policy check` on a
//! taxonomy key outside fideslang's: what a team moving from Fides sees.

use crate::support::{temp_dir, tutela};
use tutela_policy::{EXAMPLE_POLICY, Policy};

#[test]
fn export_then_import_gives_the_same_policy() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("example.toml"), EXAMPLE_POLICY).unwrap();
    tutela(
        dir.path(),
        &["policy", "export-fides", "example.toml", "-o", "fides.yml"],
    )
    .expect_code(0);
    let yaml = std::fs::read_to_string(dir.path().join("fides.yml")).unwrap();
    assert!(
        yaml.contains("privacy_declarations:") && yaml.contains("tutela:"),
        "{yaml}"
    );

    let run = tutela(
        dir.path(),
        &["policy", "import-fides", "fides.yml", "-o", "back.toml"],
    );
    run.expect_code(0)
        .expect_output(&["imported 1 file(s): the policy is valid (0 warning(s))"]);
    let back = std::fs::read_to_string(dir.path().join("back.toml")).unwrap();
    assert_eq!(
        Policy::parse(&back).unwrap(),
        Policy::parse(EXAMPLE_POLICY).unwrap()
    );
    tutela(dir.path(), &["policy", "check", "back.toml"])
        .expect_code(0)
        .expect_output(&["ok: 1 file checked, 0 error(s), 0 warning(s)"]);
}

#[test]
fn import_of_a_plain_manifest_prints_the_skeleton_and_its_gaps() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("shop.yml"),
        "system:\n  - fides_key: shop\n    name: Shop\n    system_type: Service\n    legal_name: Shop Ltd\n    \
         privacy_declarations:\n      - name: orders\n        data_use: essential.service\n        \
         data_categories: [user.contact.email]\n        data_subjects: [customer]\n        \
         legal_basis_for_processing: Contract\n",
    )
    .unwrap();
    let run = tutela(dir.path(), &["policy", "import-fides", "shop.yml"]);
    run.expect_code(0).expect_output(&[
        "[[purpose]]\nid = \"orders\"",
        "<stdout>:",
        "error[E_MISSING_FIELD]: `[controller]` has no `email`",
        "error[E_MISSING_FIELD]: `[authority]` has no `name`",
        "# TODO: email = where people write to the controller",
        "imported 1 file(s): 2 error(s)",
    ]);
    assert!(
        run.stdout
            .starts_with("# Tutela policy imported from a Fides manifest"),
        "{run}"
    );
    assert!(
        !run.stdout.contains("<stdout>"),
        "diagnostics go to stderr\n{run}"
    );
}

#[test]
fn bad_yaml_is_refused_with_file_line_and_column() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("bad.yml"),
        "system:\n  - fides_key: a\n    name: [x\n",
    )
    .unwrap();
    let run = tutela(
        dir.path(),
        &["policy", "import-fides", "bad.yml", "-o", "out.toml"],
    );
    run.expect_code(1)
        .expect_output(&["bad.yml:", "error[E_FIDES_YAML]"]);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("E_FIDES_YAML"))
        .unwrap_or_default();
    let mut parts = line.splitn(4, ':');
    parts.next();
    let (l, c): (usize, usize) = (
        parts.next().unwrap_or_default().parse().unwrap_or(0),
        parts.next().unwrap_or_default().parse().unwrap_or(0),
    );
    assert!(l >= 3 && c > 0, "{run}");
    assert!(
        !dir.path().join("out.toml").exists(),
        "nothing is written on error"
    );

    let run = tutela(dir.path(), &["policy", "import-fides", "missing.yml"]);
    run.expect_code(1).expect_output(&["missing.yml"]);
    std::fs::write(
        dir.path().join("org.yml"),
        "organization:\n  - fides_key: o\n",
    )
    .unwrap();
    tutela(dir.path(), &["policy", "import-fides", "org.yml"])
        .expect_code(1)
        .expect_output(&["error[E_FIDES_EMPTY]", "org.yml"]);
}

#[test]
fn an_existing_output_file_is_never_overwritten() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("example.toml"), EXAMPLE_POLICY).unwrap();
    std::fs::write(dir.path().join("taken.yml"), "mine").unwrap();
    tutela(
        dir.path(),
        &["policy", "export-fides", "example.toml", "-o", "taken.yml"],
    )
    .expect_code(1)
    .expect_output(&["taken.yml", "never overwritten"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("taken.yml")).unwrap(),
        "mine"
    );
}

#[test]
fn export_refuses_an_invalid_policy_with_its_problems() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("broken.toml"), "[[purpose]]\nid = \"x\"\n").unwrap();
    let run = tutela(dir.path(), &["policy", "export-fides", "broken.toml"]);
    run.expect_code(1)
        .expect_output(&["broken.toml:", "error[", "not a valid policy"]);
    assert!(run.stdout.is_empty(), "{run}");
}

#[test]
fn an_unknown_taxonomy_key_is_a_warning_with_a_hint() {
    let dir = temp_dir();
    let policy = EXAMPLE_POLICY.replacen("\"user.content.private\"", "\"user.content.ticket\"", 1);
    assert_ne!(policy, EXAMPLE_POLICY);
    std::fs::write(dir.path().join("p.toml"), policy).unwrap();
    tutela(dir.path(), &["policy", "check", "p.toml"])
        .expect_code(0)
        .expect_output(&[
            "warning[W_UNKNOWN_TAXONOMY]: `user.content.ticket` is not a data category",
            "hint: the nearest known key is its parent `user.content`",
            "ok: 1 file checked, 0 error(s), 1 warning(s)",
        ]);
}
