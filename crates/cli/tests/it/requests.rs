//! `tutela requests`: a request filed over HTTP, its code delivered to the
//! outbox beside the database, then verified, listed and fulfilled from
//! the command line.

use crate::support::{spawn_demo, temp_dir, tutela};
use serde_json::json;

/// The code in the one outbox message about `request`.
fn code_in_outbox(dir: &std::path::Path, request: &str) -> String {
    let outbox = dir.join("tutela-data/outbox");
    let message = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|text| serde_json::from_str::<serde_json::Value>(&text).unwrap())
        .find(|m| m["request"] == request && m["kind"] == "verification_code")
        .expect("a verification message in the outbox");
    message["code"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpo_works_the_queue_from_the_terminal() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "account",
        "records": [{"category": "email", "value": "queue.test@demo.example"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().unwrap().to_owned();
    let erase = json!({"subject": subject, "kind": "erasure"});
    let (status, filed) = server.post("/v1/requests", &server.service, &erase).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().unwrap().to_owned();
    let (status, sent) = server
        .post(&format!("/v1/requests/{id}/code"), &server.dpo, &json!({}))
        .await;
    assert_eq!(status, 200, "{sent}");
    assert!(server.stop().success());
    let code = code_in_outbox(d, &id);

    tutela(d, &["requests", "list", "--tenant", "acme"])
        .expect_code(0)
        .expect_output(&[&id, "erasure", "received"]);
    tutela(d, &["requests", "fulfil", "--tenant", "acme", &id])
        .expect_code(1)
        .expect_output(&["E_NOT_VERIFIED"]);
    tutela(
        d,
        &[
            "requests",
            "verify",
            "--tenant",
            "acme",
            &id,
            "--code",
            "00000-00000",
        ],
    )
    .expect_code(1)
    .expect_output(&["E_WRONG_CODE"]);
    tutela(
        d,
        &[
            "requests", "verify", "--tenant", "acme", &id, "--code", &code,
        ],
    )
    .expect_code(0)
    .expect_output(&["verified"]);
    tutela(
        d,
        &[
            "requests", "refuse", "--tenant", "acme", &id, "--reason", " ",
        ],
    )
    .expect_code(1)
    .expect_output(&["--reason"]);
    tutela(d, &["requests", "fulfil", "--tenant", "acme", &id])
        .expect_code(0)
        .expect_output(&["Fulfilled", "erasure"]);
    tutela(
        d,
        &[
            "requests",
            "list",
            "--tenant",
            "acme",
            "--state",
            "fulfilled",
        ],
    )
    .expect_code(0)
    .expect_output(&[&id, "fulfilled"]);
    tutela(d, &["requests", "show", "--tenant", "acme", &id])
        .expect_code(0)
        .expect_output(&["verified by", "code"]);
    tutela(d, &["audit", "verify"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpo_answers_an_access_request_from_the_terminal() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "account",
        "records": [{"category": "email", "value": "=answer.test@demo.example"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().unwrap().to_owned();
    let access = json!({"subject": subject, "kind": "access"});
    let (status, filed) = server.post("/v1/requests", &server.service, &access).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().unwrap().to_owned();
    assert!(server.stop().success());

    let answer = |extra: &[&str]| {
        let mut args = vec!["requests", "answer", "--tenant", "acme", id.as_str()];
        args.extend_from_slice(extra);
        tutela(d, &args)
    };
    answer(&[])
        .expect_code(1)
        .expect_output(&["E_NOT_VERIFIED"]);
    tutela(
        d,
        &[
            "requests",
            "verify",
            "--tenant",
            "acme",
            &id,
            "--method",
            "document",
            "--note",
            "passport seen",
        ],
    )
    .expect_code(0);
    answer(&["--format", "pdf"])
        .expect_code(2)
        .expect_output(&["--format"]);
    let out = d.join("answer.csv");
    let path = out.to_str().unwrap();
    answer(&["--format", "csv", "--out", path])
        .expect_code(0)
        .expect_output(&["Wrote the answer"]);
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM opens the CSV");
    assert!(
        csv.contains("'=answer.test@demo.example"),
        "a formula-like value is neutralised: {csv}"
    );
    answer(&["--format", "csv", "--out", path])
        .expect_code(1)
        .expect_output(&["never overwritten"]);
    answer(&["--format", "md"])
        .expect_code(0)
        .expect_output(&["Who used your data"]);
    tutela(d, &["audit", "verify"]).expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dpo_records_a_death_and_hands_the_data_over_from_the_terminal() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let body = json!({
        "kind": "customer",
        "purpose": "account",
        "records": [{"category": "email", "value": "death.test@demo.example"}],
    });
    let (status, created) = server.post("/v1/subjects", &server.service, &body).await;
    assert_eq!(status, 201, "{created}");
    let subject = created["id"].as_str().unwrap().to_owned();
    let directive = json!({
        "subject": subject,
        "kind": "directive",
        "directive": "hand_to",
        "person": "Grace Hopper",
    });
    let (status, filed) = server.post("/v1/requests", &server.dpo, &directive).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().unwrap().to_owned();
    assert!(server.stop().success());

    tutela(
        d,
        &[
            "requests",
            "verify",
            "--tenant",
            "acme",
            &id,
            "--method",
            "document",
            "--note",
            "passport seen",
        ],
    )
    .expect_code(0);
    tutela(d, &["requests", "fulfil", "--tenant", "acme", &id])
        .expect_code(0)
        .expect_output(&["Fulfilled", "directive"]);
    let answer = ["requests", "answer", "--tenant", "acme", id.as_str()];
    tutela(d, &answer)
        .expect_code(1)
        .expect_output(&["E_NOT_DECEASED"]);
    let death = [
        "requests",
        "death",
        "--tenant",
        "acme",
        subject.as_str(),
        "--note",
        "certificate received",
    ];
    tutela(d, &death)
        .expect_code(0)
        .expect_output(&["Recorded the death", "hand_to", &id]);
    tutela(d, &death)
        .expect_code(1)
        .expect_output(&["E_DEATH_RECORDED"]);
    tutela(d, &answer)
        .expect_code(0)
        .expect_output(&["Grace Hopper", "death.test@demo.example"]);
    tutela(d, &["audit", "verify"]).expect_code(0);
}
