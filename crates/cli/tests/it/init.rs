//! `tutela init`: the key (owner-only), the config and the policy, and a
//! second run that refuses and leaves the key alone.

use crate::support::{temp_dir, tutela};

#[test]
fn init_writes_an_owner_only_key_a_config_and_the_example_policy() {
    let dir = temp_dir();
    let run = tutela(dir.path(), &["init"]);
    run.expect_code(0).expect_output(&[
        "master.key",
        "tutela.toml",
        "policy.toml",
        "tutela serve --config",
    ]);
    let data = dir.path().join("tutela-data");
    let key = std::fs::read_to_string(data.join("master.key")).unwrap();
    assert!(
        key.starts_with("tutela-master-v1:"),
        "unexpected key file format"
    );
    assert!(
        !run.stdout.contains(key.trim()),
        "init must not print the key itself"
    );
    let config = std::fs::read_to_string(data.join("tutela.toml")).unwrap();
    assert!(
        config.contains("database_url = \"sqlite://") && config.contains("tutela.db\""),
        "{config}"
    );
    assert!(
        config.contains("master_key_file = ") && config.contains("master.key\""),
        "{config}"
    );
    assert_eq!(
        std::fs::read_to_string(data.join("policy.toml")).unwrap(),
        tutela_policy::EXAMPLE_POLICY
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data.join("master.key")), 0o600);
        assert_eq!(mode(&data), 0o700);
    }
}

#[test]
fn a_second_init_refuses_and_leaves_the_key_unchanged() {
    let dir = temp_dir();
    tutela(dir.path(), &["init", "--dir", "nested/data"]).expect_code(0);
    let key_path = dir.path().join("nested/data/master.key");
    let before = std::fs::read(&key_path).unwrap();
    tutela(dir.path(), &["init", "--dir", "nested/data"])
        .expect_code(1)
        .expect_output(&["refusing to overwrite", "master.key"]);
    assert_eq!(std::fs::read(&key_path).unwrap(), before);
}

#[test]
fn the_written_config_is_the_one_serve_and_friends_read() {
    // A relative --dir, then a command from another working directory with
    // --config: the paths in the config must not depend on where it runs.
    let dir = temp_dir();
    tutela(dir.path(), &["init", "--dir", "here"]).expect_code(0);
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let config = dir.path().join("here/tutela.toml");
    let policy = dir.path().join("here/policy.toml");
    tutela(
        &elsewhere,
        &[
            "--config",
            config.to_str().unwrap(),
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta",
            "--policy",
            policy.to_str().unwrap(),
        ],
    )
    .expect_code(0);
    assert!(dir.path().join("here/tutela.db").is_file());
}
