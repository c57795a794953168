//! The purpose rules through HTTP: every refusal has its status and code,
//! is on the audit chain as denied, and changes nothing else.

use crate::helpers::spawn_app;
use serde_json::json;

fn customer_records() -> serde_json::Value {
    json!([
        {"category": "email", "value": "ada@example.com"},
        {"category": "name", "value": "Ada Lovelace"},
    ])
}

#[tokio::test]
async fn an_undeclared_purpose_is_refused_and_audited() {
    let app = spawn_app().await;
    let id = app.subject("customer", "account", customer_records()).await;
    let before = app.audit_len().await;

    let body = app
        .read(&app.service, &id, "marketing")
        .await
        .error(403, "E_PURPOSE_NOT_DECLARED");
    assert!(!body.to_string().contains("ada@example.com"));

    let audit = app.audit().await;
    assert_eq!(audit.len(), before + 1, "exactly the refusal is recorded");
    let last = audit.last().unwrap();
    assert_eq!(last["action"], "record.read");
    assert_eq!(last["purpose"], "marketing");
    assert_eq!(last["subject"], id.as_str());
    assert_eq!(last["outcome"], "denied:E_PURPOSE_NOT_DECLARED");
    assert!(!last.to_string().contains("ada@"), "no value on the chain");

    // The declared purpose still reads the data.
    let records = app.read(&app.service, &id, "account").await.ok(200);
    assert_eq!(records["records"].as_array().unwrap().len(), 2);
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_category_outside_the_purpose_is_refused() {
    let app = spawn_app().await;
    let id = app.subject("customer", "account", customer_records()).await;
    let before = app.audit_len().await;
    let path = format!("/v1/subjects/{id}/records?purpose=newsletter&categories=name");
    app.get(&path, &app.service)
        .await
        .error(403, "E_CATEGORY_NOT_IN_PURPOSE");
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_CATEGORY_NOT_IN_PURPOSE"
    );
    assert_eq!(app.audit_len().await, before + 1);

    // Writing a category the purpose does not cover is refused too.
    let write = json!({"purpose": "account", "records": [{"category": "ticket_text", "value": "my printer"}]});
    let path = format!("/v1/subjects/{id}/records");
    app.post(&path, &app.service, write)
        .await
        .error(403, "E_CATEGORY_NOT_IN_PURPOSE");
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(
        access["records"].as_array().unwrap().len(),
        2,
        "nothing was written"
    );
}

#[tokio::test]
async fn undeclared_and_unstorable_categories_cannot_be_written() {
    let app = spawn_app().await;
    let id = app.subject("customer", "account", customer_records()).await;
    let path = format!("/v1/subjects/{id}/records");
    let before = app.audit_len().await;

    let write =
        json!({"purpose": "account", "records": [{"category": "shoe_size", "value": "42"}]});
    let body = app
        .post(&path, &app.service, write)
        .await
        .error(400, "E_CATEGORY_NOT_DECLARED");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shoe_size")
    );

    // A new policy version declares a category that is processed but never stored.
    let source = tutela_policy::EXAMPLE_POLICY.replace(
        "[[subject_kind]]\nid = \"agent\"",
        "[[category]]\nid = \"typing\"\ndescription = \"Typing rhythm, checked in passing\"\ntaxonomy = \"user.behavior\"\nstorable = false\n\n[[subject_kind]]\nid = \"agent\"",
    );
    let source = source.replace(
        "categories = [\"email\", \"name\", \"phone\", \"external_id\"]\nessential = true",
        "categories = [\"email\", \"name\", \"phone\", \"external_id\", \"typing\"]\nessential = true",
    );
    let checked = app
        .post("/v1/policy/check", &app.admin, json!({"source": source}))
        .await
        .ok(200);
    assert_eq!(checked["ok"], true, "{checked}");
    let published = app.publish_in_force(&source).await;
    assert_eq!(published["version"], 2);
    let after_publish = app.audit_len().await;
    assert_eq!(
        after_publish,
        before + 1,
        "refused writes left no trace; the publication did"
    );

    let write = json!({"purpose": "account", "records": [{"category": "typing", "value": "fast"}]});
    app.post(&path, &app.service, write)
        .await
        .error(400, "E_CATEGORY_NOT_STORABLE");
    assert_eq!(app.audit_len().await, after_publish);
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn disclosure_goes_only_to_recipients_declared_for_the_purpose() {
    let app = spawn_app().await;
    let records = json!([
        {"category": "email", "value": "ada@example.com"},
        {"category": "ticket_text", "value": "The invoice is wrong"},
    ]);
    let id = app.subject("customer", "support", records).await;
    let path = format!("/v1/subjects/{id}/disclosures");
    let before = app.audit_len().await;

    let refused = json!({"purpose": "support", "recipient": "tax_office"});
    app.post(&path, &app.service, refused)
        .await
        .error(403, "E_RECIPIENT_NOT_DECLARED");
    let unknown = json!({"purpose": "support", "recipient": "data_broker"});
    app.post(&path, &app.service, unknown)
        .await
        .error(403, "E_RECIPIENT_NOT_DECLARED");
    let audit = app.audit().await;
    assert_eq!(audit.len(), before + 2);
    assert_eq!(
        audit.last().unwrap()["outcome"],
        "denied:E_RECIPIENT_NOT_DECLARED"
    );

    let allowed =
        json!({"purpose": "support", "recipient": "helpdesk", "categories": ["ticket_text"]});
    let sent = app.post(&path, &app.service, allowed).await.ok(200);
    assert_eq!(sent["recipient"], "helpdesk");
    let values: Vec<&str> = sent["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["The invoice is wrong"]);
    let last = app.last_audit().await;
    assert_eq!(last["action"], "record.disclose");
    assert_eq!(last["outcome"], "allowed");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("recipient=helpdesk")
    );
}

