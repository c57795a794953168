//! Consent, objection, restriction, erasure and lookup through HTTP, with
//! the clock moved between steps.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn consent_purpose_needs_a_live_consent() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "subscriber",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let consents = format!("/v1/subjects/{id}/consents");

    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_CONSENT_REQUIRED"
    );

    app.advance_hours(1);
    let granted = app
        .post(
            &consents,
            &app.service,
            json!({"purpose": "newsletter", "source": "web-form"}),
        )
        .await
        .ok(201);
    assert_eq!(granted["granted"], true);
    assert_eq!(
        granted["expires_at"], "2027-04-01T10:00:00Z",
        "13 calendar months later"
    );

    app.advance_hours(1);
    let read = app.read(&app.service, &id, "newsletter").await.ok(200);
    assert_eq!(read["records"][0]["value"], "ada@example.com");
    let status = app.get(&consents, &app.service).await.ok(200);
    let newsletter = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == "newsletter")
        .unwrap()
        .clone();
    assert_eq!(newsletter["live"], true);

    app.advance_hours(1);
    let withdraw = format!("/v1/subjects/{id}/consents/withdraw");
    let withdrawn = app
        .post(&withdraw, &app.service, json!({"purpose": "newsletter"}))
        .await
        .ok(201);
    assert_eq!(withdrawn["granted"], false);
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");

    // Consent to a purpose that does not rest on consent is a bad request.
    app.post(&consents, &app.service, json!({"purpose": "support"}))
        .await
        .error(400, "E_CONSENT_NOT_APPLICABLE");
}

#[tokio::test]
async fn consent_lapses_after_its_validity() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "subscriber",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let consents = format!("/v1/subjects/{id}/consents");
    app.post(&consents, &app.service, json!({"purpose": "newsletter"}))
        .await
        .ok(201);
    app.advance_hours(24 * 30 * 12);
    app.read(&app.service, &id, "newsletter").await.ok(200);

    // 13 calendar months and a day after the grant.
    app.clock.set("2027-04-02T09:00:00Z".parse().unwrap());
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");
    let status = app.get(&consents, &app.service).await.ok(200);
    let newsletter = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == "newsletter")
        .unwrap()
        .clone();
    assert_eq!(newsletter["live"], false);
    assert_eq!(newsletter["expires_at"], "2027-04-01T09:00:00Z");
}

#[tokio::test]
async fn an_objection_stops_a_legitimate_interest_purpose() {
    let app = spawn_app().await;
    let records = json!([
        {"category": "email", "value": "ada@example.com"},
        {"category": "ticket_text", "value": "Please call me back"},
    ]);
    let id = app.subject("customer", "support", records).await;
    app.read(&app.service, &id, "support").await.ok(200);

    app.advance_hours(1);
    let objection = app
        .post(
            &format!("/v1/subjects/{id}/objections"),
            &app.dpo,
            json!({"purpose": "support"}),
        )
        .await
        .ok(201);
    assert_eq!(objection["purpose"], "support");
    // The same objection again is the one on record: nothing is written.
    let entries = app.audit_len().await;
    let again = app
        .post(
            &format!("/v1/subjects/{id}/objections"),
            &app.dpo,
            json!({"purpose": "support"}),
        )
        .await
        .ok(200);
    assert_eq!(again, objection);
    assert_eq!(app.audit_len().await, entries);
    app.advance_hours(1);
    app.read(&app.service, &id, "support")
        .await
        .error(403, "E_OBJECTED");
    assert_eq!(app.last_audit().await["outcome"], "denied:E_OBJECTED");
    // Other purposes are untouched: the contract still needs the email.
    app.read(&app.service, &id, "account").await.ok(200);
    // A contract purpose cannot be objected to.
    app.post(
        &format!("/v1/subjects/{id}/objections"),
        &app.dpo,
        json!({"purpose": "account"}),
    )
    .await
    .error(400, "E_OBJECTION_NOT_APPLICABLE");
}

#[tokio::test]
async fn any_objection_stops_direct_marketing() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "subscriber",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter"}),
    )
    .await
    .ok(201);
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter").await.ok(200);

    app.post(
        &format!("/v1/subjects/{id}/objections"),
        &app.service,
        json!({"purpose": "ratings"}),
    )
    .await
    .ok(201);
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_OBJECTED");

    // An objection to everything is recorded with no purpose.
    let all = app
        .post(
            &format!("/v1/subjects/{id}/objections"),
            &app.service,
            json!({}),
        )
        .await
        .ok(201);
    assert!(all["purpose"].is_null());
}

