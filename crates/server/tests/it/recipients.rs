//! Recipients are told (Art. 19): an endpoint is registered with a secret
//! shown once; an erasure queues a notice in its own commit; a pass of the
//! delivery task POSTs it signed per Standard Webhooks with a thin
//! payload; a failing receiver is retried only once the clock passes the
//! backoff; a delivered notice is never sent again.

use crate::helpers::{TestApp, spawn_app};
use crate::requests::verified;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::SignedDuration;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tutela_engine::deliveries::endpoint::Transport;
use tutela_server::deliveries::{PassReport, Sender, run_once};

/// What the test receiver saw: each request's headers and body.
#[derive(Default)]
struct Receiver {
    seen: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
    status: AtomicU16,
}

/// A local HTTP receiver answering `receiver.status`; returns its URL.
async fn spawn_receiver(receiver: Arc<Receiver>) -> String {
    let app = axum::Router::new().route(
        "/hook",
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
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.with_state(receiver))
            .await
            .unwrap();
    });
    url
}

async fn pass(app: &TestApp) -> PassReport {
    run_once(
        &app.engine,
        &Sender::new(Transport::AllowLoopbackHttp).unwrap(),
    )
    .await
    .unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).unwrap().to_str().unwrap()
}

/// Checks the Standard Webhooks signature of one received request.
fn assert_signed(secret: &str, headers: &HeaderMap, body: &[u8]) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = header(headers, "webhook-id");
    let timestamp: i64 = header(headers, "webhook-timestamp").parse().unwrap();
    let expected = tutela_server::notifiers::signature(&key, id, timestamp, body);
    assert_eq!(header(headers, "webhook-signature"), expected);
    let forged = tutela_server::notifiers::signature(b"another secret", id, timestamp, body);
    assert_ne!(header(headers, "webhook-signature"), forged);
}

#[tokio::test]
async fn endpoints_are_checked_and_their_secret_is_shown_once() {
    let app = spawn_app().await;
    let app = &app;
    let put = |id: &str, url: &str| {
        let body = json!({ "url": url });
        let path = format!("/v1/recipients/{id}/endpoint");
        async move { app.put(&path, &app.admin, body).await }
    };
    put("nobody", "https://crm.example/x")
        .await
        .error(404, "E_RECIPIENT_NOT_FOUND");
    put("helpdesk", "http://crm.example/x")
        .await
        .error(422, "E_INVALID_FIELD");
    // Addresses behind the operator's firewall (SSRF) and ports out of
    // range are refused, even under the tests' loopback transport.
    for url in [
        "https://169.254.169.254/latest",
        "https://10.0.0.1/x",
        "https://metadata.localhost/x",
        "https://crm.example:99999/x",
    ] {
        put("helpdesk", url).await.error(422, "E_INVALID_FIELD");
    }
    let reply = put("helpdesk", "https://user:pw@crm.example/x").await;
    let body = reply.error(422, "E_INVALID_FIELD");
    assert!(!body.to_string().contains("pw@"), "the URL is not echoed");
    put("helpdesk", "https://crm.example/x").await;
    let dpo = app
        .put(
            "/v1/recipients/helpdesk/endpoint",
            &app.dpo,
            json!({"url": "https://a.example"}),
        )
        .await;
    dpo.error(403, "E_FORBIDDEN");

    let created = put("helpdesk", "https://crm.example/hooks").await.ok(201);
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    let listed = app.get("/v1/recipients", &app.dpo).await.ok(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["url"], "https://crm.example/hooks");
    assert!(
        !listed.to_string().contains(&secret[6..]),
        "never the secret"
    );
    assert!(listed[0].get("secret").is_none());

    app.delete("/v1/recipients/helpdesk/endpoint", &app.admin)
        .await
        .ok(204);
    app.delete("/v1/recipients/helpdesk/endpoint", &app.admin)
        .await
        .error(404, "E_ENDPOINT_NOT_FOUND");
    app.assert_chain_intact().await;
}

fn by_recipient<'a>(list: &'a Value, recipient: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|d| d["recipient"] == recipient)
        .unwrap_or_else(|| panic!("no delivery to {recipient}: {list}"))
}

#[tokio::test]
async fn a_production_sender_never_dials_a_loopback_endpoint() {
    let app = spawn_app().await;
    let receiver = Arc::new(Receiver::default());
    receiver.status.store(200, Ordering::SeqCst);
    // Registered under the tests' loopback transport, as an endpoint stored
    // before the address rule would be.
    let url = spawn_receiver(receiver.clone()).await;
    app.put(
        "/v1/recipients/helpdesk/endpoint",
        &app.admin,
        json!({ "url": url }),
    )
    .await
    .ok(201);
    let records = json!([{"category": "email", "value": "bob@example.com"}]);
    let subject = app.subject("customer", "account", records).await;
    app.delete(&format!("/v1/subjects/{subject}"), &app.dpo)
        .await
        .ok(204);

    let production = Sender::new(Transport::HttpsOnly).unwrap();
    let report = run_once(&app.engine, &production).await.unwrap();
    assert_eq!(report.delivered, 0, "{report:?}");
    assert!(
        receiver.seen.lock().unwrap().is_empty(),
        "the loopback receiver was dialled"
    );
}

