//! The PostgreSQL path of backups, as the README tells it: `pg_dump` while
//! the server runs, an erasure, `pg_restore` of the older dump, then
//! `tutela restore --replay-only` erases the subject again. Skipped without
//! `TUTELA_TEST_DATABASE_URL` or without the PostgreSQL client tools.

use crate::deploy::Deployment;
use crate::pg::PgDatabase;
use crate::support::{Run, temp_dir};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Runs a PostgreSQL client tool, or None when it is not installed.
fn pg_tool(dir: &Path, tool: &str, args: &[&str]) -> Option<Run> {
    let out = match Command::new(tool).current_dir(dir).args(args).output() {
        Ok(out) => out,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => panic!("{tool} did not start: {err}"),
    };
    Some(Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_restored_after_an_erasure_is_made_to_forget_by_the_ledger() {
    let Some(db) = PgDatabase::create("pg_dump, pg_restore and the ledger replay").await else {
        return;
    };
    let dir = temp_dir();
    let d = dir.path();
    let deployment = Deployment::new(d, Some(&db.url));
    deployment
        .cli(&["backup", "x.db"])
        .expect_code(1)
        .expect_output(&["pg_dump --format=custom", "tutela restore --replay-only"]);
    assert!(!d.join("x.db").exists());

    let server = deployment.serve().await;
    let (status, created) = server
        .post(
            "/v1/subjects",
            &deployment.service,
            &json!({
                "kind": "customer",
                "purpose": "account",
                "records": [{"category": "email", "value": "pg.backup.probe@example.test"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let dump = ["--format=custom", "--file=before.dump", db.url.as_str()];
    let Some(dumped) = pg_tool(d, "pg_dump", &dump) else {
        eprintln!("skipped: pg_dump is not installed");
        return;
    };
    dumped.expect_code(0);
    let erased = server
        .http
        .delete(format!("{}/v1/subjects/{id}", server.base))
        .bearer_auth(&deployment.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status().as_u16(), 204);
    assert!(server.stop().success());

    let target = format!("--dbname={}", db.url);
    let restore = [
        "--clean",
        "--if-exists",
        "--no-owner",
        &target,
        "before.dump",
    ];
    pg_tool(d, "pg_restore", &restore)
        .expect("pg_restore is installed with pg_dump")
        .expect_code(0);
    deployment
        .cli(&["restore", "--replay-only"])
        .expect_code(0)
        .expect_output(&["replayed 1 erasure(s)"]);
    deployment.verify_chain(&[]).1.expect_code(0);
    deployment
        .cli(&["restore", "--replay-only"])
        .expect_output(&["replayed 0 erasure(s)", "1 already erased"]);

    let server = deployment.serve().await;
    let (status, body) = server
        .get(&format!("/v1/subjects/{id}/access"), &deployment.admin)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("E_SUBJECT_ERASED")),
        "{body}"
    );
}