#[tokio::test]
async fn records_read_back_for_their_purpose_with_all_fields() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "phone", "value": "+49 30 1234", "source": "signup-form"}]),
        )
        .await;
    let path = format!("/v1/subjects/{id}/records");
    let more = json!({"purpose": "account", "records": [{"category": "name", "value": "Ada"}]});
    let written = app.post(&path, &app.service, more).await.ok(201);
    assert_eq!(written["ids"].as_array().unwrap().len(), 1);

    let read = app
        .get(
            &format!("{path}?purpose=account&categories=phone"),
            &app.service,
        )
        .await
        .ok(200);
    assert_eq!(read["purpose"], "account");
    let records = read["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r["category"], "phone");
    assert_eq!(r["value"], "+49 30 1234");
    assert_eq!(r["collected_for"], "account");
    assert_eq!(r["source"], "signup-form");
    assert_eq!(r["collected_at"], "2026-03-01T09:00:00Z");
    assert!(r["id"].as_str().is_some());

    let all = app.read(&app.service, &id, "account").await.ok(200);
    let mut sources: Vec<&str> = all["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    sources.sort_unstable();
    assert_eq!(sources, ["api", "signup-form"], "source defaults to api");
}

/// A purpose that names whose data it processes (`subject_kinds`, shown in
/// the notice and the record of processing) refuses other people's data.
#[tokio::test]
async fn a_purpose_for_some_kinds_refuses_the_others() {
    let app = spawn_app().await;
    let narrowed = tutela_policy::EXAMPLE_POLICY.replacen(
        "categories = [\"ticket_text\", \"name\", \"email\", \"phone\"]\nrecipients = [\"helpdesk\"]",
        "categories = [\"ticket_text\", \"name\", \"email\", \"phone\"]\nrecipients = [\"helpdesk\"]\nsubject_kinds = [\"customer\"]",
        1,
    );
    assert_ne!(narrowed, tutela_policy::EXAMPLE_POLICY);
    app.publish_in_force(&narrowed).await;
    let ticket = json!([{"category": "ticket_text", "value": "It broke"}]);
    let body = json!({"kind": "agent", "purpose": "support", "records": ticket});
    let before = app.audit_len().await;
    app.post("/v1/subjects", &app.service, body)
        .await
        .error(403, "E_SUBJECT_KIND_NOT_IN_PURPOSE");
    assert_eq!(app.audit_len().await, before + 1, "the refusal is audited");
    let agent = app.subject("agent", "account", customer_records()).await;
    app.get(
        &format!("/v1/subjects/{agent}/records?purpose=support&categories=email"),
        &app.service,
    )
    .await
    .error(403, "E_SUBJECT_KIND_NOT_IN_PURPOSE");
    let customer = app.subject("customer", "support", ticket).await;
    app.get(
        &format!("/v1/subjects/{customer}/records?purpose=support"),
        &app.service,
    )
    .await
    .ok(200);
}
