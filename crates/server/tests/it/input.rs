//! Malformed requests: each gets a 4xx with a stable code, changes nothing,
//! never echoes a value, and leaves the server healthy.

use crate::helpers::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::json;

/// Asserts that acme's audit chain has `len` entries and the server is healthy.
async fn unchanged(app: &TestApp, len: usize) {
    assert_eq!(
        app.audit_len().await,
        len,
        "a malformed request changed something"
    );
    let health = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_stable_codes() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let records = format!("/v1/subjects/{id}/records");
    let before = app.audit_len().await;

    let json_ct = Some("application/json");
    let r = app
        .raw(
            Method::POST,
            &records,
            &app.service,
            json_ct,
            br#"{"purpose": "account", "records": ["#.to_vec(),
        )
        .await;
    r.error(400, "E_BAD_JSON");

    let one = json!([{"category": "name", "value": "Ada"}]);
    let unknown = json!({"purpose": "account", "records": one, "sneaky": true});
    let body = app
        .post(&records, &app.service, unknown)
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sneaky"),
        "{body}"
    );

    let wrong_type = json!({"purpose": "account", "records": [{"category": "email", "value": ["bob@example.com"]}]});
    let reply = app.post(&records, &app.service, wrong_type).await;
    let body = reply.error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("records[0].value"),
        "{body}"
    );
    assert!(
        !reply.text.contains("bob@"),
        "values are never echoed: {}",
        reply.text
    );

    let missing = json!({"records": [{"category": "email", "value": "bob@example.com"}]});
    let body = app
        .post(&records, &app.service, missing)
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("purpose"),
        "{body}"
    );

    let bad_id = json!({"purpose": "Account Stuff", "records": [{"category": "email", "value": "bob@example.com"}]});
    let reply = app.post(&records, &app.service, bad_id).await;
    let body = reply.error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("purpose:"),
        "{body}"
    );
    assert!(!reply.text.contains("Account Stuff"), "{}", reply.text);

    let text = app
        .raw(
            Method::POST,
            &records,
            &app.service,
            Some("text/plain"),
            b"{}".to_vec(),
        )
        .await;
    text.error(415, "E_UNSUPPORTED_MEDIA_TYPE");
    let none = app
        .raw(
            Method::POST,
            &records,
            &app.service,
            None,
            br#"{"purpose": "account", "records": []}"#.to_vec(),
        )
        .await;
    none.error(415, "E_UNSUPPORTED_MEDIA_TYPE");
    // A body labelled compressed is refused by name, never read as plain
    // (an outside probe saw a plain body labelled gzip accepted).
    for encoding in ["gzip", "br", "identity, gzip"] {
        let labelled = app
            .client
            .post(format!("{}{records}", app.base))
            .bearer_auth(&app.service)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(r#"{"purpose": "account", "records": []}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(labelled.status().as_u16(), 415, "{encoding}");
        let body: serde_json::Value = labelled.json().await.unwrap();
        assert_eq!(body["error"]["code"], "E_UNSUPPORTED_MEDIA_TYPE", "{body}");
    }
    // Two headers count as one list (an outside probe sent identity, then gzip).
    let twice = app
        .client
        .post(format!("{}{records}", app.base))
        .bearer_auth(&app.service)
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .header("content-encoding", "gzip")
        .body(r#"{"purpose": "account", "records": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status().as_u16(), 415);

    let huge = "x".repeat(1024 * 1024 + 1);
    let big = json!({"purpose": "account", "records": [{"category": "name", "value": huge}]});
    app.post(&records, &app.service, big)
        .await
        .error(413, "E_BODY_TOO_LARGE");

    // Under the body limit but over the engine's value limit.
    let long = json!({"purpose": "account", "records": [{"category": "name", "value": "y".repeat(70_000)}]});
    app.post(&records, &app.service, long)
        .await
        .error(400, "E_INVALID_INPUT");

    unchanged(&app, before).await;
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_paths_queries_routes_and_methods_are_refused() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let before = app.audit_len().await;

    app.read(&app.service, "not-a-uuid", "account")
        .await
        .error(400, "E_INVALID_ID");
    app.delete("/v1/subjects/12345", &app.dpo)
        .await
        .error(400, "E_INVALID_ID");
    app.delete("/v1/keys/xyz", &app.admin)
        .await
        .error(400, "E_INVALID_ID");

    app.get(&format!("/v1/subjects/{id}/records"), &app.service)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get(
        &format!("/v1/subjects/{id}/records?purpose=Bad%20Purpose"),
        &app.service,
    )
    .await
    .error(400, "E_INVALID_QUERY");
    app.get(
        &format!("/v1/subjects/{id}/records?purpose=account&categories=a,,b"),
        &app.service,
    )
    .await
    .error(400, "E_INVALID_QUERY");
    app.get(
        &format!("/v1/subjects/{id}/records?purpose=account&colour=red"),
        &app.service,
    )
    .await
    .error(400, "E_INVALID_QUERY");
    app.get("/v1/audit?limit=lots", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get("/v1/audit?after=-1", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");

    app.get("/v1/nothing-here", &app.admin)
        .await
        .error(404, "E_NOT_FOUND");
    app.send(Method::GET, "/nope", None, None)
        .await
        .error(404, "E_NOT_FOUND");
    app.send(Method::PATCH, "/v1/policy", Some(&app.admin), None)
        .await
        .error(405, "E_METHOD_NOT_ALLOWED");
    app.delete("/v1/subjects/lookup", &app.admin)
        .await
        .error(405, "E_METHOD_NOT_ALLOWED");
    app.send(Method::POST, "/healthz", None, None)
        .await
        .error(405, "E_METHOD_NOT_ALLOWED");

    unchanged(&app, before).await;
}

#[tokio::test]
async fn invalid_policies_are_refused_with_diagnostics_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    let broken = "[controller]\nname = \"x\"\n[[purpose]]\nid = \"spam\"\nbasis = \"whatever\"\ncategories = [\"nope\"]\n";
    let body = app
        .put("/v1/policy", &app.admin, json!({"source": broken}))
        .await
        .error(422, "E_POLICY_INVALID");
    let diagnostics = body["error"]["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty());
    for d in diagnostics {
        assert!(
            d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1,
            "{d}"
        );
        assert!(
            d["code"].as_str().unwrap().starts_with("E_") || d["severity"] == "warning",
            "{d}"
        );
    }
    let checked = app
        .post("/v1/policy/check", &app.dpo, json!({"source": broken}))
        .await
        .ok(200);
    assert_eq!(checked["ok"], false);
    let errors = checked["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(
        errors,
        diagnostics.len(),
        "publication reports the same errors as the check"
    );

    let versions = app.get("/v1/policy/versions", &app.admin).await.ok(200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    unchanged(&app, before).await;
}

#[tokio::test]
async fn a_full_subject_refuses_more_records_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "support",
            json!([{"category": "email", "value": "full@example.com"}]),
        )
        .await;
    let path = format!("/v1/subjects/{id}/records");
    let batch = |n: usize| {
        let records: Vec<_> = (0..n)
            .map(|i| json!({"category": "ticket_text", "value": format!("ticket {i}")}))
            .collect();
        json!({"purpose": "support", "records": records})
    };
    // 1 record already; 99 writes of 100 and one of 99 fill it.
    for _ in 0..99 {
        app.post(&path, &app.service, batch(100)).await.ok(201);
    }
    app.post(&path, &app.service, batch(99)).await.ok(201);
    let len = app.audit_len().await;
    let body = app
        .post(&path, &app.service, batch(1))
        .await
        .error(409, "E_SUBJECT_FULL");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("10000 records"), "{message}");
    unchanged(&app, len).await;
}

#[tokio::test]
async fn one_write_giving_an_identifier_twice_is_refused_by_field() {
    let app = spawn_app().await;
    let len = app.audit_len().await;
    let body = json!({"kind": "customer", "purpose": "account", "records": [
        {"category": "email", "value": "dup@example.com"},
        {"category": "name", "value": "Dup"},
        {"category": "email", "value": " DUP@example.com "},
    ]});
    let refused = app
        .post("/v1/subjects", &app.service, body)
        .await
        .error(422, "E_INVALID_FIELD");
    assert_eq!(
        refused["error"]["message"],
        "records[2].value: repeats the identifier of records[0]"
    );
    unchanged(&app, len).await;
}
