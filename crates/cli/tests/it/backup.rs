//! Backups that never revive the erased (Art. 17): `tutela backup` while
//! the server runs, `tutela restore` with the erasure ledger replayed, and
//! byte scans of the database, its WAL and a fresh backup after an erasure.

use crate::plaintext::{contains, database_files, stored_secrets};
use crate::support::{Server, command, random_tag, spawn_demo, temp_dir, tutela, tutela_with};
use serde_json::json;
use std::path::Path;

/// Creates a subject with an email, an external id and a name; its id and
/// the three plaintext values.
async fn create_subject(server: &Server) -> (String, Vec<String>) {
    let tag = random_tag();
    let values = vec![
        format!("backup.probe.{tag}@example.test"),
        format!("ext-backup-{tag}"),
        format!("Backup Probe {}", &tag[..10]),
    ];
    let (status, created) = server
        .post(
            "/v1/subjects",
            &server.service,
            &json!({
                "kind": "customer",
                "purpose": "account",
                "records": [
                    {"category": "email", "value": values[0]},
                    {"category": "external_id", "value": values[1]},
                    {"category": "name", "value": values[2]},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}\n{}", server.logs());
    (created["id"].as_str().unwrap().to_owned(), values)
}

async fn erase(server: &Server, id: &str) {
    let reply = server
        .http
        .delete(format!("{}/v1/subjects/{id}", server.base))
        .bearer_auth(&server.dpo)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 204, "{}", server.logs());
}

/// Every needle (plaintext values, wrapped key, blind indexes, ciphertexts)
/// absent from `bytes`.
fn assert_none_in(name: &str, bytes: &[u8], values: &[String], secrets: &[(&str, Vec<u8>)]) {
    for value in values {
        assert!(!contains(bytes, value.as_bytes()), "{name} holds a value");
    }
    for (what, secret) in secrets {
        assert!(!contains(bytes, secret), "{name} still holds the {what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_erasure_no_file_nor_a_fresh_backup_holds_the_subject() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let data = d.join("tutela-data");
    let (id, values) = create_subject(&server).await;
    let secrets = stored_secrets(&data.join("tutela.db"), &id).await;
    // The scan finds them in a backup taken before the erasure.
    tutela(d, &["backup", "before.db"])
        .expect_code(0)
        .expect_output(&[
            "backup written to before.db",
            "erasures.ledger",
            "tutela restore --force before.db",
        ]);
    let before = std::fs::read(d.join("before.db")).unwrap();
    for (what, secret) in &secrets {
        assert!(contains(&before, secret), "the {what} is not in the backup");
    }

    erase(&server, &id).await;
    // The server keeps running; the backup is taken beside it.
    tutela(d, &["backup", "after.db"]).expect_code(0);
    let after = std::fs::read(d.join("after.db")).unwrap();
    assert!(contains(&after, b"acme"), "the backup holds the tenant");
    assert_none_in("the fresh backup", &after, &values, &secrets);
    for (name, bytes) in database_files(&data) {
        assert_none_in(&name, &bytes, &values, &secrets);
    }
    // The ledger names the subject by pseudonym only.
    let ledger = std::fs::read_to_string(data.join("erasures.ledger")).unwrap();
    assert_eq!(ledger.lines().count(), 1, "{ledger}");
    assert!(
        ledger.contains(&id) && ledger.contains(" acme "),
        "{ledger}"
    );
    assert_none_in("the ledger", ledger.as_bytes(), &values, &secrets);
    #[cfg(unix)]
    for file in [d.join("after.db"), data.join("erasures.ledger")] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
}

/// The subject's erasure entries on the restored chain: (actor, detail).
async fn erase_entries(db: &Path, subject: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let rows = sqlx::query_as(
        "SELECT actor, detail FROM audit_entries WHERE subject = $1 AND action = 'subject.erase'",
    )
    .bind(subject)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_from_before_an_erasure_restores_without_the_subject() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let (gone, values) = create_subject(&server).await;
    let (kept, _) = create_subject(&server).await;
    let db = d.join("tutela-data").join("tutela.db");
    let secrets = stored_secrets(&db, &gone).await;
    tutela(d, &["backup", "before.db"]).expect_code(0);
    erase(&server, &gone).await;
    assert!(server.stop().success());

    let current = std::fs::read(&db).unwrap();
    tutela(d, &["restore", "before.db"])
        .expect_code(1)
        .expect_output(&["stop the server first", "--force"]);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        current,
        "a refusal changes nothing"
    );

    tutela(d, &["restore", "--force", "before.db"])
        .expect_code(0)
        .expect_output(&["restored before.db", "replayed 1 erasure(s)"]);
    tutela(d, &["audit", "verify"]).expect_code(0);
    assert_eq!(
        erase_entries(&db, &gone).await.last(),
        Some(&("cli".to_owned(), "replay=ledger".to_owned())),
    );
    // The replayed erasure left no copy in the restored files either.
    for (name, bytes) in database_files(&d.join("tutela-data")) {
        assert_none_in(&name, &bytes, &values, &secrets);
    }
    // Idempotent: a second replay finds nothing left to erase.
    tutela(d, &["restore", "--replay-only"])
        .expect_code(0)
        .expect_output(&["replayed 0 erasure(s)", "1 already erased"]);

    let server = spawn_demo(d, &[]).await;
    let (status, body) = server
        .get(&format!("/v1/subjects/{gone}/access"), &server.dpo)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("E_SUBJECT_ERASED")),
        "{body}"
    );
    let (status, body) = server
        .get(&format!("/v1/subjects/{kept}/access"), &server.dpo)
        .await;
    assert_eq!(status, 200, "the other subject is restored: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_under_a_running_server_is_refused_and_its_writes_stay() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    tutela(d, &["backup", "before.db"]).expect_code(0);
    let (after, _) = create_subject(&server).await;
    let db = d.join("tutela-data").join("tutela.db");
    let wal = d.join("tutela-data").join("tutela.db-wal");
    assert!(wal.exists());

    tutela(d, &["restore", "--force", "before.db"])
        .expect_code(1)
        .expect_output(&[
            "in use by a running Tutela",
            "stop the server",
            "nothing was changed",
        ]);
    assert!(wal.exists(), "the server's WAL is left in place");
    assert!(!d.join("tutela-data").join("tutela.db.restoring").exists());
    let (status, body) = server
        .get(&format!("/v1/subjects/{after}/access"), &server.dpo)
        .await;
    assert_eq!(status, 200, "{body}");

    // Once the server stops, the same restore goes through.
    assert!(server.stop().success());
    assert!(db.exists());
    tutela(d, &["restore", "--force", "before.db"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_ledger_line_is_named_and_the_restore_refuses() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let (first, _) = create_subject(&server).await;
    let (second, _) = create_subject(&server).await;
    tutela(d, &["backup", "before.db"]).expect_code(0);
    erase(&server, &first).await;
    erase(&server, &second).await;
    assert!(server.stop().success());

    let ledger = d.join("tutela-data").join("erasures.ledger");
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    // Point line 2 at another subject, keeping its MAC.
    let forged = text.replacen(&second, &uuid::Uuid::new_v4().to_string(), 1);
    std::fs::write(&ledger, forged).unwrap();

    let db = d.join("tutela-data").join("tutela.db");
    let current = std::fs::read(&db).unwrap();
    tutela(d, &["restore", "--force", "before.db"])
        .expect_code(1)
        .expect_output(&["erasure ledger line 2", "restore refused"]);
    assert_eq!(std::fs::read(&db).unwrap(), current, "nothing was restored");
    assert!(!d.join("tutela-data").join("tutela.db.restoring").exists());
    tutela(d, &["restore", "--replay-only"])
        .expect_code(1)
        .expect_output(&["erasure ledger line 2", "E_LEDGER_TAMPERED"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_never_overwrites_a_file() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    assert!(server.stop().success());
    let db = d.join("tutela-data").join("tutela.db");
    let current = std::fs::read(&db).unwrap();
    std::fs::write(d.join("taken.db"), b"someone else's file").unwrap();
    tutela(d, &["backup", "taken.db"])
        .expect_code(1)
        .expect_output(&["taken.db already exists"]);
    assert_eq!(
        std::fs::read(d.join("taken.db")).unwrap(),
        b"someone else's file"
    );
    assert_eq!(std::fs::read(&db).unwrap(), current);
    // A missing directory is named, and nothing is created.
    tutela(d, &["backup", "missing/b.db"])
        .expect_code(1)
        .expect_output(&["the directory missing does not exist", "mkdir -p missing"]);
    assert!(!d.join("missing").exists());
}

/// A restore that finds no ledger file refuses: replaying nothing would
/// bring back everyone erased since the backup. The ledger exists from the
/// first start, so its absence means it is missing, not empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_without_its_ledger_file_is_refused() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let ledger = d.join("tutela-data").join("erasures.ledger");
    assert!(ledger.exists(), "created at the first start");
    let (gone, _) = create_subject(&server).await;
    tutela(d, &["backup", "before.db"]).expect_code(0);
    erase(&server, &gone).await;
    assert!(server.stop().success());

    let away = d.join("erasures.ledger.elsewhere");
    std::fs::rename(&ledger, &away).unwrap();
    let db = d.join("tutela-data").join("tutela.db");
    let current = std::fs::read(&db).unwrap();
    for args in [
        &["restore", "--force", "before.db"][..],
        &["restore", "--replay-only"],
    ] {
        tutela(d, args).expect_code(1).expect_output(&[
            "erasures.ledger does not exist",
            "restore refused",
            "--without-ledger",
        ]);
    }
    assert_eq!(std::fs::read(&db).unwrap(), current, "nothing was restored");
    assert!(!ledger.exists(), "a refusal creates no empty ledger");

    std::fs::rename(&away, &ledger).unwrap();
    tutela(d, &["restore", "--force", "before.db"])
        .expect_code(0)
        .expect_output(&["replayed 1 erasure(s)"]);
    std::fs::rename(&ledger, &away).unwrap();
    tutela(d, &["restore", "--force", "--without-ledger", "before.db"])
        .expect_code(0)
        .expect_output(&["replayed 0 erasure(s)"]);
}

/// A ledger missing beside a database that holds data is not started
/// afresh by whatever command runs next: an empty one would let a later
/// restore bring back everyone erased before (found by an outside probe:
/// `tutela audit verify` made one, and the restore's own guard then saw a
/// ledger and replayed nothing). Starting a new one takes saying so.
#[tokio::test]
async fn a_missing_ledger_beside_a_database_with_data_is_not_made_anew() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let (gone, _) = create_subject(&server).await;
    erase(&server, &gone).await;
    assert!(server.stop().success());
    let ledger = d.join("tutela-data").join("erasures.ledger");
    let away = d.join("erasures.ledger.elsewhere");
    std::fs::rename(&ledger, &away).unwrap();
    for args in [&["audit", "verify"][..], &["sweep"]] {
        tutela(d, args).expect_code(1).expect_output(&[
            "erasures.ledger does not exist",
            "already holds data",
            "TUTELA_NEW_ERASURE_LEDGER=1",
        ]);
        assert!(!ledger.exists(), "{args:?} made no empty ledger");
    }
    tutela_with(
        command(d)
            .args(["audit", "verify"])
            .env("TUTELA_NEW_ERASURE_LEDGER", "1"),
    )
    .expect_code(0);
    assert_eq!(std::fs::read(&ledger).unwrap(), b"", "begun anew, empty");
    // A ledger path that cannot be appended to is found at start.
    std::fs::remove_file(&ledger).unwrap();
    std::fs::create_dir(&ledger).unwrap();
    tutela(d, &["audit", "verify"])
        .expect_code(1)
        .expect_output(&["erasures.ledger cannot be appended to"]);
}

/// A ledger emptied or cut short does not bring back a subject the replaced
/// database records as erased: the restore reads it from that database
/// before replacing it, erases it again and warns that the ledger is
/// incomplete (found by an outside probe: an empty ledger restored the
/// subject silently).
#[tokio::test]
async fn an_emptied_ledger_does_not_revive_whom_the_replaced_database_erased() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let (gone, _) = create_subject(&server).await;
    let (kept, _) = create_subject(&server).await;
    tutela(d, &["backup", "before.db"]).expect_code(0);
    erase(&server, &gone).await;
    assert!(server.stop().success());
    let ledger = d.join("tutela-data").join("erasures.ledger");
    std::fs::write(&ledger, b"").unwrap();
    tutela(d, &["restore", "--force", "before.db"])
        .expect_code(0)
        .expect_output(&[
            "replayed 0 erasure(s)",
            "1 subject(s) the replaced database records as erased were not in the ledger",
        ]);
    let server = spawn_demo(d, &[]).await;
    let access = |id: String| {
        let server = &server;
        async move {
            let (status, body) = server
                .get(&format!("/v1/subjects/{id}/access"), &server.dpo)
                .await;
            (status, body["error"]["code"].as_str().map(str::to_owned))
        }
    };
    assert_eq!(
        access(gone.clone()).await,
        (409, Some("E_SUBJECT_ERASED".to_owned()))
    );
    assert_eq!(access(kept.clone()).await.0, 200);
    assert!(server.stop().success());
}

/// An empty file (a backup that failed, a copy that came out empty) and a
/// backup with a damaged page are refused, and the database stays as it
/// was: a restore is the one moment a bad file can be caught before it is
/// served as the live database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_or_damaged_backup_is_refused_and_nothing_changes() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    for _ in 0..40 {
        create_subject(&server).await;
    }
    tutela(d, &["backup", "good.db"]).expect_code(0);
    assert!(server.stop().success());
    let db = d.join("tutela-data").join("tutela.db");
    let current = std::fs::read(&db).unwrap();

    std::fs::write(d.join("empty.db"), b"").unwrap();
    tutela(d, &["restore", "--force", "empty.db"])
        .expect_code(1)
        .expect_output(&[
            "not a Tutela database",
            "E_BACKUP_NOT_TUTELA",
            "nothing was changed",
        ]);
    assert_eq!(std::fs::read(&db).unwrap(), current, "nothing was restored");

    // Overwrite one b-tree page in the middle of a copy of the good backup.
    let mut bytes = std::fs::read(d.join("good.db")).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 8, "the backup has {pages} pages");
    let at = (pages / 2) * 4096;
    bytes[at..at + 5].copy_from_slice(&[0x0d, 0, 0, 0, 0xff]);
    bytes[at + 5..at + 65].fill(0xee);
    std::fs::write(d.join("damaged.db"), &bytes).unwrap();
    tutela(d, &["restore", "--force", "damaged.db"])
        .expect_code(1)
        .expect_output(&["damaged", "E_BACKUP_DAMAGED", "nothing was changed"]);
    assert_eq!(std::fs::read(&db).unwrap(), current, "nothing was restored");
    assert!(
        !d.join("tutela-data").join("tutela.db.restoring").exists(),
        "the staging copy is removed"
    );

    tutela(d, &["restore", "--force", "good.db"])
        .expect_code(0)
        .expect_output(&["restored good.db"]);
}
