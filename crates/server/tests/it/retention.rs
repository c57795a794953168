//! Retention over HTTP: events (an undeclared name is a 400 that changes
//! nothing), plan changes, the forecast (counts only, changes nothing but
//! the audit chain) and a sweep run by the server's engine making the data
//! gone just after its rule's boundary.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn events_are_recorded_only_when_the_policy_counts_from_them() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    let typo = app
        .post(
            "/v1/events",
            &app.service,
            json!({"name": "tenant.uninstall"}),
        )
        .await;
    typo.error(400, "E_EVENT_NOT_DECLARED");
    let bad = app
        .post(
            "/v1/events",
            &app.service,
            json!({"name": "x", "subject": "not-a-uuid"}),
        )
        .await;
    bad.error(422, "E_INVALID_FIELD");
    let unknown = app
        .post(
            "/v1/events",
            &app.service,
            json!({"name": "tenant.uninstalled", "extra": 1}),
        )
        .await;
    assert_eq!(unknown.status.as_u16(), 422);
    assert_eq!(app.audit_len().await, before, "bad input changes nothing");
    let denied = app
        .post(
            "/v1/events",
            &app.analyst,
            json!({"name": "tenant.uninstalled"}),
        )
        .await;
    denied.error(403, "E_FORBIDDEN");
    let ok = app
        .post(
            "/v1/events",
            &app.service,
            json!({"name": "tenant.uninstalled"}),
        )
        .await
        .ok(201);
    assert_eq!(ok["name"], "tenant.uninstalled");
    assert!(ok["subject"].is_null());
    let last = app.last_audit().await;
    assert_eq!(last["action"], "event.record");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_subject_moves_to_a_plan() {
    let app = spawn_app().await;
    let s = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.put(
        &format!("/v1/subjects/{s}/plan"),
        &app.service,
        json!({"plan": "Free"}),
    )
    .await
    .error(422, "E_INVALID_FIELD");
    let reply = app
        .put(
            &format!("/v1/subjects/{s}/plan"),
            &app.service,
            json!({"plan": "free"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 204);
    let last = app.last_audit().await;
    assert_eq!(
        (last["action"].as_str(), last["detail"].as_str()),
        (Some("subject.plan"), Some("plan=free"))
    );
    let missing = app
        .put(
            "/v1/subjects/0190a0a0-0000-7000-8000-000000000000/plan",
            &app.service,
            json!({"plan": "free"}),
        )
        .await;
    missing.error(404, "E_SUBJECT_NOT_FOUND");
}

#[tokio::test]
async fn the_forecast_shows_what_goes_and_the_sweep_removes_it_on_time() {
    let app = spawn_app().await;
    let s = app
        .subject(
            "customer",
            "operations",
            json!([{"category": "server_log", "value": "GET / 200"}]),
        )
        .await;
    app.post(
        &format!("/v1/subjects/{s}/records"),
        &app.service,
        json!({"purpose": "account", "records": [{"category": "email", "value": "ada@example.com"}]}),
    )
    .await
    .ok(201);
    app.advance_hours(24 * 89);
    let forecast = app
        .get("/v1/retention/forecast?days=2", &app.analyst)
        .await
        .ok(200);
    let lines = forecast["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{forecast}");
    assert_eq!(lines[0]["category"], "server_log");
    assert_eq!(lines[0]["count"], 1);
    assert_eq!(lines[0]["then"], "delete");
    assert_eq!(lines[0]["rule_text"], "90 days from collected");
    app.get("/v1/retention/forecast?days=9999", &app.analyst)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get("/v1/retention/forecast", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    assert_eq!(
        app.read(&app.service, &s, "operations").await.ok(200)["records"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.advance_hours(24);
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    let after = app.read(&app.service, &s, "operations").await.ok(200);
    assert!(after["records"].as_array().unwrap().is_empty(), "{after}");
    let aggregates = app.get("/v1/retention/aggregates", &app.dpo).await.ok(200);
    assert_eq!(aggregates["min_group_size"], 5);
    app.assert_chain_intact().await;
}

/// A record past its retention period is gone for every use from that
/// instant, before any sweep runs (Art. 5(1)(e)): reads leave it out, and
/// the sweep only tidies up.
#[tokio::test]
async fn a_record_past_its_period_is_unreadable_before_the_sweep() {
    let app = spawn_app().await;
    let s = app
        .subject(
            "customer",
            "operations",
            json!([{"category": "server_log", "value": "GET /old 200"}]),
        )
        .await;
    app.advance_hours(24 * 45);
    app.post(
        &format!("/v1/subjects/{s}/records"),
        &app.service,
        json!({"purpose": "operations", "records": [{"category": "server_log", "value": "GET /new 200"}]}),
    )
    .await
    .ok(201);
    let both = app.read(&app.service, &s, "operations").await.ok(200);
    assert_eq!(both["records"].as_array().unwrap().len(), 2, "{both}");
    // Ninety days after the first record, and no sweep has run.
    app.advance_hours(24 * 45);
    let after = app.read(&app.service, &s, "operations").await.ok(200);
    let values: Vec<&str> = after["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["GET /new 200"], "{after}");
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    let swept = app.read(&app.service, &s, "operations").await.ok(200);
    assert_eq!(swept["records"], after["records"]);
}

/// A period counted from an event ends at read time too: the email is
/// readable long after collection while the event has not happened, and
/// unreadable once its period from the event has passed, before any sweep.
#[tokio::test]
async fn a_period_from_an_event_ends_at_read_time() {
    let app = spawn_app().await;
    let s = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.advance_hours(24 * 200);
    let count = |r: serde_json::Value| r["records"].as_array().unwrap().len();
    assert_eq!(
        count(app.read(&app.service, &s, "account").await.ok(200)),
        1
    );
    app.post(
        "/v1/events",
        &app.service,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .ok(201);
    app.advance_hours(24 * 89);
    assert_eq!(
        count(app.read(&app.service, &s, "account").await.ok(200)),
        1
    );
    let lookup = json!({"category": "email", "value": "ada@example.com"});
    app.post("/v1/subjects/lookup", &app.service, lookup.clone())
        .await
        .ok(200);
    let portable = format!("/v1/subjects/{s}/portable");
    assert_eq!(count(app.get(&portable, &app.dpo).await.ok(200)), 1);
    app.advance_hours(24 * 2);
    assert_eq!(
        count(app.read(&app.service, &s, "account").await.ok(200)),
        0
    );
    // Nobody is found by it, and it is handed to no one (a transfer
    // sends the same portable data).
    app.post("/v1/subjects/lookup", &app.service, lookup)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    assert_eq!(count(app.get(&portable, &app.dpo).await.ok(200)), 0);
}

/// An identifier held only by a record past its retention period is free
/// before any sweep (Art. 5(1)(e)): another person registers it at once,
/// the holder being swept first by the sweep's own audited change, and a
/// lookup then finds the newcomer. While the record is in force it is
/// taken.
#[tokio::test]
async fn a_due_identifier_is_free_to_register_before_the_sweep() {
    let app = spawn_app().await;
    let email = json!([{"category": "email", "value": "ada@example.com"}]);
    let old = app.subject("customer", "account", email.clone()).await;
    app.post(
        "/v1/events",
        &app.service,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .ok(201);
    app.advance_hours(24 * 89);
    let body = json!({"kind": "customer", "purpose": "account", "records": email});
    app.post("/v1/subjects", &app.service, body.clone())
        .await
        .error(409, "E_IDENTIFIER_TAKEN");
    app.advance_hours(24 * 2);
    let new = app.post("/v1/subjects", &app.service, body).await.ok(201)["id"].clone();
    assert_ne!(new.as_str(), Some(old.as_str()));
    let lookup = json!({"category": "email", "value": "ada@example.com"});
    let found = app.post("/v1/subjects/lookup", &app.service, lookup).await;
    assert_eq!(found.ok(200)["id"], new);
    // The old holder was swept as the next sweep would have: nothing else
    // of it was kept, so it is erased, with one `retention.sweep` entry,
    // and the next sweep has nothing left of it to do.
    let swept: Vec<Value> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e["action"] == "retention.sweep" && e["subject"] == old.as_str())
        .collect();
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert!(
        swept[0]["detail"].as_str().unwrap().contains("erased=true"),
        "{swept:?}"
    );
    app.get(&format!("/v1/subjects/{old}/access"), &app.dpo)
        .await
        .error(409, "E_SUBJECT_ERASED");
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(report.subjects_swept, 0, "{report:?}");
    app.assert_chain_intact().await;
}

/// A sweep that deletes some of a subject's records and keeps the subject
/// tells each recipient of those categories (Art. 19), once, with the
/// categories and no value; a category no recipient receives queues
/// nothing.
#[tokio::test]
async fn a_partial_sweep_tells_the_recipients_of_what_went() {
    let app = spawn_app().await;
    let s = app
        .subject(
            "customer",
            "support",
            json!([{"category": "ticket_text", "value": "My printer is on fire"}]),
        )
        .await;
    app.post(
        &format!("/v1/subjects/{s}/records"),
        &app.service,
        json!({"purpose": "operations", "records": [{"category": "server_log", "value": "GET / 200"}]}),
    )
    .await
    .ok(201);
    // The email stays: no rule of the policy has it due yet.
    app.post(
        &format!("/v1/subjects/{s}/records"),
        &app.service,
        json!({"purpose": "account", "records": [{"category": "email", "value": "ada@example.com"}]}),
    )
    .await
    .ok(201);
    // Past 90 days only the log goes: no recipient receives logs.
    app.advance_hours(24 * 91);
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    assert!(pending(&app).await.is_empty());
    // Past a year without activity the ticket goes: the helpdesk is told.
    app.advance_hours(24 * 366);
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    assert_eq!(report.subjects_erased, 0, "{report:?}");
    let queued = pending(&app).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["recipient"], "helpdesk");
    assert_eq!(queued[0]["type"], "record.deleted");
    assert_eq!(queued[0]["subject"], s.as_str());
    assert_eq!(queued[0]["categories"], json!(["ticket_text"]));
    assert!(queued[0]["record"].is_null(), "{}", queued[0]);
    assert!(!queued[0].to_string().contains("printer"));
    // A second sweep finds nothing due and queues nothing more.
    let again = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!(again.deleted, 0);
    assert_eq!(pending(&app).await.len(), 1);
    app.assert_chain_intact().await;
}

/// The tenant's pending notices.
async fn pending(app: &TestApp) -> Vec<serde_json::Value> {
    app.get("/v1/deliveries?state=pending", &app.dpo)
        .await
        .ok(200)
        .as_array()
        .unwrap()
        .clone()
}
