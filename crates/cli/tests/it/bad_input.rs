//! Bad arguments, files and keys: a non-zero exit, a message naming the
//! thing that is wrong, and never a panic (checked by every run).

use crate::support::{command, temp_dir, tutela, tutela_with};

#[test]
fn unknown_subcommands_and_flags_are_usage_errors() {
    let dir = temp_dir();
    tutela(dir.path(), &["frobnicate"])
        .expect_code(2)
        .expect_output(&["frobnicate"]);
    tutela(dir.path(), &["init", "--bogus"])
        .expect_code(2)
        .expect_output(&["--bogus"]);
    tutela(dir.path(), &["serve", "--listen", "nowhere"])
        .expect_code(2)
        .expect_output(&["--listen"]);
    tutela(
        dir.path(),
        &[
            "keys",
            "create",
            "--tenant",
            "Not_A_Slug",
            "--role",
            "admin",
            "--label",
            "x",
        ],
    )
    .expect_code(2)
    .expect_output(&["--tenant"]);
    tutela(
        dir.path(),
        &[
            "keys", "create", "--tenant", "acme", "--role", "boss", "--label", "x",
        ],
    )
    .expect_code(2)
    .expect_output(&["--role", "admin, service, dpo, analyst"]);
    tutela(dir.path(), &["policy", "check"])
        .expect_code(2)
        .expect_output(&["FILE"]);
}

#[test]
fn missing_files_are_named() {
    let dir = temp_dir();
    tutela(dir.path(), &["policy", "check", "missing.toml"])
        .expect_code(1)
        .expect_output(&["missing.toml"]);
    tutela(dir.path(), &["policy", "render", "missing.toml"])
        .expect_code(1)
        .expect_output(&["missing.toml"]);
    tutela(dir.path(), &["--config", "nope.toml", "tenant", "list"])
        .expect_code(1)
        .expect_output(&["nope.toml"]);
    tutela(
        dir.path(),
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta",
            "--policy",
            "absent-policy.toml",
        ],
    )
    .expect_code(1)
    .expect_output(&["absent-policy.toml", "--policy"]);
}

#[test]
fn a_missing_or_malformed_key_file_is_named() {
    let dir = temp_dir();
    tutela(dir.path(), &["init"]).expect_code(0);
    let key = dir.path().join("tutela-data/master.key");
    std::fs::remove_file(&key).unwrap();
    tutela(dir.path(), &["serve", "--listen", "127.0.0.1:0"])
        .expect_code(1)
        .expect_output(&["master.key", "tutela init"]);
    std::fs::write(&key, "tutela-master-v1:not-really-a-key\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let run = tutela(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    run.expect_code(1)
        .expect_output(&["master.key", "not hold a valid master key"]);
    assert!(
        !run.stderr.contains("not-really-a-key"),
        "the key's text must not be echoed\n{run}"
    );
    tutela_with(
        command(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("TUTELA_MASTER_KEY", "garbage"),
    )
    .expect_code(1)
    .expect_output(&["TUTELA_MASTER_KEY"]);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_a_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    tutela(dir.path(), &["init"]).expect_code(0);
    let key = dir.path().join("tutela-data/master.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    tutela(dir.path(), &["serve", "--listen", "127.0.0.1:0"])
        .expect_code(1)
        .expect_output(&["master.key", "chmod 600"]);
}

#[test]
fn a_bad_config_file_names_the_field() {
    let dir = temp_dir();
    std::fs::write(dir.path().join("typo.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    tutela(dir.path(), &["--config", "typo.toml", "serve"])
        .expect_code(1)
        .expect_output(&["typo.toml", "lisen"]);
    std::fs::write(
        dir.path().join("bad.toml"),
        "listen = \"127.0.0.1:1\"\nbody_limit_bytes = \"big\"\n",
    )
    .unwrap();
    tutela(dir.path(), &["--config", "bad.toml", "serve"])
        .expect_code(1)
        .expect_output(&["bad.toml", "body_limit_bytes"]);
    tutela_with(
        command(dir.path())
            .args(["serve"])
            .env("TUTELA_LISTEN", "nowhere"),
    )
    .expect_code(1)
    .expect_output(&["TUTELA_LISTEN"]);
}
