//! Consent with proof (Art. 7(1)), withdrawal (Art. 7(3)), signed receipts,
//! one-click unsubscribe links (Art. 21(2)-(3)) and the banner with the
//! Global Privacy Control signal (Art. 21(5)), through HTTP.

use crate::helpers::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use tutela_engine::consent::receipt::{parse_public_key, verify};
use tutela_engine::ids::TenantId;

pub(crate) const TEXT: &str = "Yes, send me the Acme newsletter about once a month.";

/// The example policy with a soft opt-in purpose and a sale purpose added.
const EXTRA: &str = r#"
[[purpose]]
id = "product_news"
description = "Tell customers about products like the ones they bought"
basis = "legitimate_interests"
categories = ["email"]
direct_marketing = true
soft_opt_in = true

[[purpose]]
id = "ad_partners"
description = "Share a cookie id with advertising partners"
basis = "consent"
categories = ["server_log"]
consent_valid_for = "13 months"
sale_or_sharing = true
"#;

pub(crate) async fn publish_extra(app: &TestApp) {
    let source = tutela_policy::EXAMPLE_POLICY.replacen(
        "[[purpose]]",
        &format!("{}\n[[purpose]]", EXTRA.trim()),
        1,
    );
    app.publish_in_force(&source).await;
}

pub(crate) async fn customer(app: &TestApp) -> String {
    app.subject(
        "subscriber",
        "account",
        json!([{"category": "email", "value": "ada@example.com"}]),
    )
    .await
}

fn purpose_status(status: &Value, purpose: &str) -> Value {
    status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == purpose)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_grant_keeps_the_hash_of_the_text_shown_and_its_receipt_verifies() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let consents = format!("/v1/subjects/{id}/consents");
    let granted = app
        .post(
            &consents,
            &app.service,
            json!({"purpose": "newsletter", "source": "web-form", "text": TEXT}),
        )
        .await
        .ok(201);
    let hash = granted["text_sha256"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);

    // The same text again, by its hash only (stored once per tenant).
    app.post(
        &consents,
        &app.service,
        json!({"purpose": "analytics", "text_sha256": hash}),
    )
    .await
    .ok(201);
    // An unknown hash is refused and changes nothing.
    let before = app.audit_len().await;
    let unknown = "0".repeat(64);
    app.post(
        &consents,
        &app.service,
        json!({"purpose": "newsletter", "text_sha256": unknown}),
    )
    .await
    .error(400, "E_CONSENT_TEXT_UNKNOWN");
    app.post(
        &consents,
        &app.service,
        json!({"purpose": "newsletter", "text": "Another text", "text_sha256": hash}),
    )
    .await
    .error(400, "E_CONSENT_TEXT_MISMATCH");
    assert_eq!(app.audit_len().await, before);

    app.advance_hours(1);
    let path = format!("{consents}/{}/receipt", granted["id"].as_str().unwrap());
    let answer = app.get(&path, &app.dpo).await.ok(200);
    let published = app
        .get("/v1/consents/receipt-key", &app.service)
        .await
        .ok(200);
    assert_eq!(published["public_key"], answer["public_key"]);
    let key = parse_public_key(published["public_key"].as_str().unwrap()).unwrap();
    let jws = answer["jws"].as_str().unwrap();
    let receipt = verify(jws, &key).unwrap();
    assert_eq!(receipt.notice_text_sha256.as_deref(), Some(hash.as_str()));
    assert_eq!(receipt.collection_method, "web-form");
    assert_eq!(
        receipt.controller.contact,
        answer["receipt"]["controller"]["contact"]
    );
    assert_eq!(receipt.status, "active");
    assert_eq!(receipt.purposes[0].id, "newsletter");
    assert_eq!(receipt.purposes[0].data_categories, ["email"]);
    assert!(receipt.purposes[0].legal_basis.starts_with("consent"));
    assert_eq!(receipt.status_history.len(), 1);

    // One changed byte anywhere fails; so does another tenant's key.
    let mut tampered = jws.as_bytes().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    assert!(verify(std::str::from_utf8(&tampered).unwrap(), &key).is_err());
    let other = app
        .engine
        .receipt_public_key(&TenantId::parse("operator").unwrap());
    assert!(verify(jws, &other).is_err());
    assert_eq!(app.last_audit().await["action"], "consent.receipt");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn withdrawing_what_is_not_live_is_a_conflict_and_writes_nothing() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let consents = format!("/v1/subjects/{id}/consents");
    let withdraw = format!("{consents}/withdraw");
    let before = app.audit_len().await;
    app.post(&withdraw, &app.service, json!({"purpose": "newsletter"}))
        .await
        .error(409, "E_CONSENT_NOT_LIVE");
    assert_eq!(app.audit_len().await, before);

    let grant = app
        .post(
            &consents,
            &app.service,
            json!({"purpose": "newsletter", "text": TEXT}),
        )
        .await
        .ok(201);
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter").await.ok(200);
    app.advance_hours(1);
    app.post(&withdraw, &app.service, json!({"purpose": "newsletter"}))
        .await
        .ok(201);
    app.post(&withdraw, &app.service, json!({"purpose": "newsletter"}))
        .await
        .error(409, "E_CONSENT_NOT_LIVE");
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");

    // The earlier read stays lawful on the record: allowed, before the
    // withdrawal; the receipt shows both steps.
    let reads: Vec<Value> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e["action"] == "record.read")
        .collect();
    assert_eq!(reads[0]["outcome"], "allowed");
    let receipt = app
        .get(
            &format!("{consents}/{}/receipt", grant["id"].as_str().unwrap()),
            &app.dpo,
        )
        .await
        .ok(200);
    let r = &receipt["receipt"];
    assert_eq!(r["status"], "withdrawn");
    let steps: Vec<&str> = r["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["granted", "withdrawn"]);
    let status = app.get(&consents, &app.service).await.ok(200);
    assert_eq!(purpose_status(&status, "newsletter")["live"], false);
}

