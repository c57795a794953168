//! Credentials, roles and purpose scopes: who may do what.

use crate::helpers::{SCOPED_PURPOSE, spawn_app};
use jiff::SignedDuration;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use tutela_engine::auth_cache::AUTH_CACHE_TTL;
use tutela_engine::{Engine, EngineError};

#[tokio::test]
async fn roles_are_enforced_and_refusals_audited() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "support",
            json!([{"category": "ticket_text", "value": "Help"}]),
        )
        .await;

    app.read(&app.analyst, &id, "support")
        .await
        .error(403, "E_FORBIDDEN");
    let last = app.last_audit().await;
    assert_eq!(last["outcome"], "denied:E_FORBIDDEN");
    assert_eq!(last["action"], "record.read");

    app.get("/v1/audit", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.get("/v1/audit/verify", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.get(&format!("/v1/subjects/{id}/access"), &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.delete(&format!("/v1/subjects/{id}"), &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.read(&app.dpo, &id, "support")
        .await
        .error(403, "E_FORBIDDEN");
    let write =
        json!({"purpose": "support", "records": [{"category": "ticket_text", "value": "x"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.analyst, write)
        .await
        .error(403, "E_FORBIDDEN");
    app.get("/v1/keys", &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.put(
        "/v1/policy",
        &app.service,
        json!({"source": tutela_policy::EXAMPLE_POLICY}),
    )
    .await
    .error(403, "E_FORBIDDEN");

    // The subject is untouched.
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["records"].as_array().unwrap().len(), 1);
    // Analysts may read the policy.
    app.get("/v1/policy", &app.analyst).await.ok(200);
}

#[tokio::test]
async fn a_purpose_scoped_key_is_refused_other_purposes() {
    let app = spawn_app().await;
    let records = json!([{"category": "email", "value": "ada@example.com"}, {"category": "name", "value": "Ada"}]);
    let id = app.subject("customer", "account", records).await;

    app.read(&app.scoped, &id, SCOPED_PURPOSE).await.ok(200);
    app.read(&app.scoped, &id, "account")
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_PURPOSE_OUT_OF_SCOPE"
    );
    let write = json!({"purpose": "account", "records": [{"category": "phone", "value": "+49"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &app.scoped, write)
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    let create = json!({"kind": "customer", "purpose": "account", "records": []});
    app.post("/v1/subjects", &app.scoped, create)
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
}

#[tokio::test]
async fn keys_are_listed_without_secrets_and_revocation_works_at_once() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/v1/keys",
            &app.admin,
            json!({"role": "service", "label": "billing-bot", "purposes": ["billing"]}),
        )
        .await
        .ok(201);
    let token = created["token"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["role"], "service");
    assert_eq!(created["purposes"], json!(["billing"]));
    assert_eq!(created["label"], "billing-bot");
    app.get("/v1/policy", &token).await.ok(200);

    let listed = app.get("/v1/keys", &app.admin).await;
    let keys = listed.ok(200);
    assert!(!listed.text.contains(&token), "tokens are never listed");
    let secret = token.rsplit('.').next().unwrap();
    assert!(!listed.text.contains(secret));
    let mine = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.as_str())
        .unwrap()
        .clone();
    assert!(mine["revoked_at"].is_null());

    app.delete(&format!("/v1/keys/{key_id}"), &app.admin)
        .await
        .ok(204);
    let refused = app.get("/v1/policy", &token).await;
    refused.error(401, "E_UNAUTHENTICATED");
    assert_eq!(refused.headers["www-authenticate"], "Bearer");
    let keys = app.get("/v1/keys", &app.admin).await.ok(200);
    let mine = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.as_str())
        .unwrap()
        .clone();
    assert!(mine["revoked_at"].is_string());

    let unknown = uuid::Uuid::now_v7();
    app.delete(&format!("/v1/keys/{unknown}"), &app.admin)
        .await
        .error(404, "E_KEY_NOT_FOUND");
    let bad_purpose = json!({"role": "service", "label": "x", "purposes": ["mind_reading"]});
    app.post("/v1/keys", &app.admin, bad_purpose)
        .await
        .error(403, "E_PURPOSE_NOT_DECLARED");
    let bad_role = json!({"role": "root", "label": "x"});
    app.post("/v1/keys", &app.admin, bad_role)
        .await
        .error(422, "E_INVALID_FIELD");
    let twice = json!({"role": "service", "label": "x", "purposes": ["support", "support"]});
    let body = app
        .post("/v1/keys", &app.admin, twice)
        .await
        .error(400, "E_INVALID_INPUT");
    assert!(body.to_string().contains("purposes[1]"), "{body}");
    // A label is shown in access logs: an email address is refused.
    for personal in [
        "alice@example.com",
        "alice\u{ff20}example.com",
        "alice\u{fe6b}example.com",
    ] {
        let body = app
            .post(
                "/v1/keys",
                &app.admin,
                json!({"role": "service", "label": personal}),
            )
            .await
            .error(400, "E_INVALID_INPUT");
        assert!(body.to_string().contains("label"), "{body}");
        assert!(!body.to_string().contains("alice"), "{body}");
    }
}

#[tokio::test]
async fn missing_or_garbled_credentials_are_401() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    let none = app.send(Method::GET, "/v1/policy", None, None).await;
    none.error(401, "E_UNAUTHENTICATED");
    assert_eq!(none.headers["www-authenticate"], "Bearer");

    let forged = format!("tutela.acme.{}", "A".repeat(43));
    for token in [
        "nonsense",
        "tutela.acme.short",
        "tutela.nowhere.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        forged.as_str(),
    ] {
        let reply = app.get("/v1/policy", token).await;
        reply.error(401, "E_UNAUTHENTICATED");
        assert!(!reply.text.contains(token), "the token is not echoed");
    }
    let basic = app
        .client
        .get(format!("{}/v1/policy", app.base))
        .header("authorization", format!("Basic {}", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    // Two credentials: neither is guessed at, even if one is valid.
    let twice = app
        .client
        .get(format!("{}/v1/policy", app.base))
        .header("authorization", format!("Bearer {}", app.admin))
        .header("authorization", format!("Bearer {}", app.dpo))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 401);
    assert!(
        twice
            .text()
            .await
            .unwrap()
            .contains("one Authorization header")
    );

    // Auth runs before the body is read: a bad body without a key is still 401.
    let reply = app
        .raw(
            Method::POST,
            "/v1/subjects",
            "nonsense",
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    reply.error(401, "E_UNAUTHENTICATED");
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn a_revoked_key_is_refused_here_at_once_and_elsewhere_within_the_ttl() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/v1/keys",
            &app.admin,
            json!({"role": "service", "label": "billing-bot", "purposes": ["billing"]}),
        )
        .await
        .ok(201);
    let token = created["token"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();
    // A second server on the same database, telling the same time.
    let store = tutela_store::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
    let master = Arc::new(tutela_vault::MasterKey::generate());
    let elsewhere = Engine::new(store, app.clock.clone(), master);
    // Both servers have authenticated the key, so both have it cached.
    app.get("/v1/policy", &token).await.ok(200);
    let principal = elsewhere.authenticate(&token).await.unwrap();
    assert_eq!(principal.tenant.as_str(), "acme");
    // The cached secret presented under another tenant is still refused.
    let secret = token.rsplit('.').next().unwrap();
    assert!(matches!(
        elsewhere
            .authenticate(&format!("tutela.operator.{secret}"))
            .await,
        Err(EngineError::Unauthenticated)
    ));

    app.delete(&format!("/v1/keys/{key_id}"), &app.admin)
        .await
        .ok(204);
    // The revoking server refuses it at once.
    app.get("/v1/policy", &token)
        .await
        .error(401, "E_UNAUTHENTICATED");
    // The other trusts its cache until the TTL has passed, and not a moment
    // longer.
    app.clock
        .advance(AUTH_CACHE_TTL - SignedDuration::from_millis(1));
    assert!(elsewhere.authenticate(&token).await.is_ok());
    app.clock.advance(SignedDuration::from_millis(1));
    assert!(matches!(
        elsewhere.authenticate(&token).await,
        Err(EngineError::Unauthenticated)
    ));
    app.get("/v1/policy", &token)
        .await
        .error(401, "E_UNAUTHENTICATED");
    elsewhere.store().close().await.unwrap();
}