#[tokio::test]
async fn an_erasure_is_delivered_signed_retried_after_backoff_and_never_twice() {
    let app = spawn_app().await;
    let receiver = Arc::new(Receiver::default());
    receiver.status.store(500, Ordering::SeqCst);
    let url = spawn_receiver(receiver.clone()).await;
    let created = app
        .put(
            "/v1/recipients/helpdesk/endpoint",
            &app.admin,
            json!({ "url": url }),
        )
        .await
        .ok(201);
    let secret = created["secret"].as_str().unwrap().to_owned();

    let value = "alice.erased@example.com";
    let records = json!([{"category": "email", "value": value}]);
    let subject = app.subject("customer", "account", records).await;
    app.delete(&format!("/v1/subjects/{subject}"), &app.dpo)
        .await
        .ok(204);

    // Queued with the erasure: one per recipient of a purpose covering email.
    let queued = app
        .get("/v1/deliveries?state=pending", &app.dpo)
        .await
        .ok(200);
    assert_eq!(queued.as_array().unwrap().len(), 2, "{queued}");
    let helpdesk = by_recipient(&queued, "helpdesk");
    assert_eq!(helpdesk["type"], "subject.erased");
    assert_eq!(helpdesk["subject"], subject.as_str());
    assert_eq!(helpdesk["categories"], json!(["email"]));
    by_recipient(&queued, "tax_office");

    // First attempt: the receiver fails; the recipient without an endpoint
    // fails too. Both wait for their backoff.
    let first = pass(&app).await;
    assert_eq!(
        first,
        PassReport {
            delivered: 0,
            retried: 2,
            failed: 0
        }
    );
    let (headers, body) = receiver.seen.lock().unwrap()[0].clone();
    assert_signed(&secret, &headers, &body);
    assert_eq!(
        header(&headers, "webhook-id"),
        helpdesk["id"].as_str().unwrap()
    );
    assert_eq!(
        header(&headers, "webhook-timestamp"),
        app.engine.now().as_second().to_string()
    );
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(
        !text.contains(value) && !text.contains("alice"),
        "no personal value: {text}"
    );
    let payload: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(payload["type"], "subject.erased");
    assert_eq!(payload["tenant"], "acme");
    assert_eq!(payload["subject"], subject.as_str());
    assert_eq!(payload["categories"], json!(["email"]));
    let listed = app
        .get("/v1/deliveries?state=pending", &app.dpo)
        .await
        .ok(200);
    let retrying = by_recipient(&listed, "helpdesk");
    assert_eq!(
        (
            retrying["attempts"].as_u64(),
            retrying["last_status"].as_u64()
        ),
        (Some(1), Some(500))
    );

    // Not before the backoff (one minute) has passed.
    receiver.status.store(204, Ordering::SeqCst);
    app.clock.advance(SignedDuration::from_secs(59));
    assert_eq!(pass(&app).await, PassReport::default());
    assert_eq!(receiver.seen.lock().unwrap().len(), 1);

    app.clock.advance(SignedDuration::from_secs(1));
    let second = pass(&app).await;
    assert_eq!(second.delivered, 1);
    assert_eq!(receiver.seen.lock().unwrap().len(), 2);
    let (again, again_body) = receiver.seen.lock().unwrap()[1].clone();
    assert_eq!(
        header(&again, "webhook-id"),
        helpdesk["id"].as_str().unwrap()
    );
    assert_signed(&secret, &again, &again_body);
    let delivered = app
        .get("/v1/deliveries?state=delivered", &app.dpo)
        .await
        .ok(200);
    assert_eq!(by_recipient(&delivered, "helpdesk")["last_status"], 204);

    // Delivered items are not re-sent, however much time passes.
    app.advance_hours(48);
    pass(&app).await;
    pass(&app).await;
    assert_eq!(receiver.seen.lock().unwrap().len(), 2);
    app.get("/v1/deliveries?state=sent", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    // Every notice can be listed, a page at a time.
    let first_page = app.get("/v1/deliveries?limit=1", &app.dpo).await.ok(200);
    let last = first_page[0]["id"].as_str().unwrap().to_owned();
    let second_page = app
        .get(&format!("/v1/deliveries?limit=1&before={last}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(second_page.as_array().unwrap().len(), 1, "{second_page}");
    assert_ne!(second_page[0]["id"], first_page[0]["id"]);
    app.get("/v1/deliveries?before=yesterday", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get("/v1/deliveries", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_rectification_is_noticed_and_a_request_shows_its_deliveries() {
    let app = spawn_app().await;
    let records = json!([{"category": "email", "value": "bob@example.com"}]);
    let subject = app.subject("customer", "account", records).await;
    let access = app
        .get(&format!("/v1/subjects/{subject}/access"), &app.dpo)
        .await
        .ok(200);
    let record = access["records"][0]["id"].as_str().unwrap().to_owned();
    app.put(
        &format!("/v1/subjects/{subject}/records/{record}"),
        &app.dpo,
        json!({"value": "robert@example.com"}),
    )
    .await
    .ok(204);
    let listed = app.get("/v1/deliveries", &app.dpo).await.ok(200);
    let rectified = by_recipient(&listed, "helpdesk");
    assert_eq!(rectified["type"], "record.rectified");
    assert_eq!(rectified["record"], record.as_str());
    assert!(rectified["request"].is_null());
    assert!(!listed.to_string().contains("robert"), "{listed}");

    let id = verified(&app, json!({"subject": subject, "kind": "restriction"})).await;
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .ok(200);
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    let deliveries = &shown["deliveries"];
    assert_eq!(deliveries.as_array().unwrap().len(), 2, "{shown}");
    let restricted = by_recipient(deliveries, "tax_office");
    assert_eq!(restricted["type"], "subject.restricted");
    assert_eq!(restricted["request"], id.as_str());
    assert_eq!(restricted["state"], "pending");
    let listed = app.get("/v1/requests", &app.dpo).await.ok(200);
    assert!(
        listed.to_string().find("\"deliveries\"").is_none(),
        "lists leave them out"
    );
}

/// Art. 19: a notice given up on after every attempt (here: the recipient
/// had no endpoint) can be sent again once the endpoint is fixed; only a
/// failed notice can, and the retry is on the audit chain.
#[tokio::test]
async fn a_failed_notice_is_sent_again_once_the_endpoint_is_fixed() {
    let app = spawn_app().await;
    let records = json!([{"category": "email", "value": "carol@example.com"}]);
    let subject = app.subject("customer", "account", records).await;
    app.delete(&format!("/v1/subjects/{subject}"), &app.dpo)
        .await
        .ok(204);
    // No endpoint: each attempt fails, until the last gives up.
    for _ in 0..tutela_engine::deliveries::retry::MAX_ATTEMPTS {
        pass(&app).await;
        app.advance_hours(7);
    }
    let failed = app
        .get("/v1/deliveries?state=failed", &app.dpo)
        .await
        .ok(200);
    let helpdesk = by_recipient(&failed, "helpdesk");
    let id = helpdesk["id"].as_str().unwrap().to_owned();
    let retry = format!("/v1/deliveries/{id}/retry");
    let refused = app
        .post(&retry, &app.service, json!({}))
        .await
        .error(403, "E_FORBIDDEN");
    assert!(
        refused.to_string().contains("resend a notice"),
        "names what was tried: {refused}"
    );

    let receiver = Arc::new(Receiver::default());
    receiver.status.store(204, Ordering::SeqCst);
    let url = spawn_receiver(receiver.clone()).await;
    app.put(
        "/v1/recipients/helpdesk/endpoint",
        &app.admin,
        json!({ "url": url }),
    )
    .await
    .ok(201);
    app.post(&retry, &app.dpo, json!({})).await.ok(204);
    let pending = app
        .get("/v1/deliveries?state=pending", &app.dpo)
        .await
        .ok(200);
    assert_eq!(by_recipient(&pending, "helpdesk")["attempts"], 0);
    // Pending now: a second retry finds no failed notice.
    app.post(&retry, &app.dpo, json!({}))
        .await
        .error(404, "E_FAILED_DELIVERY_NOT_FOUND");
    assert_eq!(pass(&app).await.delivered, 1);
    assert_eq!(receiver.seen.lock().unwrap().len(), 1);
    app.post(&retry, &app.dpo, json!({}))
        .await
        .error(404, "E_FAILED_DELIVERY_NOT_FOUND");
    app.post("/v1/deliveries/abc/retry", &app.dpo, json!({}))
        .await
        .error(400, "E_INVALID_ID");
    let unknown = format!("/v1/deliveries/{}/retry", uuid::Uuid::now_v7());
    app.post(&unknown, &app.dpo, json!({}))
        .await
        .error(404, "E_FAILED_DELIVERY_NOT_FOUND");
    let chain = app.audit().await;
    let retried = chain
        .iter()
        .filter(|e| e["action"] == "delivery.retry")
        .count();
    assert_eq!(
        retried, 2,
        "the refusal and the retry that happened, not the misses"
    );
    assert!(
        chain
            .iter()
            .any(|e| e["action"] == "delivery.retry" && e["outcome"] == "denied:E_FORBIDDEN"),
        "the service key's attempt is on the chain"
    );
    app.assert_chain_intact().await;
}
