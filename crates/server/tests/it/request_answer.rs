//! A verified access or portability request hands over its subject's data
//! through `GET /v1/requests/{id}/answer`, and nothing before verification,
//! after a refusal, or for kinds that carry no data.

use crate::helpers::spawn_app;
use crate::requests::{customer, file, verified};
use serde_json::json;

#[tokio::test]
async fn a_verified_access_request_is_answered_with_its_subjects_data() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let filed = file(&app, json!({"subject": subject, "kind": "access"})).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/requests/{id}/answer");
    let before = app.audit_len().await;
    app.get(&path, &app.dpo).await.error(409, "E_NOT_VERIFIED");
    assert_eq!(app.audit_len().await, before, "nothing was handed over");

    app.post(
        &format!("/v1/requests/{id}/verify"),
        &app.dpo,
        json!({"method": "document", "note": "passport seen"}),
    )
    .await
    .ok(200);
    let answer = app.get(&path, &app.dpo).await.ok(200);
    assert_eq!(answer["subject"], subject.as_str());
    assert!(answer.to_string().contains("ada@example.com"), "{answer}");
    assert_eq!(app.last_audit().await["action"], "subject.access");

    let csv = app.get(&format!("{path}?format=csv"), &app.dpo).await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.starts_with('\u{feff}'), "a BOM opens the CSV");
    assert!(csv.text.contains("ada@example.com"));
    let before = app.audit_len().await;
    app.get(&format!("{path}?format=pdf"), &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    assert_eq!(
        app.audit_len().await,
        before,
        "a bad format changes nothing"
    );
}

#[tokio::test]
async fn a_portability_request_hands_over_json_or_csv_only() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(&app, json!({"subject": subject, "kind": "portability"})).await;
    let path = format!("/v1/requests/{id}/answer");
    let data = app.get(&path, &app.dpo).await.ok(200);
    assert!(data.to_string().contains("ada@example.com"), "{data}");
    assert_eq!(app.last_audit().await["action"], "subject.export");
    let csv = app.get(&format!("{path}?format=csv"), &app.dpo).await;
    assert_eq!(csv.status, 200);
    let before = app.audit_len().await;
    app.get(&format!("{path}?format=html"), &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn requests_without_data_or_refused_hand_nothing_over() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(&app, json!({"subject": subject, "kind": "restriction"})).await;
    app.get(&format!("/v1/requests/{id}/answer"), &app.dpo)
        .await
        .error(409, "E_NO_ANSWER");

    let filed = file(&app, json!({"subject": subject, "kind": "access"})).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/requests/{id}/refuse"),
        &app.dpo,
        json!({"reason": "the requester could not prove who they are"}),
    )
    .await
    .ok(200);
    app.get(&format!("/v1/requests/{id}/answer"), &app.dpo)
        .await
        .error(409, "E_INVALID_TRANSITION");
    // A service key files requests but never reads answers.
    let id = verified(&app, json!({"subject": subject, "kind": "portability"})).await;
    let reply = app
        .get(&format!("/v1/requests/{id}/answer"), &app.service)
        .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
}