#[tokio::test]
async fn a_restricted_subject_is_readable_only_through_its_own_access() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "name", "value": "Ada Lovelace"}]),
        )
        .await;
    let restriction = format!("/v1/subjects/{id}/restriction");
    // Lifting a restriction never set changes nothing: no audit entry and
    // no notice to recipients of a lift that never happened.
    let (entries, pending) = (
        app.audit_len().await,
        app.get("/v1/deliveries?state=pending", &app.dpo)
            .await
            .ok(200),
    );
    app.put(&restriction, &app.dpo, json!({"restricted": false}))
        .await
        .ok(204);
    assert_eq!(app.audit_len().await, entries);
    assert_eq!(
        app.get("/v1/deliveries?state=pending", &app.dpo)
            .await
            .ok(200),
        pending
    );
    app.put(&restriction, &app.dpo, json!({"restricted": true}))
        .await
        .ok(204);
    let entries = app.audit_len().await;
    app.put(&restriction, &app.dpo, json!({"restricted": true}))
        .await
        .ok(204);
    assert_eq!(app.audit_len().await, entries, "restricting twice is once");

    for purpose in ["account", "support", "billing"] {
        app.read(&app.service, &id, purpose)
            .await
            .error(403, "E_SUBJECT_RESTRICTED");
    }
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_SUBJECT_RESTRICTED"
    );
    let write =
        json!({"purpose": "account", "records": [{"category": "phone", "value": "+49 30 1"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, write)
        .await
        .error(403, "E_SUBJECT_RESTRICTED");

    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["restricted"], true);
    assert_eq!(access["subject"], id.as_str());
    assert_eq!(access["kind"], "customer");
    let records = access["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "the refused write stored nothing");
    assert_eq!(records[0]["value"], "Ada Lovelace");

    app.put(&restriction, &app.dpo, json!({"restricted": false}))
        .await
        .ok(204);
    app.read(&app.service, &id, "account").await.ok(200);
}

#[tokio::test]
async fn erasure_makes_the_subject_unreadable_and_keeps_the_chain_intact() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    assert_eq!(app.last_audit().await["action"], "subject.erase");

    app.read(&app.service, &id, "account")
        .await
        .error(409, "E_SUBJECT_ERASED");
    app.get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .error(409, "E_SUBJECT_ERASED");
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .error(409, "E_SUBJECT_ERASED");
    let lookup = json!({"category": "email", "value": "ada@example.com"});
    app.post("/v1/subjects/lookup", &app.service, lookup.clone())
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.assert_chain_intact().await;

    // The identifier is free again for a new subject.
    app.subject(
        "customer",
        "account",
        json!([{"category": "email", "value": "ada@example.com"}]),
    )
    .await;
    app.post("/v1/subjects/lookup", &app.service, lookup)
        .await
        .ok(200);

    // A subject that never existed is 404, not 409.
    let unknown = uuid::Uuid::now_v7();
    app.delete(&format!("/v1/subjects/{unknown}"), &app.dpo)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
}

#[tokio::test]
async fn identifiers_find_their_subject_and_cannot_be_taken_twice() {
    let app = spawn_app().await;
    let records = json!([
        {"category": "email", "value": "ada@example.com"},
        {"category": "external_id", "value": "4111222233334444"},
    ]);
    let id = app.subject("agent", "account", records).await;

    let found = app
        .post(
            "/v1/subjects/lookup",
            &app.service,
            json!({"category": "external_id", "value": "4111222233334444"}),
        )
        .await;
    assert_eq!(found.ok(200)["id"], id.as_str());
    let found = app
        .post(
            "/v1/subjects/lookup",
            &app.dpo,
            json!({"category": "email", "value": "ada@example.com"}),
        )
        .await;
    assert_eq!(found.ok(200)["id"], id.as_str());
    let missing = json!({"category": "email", "value": "bob@example.com"});
    app.post("/v1/subjects/lookup", &app.service, missing)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    let not_identifier = json!({"category": "name", "value": "Ada"});
    app.post("/v1/subjects/lookup", &app.service, not_identifier)
        .await
        .error(400, "E_INVALID_INPUT");

    let other = app
        .subject(
            "customer",
            "account",
            json!([{"category": "name", "value": "Bob"}]),
        )
        .await;
    let before = app.audit_len().await;
    let taken = json!({"purpose": "account", "records": [{"category": "email", "value": "ada@example.com"}]});
    let body = app
        .post(
            &format!("/v1/subjects/{other}/records"),
            &app.service,
            taken,
        )
        .await
        .error(409, "E_IDENTIFIER_TAKEN");
    assert!(!body.to_string().contains("ada@"), "{body}");
    let dup = json!({"kind": "customer", "purpose": "account", "records": [{"category": "email", "value": "ada@example.com"}]});
    app.post("/v1/subjects", &app.service, dup)
        .await
        .error(409, "E_IDENTIFIER_TAKEN");
    assert_eq!(app.audit_len().await, before, "nothing was committed");
    let access = app
        .get(&format!("/v1/subjects/{other}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn values_and_identifiers_never_reach_the_database_in_plaintext() {
    let app = spawn_app().await;
    let records = json!([
        {"category": "email", "value": "grace.hopper@example.com"},
        {"category": "name", "value": "Grace Brewster Hopper"},
    ]);
    let id = app.subject("customer", "account", records).await;
    app.read(&app.service, &id, "account").await.ok(200);
    let mut bytes = std::fs::read(&app.db_path).unwrap();
    let wal = app.db_path.with_extension("db-wal");
    if let Ok(more) = std::fs::read(&wal) {
        bytes.extend(more);
    }
    assert!(bytes.len() > 4096, "the database was written");
    for needle in ["grace.hopper@example.com", "Grace Brewster Hopper"] {
        let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!found, "{needle} is on disk in plaintext");
    }
}
