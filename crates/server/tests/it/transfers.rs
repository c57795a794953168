//! Transfer of portable data to another controller (Art. 20(2)): a
//! verified transfer request is fulfilled by pushing the portability
//! export to the subject's URL; a failing receiver leaves the request
//! verified and a retry succeeds; a URL resolving to loopback is refused
//! when the test-only switch is off.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::requests::{customer, verified};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tutela_engine::clock::Clock;
use tutela_engine::deliveries::endpoint::Transport;

/// What the test receiver saw: each request's headers and body.
#[derive(Default)]
struct Receiver {
    seen: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
    status: AtomicU16,
}

/// A local HTTP receiver answering `receiver.status`; returns its URL.
async fn spawn_receiver(receiver: Arc<Receiver>) -> String {
    let app = axum::Router::new().route(
        "/import",
        axum::routing::post(
            |axum::extract::State(r): axum::extract::State<Arc<Receiver>>,
             headers: HeaderMap,
             body: axum::body::Bytes| async move {
                r.seen.lock().unwrap().push((headers, body.to_vec()));
                StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap()
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/import", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.with_state(receiver))
            .await
            .unwrap();
    });
    url
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).unwrap().to_str().unwrap()
}

/// The transfer entries of the chain.
async fn transfer_entries(app: &TestApp) -> Vec<Value> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e["action"] == "request.transfer")
        .collect()
}

#[tokio::test]
async fn a_transfer_pushes_the_portable_json_with_an_idempotency_key() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let receiver = Arc::new(Receiver::default());
    receiver.status.store(202, Ordering::SeqCst);
    let url = spawn_receiver(receiver.clone()).await;
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "transfer", "url": url}),
    )
    .await;
    let done = app
        .post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .ok(200);
    assert_eq!(done["state"], "fulfilled");
    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(header(headers, "content-type"), "application/json");
    assert_eq!(header(headers, "webhook-id"), id);
    assert_eq!(
        header(headers, "webhook-timestamp"),
        app.clock.now().as_second().to_string()
    );
    let pushed: Value = serde_json::from_slice(body).unwrap();
    let export = app
        .get(&format!("/v1/subjects/{subject}/portable"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(pushed["subject"], subject);
    assert_eq!(pushed["records"], export["records"]);
    assert_eq!(pushed["records"][0]["value"], "ada@example.com");
    let entries = transfer_entries(&app).await;
    assert_eq!(entries.len(), 1);
    let detail = entries[0]["detail"].as_str().unwrap();
    assert!(detail.contains("status=202"), "{detail}");
    assert!(
        detail.contains(&format!("bytes={}", body.len())),
        "{detail}"
    );
    let chain = serde_json::to_string(&app.audit().await).unwrap();
    assert!(
        !chain.contains("127.0.0.1"),
        "the URL never reaches the chain"
    );
    // Done: fulfilling again is refused and pushes nothing.
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(409, "E_INVALID_TRANSITION");
    assert_eq!(receiver.seen.lock().unwrap().len(), 1);
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_failing_receiver_leaves_the_request_verified_and_a_retry_succeeds() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let receiver = Arc::new(Receiver::default());
    receiver.status.store(500, Ordering::SeqCst);
    let url = spawn_receiver(receiver.clone()).await;
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "transfer", "url": url}),
    )
    .await;
    let err = app
        .post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(502, "E_TRANSFER_FAILED");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("500"), "{message}");
    assert!(!message.contains("127.0.0.1"), "never echoes the URL");
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(shown["state"], "verified");
    let failed = transfer_entries(&app).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["outcome"], "denied:E_TRANSFER_FAILED");
    receiver.status.store(200, Ordering::SeqCst);
    app.advance_hours(1);
    let done = app
        .post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .ok(200);
    assert_eq!(done["state"], "fulfilled");
    let seen = receiver.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        header(&seen[0].0, "webhook-id"),
        header(&seen[1].0, "webhook-id"),
        "a retry carries the same idempotency key"
    );
    let entries = transfer_entries(&app).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["outcome"], "allowed");
}

#[tokio::test]
async fn a_url_resolving_to_loopback_is_refused_in_production() {
    let app = spawn_app_with(Transport::HttpsOnly).await;
    let subject = customer(&app).await;
    // Plain HTTP to loopback is refused at filing, as for endpoints.
    let plain = json!({"subject": subject, "kind": "transfer", "url": "http://127.0.0.1:9/x"});
    app.post("/v1/requests", &app.dpo, plain)
        .await
        .error(422, "E_INVALID_FIELD");
    for url in ["https://localhost:9/import", "https://127.0.0.1:9/import"] {
        let id = verified(
            &app,
            json!({"subject": subject, "kind": "transfer", "url": url}),
        )
        .await;
        let err = app
            .post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
            .await
            .error(422, "E_TRANSFER_REFUSED");
        assert!(!err.to_string().contains(":9/import"), "never echoed");
        let shown = app
            .get(&format!("/v1/requests/{id}"), &app.dpo)
            .await
            .ok(200);
        assert_eq!(shown["state"], "verified");
        // Leave no open duplicate for the next URL.
        app.post(
            &format!("/v1/requests/{id}/refuse"),
            &app.dpo,
            json!({"reason": "the receiving address is not reachable"}),
        )
        .await
        .ok(200);
    }
    let refused = transfer_entries(&app).await;
    assert_eq!(refused.len(), 2);
    assert!(
        refused
            .iter()
            .all(|e| e["outcome"] == "denied:E_TRANSFER_REFUSED")
    );
}
