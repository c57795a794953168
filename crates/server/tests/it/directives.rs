//! Directives for after death: a directive is filed, verified and
//! registered by fulfilling it; recording the subject's death applies the
//! latest registered one in the same commit (keep, erase, hand_to); a
//! death is recorded once; a hand_to directive answers only after the
//! death, for the person named; a superseded directive is not applied.

use crate::helpers::{TestApp, spawn_app};
use crate::requests::{customer, fulfil, verified};
use serde_json::{Value, json};

/// Files, verifies and registers a directive; returns its id.
async fn registered(app: &TestApp, subject: &str, directive: Value) -> String {
    let mut body = json!({"subject": subject, "kind": "directive"});
    if let (Some(b), Some(d)) = (body.as_object_mut(), directive.as_object()) {
        b.extend(d.clone());
    }
    let id = verified(app, body).await;
    let done = fulfil(app, &id, json!({})).await;
    assert_eq!(done["state"], "fulfilled");
    assert_eq!(done["closed_note"], "registered");
    id
}

async fn death(app: &TestApp, subject: &str) -> Value {
    app.post(
        &format!("/v1/subjects/{subject}/death"),
        &app.dpo,
        json!({"note": "death certificate received"}),
    )
    .await
    .ok(201)
}

fn actions(chain: &[Value], action: &str) -> Vec<Value> {
    chain
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_keep_directive_records_the_death_and_keeps_the_data() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = registered(&app, &subject, json!({"directive": "keep"})).await;
    // Filed and verified before the death, fulfilled after it.
    let pending = verified(
        &app,
        json!({"subject": subject, "kind": "directive", "directive": "erase"}),
    )
    .await;
    let recorded = death(&app, &subject).await;
    assert_eq!(recorded["applied"], "keep");
    assert_eq!(recorded["directive"], id.as_str());
    assert_eq!(recorded["note"], "death certificate received");
    app.read(&app.service, &subject, "account").await.ok(200);
    let chain = app.audit().await;
    let deaths = actions(&chain, "subject.death");
    assert_eq!(deaths.len(), 1);
    assert_eq!(deaths[0]["subject"], subject.as_str());
    assert!(actions(&chain, "subject.erase").is_empty());
    // A directive registered after the death comes too late: one filed
    // before is refused when fulfilled, one filed after when filed.
    app.post(
        &format!("/v1/requests/{pending}/fulfil"),
        &app.dpo,
        json!({}),
    )
    .await
    .error(409, "E_DEATH_RECORDED");
    app.post(
        "/v1/requests",
        &app.dpo,
        json!({"subject": subject, "kind": "directive", "directive": "erase"}),
    )
    .await
    .error(409, "E_DEATH_RECORDED");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn no_directive_records_the_death_only() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    // A directive filed but never registered is not applied.
    verified(
        &app,
        json!({"subject": subject, "kind": "directive", "directive": "erase"}),
    )
    .await;
    let recorded = death(&app, &subject).await;
    assert_eq!(recorded["applied"], "none");
    assert!(recorded["directive"].is_null());
    app.read(&app.service, &subject, "account").await.ok(200);
}

#[tokio::test]
async fn an_erase_directive_erases_the_subject_as_an_erasure_does() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = registered(&app, &subject, json!({"directive": "erase"})).await;
    let recorded = death(&app, &subject).await;
    assert_eq!(recorded["applied"], "erase");
    assert_eq!(recorded["directive"], id.as_str());
    app.read(&app.service, &subject, "account")
        .await
        .error(409, "E_SUBJECT_ERASED");
    // Recipients are told (Art. 19), as an erasure request does.
    let queued = app
        .get("/v1/deliveries?state=pending", &app.dpo)
        .await
        .ok(200);
    let queued = queued.as_array().unwrap();
    assert_eq!(queued.len(), 2, "{queued:?}");
    assert!(queued.iter().all(|d| d["type"] == "subject.erased"));
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(shown["deliveries"].as_array().unwrap().len(), 2);
    let chain = app.audit().await;
    assert_eq!(actions(&chain, "subject.death").len(), 1);
    assert_eq!(actions(&chain, "subject.erase").len(), 1);
    app.assert_chain_intact().await;
    // Staff's note on the death went with the subject; the row stays.
    let stored = app
        .engine
        .store()
        .death_of(
            &tutela_engine::ids::TenantId::parse("acme").unwrap(),
            tutela_engine::ids::SubjectId::parse(&subject).unwrap(),
        )
        .await
        .unwrap()
        .expect("the death stays recorded");
    assert_eq!(
        stored.note.as_ref().map(|n| n.as_str()),
        Some("[erased with the subject]")
    );
}

