//! Defect 8 of the hardening issue, the rollback gap: entries and head
//! rolled back together leave an intact chain, which only a signed
//! checkpoint taken earlier exposes (`tutela audit checkpoint`,
//! `tutela audit verify --against FILE`, `tutela audit pubkey`).

use crate::chain_holes::{setup, tamper};
use crate::support::{spawn_demo, temp_dir, tutela};
use serde_json::Value;
use std::path::Path;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The length the checkpoint saw for `tenant`'s chain.
fn seen(checkpoint: &Value, tenant: &str) -> u64 {
    checkpoint["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tenant"] == tenant)
        .and_then(|c| c["seq"].as_u64())
        .unwrap_or_else(|| panic!("no chain of {tenant} in {checkpoint}"))
}

/// Adds an entry to acme's chain (a key creation).
fn append(d: &Path) {
    tutela(
        d,
        &[
            "keys", "create", "--tenant", "acme", "--role", "service", "--label", "more",
        ],
    )
    .expect_code(0);
}

/// Cuts acme's chain to its first `keep` entries and moves the head to
/// match: a consistent chain, as someone with write access could leave it.
async fn roll_back(d: &Path, keep: u64) {
    let cut = format!("DELETE FROM audit_entries WHERE tenant_id = 'acme' AND seq > {keep}");
    assert!(tamper(d, Box::leak(cut.into_boxed_str())).await > 0);
    let head = "UPDATE audit_heads SET \
        seq = (SELECT max(seq) FROM audit_entries WHERE tenant_id = 'acme'), \
        mac = (SELECT mac FROM audit_entries WHERE tenant_id = 'acme' ORDER BY seq DESC LIMIT 1) \
        WHERE tenant_id = 'acme'";
    assert_eq!(tamper(d, head).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_08_a_consistent_rollback_is_found_against_a_checkpoint() {
    let dir = temp_dir();
    let d = dir.path();
    setup(d);
    tutela(d, &["audit", "checkpoint", "--out", "cp.json"]).expect_code(0);
    let checkpoint = read_json(&d.join("cp.json"));
    let acme = seen(&checkpoint, "acme");
    append(d);
    tutela(d, &["audit", "verify", "--against", "cp.json"])
        .expect_code(0)
        .expect_output(&[
            "acme: matches the checkpoint",
            "beta: matches the checkpoint",
        ]);

    roll_back(d, acme - 2).await;
    tutela(d, &["audit", "verify"])
        .expect_code(0)
        .expect_output(&["acme: intact ("]);
    let expected = format!(
        "acme: ROLLED BACK: checkpoint saw {acme} entries, the database has {}",
        acme - 2
    );
    tutela(d, &["audit", "verify", "--against", "cp.json"])
        .expect_code(1)
        .expect_output(&[&expected, "beta: matches the checkpoint"]);

    // The chain grows past the checkpoint again, but not through its entry.
    for _ in 0..3 {
        append(d);
    }
    tutela(d, &["audit", "verify", "--against", "cp.json"])
        .expect_code(1)
        .expect_output(&[&format!("acme: DIVERGED at {acme}")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_08_a_tampered_or_foreign_checkpoint_is_refused() {
    let dir = temp_dir();
    let d = dir.path();
    setup(d);
    tutela(d, &["audit", "checkpoint", "--out", "cp.json"]).expect_code(0);
    let mut checkpoint = read_json(&d.join("cp.json"));
    let chain = &mut checkpoint["chains"][0];
    let seq = chain["seq"].as_u64().unwrap();
    chain["seq"] = Value::from(seq - 1);
    std::fs::write(d.join("forged.json"), checkpoint.to_string()).unwrap();
    tutela(d, &["audit", "verify", "--against", "forged.json"])
        .expect_code(1)
        .expect_output(&["refusing the checkpoint", "signature does not verify"]);
    std::fs::write(d.join("junk.json"), "{\"format\": 1}").unwrap();
    tutela(d, &["audit", "verify", "--against", "junk.json"])
        .expect_code(1)
        .expect_output(&["refusing the checkpoint", "not a Tutela checkpoint"]);

    let other = temp_dir();
    setup(other.path());
    tutela(other.path(), &["audit", "checkpoint", "--out", "cp.json"]).expect_code(0);
    std::fs::copy(other.path().join("cp.json"), d.join("foreign.json")).unwrap();
    tutela(d, &["audit", "verify", "--against", "foreign.json"])
        .expect_code(1)
        .expect_output(&["refusing the checkpoint", "another deployment"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hole_08_an_api_checkpoint_verifies_with_the_printed_public_key() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    let (status, checkpoint) = server
        .post("/v1/audit/checkpoints", &server.dpo, &serde_json::json!({}))
        .await;
    assert_eq!(status, 201, "{checkpoint}");
    server.stop();
    std::fs::write(d.join("acme.json"), checkpoint.to_string()).unwrap();
    let printed = tutela(d, &["audit", "pubkey"]);
    printed.expect_code(0);
    assert_eq!(printed.stdout.trim(), checkpoint["public_key"], "{printed}");
    tutela(d, &["audit", "verify", "--against", "acme.json"])
        .expect_code(0)
        .expect_output(&["acme: matches the checkpoint", "operator: intact ("]);
    // Checking another tenant against acme's checkpoint compares nothing,
    // and nothing compared shows nothing.
    tutela(
        d,
        &[
            "audit",
            "verify",
            "--tenant",
            "operator",
            "--against",
            "acme.json",
        ],
    )
    .expect_code(1)
    .expect_output(&["covers no chain checked here", "for tenant operator"]);
    roll_back(d, 3).await;
    tutela(d, &["audit", "verify", "--against", "acme.json"])
        .expect_code(1)
        .expect_output(&["acme: ROLLED BACK: checkpoint saw"]);
}
