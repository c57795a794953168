//! What the database promises at rest: it belongs to one master key, its
//! files are private, every command works on a fresh data directory, and a
//! clean stop leaves `tutela.db` complete on its own.

use crate::support::{command, spawn_demo, temp_dir, tutela, tutela_with};
use std::path::Path;

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn make_open_dir(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The database files that exist beside `data/tutela.db`.
fn database_files(data: &Path) -> Vec<std::path::PathBuf> {
    ["tutela.db", "tutela.db-wal", "tutela.db-shm"]
        .iter()
        .map(|f| data.join(f))
        .filter(|p| p.exists())
        .collect()
}

#[test]
fn new_user_commands_work_right_after_init() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    tutela(d, &["tenant", "list"])
        .expect_code(0)
        .expect_output(&["operator"]);
    tutela(d, &["keys", "list", "--tenant", "operator"]).expect_code(0);
    tutela(d, &["audit", "verify"])
        .expect_code(0)
        .expect_output(&["operator: intact"]);
}

#[test]
fn hole_07_a_master_key_other_than_the_databases_is_refused_before_anything_is_written() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    tutela(
        d,
        &[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--policy",
            "tutela-data/policy.toml",
        ],
    )
    .expect_code(0);
    tutela(d, &["init", "--dir", "other"]).expect_code(0);
    let before = tutela(d, &["audit", "verify"]);
    before.expect_code(0);
    let keys_before = tutela(d, &["keys", "list", "--tenant", "operator"]);

    let wrong_key = d.join("other/master.key");
    let with_wrong_key = |args: &[&str]| {
        tutela_with(
            command(d)
                .args(args)
                .env("TUTELA_MASTER_KEY_FILE", &wrong_key),
        )
    };
    for args in [
        &[
            "keys", "create", "--tenant", "operator", "--role", "admin", "--label", "intruder",
        ][..],
        &["tenant", "list"][..],
        &["audit", "verify"][..],
        &["serve", "--listen", "127.0.0.1:0"][..],
    ] {
        with_wrong_key(args)
            .expect_code(1)
            .expect_output(&["the master key does not match this database"]);
    }

    let after = tutela(d, &["audit", "verify"]);
    after.expect_code(0);
    assert_eq!(before.stdout, after.stdout, "no audit entry was appended");
    let keys_after = tutela(d, &["keys", "list", "--tenant", "operator"]);
    assert_eq!(keys_before.stdout, keys_after.stdout, "no key was issued");
    assert!(!keys_after.stdout.contains("intruder"));
}

#[cfg(unix)]
#[test]
fn hole_11_init_into_an_open_directory_makes_it_and_the_database_private() {
    let dir = temp_dir();
    let d = dir.path();
    let data = d.join("data");
    make_open_dir(&data);
    tutela(d, &["init", "--dir", "data"])
        .expect_code(0)
        .expect_output(&["readable by others", "700"]);
    assert_eq!(mode(&data), 0o700);
    tutela(d, &["--config", "data/tutela.toml", "tenant", "list"]).expect_code(0);
    let files = database_files(&data);
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_11_a_running_server_keeps_every_database_file_private() {
    let dir = temp_dir();
    let data = dir.path().join("tutela-data");
    make_open_dir(&data);
    let server = spawn_demo(dir.path(), &[]).await;
    assert_eq!(mode(&data), 0o700);
    let files = database_files(&data);
    assert_eq!(files.len(), 3, "database, WAL and shared memory: {files:?}");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_06_after_a_clean_stop_the_database_file_alone_holds_everything() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let status = server.stop();
    assert!(status.success(), "{status}");
    let data = d.join("tutela-data");
    let wal = std::fs::metadata(data.join("tutela.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL was checkpointed at the stop");

    // Only the main file is copied, as a naive backup would.
    let copy = d.join("backup");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(data.join("tutela.db"), copy.join("tutela.db")).unwrap();
    let from_copy = |args: &[&str]| {
        tutela_with(
            command(d)
                .args(args)
                .env("TUTELA_DATABASE_URL", "sqlite://backup/tutela.db"),
        )
    };
    from_copy(&["tenant", "list"])
        .expect_code(0)
        .expect_output(&["acme", "operator"]);
    let verified = from_copy(&["audit", "verify", "--tenant", "acme"]);
    verified.expect_code(0).expect_output(&["acme: intact"]);
    assert!(!verified.stdout.contains("(0 entries)"), "{verified}");

    // A CLI command that writes leaves the same: no WAL once it is done,
    // and the main file alone holds what it wrote.
    tutela(
        d,
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta",
            "--policy",
            "tutela-data/policy.toml",
        ],
    )
    .expect_code(0);
    let wal = std::fs::metadata(data.join("tutela.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL was checkpointed when the command ended");
    std::fs::copy(data.join("tutela.db"), copy.join("tutela.db")).unwrap();
    from_copy(&["tenant", "list"])
        .expect_code(0)
        .expect_output(&["beta", "acme"]);
}
