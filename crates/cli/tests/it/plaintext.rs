//! The plaintext test: a distinctive email and name go in through the HTTP
//! API and come back out for a declared purpose, yet appear nowhere on disk
//! (the SQLite file, its WAL and shared memory, anything else in the data
//! directory) nor in the server's output, even with every log level on.

use crate::support::{Server, random_tag, spawn_demo, temp_dir};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_scanner_finds_what_is_there() {
    assert!(contains(
        b"xx zqx.probe@example.test yy",
        b"zqx.probe@example.test"
    ));
    assert!(!contains(
        b"xx zqx.probe@example.tes",
        b"zqx.probe@example.test"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_values_never_reach_the_disk_or_the_logs() {
    let dir = temp_dir();
    let server = spawn_demo(dir.path(), &[("TUTELA_LOG", "trace")]).await;
    let tag = random_tag();
    let email = format!("zqx.privacy.probe.{tag}@example.test");
    let name = format!("Quillon Zebedee-Marchetti {}", &tag[..12]);

    let (status, created) = server
        .post(
            "/v1/subjects",
            &server.service,
            &json!({
                "kind": "customer",
                "purpose": "account",
                "records": [
                    {"category": "email", "value": email, "source": "signup-form"},
                    {"category": "name", "value": name, "source": "signup-form"},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}\n{}", server.logs());
    let id = created["id"].as_str().unwrap().to_owned();

    // The values went through: they come back for a declared purpose...
    let (status, read) = server
        .get(
            &format!("/v1/subjects/{id}/records?purpose=account"),
            &server.service,
        )
        .await;
    assert_eq!(status, 200, "{read}");
    let values: Vec<&str> = read["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&email.as_str()) && values.contains(&name.as_str()),
        "{read}"
    );
    // ...and the email finds its subject through the blind index.
    let (status, found) = server
        .post(
            "/v1/subjects/lookup",
            &server.service,
            &json!({"category": "email", "value": email}),
        )
        .await;
    assert_eq!(
        (status, found["id"].as_str()),
        (200, Some(id.as_str())),
        "{found}"
    );
    // A purpose the policy does not declare gets nothing.
    let (status, refused) = server
        .get(
            &format!("/v1/subjects/{id}/records?purpose=advertising"),
            &server.service,
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("E_PURPOSE_NOT_DECLARED")),
        "{refused}"
    );

    let (stdout, stderr) = (server.stdout.clone(), server.stderr.clone());
    server.kill();

    let data = dir.path().join("tutela-data");
    let db = data.join("tutela.db");
    assert!(db.is_file(), "no database at {}", db.display());
    let mut scanned: Vec<PathBuf> = files_under(&data);
    for extra in ["tutela.db-wal", "tutela.db-shm"] {
        let path = data.join(extra);
        if path.exists() && !scanned.contains(&path) {
            scanned.push(path);
        }
    }
    scanned.push(stdout);
    scanned.push(stderr.clone());

    // The scan looks at real content: the logs are verbose and the database
    // (with its WAL) holds the plaintext tenant id.
    let log = std::fs::read_to_string(&stderr).unwrap();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "TUTELA_LOG=trace was not applied:\n{log}"
    );
    let mut database = std::fs::read(&db).unwrap();
    database.extend(std::fs::read(data.join("tutela.db-wal")).unwrap_or_default());
    assert!(
        contains(&database, b"acme"),
        "the database holds no tenant id: is this the right file?"
    );

    let needles = [
        email.clone(),
        email.to_lowercase(),
        email.to_uppercase(),
        name.clone(),
        name.to_lowercase(),
        name.to_uppercase(),
    ];
    for file in &scanned {
        let bytes = std::fs::read(file).unwrap();
        for needle in &needles {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{} holds the plaintext {needle:?}",
                file.display()
            );
        }
    }
}

/// Reads what the database holds about `subject` (its wrapped key, its
/// blind indexes and its ciphertexts) over a read-only connection that is
/// closed again at once, so it never checkpoints anything itself.
pub async fn stored_secrets(db: &Path, subject: &str) -> Vec<(&'static str, Vec<u8>)> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let mut found = Vec::new();
    for (what, sql) in [
        (
            "wrapped key",
            "SELECT wrapped_key FROM subjects WHERE subject_id = $1",
        ),
        (
            "blind index",
            "SELECT blind_index FROM identifiers WHERE subject_id = $1",
        ),
        (
            "ciphertext",
            "SELECT ciphertext FROM records WHERE subject_id = $1",
        ),
    ] {
        let rows: Vec<(Vec<u8>,)> = sqlx::query_as(sql)
            .bind(subject)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "no {what} stored for the subject");
        found.extend(rows.into_iter().map(|(bytes,)| (what, bytes)));
    }
    conn.close().await.unwrap();
    found
}

/// The bytes of the database, its WAL and its shared memory, by name.
pub fn database_files(data: &Path) -> Vec<(String, Vec<u8>)> {
    ["tutela.db", "tutela.db-wal", "tutela.db-shm"]
        .iter()
        .filter_map(|f| {
            std::fs::read(data.join(f))
                .ok()
                .map(|b| ((*f).to_owned(), b))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_06_an_erased_subjects_key_and_indexes_leave_every_file_while_serving() {
    let dir = temp_dir();
    let server = spawn_demo(dir.path(), &[]).await;
    let data = dir.path().join("tutela-data");
    let tag = random_tag();
    let (status, created) = server
        .post(
            "/v1/subjects",
            &server.service,
            &json!({
                "kind": "customer",
                "purpose": "account",
                "records": [
                    {"category": "email", "value": format!("erase.me.{tag}@example.test")},
                    {"category": "external_id", "value": format!("ext-{tag}")},
                    {"category": "name", "value": "Erasable Person"},
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}\n{}", server.logs());
    let id = created["id"].as_str().unwrap().to_owned();
    let secrets = stored_secrets(&data.join("tutela.db"), &id).await;
    // The scan sees them before the erasure.
    let files = database_files(&data);
    for (what, bytes) in &secrets {
        assert!(
            files.iter().any(|(_, f)| contains(f, bytes)),
            "the {what} is not in any file before the erasure: the scan reads the wrong files"
        );
    }

    let reply = server
        .http
        .delete(format!("{}/v1/subjects/{id}", server.base))
        .bearer_auth(&server.dpo)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 204);

    // The server is still running: no clean shutdown has helped.
    for (name, file) in database_files(&data) {
        for (what, bytes) in &secrets {
            assert!(
                !contains(&file, bytes),
                "{name} still holds the erased subject's {what}"
            );
        }
    }
    let health = server
        .http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success(), "the server kept running");
}

/// A customer with the email `<local>@example.test` and a request of
/// `kind` filed for it: their ids.
async fn subject_with_request(server: &Server, local: &str, kind: &str) -> (String, String) {
    let (status, created) = server
        .post(
            "/v1/subjects",
            &server.service,
            &json!({"kind": "customer", "purpose": "account", "records": [
                {"category": "email", "value": format!("{local}@example.test")}]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().unwrap().to_owned();
    let (status, filed) = server
        .post(
            "/v1/requests",
            &server.dpo,
            &json!({"subject": subject, "kind": kind}),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    (subject, filed["id"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_notes_on_an_erased_subjects_requests_leave_every_file() {
    let dir = temp_dir();
    let server = spawn_demo(dir.path(), &[]).await;
    let data = dir.path().join("tutela-data");
    let tag = random_tag();
    let (_, id) = subject_with_request(&server, &format!("noted.{tag}"), "erasure").await;
    let seen = format!("passport {tag} seen at the desk");
    let done = format!("called back on 0170 {tag}");
    let verify = json!({"method": "document", "note": seen});
    let (status, body) = server
        .post(&format!("/v1/requests/{id}/verify"), &server.dpo, &verify)
        .await;
    assert_eq!(status, 200, "{body}");
    let why = format!("asked nine times from 0151 {tag}");
    let fee = json!({"amount_minor": 500, "currency": "EUR", "reason": why});
    let (status, body) = server
        .post(&format!("/v1/requests/{id}/fee"), &server.dpo, &fee)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        database_files(&data)
            .iter()
            .any(|(_, f)| contains(f, seen.as_bytes())),
        "the note is on disk before the erasure: the scan reads the right files"
    );

    let (status, body) = server
        .post(
            &format!("/v1/requests/{id}/fulfil"),
            &server.dpo,
            &json!({"note": done}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for (name, file) in database_files(&data) {
        for note in [&seen, &done, &why] {
            assert!(
                !contains(&file, note.as_bytes()),
                "{name} still holds '{note}'"
            );
        }
    }
    let (status, shown) = server.get(&format!("/v1/requests/{id}"), &server.dpo).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(
        shown["fee"]["reason"].as_str(),
        Some("[erased with the subject]"),
        "{shown}"
    );
    assert_eq!(shown["fee"]["amount_minor"], 500, "{shown}");
    assert_eq!(
        (shown["state"].as_str(), shown["closed_note"].as_str()),
        (Some("fulfilled"), Some("[erased with the subject]")),
        "the request stays, its free text replaced: {shown}"
    );
}

#[tokio::test]
async fn messages_about_an_erased_subject_leave_the_outbox() {
    let dir = temp_dir();
    let server = spawn_demo(dir.path(), &[]).await;
    let data = dir.path().join("tutela-data");
    let tag = random_tag();
    let (subject, id) = subject_with_request(&server, &format!("outbox.{tag}"), "access").await;
    let reason = format!("manifestly unfounded, see call with {tag}");
    let (status, body) = server
        .post(
            &format!("/v1/requests/{id}/refuse"),
            &server.dpo,
            &json!({"reason": reason}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let holding = |needle: &str| -> Vec<PathBuf> {
        files_under(&data)
            .into_iter()
            .filter(|p| std::fs::read(p).is_ok_and(|b| contains(&b, needle.as_bytes())))
            .collect()
    };
    assert!(
        holding(&reason)
            .iter()
            .any(|p| p.starts_with(data.join("outbox"))),
        "the refusal's message, with its reason, is in the outbox before the erasure"
    );

    let (status, body) = server
        .delete(&format!("/v1/subjects/{subject}"), &server.dpo)
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        holding(&reason),
        Vec::<PathBuf>::new(),
        "files still holding the reason"
    );
}

/// A request the erasure left open (it can no longer be fulfilled) is
/// refused or extended afterwards: the reason is not kept on disk nor put
/// in a message to the outbox.
#[tokio::test]
async fn reasons_written_after_an_erasure_are_not_kept() {
    let dir = temp_dir();
    let server = spawn_demo(dir.path(), &[]).await;
    let data = dir.path().join("tutela-data");
    let tag = random_tag();
    // An erasure request stays open when the subject is erased by hand
    // (it is fulfilled later with nothing left to do); the portability
    // request is closed by the erasure, with the erasure's marker.
    let (subject, open) = subject_with_request(&server, &format!("late.{tag}"), "erasure").await;
    let (status, other) = server
        .post(
            "/v1/requests",
            &server.dpo,
            &json!({"subject": subject, "kind": "portability"}),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let other = other["id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .delete(&format!("/v1/subjects/{subject}"), &server.dpo)
        .await;
    assert_eq!(status, 204, "{body}");

    let extended = format!("complex case of {tag}");
    let (status, body) = server
        .post(
            &format!("/v1/requests/{open}/extend"),
            &server.dpo,
            &json!({"reason": extended}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let refused = format!("nothing left to send {tag}");
    let (status, body) = server
        .post(
            &format!("/v1/requests/{open}/refuse"),
            &server.dpo,
            &json!({"reason": refused}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for path in files_under(&data) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for reason in [&extended, &refused] {
            assert!(
                !contains(&bytes, reason.as_bytes()),
                "{} holds '{reason}'",
                path.display()
            );
        }
    }
    for id in [&open, &other] {
        let (status, shown) = server.get(&format!("/v1/requests/{id}"), &server.dpo).await;
        assert_eq!(status, 200, "{shown}");
        assert_eq!(
            (shown["state"].as_str(), shown["refusal_reason"].as_str()),
            (Some("refused"), Some("[erased with the subject]")),
            "{shown}"
        );
    }
}
