//! Authorization boundaries and response hygiene: the operator never holds a
//! key inside a client tenant, a purpose-scoped key is a boundary, metrics
//! are not public, and every answer carries security headers.

use crate::helpers::{Reply, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// Creates a key in acme with the acme admin key; returns its token.
async fn acme_key(app: &TestApp, role: &str, purposes: &[&str], label: &str) -> String {
    let body = json!({"role": role, "purposes": purposes, "label": label});
    let created = app.post("/v1/keys", &app.admin, body).await.ok(201);
    created["token"].as_str().unwrap().to_owned()
}

/// The id of acme's key labelled `label`.
async fn key_id(app: &TestApp, label: &str) -> String {
    let keys = app.get("/v1/keys", &app.admin).await.ok(200);
    let key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["label"] == label)
        .unwrap_or_else(|| panic!("no key {label}: {keys}"));
    key["id"].as_str().unwrap().to_owned()
}

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
async fn hole_01_operator_admin_cannot_mint_a_key_in_a_client_tenant() {
    let app = spawn_app().await;
    let keys_before = app.get("/v1/keys", &app.admin).await.ok(200);
    let chain_before = app.audit_len().await;

    for role in ["admin", "dpo", "service", "analyst"] {
        let body = json!({"role": role, "label": "takeover", "tenant": "acme"});
        let refused = app.post("/v1/keys", &app.operator, body).await;
        let error = refused.error(403, "E_OTHER_TENANT");
        assert!(!refused.text.contains("tutela.acme."), "{error}");
    }
    // Nothing was minted in acme, and acme's chain is untouched.
    assert_eq!(app.get("/v1/keys", &app.admin).await.ok(200), keys_before);
    assert_eq!(app.audit_len().await, chain_before);
    // The attempts are on the operator's own chain, refused.
    let op_chain = app.get("/v1/audit?limit=1000", &app.operator).await.ok(200);
    let denied = op_chain["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "key.create" && e["outcome"] == "denied:E_OTHER_TENANT")
        .count();
    assert_eq!(denied, 4, "{op_chain}");

    // The reverse is refused the same way, and naming one's own tenant works.
    let body = json!({"role": "admin", "label": "takeover", "tenant": "operator"});
    app.post("/v1/keys", &app.admin, body)
        .await
        .error(403, "E_OTHER_TENANT");
    let own = json!({"role": "analyst", "label": "own", "tenant": "acme"});
    let created = app.post("/v1/keys", &app.admin, own).await.ok(201);
    assert!(
        created["token"]
            .as_str()
            .unwrap()
            .starts_with("tutela.acme.")
    );
    let op_own = json!({"role": "admin", "label": "second operator admin"});
    let created = app.post("/v1/keys", &app.operator, op_own).await.ok(201);
    assert!(
        created["token"]
            .as_str()
            .unwrap()
            .starts_with("tutela.operator.")
    );
}

#[tokio::test]
async fn a_key_minted_by_the_local_admin_is_on_the_tenants_own_chain() {
    // spawn_app mints acme's five keys as acme's local (CLI) admin: the
    // visible break-glass path. Each is on acme's own chain, by `cli`.
    let app = spawn_app().await;
    let chain = app.audit().await;
    let minted: Vec<&Value> = chain
        .iter()
        .filter(|e| e["action"] == "key.create")
        .collect();
    assert_eq!(minted.len(), 5, "{chain:?}");
    for entry in minted {
        assert_eq!(entry["actor"], "cli", "{entry}");
        assert_eq!(entry["outcome"], "allowed", "{entry}");
    }
    // The operator's chain holds only its own key.
    let op_chain = app.get("/v1/audit?limit=1000", &app.operator).await.ok(200);
    let op_minted = op_chain["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "key.create")
        .count();
    assert_eq!(op_minted, 1, "{op_chain}");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn hole_03_a_scoped_key_cannot_mint_an_unscoped_or_wider_key() {
    let app = spawn_app().await;
    let narrow = acme_key(&app, "admin", &["support"], "support admin").await;
    let keys_before = app.get("/v1/keys", &app.admin).await.ok(200);

    let wider = [
        json!({"role": "admin", "label": "escalate"}),
        json!({"role": "service", "purposes": [], "label": "escalate"}),
        json!({"role": "dpo", "purposes": ["support", "account"], "label": "escalate"}),
        json!({"role": "service", "purposes": ["billing"], "label": "escalate"}),
    ];
    for body in wider {
        app.post("/v1/keys", &narrow, body.clone())
            .await
            .error(403, "E_KEY_BEYOND_SCOPE");
    }
    assert_eq!(app.get("/v1/keys", &app.admin).await.ok(200), keys_before);
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_KEY_BEYOND_SCOPE"
    );

    // Within its scope it may mint, and revoke what it minted.
    let child = json!({"role": "service", "purposes": ["support"], "label": "support child"});
    let created = app.post("/v1/keys", &narrow, child).await.ok(201);
    assert_eq!(created["purposes"], json!(["support"]));
    let child_id = key_id(&app, "support child").await;
    app.delete(&format!("/v1/keys/{child_id}"), &narrow)
        .await
        .ok(204);

    // It may not revoke a key with more power or purposes than its own.
    for label in ["admin", "service"] {
        let wide_id = key_id(&app, label).await;
        app.delete(&format!("/v1/keys/{wide_id}"), &narrow)
            .await
            .error(403, "E_KEY_BEYOND_SCOPE");
    }
    app.get("/v1/policy", &app.service).await.ok(200);
    app.get("/v1/keys", &app.admin).await.ok(200);
}

#[tokio::test]
async fn hole_03_a_scoped_key_cannot_read_everything_or_act_across_purposes() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let scoped_dpo = acme_key(&app, "dpo", &["support"], "support dpo").await;
    let chain_before = app.audit_len().await;
    let version = app.get("/v1/policy", &app.dpo).await.ok(200)["version"].clone();

    let refusals: Vec<Reply> = vec![
        app.get(&format!("/v1/subjects/{id}/access"), &scoped_dpo)
            .await,
        app.put(
            "/v1/policy",
            &scoped_dpo,
            json!({"source": tutela_policy::EXAMPLE_POLICY}),
        )
        .await,
        app.delete(&format!("/v1/subjects/{id}"), &scoped_dpo).await,
        app.put(
            &format!("/v1/subjects/{id}/restriction"),
            &scoped_dpo,
            json!({"restricted": true}),
        )
        .await,
        app.get("/v1/audit", &scoped_dpo).await,
        app.get("/v1/audit/verify", &scoped_dpo).await,
    ];
    for reply in refusals {
        reply.error(403, "E_UNSCOPED_KEY_REQUIRED");
    }
    // Each refusal names what was tried (an outside probe was told
    // "may not work data subject requests" when listing recipients).
    for (path, tried) in [
        ("/v1/recipients", "list recipients' endpoints or notices"),
        ("/v1/deliveries", "list recipients' endpoints or notices"),
    ] {
        let body = app
            .get(path, &scoped_dpo)
            .await
            .error(403, "E_UNSCOPED_KEY_REQUIRED");
        assert!(body.to_string().contains(tried), "{path}: {body}");
    }
    // Nothing changed: the policy, the subject, its records, the chain.
    assert_eq!(
        app.get("/v1/policy", &app.dpo).await.ok(200)["version"],
        version
    );
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["restricted"], false);
    assert_eq!(access["records"].as_array().unwrap().len(), 2);
    // Each refused act is on the chain as denied, reads of the chain and
    // of the notices to recipients included (an outside probe found those
    // left no trace), then the access above.
    let chain = app.audit().await;
    let added: Vec<(&str, &str)> = chain[chain_before..]
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    let denied = "denied:E_UNSCOPED_KEY_REQUIRED";
    assert_eq!(
        added,
        [
            ("subject.access", denied),
            ("policy.publish", denied),
            ("subject.erase", denied),
            ("restriction.set", denied),
            ("audit.read", denied),
            ("audit.read", denied),
            ("deliveries.read", denied),
            ("deliveries.read", denied),
            ("subject.access", "allowed"),
        ]
    );
}

