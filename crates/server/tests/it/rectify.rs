//! Rectification (Art. 16) and portability (Art. 20) over HTTP: a corrected
//! identifier moves the lookup, a blank or taken one is refused and changes
//! nothing, a deleted record leaves the answer, and the export holds only
//! what was collected under consent or contract.

use crate::helpers::*;
use serde_json::{Value, json};

/// The id of the subject's record of `category`, from its access answer.
async fn record_id(app: &TestApp, subject: &str, category: &str) -> String {
    let a = app
        .get(&format!("/v1/subjects/{subject}/access"), &app.dpo)
        .await
        .ok(200);
    a["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == category)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {category} record in {a}"))
}

async fn lookup(app: &TestApp, email: &str) -> Value {
    let body = json!({"category": "email", "value": email});
    let reply = app.post("/v1/subjects/lookup", &app.service, body).await;
    if reply.status.as_u16() == 404 {
        Value::Null
    } else {
        reply.ok(200)["id"].clone()
    }
}

async fn ada(app: &TestApp) -> String {
    app.subject(
        "customer",
        "account",
        json!([
            {"category": "email", "value": "ada@example.com"},
            {"category": "name", "value": "Ada"}
        ]),
    )
    .await
}

#[tokio::test]
async fn rectifying_an_identifier_moves_the_lookup_to_the_new_value() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    let record = record_id(&app, &id, "email").await;
    let path = format!("/v1/subjects/{id}/records/{record}");
    app.put(&path, &app.dpo, json!({"value": "ada@lovelace.example"}))
        .await
        .ok(204);

    assert_eq!(
        lookup(&app, "ada@example.com").await,
        Value::Null,
        "not under the old value"
    );
    assert_eq!(lookup(&app, "ada@lovelace.example").await, id.as_str());
    assert_eq!(
        record_id(&app, &id, "email").await,
        record,
        "the record id stays"
    );
    let a = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    let email = a["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "email")
        .unwrap()
        .clone();
    assert_eq!(email["value"], "ada@lovelace.example");

    let entries = app.audit().await;
    let rectified = entries
        .iter()
        .find(|e| e["action"] == "record.rectify")
        .unwrap();
    assert_eq!(
        rectified["detail"],
        format!("record={record} category=email")
    );
    assert_eq!(rectified["subject"], id.as_str());
    let chain = serde_json::to_string(&entries).unwrap();
    assert!(!chain.contains("lovelace"), "no value on the chain");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_blank_or_taken_identifier_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    app.subject(
        "customer",
        "account",
        json!([{"category": "email", "value": "bob@example.com"}]),
    )
    .await;
    let record = record_id(&app, &id, "email").await;
    let path = format!("/v1/subjects/{id}/records/{record}");
    let before = app.audit_len().await;
    for blank in ["", "   ", "\t\n", "\u{200b}\u{feff} ", "\u{00ad}"] {
        let body = app
            .put(&path, &app.dpo, json!({"value": blank}))
            .await
            .error(422, "E_INVALID_FIELD");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("value: ")
        );
    }
    let body = app
        .put(&path, &app.dpo, json!({"value": "bob@example.com"}))
        .await
        .error(409, "E_IDENTIFIER_TAKEN");
    assert!(
        !body.to_string().contains("bob@"),
        "the value is not echoed"
    );
    app.put(&path, &app.dpo, json!({"nope": 1}))
        .await
        .error(422, "E_INVALID_FIELD");
    assert_eq!(
        app.audit_len().await,
        before,
        "nothing was written or audited"
    );
    assert_eq!(lookup(&app, "ada@example.com").await, id.as_str());
    // A plain category may be emptied.
    let name = record_id(&app, &id, "name").await;
    app.put(
        &format!("/v1/subjects/{id}/records/{name}"),
        &app.admin,
        json!({"value": " "}),
    )
    .await
    .ok(204);
}

#[tokio::test]
async fn deleting_a_record_removes_it_from_the_answer_and_its_lookup() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    let email = record_id(&app, &id, "email").await;
    let path = format!("/v1/subjects/{id}/records/{email}");
    app.delete(&path, &app.dpo).await.ok(204);
    let a = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    let held: Vec<&str> = a["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["name"]);
    assert!(
        a["categories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["category"] != "email")
    );
    assert_eq!(lookup(&app, "ada@example.com").await, Value::Null);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e["action"] == "record.delete")
    );
    app.delete(&path, &app.dpo)
        .await
        .error(404, "E_RECORD_NOT_FOUND");
}