pub(crate) async fn unsubscribe(app: &TestApp, token: &str) -> Value {
    let res = app
        .client
        .post(format!("{}/v1/unsubscribe/{token}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn one_click_ends_consent_and_soft_opt_in_and_reveals_nothing() {
    let app = spawn_app().await;
    publish_extra(&app).await;
    let id = customer(&app).await;
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter", "text": TEXT}),
    )
    .await
    .ok(201);
    let links = format!("/v1/subjects/{id}/unsubscribe-links");
    let link = app
        .post(&links, &app.service, json!({"purpose": "newsletter"}))
        .await
        .ok(201);
    assert_eq!(link["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
    let token = link["token"].as_str().unwrap().to_owned();
    let secret = token.split_once('.').unwrap().1;
    assert!(secret.len() >= 43, "at least 256 bits of base64url");
    assert!(!token.contains(&id));

    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter").await.ok(200);
    // Opened in a browser (GET): a page whose button POSTs the link; the
    // page itself changes nothing and names no one (an outside probe got a
    // JSON 405 here, so a person without one-click could not unsubscribe).
    let before = app.audit_len().await;
    let page = app
        .client
        .get(format!("{}/v1/unsubscribe/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"), "{html}");
    assert!(!html.contains(&token) && !html.contains(&id), "{html}");
    let fake_page = app
        .client
        .get(format!(
            "{}/v1/unsubscribe/acme.{}",
            app.base,
            "B".repeat(43)
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(fake_page, html, "the same page for every well-formed token");
    assert_eq!(
        app.audit_len().await,
        before,
        "opening the page changes nothing"
    );
    app.read(&app.service, &id, "newsletter").await.ok(200);
    app.advance_hours(1);
    // The page's button, as a browser sends it, is answered with a page.
    let pressed = app
        .client
        .post(format!("{}/v1/unsubscribe/{token}", app.base))
        .header("accept", "text/html,application/xhtml+xml")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(pressed.status().as_u16(), 200);
    assert!(
        pressed
            .text()
            .await
            .unwrap()
            .contains("<h1>Unsubscribed</h1>")
    );
    let first = unsubscribe(&app, &token).await;
    let entry = app.last_audit().await;
    assert_eq!(entry["action"], "consent.withdraw");
    assert_eq!(entry["actor"], "unsubscribe-link");
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");

    // Used again, or unknown (in this tenant or in none): the same
    // answer, nothing written. A token of the wrong shape is no link.
    let before = app.audit_len().await;
    let fake = format!("acme.{}", "A".repeat(43));
    let nowhere = format!("ghost.{}", "A".repeat(43));
    for other in [token.as_str(), fake.as_str(), nowhere.as_str()] {
        assert_eq!(unsubscribe(&app, other).await, first);
    }
    for malformed in ["nonsense", "ghost.x", "acme.%00%ff"] {
        app.send(
            Method::POST,
            &format!("/v1/unsubscribe/{malformed}"),
            None,
            None,
        )
        .await
        .error(404, "E_UNSUBSCRIBE_LINK_NOT_FOUND");
    }
    assert_eq!(app.audit_len().await, before);

    // Signed up again, the person clicks the link of an older message:
    // it still ends the newsletter.
    app.advance_hours(1);
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter", "text": TEXT}),
    )
    .await
    .ok(201);
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter").await.ok(200);
    assert_eq!(unsubscribe(&app, &token).await, first);
    assert_eq!(app.last_audit().await["action"], "consent.withdraw");
    app.advance_hours(1);
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");

    // Soft opt-in (legitimate interest): the click is an objection.
    app.read(&app.service, &id, "product_news").await.ok(200);
    let link = app
        .post(&links, &app.service, json!({"purpose": "product_news"}))
        .await
        .ok(201);
    app.advance_hours(1);
    unsubscribe(&app, link["token"].as_str().unwrap()).await;
    app.advance_hours(1);
    app.read(&app.service, &id, "product_news")
        .await
        .error(403, "E_OBJECTED");

    // A purpose that rests on a legal obligation has no unsubscribe link.
    app.post(&links, &app.service, json!({"purpose": "billing"}))
        .await
        .error(400, "E_NOT_UNSUBSCRIBABLE");
    app.assert_chain_intact().await;
}

pub(crate) async fn choose(app: &TestApp, path: &str, gpc: bool, body: Value) -> (u16, Value) {
    let mut req = app
        .client
        .request(Method::PUT, format!("{}{path}", app.base))
        .bearer_auth(&app.service)
        .json(&body);
    if gpc {
        req = req.header("Sec-GPC", "1");
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

pub(crate) fn choice(answer: &Value, purpose: &str) -> Value {
    answer["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == purpose)
        .unwrap_or_else(|| panic!("{purpose} not in {answer}"))
        .clone()
}

#[tokio::test]
async fn the_banner_records_choices_and_honours_gpc_without_hiding_a_grant() {
    let app = spawn_app().await;
    publish_extra(&app).await;
    let banner = app.get("/v1/banner", &app.service).await.ok(200);
    let shown: Vec<&str> = banner
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        ["product_news", "ad_partners", "newsletter", "analytics"]
    );

    let path = "/v1/visitors/Zx3_kQ9-rT5vB8nM2pL7wY/choices";
    let grant = json!({"choices": [
        {"purpose": "ad_partners", "granted": true},
        {"purpose": "analytics", "granted": true},
    ]});
    let (status, answer) = choose(&app, path, false, grant).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(choice(&answer, "ad_partners")["allowed"], true);
    assert_eq!(answer["conflicts"], json!([]));

    app.advance_hours(1);
    let (status, answer) = choose(&app, path, true, json!({"choices": []})).await;
    assert_eq!(status, 200, "{answer}");
    let ads = choice(&answer, "ad_partners");
    assert_eq!(ads["allowed"], false, "GPC objects to a sale or sharing");
    assert_eq!(ads["explicit"], true, "the grant stays on record");
    assert!(ads["gpc_at"].is_string());
    assert_eq!(choice(&answer, "analytics")["allowed"], true);
    assert!(choice(&answer, "newsletter")["gpc_at"].is_string());
    assert_eq!(answer["conflicts"][0]["purpose"], "ad_partners");

    let read = app.get(path, &app.service).await.ok(200);
    assert_eq!(read, answer);
    // The cookie consent lapses after the purpose's 13 months (counted
    // from 31 March: the policy above took effect after 30 days' notice).
    let analytics = choice(&read, "analytics");
    assert_eq!(analytics["expires_at"], "2027-04-30T09:00:00Z");
    assert_eq!(app.last_audit().await["action"], "banner.choice");

    // Bad input is refused and stores nothing.
    let (status, body) = choose(
        &app,
        path,
        false,
        json!({"choices": [{"purpose": "billing", "granted": true}]}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("E_NOT_A_BANNER_PURPOSE"))
    );
    let twice = json!({"choices": [
        {"purpose": "analytics", "granted": true},
        {"purpose": "analytics", "granted": false},
    ]});
    let (status, body) = choose(&app, path, false, twice).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("E_DUPLICATE_CHOICE"))
    );
    let (status, _) = choose(
        &app,
        "/v1/visitors/short/choices",
        false,
        json!({"choices": []}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.get(path, &app.service).await.ok(200), answer);

    app.advance_hours(24 * 396);
    let later = app.get(path, &app.service).await.ok(200);
    assert_eq!(choice(&later, "analytics")["allowed"], false);
    assert_eq!(choice(&later, "analytics")["explicit"], true);
}

#[tokio::test]
async fn gpc_from_a_known_subject_is_an_objection_on_its_ledger() {
    let app = spawn_app().await;
    publish_extra(&app).await;
    let id = customer(&app).await;
    app.read(&app.service, &id, "product_news").await.ok(200);
    let (status, answer) = choose(
        &app,
        &format!("/v1/subjects/{id}/choices"),
        true,
        json!({"choices": []}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    app.advance_hours(1);
    app.read(&app.service, &id, "product_news")
        .await
        .error(403, "E_OBJECTED");
}

/// On a purpose resting on consent, a known subject's GPC signal withdraws
/// the consent (Art. 7(3)); a grant the person confirms later without the
/// signal is a new consent and stands, as for an anonymous visitor. Before
/// the fix the signal was also stored as an objection no grant could lift.
#[tokio::test]
async fn a_known_subjects_grant_confirmed_after_gpc_stands() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let path = format!("/v1/subjects/{id}/choices");
    let grant = json!({"choices": [{"purpose": "newsletter", "granted": true}]});
    let (status, answer) = choose(&app, &path, false, grant.clone()).await;
    assert_eq!(status, 200, "{answer}");
    app.read(&app.service, &id, "newsletter").await.ok(200);
    app.advance_hours(1);
    let (_, signalled) = choose(&app, &path, true, json!({"choices": []})).await;
    assert_eq!(
        choice(&signalled, "newsletter")["allowed"],
        false,
        "{signalled}"
    );
    app.read(&app.service, &id, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");
    app.advance_hours(1);
    let (_, confirmed) = choose(&app, &path, false, grant).await;
    assert_eq!(
        choice(&confirmed, "newsletter")["allowed"],
        true,
        "{confirmed}"
    );
    assert_eq!(confirmed["conflicts"], json!([]), "{confirmed}");
    app.read(&app.service, &id, "newsletter").await.ok(200);
}

#[tokio::test]
async fn a_known_subjects_banner_choices_are_its_consents_and_show_what_the_engine_does() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let path = format!("/v1/subjects/{id}/choices");

    // A consent given elsewhere shows on the banner as allowed.
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter", "source": "web-form"}),
    )
    .await
    .ok(201);
    let read = app.get(&path, &app.service).await.ok(200);
    assert_eq!(choice(&read, "newsletter")["allowed"], true, "{read}");
    assert_eq!(choice(&read, "analytics")["allowed"], false, "{read}");

    // A banner grant is a consent the purpose check honours...
    let grant = json!({"choices": [{"purpose": "analytics", "granted": true}]});
    let (status, answer) = choose(&app, &path, false, grant).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(choice(&answer, "analytics")["allowed"], true, "{answer}");
    app.read(&app.service, &id, "analytics").await.ok(200);
    assert_eq!(app.last_audit().await["action"], "record.read");

    // ...and a banner refusal withdraws it from then on.
    app.advance_hours(1);
    let refuse = json!({"choices": [{"purpose": "analytics", "granted": false}]});
    let (status, answer) = choose(&app, &path, false, refuse).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(choice(&answer, "analytics")["allowed"], false, "{answer}");
    app.read(&app.service, &id, "analytics")
        .await
        .error(403, "E_CONSENT_REQUIRED");

    // A key scoped to another purpose sees none of these purposes.
    let scoped = app.get(&path, &app.scoped).await.ok(200);
    assert_eq!(scoped["choices"], json!([]), "{scoped}");
    assert_eq!(scoped["conflicts"], json!([]), "{scoped}");

    // A subject that is not there (or another tenant's) is not found.
    let nobody = format!("/v1/subjects/{}/choices", uuid::Uuid::now_v7());
    app.get(&nobody, &app.service)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.assert_chain_intact().await;
}
