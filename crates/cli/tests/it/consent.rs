//! `tutela consent verify|pubkey`: a receipt the API signed verifies
//! offline with the key the CLI prints from the master key; a tampered
//! receipt, or another tenant's key, fails with exit code 1.

use crate::support::{line_after, spawn_demo, temp_dir, tutela};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_receipt_verifies_offline_and_a_tampered_one_does_not() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let printed = std::fs::read_to_string(&server.stdout).unwrap();
    let subject = line_after(&printed, "export SUBJECT=");
    let consents = format!("/v1/subjects/{subject}/consents");
    let body = json!({"purpose": "newsletter", "text": "Yes, send me the newsletter."});
    let (status, granted) = server.post(&consents, &server.service, &body).await;
    assert_eq!(status, 201, "{granted}");
    let path = format!("{consents}/{}/receipt", granted["id"].as_str().unwrap());
    let (status, receipt) = server.get(&path, &server.dpo).await;
    assert_eq!(status, 200, "{receipt}");
    server.stop();

    let key = tutela(d, &["consent", "pubkey", "--tenant", "acme"]);
    key.expect_code(0);
    let key = key.stdout.trim().to_owned();
    assert_eq!(key, receipt["public_key"]);
    std::fs::write(d.join("receipt.json"), receipt.to_string()).unwrap();
    tutela(d, &["consent", "verify", "receipt.json", "--key", &key])
        .expect_code(0)
        .expect_output(&["the receipt is valid", "\"collection_method\": \"api\""]);

    let jws = receipt["jws"].as_str().unwrap();
    let mut tampered = jws.as_bytes().to_vec();
    let i = jws.find('.').unwrap() + 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(d.join("tampered.jws"), &tampered).unwrap();
    tutela(d, &["consent", "verify", "tampered.jws", "--key", &key])
        .expect_code(1)
        .expect_output(&["does not verify"]);

    // The unsigned copy beside the JWS, edited, fails too.
    let mut edited = receipt.clone();
    edited["receipt"]["collection_method"] = "paper".into();
    std::fs::write(d.join("edited.json"), edited.to_string()).unwrap();
    tutela(d, &["consent", "verify", "edited.json", "--key", &key])
        .expect_code(1)
        .expect_output(&["does not verify", "unsigned `receipt` differs"]);

    // A typo prints no plausible key.
    tutela(d, &["consent", "pubkey", "--tenant", "acmee"])
        .expect_code(1)
        .expect_output(&["there is no tenant 'acmee' (--tenant)"]);
    let other = tutela(d, &["consent", "pubkey", "--tenant", "operator"]);
    other.expect_code(0);
    tutela(
        d,
        &[
            "consent",
            "verify",
            "receipt.json",
            "--key",
            other.stdout.trim(),
        ],
    )
    .expect_code(1)
    .expect_output(&["does not verify"]);
}
