//! Defect 8 of the hardening issue, the rollback gap: `POST
//! /v1/audit/checkpoints` gives the DPO (and admins) a signed statement of
//! their own tenant's chain, which verifies with the deployment's Ed25519
//! public key and covers its own `audit.checkpoint` entry.

use crate::helpers::spawn_app;
use tutela_engine::checkpoint::{Checkpoint, FORMAT};

fn signature_holds(checkpoint: &Checkpoint) -> bool {
    let key = tutela_engine::checkpoint::from_hex::<32>(&checkpoint.public_key).unwrap();
    let signature = tutela_engine::checkpoint::from_hex::<64>(&checkpoint.signature).unwrap();
    let message = checkpoint.signed_bytes().unwrap();
    tutela_vault::verify_checkpoint_signature(&key, &message, &signature)
}

#[tokio::test]
async fn hole_08_the_dpo_gets_a_signed_checkpoint_of_its_own_chain() {
    let app = spawn_app().await;
    let reply = app
        .post("/v1/audit/checkpoints", &app.dpo, serde_json::json!({}))
        .await;
    let body = reply.ok(201);
    let checkpoint: Checkpoint = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(checkpoint.format, FORMAT);
    assert_eq!(checkpoint.chains.len(), 1, "{body}");
    let point = &checkpoint.chains[0];
    assert_eq!(point.tenant, "acme");
    assert!(signature_holds(&checkpoint), "{body}");

    // It covers the chain as it stands, its own entry included.
    let last = app.last_audit().await;
    assert_eq!(last["action"], "audit.checkpoint");
    assert_eq!(last["seq"].as_u64(), Some(point.seq));
    assert_eq!(last["mac"].as_str(), Some(point.head_mac.as_str()));
    app.assert_chain_intact().await;

    // Any change to what was signed breaks the signature.
    let mut shorter = checkpoint.clone();
    shorter.chains[0].seq -= 1;
    assert!(!signature_holds(&shorter));
    let mut other = checkpoint.clone();
    other.chains[0].tenant = "beta".into();
    assert!(!signature_holds(&other));
}

#[tokio::test]
async fn checkpoints_are_for_the_dpo_and_admins_only() {
    let app = spawn_app().await;
    app.post("/v1/audit/checkpoints", &app.admin, serde_json::json!({}))
        .await
        .ok(201);
    for token in [&app.service, &app.analyst, &app.scoped] {
        app.post("/v1/audit/checkpoints", token, serde_json::json!({}))
            .await
            .error(403, "E_FORBIDDEN");
    }
    app.post(
        "/v1/audit/checkpoints",
        "tutela.acme.nope",
        serde_json::json!({}),
    )
    .await
    .error(401, "E_UNAUTHENTICATED");
}

#[tokio::test]
async fn the_heads_route_names_where_each_lane_ends() {
    let app = spawn_app().await;
    let last = app.last_audit().await;
    let heads = app.get("/v1/audit/heads", &app.dpo).await.ok(200);
    let heads = heads["heads"].as_array().unwrap().clone();
    // SQLite has one writer, so one lane: lane 0, ending at the last entry.
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert_eq!(heads[0]["lane"], 0);
    assert_eq!(last["lane"], 0);
    assert_eq!(heads[0]["seq"], last["seq"]);
    assert_eq!(heads[0]["mac"], last["mac"]);
    // A lane with no entry reads as empty, not as an error; a lane number
    // no deployment can have is refused as the documented bound says.
    let other = app.get("/v1/audit?lane=1", &app.dpo).await.ok(200);
    assert_eq!(other["entries"].as_array().map(Vec::len), Some(0));
    app.get("/v1/audit?lane=255", &app.dpo).await.ok(200);
    app.get("/v1/audit?lane=256", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get("/v1/audit?lane=2147483648", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    // The service key may not read the chain.
    app.get("/v1/audit/heads", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
}
