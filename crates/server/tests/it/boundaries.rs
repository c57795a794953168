//! Response hygiene: metrics are not public, and every answer carries
//! security headers.

use crate::helpers::{Reply, TestApp, spawn_app};
use reqwest::Method;
use serde_json::json;

/// A subject with an email (account) and a ticket (support).
async fn customer(app: &TestApp) -> String {
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let write =
        json!({"purpose": "support", "records": [{"category": "ticket_text", "value": "Help"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.service, write)
        .await
        .ok(201);
    id
}

#[tokio::test]
async fn hole_09_metrics_are_not_served_on_the_api_listener() {
    let app = spawn_app().await;
    let reply = app.send(Method::GET, "/metrics", None, None).await;
    reply.error(404, "E_NOT_FOUND");
    let with_key = app.get("/metrics", &app.admin).await;
    with_key.error(404, "E_NOT_FOUND");
    assert!(!with_key.text.contains("tutela_"), "{}", with_key.text);
    let doc = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .ok(200);
    assert!(doc["paths"].get("/metrics").is_none());
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = spawn_app().await;
    app.get("/v1/policy", &app.analyst).await.ok(200);
    let reply = app.metrics().await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.contains("tutela_http_requests_total"));
    // The metrics listener serves nothing of the API.
    let res = app
        .client
        .get(format!("{}/v1/policy", app.metrics_base))
        .bearer_auth(&app.analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Asserts the headers every response carries, and `no-store` when asked.
#[track_caller]
fn assert_hardened(reply: &Reply, no_store: bool) {
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(
        header("content-security-policy").as_deref(),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    if no_store {
        assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    }
}

#[tokio::test]
async fn hole_10_every_response_carries_security_headers() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    // A read of personal data.
    let read = app.read(&app.service, &id, "account").await;
    read.ok(200);
    assert_hardened(&read, true);
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await;
    access.ok(200);
    assert_hardened(&access, true);
    // Errors: refused, unauthenticated, unknown route, wrong method.
    let denied = app.read(&app.scoped, &id, "account").await;
    denied.error(403, "E_PURPOSE_OUT_OF_SCOPE");
    assert_hardened(&denied, true);
    let anonymous = app.send(Method::GET, "/v1/policy", None, None).await;
    anonymous.error(401, "E_UNAUTHENTICATED");
    assert_hardened(&anonymous, true);
    let unknown = app.send(Method::GET, "/v1/nothing-here", None, None).await;
    unknown.error(404, "E_NOT_FOUND");
    assert_hardened(&unknown, true);
    let outside = app.send(Method::GET, "/nothing-here", None, None).await;
    outside.error(404, "E_NOT_FOUND");
    assert_hardened(&outside, false);
    let method = app.send(Method::PATCH, "/v1/policy", None, None).await;
    method.error(405, "E_METHOD_NOT_ALLOWED");
    assert_hardened(&method, true);
    // Operations endpoints.
    let health = app.send(Method::GET, "/healthz", None, None).await;
    health.ok(200);
    assert_hardened(&health, false);
    assert_hardened(&app.metrics().await, false);
}
