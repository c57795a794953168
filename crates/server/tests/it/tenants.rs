//! Tenant isolation: a key sees only its own tenant, and another tenant's
//! subjects look exactly like subjects that do not exist.

use crate::helpers::{TestApp, spawn_app};
use serde_json::json;

/// Creates tenant `beta` through the API; returns its admin token.
async fn beta(app: &TestApp) -> String {
    let body = json!({"id": "beta", "name": "Beta Ltd", "policy": tutela_policy::EXAMPLE_POLICY});
    let created = app.post("/v1/tenants", &app.operator, body).await.ok(201);
    assert_eq!(created["tenant"]["id"], "beta");
    assert_eq!(created["tenant"]["policy_version"], 1);
    assert_eq!(created["tenant"]["operator"], false);
    created["admin_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_tenant_cannot_see_or_touch_a_subject() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    let beta_admin = beta(&app).await;
    let before = app.audit_len().await;

    app.read(&beta_admin, &id, "account")
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.get(&format!("/v1/subjects/{id}/access"), &beta_admin)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    let write = json!({"purpose": "account", "records": [{"category": "name", "value": "Eve"}]});
    app.post(&format!("/v1/subjects/{id}/records"), &beta_admin, write)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.put(
        &format!("/v1/subjects/{id}/restriction"),
        &beta_admin,
        json!({"restricted": true}),
    )
    .await
    .error(404, "E_SUBJECT_NOT_FOUND");
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &beta_admin,
        json!({"purpose": "newsletter"}),
    )
    .await
    .error(404, "E_SUBJECT_NOT_FOUND");
    app.delete(&format!("/v1/subjects/{id}"), &beta_admin)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    let lookup = json!({"category": "email", "value": "ada@example.com"});
    app.post("/v1/subjects/lookup", &beta_admin, lookup)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");

    // Beta's audit chain holds only beta's own acts.
    let beta_audit = app.get("/v1/audit?limit=1000", &beta_admin).await.ok(200);
    assert!(!beta_audit.to_string().contains(&id), "{beta_audit}");
    assert_eq!(app.audit_len().await, before, "acme's chain did not move");
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(access["restricted"], false);
    assert_eq!(access["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_operator_manages_tenants_but_cannot_read_their_records() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.read(&app.operator, &id, "account")
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
    app.get(&format!("/v1/subjects/{id}/access"), &app.operator)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");

    let tenants = app.get("/v1/tenants", &app.operator).await.ok(200);
    let ids: Vec<&str> = tenants
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"acme") && ids.contains(&"operator"),
        "{ids:?}"
    );
    app.get("/v1/tenants", &app.admin)
        .await
        .error(403, "E_FORBIDDEN");
    let body = json!({"id": "gamma", "name": "Gamma", "policy": tutela_policy::EXAMPLE_POLICY});
    app.post("/v1/tenants", &app.admin, body)
        .await
        .error(403, "E_FORBIDDEN");
    let own = app.get("/v1/tenant", &app.analyst).await.ok(200);
    assert_eq!(own["id"], "acme");
    assert_eq!(own["name"], "Acme");

    // No admin creates keys in another tenant, the operator's included.
    let key = json!({"role": "dpo", "label": "acme dpo", "tenant": "acme"});
    app.post("/v1/keys", &app.operator, key)
        .await
        .error(403, "E_OTHER_TENANT");
    let key = json!({"role": "admin", "label": "takeover", "tenant": "operator"});
    app.post("/v1/keys", &app.admin, key)
        .await
        .error(403, "E_OTHER_TENANT");
}

#[tokio::test]
async fn tenant_creation_is_checked() {
    let app = spawn_app().await;
    beta(&app).await;
    let again =
        json!({"id": "beta", "name": "Beta again", "policy": tutela_policy::EXAMPLE_POLICY});
    app.post("/v1/tenants", &app.operator, again)
        .await
        .error(409, "E_TENANT_EXISTS");

    let bad_policy = json!({"id": "delta", "name": "Delta", "policy": "[[purpose]]\nid = \"x\"\n"});
    let body = app
        .post("/v1/tenants", &app.operator, bad_policy)
        .await
        .error(422, "E_POLICY_INVALID");
    let diagnostics = body["error"]["diagnostics"].as_array().unwrap();
    assert!(!diagnostics.is_empty());
    assert!(diagnostics[0]["line"].as_u64().is_some() && diagnostics[0]["code"].as_str().is_some());

    let bad_id =
        json!({"id": "Not A Slug", "name": "Delta", "policy": tutela_policy::EXAMPLE_POLICY});
    let body = app
        .post("/v1/tenants", &app.operator, bad_id)
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("id:")
    );

    // A name is printed in operators' terminals: one line, visible text.
    for name in [
        "Nice\u{1b}[2J FAKE ERROR",
        "Two\nlines",
        "Acme \u{202E}lla",
        "Paypa\u{200b}l",
        "Nice\u{200f}",
    ] {
        let body = json!({"id": "delta", "name": name, "policy": tutela_policy::EXAMPLE_POLICY});
        let refused = app
            .post("/v1/tenants", &app.operator, body)
            .await
            .error(422, "E_INVALID_FIELD");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("name")
        );
    }

    let tenants = app.get("/v1/tenants", &app.operator).await.ok(200);
    assert_eq!(
        tenants.as_array().unwrap().len(),
        3,
        "operator, acme, beta: {tenants}"
    );
}