#[tokio::test]
async fn hole_03_consent_and_objection_are_limited_to_the_keys_purposes() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let consents = format!("/v1/subjects/{id}/consents");
    let objections = format!("/v1/subjects/{id}/objections");
    let news = json!({"purpose": "newsletter"});

    // The support-scoped service key: not newsletter consent, not another
    // purpose's objection, not an objection to everything.
    app.post(&consents, &app.scoped, news.clone())
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    assert_eq!(
        app.last_audit().await["outcome"],
        "denied:E_PURPOSE_OUT_OF_SCOPE"
    );
    app.post(&format!("{consents}/withdraw"), &app.scoped, news.clone())
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    app.post(&objections, &app.scoped, json!({"purpose": "ratings"}))
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    app.post(&objections, &app.scoped, json!({}))
        .await
        .error(403, "E_UNSCOPED_KEY_REQUIRED");
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["consents"], json!([]), "{access}");
    assert_eq!(access["objections"], json!([]), "{access}");
    // It sees no consent purpose outside its scope.
    assert_eq!(app.get(&consents, &app.scoped).await.ok(200), json!([]));

    // Within scope it works.
    app.post(&objections, &app.scoped, json!({"purpose": "support"}))
        .await
        .ok(201);
    let newsletter = acme_key(&app, "service", &["newsletter"], "newsletter").await;
    app.post(&consents, &newsletter, news).await.ok(201);
    let status = app.get(&consents, &newsletter).await.ok(200);
    assert_eq!(status.as_array().unwrap().len(), 1, "{status}");
    assert_eq!(status[0]["purpose"], "newsletter");
    assert_eq!(status[0]["live"], true);
    // An unscoped key still objects to everything.
    app.post(&objections, &app.service, json!({})).await.ok(201);
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