#[tokio::test]
async fn a_hand_to_directive_answers_for_the_named_person_only_after_death() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = registered(
        &app,
        &subject,
        json!({"directive": "hand_to", "person": "Grace Hopper"}),
    )
    .await;
    let answer = format!("/v1/requests/{id}/answer");
    app.get(&answer, &app.dpo)
        .await
        .error(409, "E_NOT_DECEASED");
    let recorded = death(&app, &subject).await;
    assert_eq!(recorded["applied"], "hand_to");
    assert!(
        !recorded.to_string().contains("Grace"),
        "the name stays sealed"
    );
    let handed = app.get(&answer, &app.dpo).await.ok(200);
    assert_eq!(handed["handed_to"], "Grace Hopper");
    assert_eq!(handed["death_recorded_at"], recorded["recorded_at"]);
    assert_eq!(handed["answer"]["subject"], subject.as_str());
    assert_eq!(handed["answer"]["records"][0]["value"], "ada@example.com");
    app.get(&format!("{answer}?format=csv"), &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    let chain = serde_json::to_string(&app.audit().await).unwrap();
    assert!(!chain.contains("Grace"), "the name never reaches the chain");
    let reply = app.get(&answer, &app.service).await;
    assert_eq!(reply.status, 403, "{}", reply.text);
}

#[tokio::test]
async fn a_death_is_recorded_once() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    registered(&app, &subject, json!({"directive": "erase"})).await;
    death(&app, &subject).await;
    let before = app.audit_len().await;
    app.post(
        &format!("/v1/subjects/{subject}/death"),
        &app.dpo,
        json!({}),
    )
    .await
    .error(409, "E_DEATH_RECORDED");
    assert_eq!(app.audit_len().await, before, "nothing changed");
    let living = customer(&app).await;
    death(&app, &living).await;
    app.post(&format!("/v1/subjects/{living}/death"), &app.dpo, json!({}))
        .await
        .error(409, "E_DEATH_RECORDED");
    // A directive filed after the death could never be applied: refused
    // when filed, not left open to fall overdue (an outside probe).
    let before = app.audit_len().await;
    app.post(
        "/v1/requests",
        &app.dpo,
        json!({"subject": living, "kind": "directive", "directive": "erase"}),
    )
    .await
    .error(409, "E_DEATH_RECORDED");
    assert_eq!(app.audit_len().await, before, "nothing filed");
    let reply = app
        .post(
            &format!("/v1/subjects/{}/death", uuid_nil()),
            &app.dpo,
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 404, "{}", reply.text);
    let reply = app
        .post(
            &format!("/v1/subjects/{living}/death"),
            &app.service,
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
}

fn uuid_nil() -> &'static str {
    "00000000-0000-7000-8000-000000000000"
}

/// A hand_to directive verified but never registered (not fulfilled) was
/// not applied at the death: its answer says so, not that no death is
/// recorded.
#[tokio::test]
async fn an_unregistered_directive_after_the_death_is_not_applied() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let pending = verified(
        &app,
        json!({"subject": subject, "kind": "directive", "directive": "hand_to", "person": "Grace Hopper"}),
    )
    .await;
    let answer = format!("/v1/requests/{pending}/answer");
    app.get(&answer, &app.dpo)
        .await
        .error(409, "E_NOT_DECEASED");
    death(&app, &subject).await;
    app.get(&answer, &app.dpo)
        .await
        .error(409, "E_DIRECTIVE_NOT_APPLIED");
}

#[tokio::test]
async fn a_superseded_directive_is_not_applied() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let hand_to = registered(
        &app,
        &subject,
        json!({"directive": "hand_to", "person": "Grace Hopper"}),
    )
    .await;
    app.advance_hours(24);
    let erase = registered(&app, &subject, json!({"directive": "erase"})).await;
    app.advance_hours(24);
    let keep = registered(&app, &subject, json!({"directive": "keep"})).await;
    let recorded = death(&app, &subject).await;
    assert_eq!(recorded["applied"], "keep");
    assert_eq!(recorded["directive"], keep.as_str());
    assert_ne!(recorded["directive"], erase.as_str());
    app.read(&app.service, &subject, "account").await.ok(200);
    app.get(&format!("/v1/requests/{hand_to}/answer"), &app.dpo)
        .await
        .error(409, "E_DIRECTIVE_NOT_APPLIED");
}