#[tokio::test]
async fn rectification_is_for_the_dpo_and_admin_on_their_own_tenants_live_subjects() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    let other = ada_like(&app).await;
    let record = record_id(&app, &id, "name").await;
    let path = format!("/v1/subjects/{id}/records/{record}");
    let value = json!({"value": "Ada King"});
    app.put(&path, &app.service, value.clone())
        .await
        .error(403, "E_FORBIDDEN");
    app.delete(&path, &app.analyst)
        .await
        .error(403, "E_FORBIDDEN");
    // A record of another subject is not this subject's.
    app.put(
        &format!("/v1/subjects/{other}/records/{record}"),
        &app.dpo,
        value.clone(),
    )
    .await
    .error(404, "E_RECORD_NOT_FOUND");
    app.put(
        &format!("/v1/subjects/{id}/records/not-a-uuid"),
        &app.dpo,
        value.clone(),
    )
    .await
    .error(400, "E_INVALID_ID");
    let beta = json!({"id": "beta", "name": "Beta Ltd", "policy": tutela_policy::EXAMPLE_POLICY});
    let created = app.post("/v1/tenants", &app.operator, beta).await.ok(201);
    let beta_admin = created["admin_token"].as_str().unwrap().to_owned();
    app.put(&path, &beta_admin, value.clone())
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.delete(&path, &beta_admin)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    app.put(&path, &app.dpo, value)
        .await
        .error(409, "E_SUBJECT_ERASED");
    app.delete(&path, &app.dpo)
        .await
        .error(409, "E_SUBJECT_ERASED");
}

async fn ada_like(app: &TestApp) -> String {
    app.subject(
        "customer",
        "account",
        json!([{"category": "name", "value": "Eve"}]),
    )
    .await
}

#[tokio::test]
async fn the_portable_export_leaves_out_data_collected_under_other_bases() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    let ticket = json!({"purpose": "support", "records": [{"category": "ticket_text", "value": "=cmd|' /C calc'!A0"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, ticket)
        .await
        .ok(201);
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter"}),
    )
    .await
    .ok(201);
    let news =
        json!({"purpose": "newsletter", "records": [{"category": "email", "value": "=1+1"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, news)
        .await
        .ok(201);

    let data = app
        .get(&format!("/v1/subjects/{id}/portable"), &app.dpo)
        .await
        .ok(200);
    let kept: Vec<(&str, &str)> = data["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["category"].as_str().unwrap(),
                r["collected_for"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("email", "account"),
            ("name", "account"),
            ("email", "newsletter")
        ],
        "the ticket (legitimate interests) stays out"
    );
    let last = app.last_audit().await;
    assert_eq!(
        (last["action"].as_str(), last["detail"].as_str()),
        (Some("subject.export"), Some("count=3"))
    );

    let reply = app
        .get(&format!("/v1/subjects/{id}/portable?format=csv"), &app.dpo)
        .await;
    assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        reply.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"portable-")
    );
    assert!(reply.text.starts_with('\u{feff}'));
    let mut reader = csv::Reader::from_reader(reply.text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[2][1], "'=1+1", "formula neutralised");
}

#[tokio::test]
async fn a_blank_identifier_is_refused_on_the_way_in_too() {
    let app = spawn_app().await;
    let id = ada(&app).await;
    let before = app.audit_len().await;
    let create = json!({"kind": "customer", "purpose": "account",
        "records": [{"category": "name", "value": "Eve"}, {"category": "email", "value": "  "}]});
    let body = app
        .post("/v1/subjects", &app.service, create)
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("records[1].value: ")
    );
    let write =
        json!({"purpose": "account", "records": [{"category": "external_id", "value": ""}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, write)
        .await
        .error(422, "E_INVALID_FIELD");
    // Only invisible characters and spaces: indexed, it would be the empty
    // identifier, which every blank lookup would then find.
    let invisible = json!({"kind": "customer", "purpose": "account",
        "records": [{"category": "email", "value": "\u{200b}\u{feff} "}]});
    app.post("/v1/subjects", &app.service, invisible)
        .await
        .error(422, "E_INVALID_FIELD");
    // An over-long lookup is refused as an over-long write is, not
    // answered "not found".
    let long = "a".repeat(70_000);
    app.post(
        "/v1/subjects/lookup",
        &app.service,
        json!({"category": "email", "value": long}),
    )
    .await
    .error(400, "E_INVALID_INPUT");
    // And a blank lookup is refused, never matched.
    for blank in ["", " ", "\u{200b}", "\u{00ad}"] {
        let body = app
            .post(
                "/v1/subjects/lookup",
                &app.service,
                json!({"category": "email", "value": blank}),
            )
            .await
            .error(422, "E_INVALID_FIELD");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("value: "),
            "{body}"
        );
    }
    assert_eq!(
        app.audit_len().await,
        before,
        "nothing was written or audited"
    );
    // A blank value of a category that is no identifier is a value.
    let write = json!({"purpose": "account", "records": [{"category": "phone", "value": ""}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, write)
        .await
        .ok(201);
}