#[tokio::test]
async fn a_scoped_key_finds_people_only_by_its_purposes_identifiers_and_starts_no_retention_clock()
{
    let app = spawn_app().await;
    let records = json!([
        {"category": "email", "value": "ada@example.com"},
        {"category": "external_id", "value": "EXT-4711"}
    ]);
    let id = app.subject("customer", "account", records).await;
    let lookup = |category: &str, value: &str| json!({"category": category, "value": value});

    // Support (the key's one purpose) covers the email: found.
    let found = app
        .post(
            "/v1/subjects/lookup",
            &app.scoped,
            lookup("email", "ada@example.com"),
        )
        .await
        .ok(200);
    assert_eq!(found["id"], id.as_str());

    // No purpose of the key covers external_id: refused alike whether or
    // not anyone holds the value, and the refusal names no subject.
    for value in ["EXT-4711", "EXT-nobody"] {
        app.post(
            "/v1/subjects/lookup",
            &app.scoped,
            lookup("external_id", value),
        )
        .await
        .error(403, "E_CATEGORY_OUT_OF_SCOPE");
        let entry = app.last_audit().await;
        assert_eq!(entry["outcome"], "denied:E_CATEGORY_OUT_OF_SCOPE");
        assert!(entry["subject"].is_null(), "{entry}");
    }

    // Events and plan changes start periods under every purpose.
    let before = app.audit_len().await;
    app.post(
        "/v1/events",
        &app.scoped,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .error(403, "E_UNSCOPED_KEY_REQUIRED");
    app.put(
        &format!("/v1/subjects/{id}/plan"),
        &app.scoped,
        json!({"plan": "free"}),
    )
    .await
    .error(403, "E_UNSCOPED_KEY_REQUIRED");
    let denied: Vec<String> = app.audit().await[before..]
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(denied, ["denied:E_UNSCOPED_KEY_REQUIRED"; 2]);
    // The unscoped service key still records both.
    app.post(
        "/v1/events",
        &app.service,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .ok(201);
}

/// The retention forecast and the anonymised aggregates count records of
/// every category: a purpose-scoped key reads neither (an outside probe
/// read tenant-wide counts with a newsletter-scoped key).
#[tokio::test]
async fn a_scoped_key_reads_no_tenant_wide_retention_counts() {
    let app = spawn_app().await;
    customer(&app).await;
    let scoped = acme_key(&app, "analyst", &["newsletter"], "newsletter analyst").await;
    for path in ["/v1/retention/forecast?days=30", "/v1/retention/aggregates"] {
        app.get(path, &scoped)
            .await
            .error(403, "E_UNSCOPED_KEY_REQUIRED");
        app.get(path, &app.analyst).await.ok(200);
    }
}
