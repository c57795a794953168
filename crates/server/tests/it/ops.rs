//! Operations endpoints and the policy's read side: health, readiness,
//! metrics, the OpenAPI document, the policy, its versions and its notice.

use crate::helpers::spawn_app;
use reqwest::Method;
use serde_json::json;

/// Every route the router serves, as `METHOD path`. Adding a route without
/// documenting it (or the reverse) fails `openapi_documents_every_route`.
const ROUTES: &[&str] = &[
    "GET /healthz",
    "GET /readyz",
    "GET /openapi.json",
    "POST /v1/tenants",
    "GET /v1/tenants",
    "GET /v1/tenant",
    "POST /v1/keys",
    "GET /v1/keys",
    "DELETE /v1/keys/{id}",
    "GET /v1/policy",
    "PUT /v1/policy",
    "GET /v1/policy/versions",
    "GET /v1/policy/notice",
    "GET /v1/policy/record",
    "POST /v1/policy/check",
    "POST /v1/policy/diff",
    "POST /v1/subjects",
    "POST /v1/subjects/lookup",
    "DELETE /v1/subjects/{id}",
    "PUT /v1/subjects/{id}/restriction",
    "POST /v1/subjects/{id}/records",
    "GET /v1/subjects/{id}/records",
    "POST /v1/subjects/{id}/death",
    "POST /v1/subjects/{id}/disclosures",
    "GET /v1/subjects/{id}/access",
    "GET /v1/subjects/{id}/portable",
    "PUT /v1/subjects/{id}/records/{record_id}",
    "DELETE /v1/subjects/{id}/records/{record_id}",
    "GET /v1/subjects/{id}/consents",
    "POST /v1/subjects/{id}/consents",
    "POST /v1/subjects/{id}/checks",
    "POST /v1/subjects/{id}/consents/withdraw",
    "POST /v1/subjects/{id}/objections",
    "GET /v1/subjects/{id}/consents/{consent_id}/receipt",
    "GET /v1/consents/receipt-key",
    "POST /v1/subjects/{id}/unsubscribe-links",
    "POST /v1/unsubscribe/{token}",
    "GET /v1/unsubscribe/{token}",
    "GET /v1/banner",
    "PUT /v1/visitors/{visitor_id}/choices",
    "GET /v1/visitors/{visitor_id}/choices",
    "PUT /v1/subjects/{id}/choices",
    "GET /v1/subjects/{id}/choices",
    "GET /v1/audit",
    "GET /v1/audit/heads",
    "GET /v1/audit/verify",
    "POST /v1/audit/checkpoints",
    "POST /v1/deliveries/{id}/retry",
    "POST /v1/requests",
    "GET /v1/requests",
    "GET /v1/requests/{id}",
    "POST /v1/requests/{id}/code",
    "POST /v1/requests/{id}/verify",
    "POST /v1/requests/{id}/extend",
    "POST /v1/requests/{id}/refuse",
    "POST /v1/requests/{id}/fee",
    "POST /v1/requests/{id}/fulfil",
    "GET /v1/requests/{id}/answer",
    "GET /v1/recipients",
    "PUT /v1/recipients/{id}/endpoint",
    "DELETE /v1/recipients/{id}/endpoint",
    "GET /v1/deliveries",
    "POST /v1/events",
    "PUT /v1/subjects/{id}/plan",
    "GET /v1/retention/forecast",
    "GET /v1/retention/aggregates",
    "GET /v1/reports/{purpose}/counts",
    "GET /v1/reports/{purpose}/ranking",
    "GET /v1/reports/{purpose}/totals",
    "GET /v1/reports/{purpose}/export",
    "POST /v1/surveys",
    "POST /v1/surveys/{id}/open",
    "POST /v1/surveys/{id}/close",
    "GET /v1/surveys/{id}/results",
    "POST /v1/surveys/answers",
];

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = app.send(Method::GET, "/healthz", None, None).await.ok(200);
    assert_eq!(health["status"], "ok");
    let ready = app.send(Method::GET, "/readyz", None, None).await.ok(200);
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, None)
        .await
        .ok(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    expected.sort();
    assert_eq!(documented, expected);

    // Every listed route is really served: none answers "no such route".
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{token}", &format!("acme.{}", "A".repeat(43)));
        let reply = app.send(method.parse().unwrap(), &path, None, None).await;
        assert!(
            reply.status != 404 && reply.status != 405,
            "{route}: {}",
            reply.status
        );
    }

    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let read = &paths["/v1/subjects/{id}/records"]["get"];
    assert!(read["security"].is_array());
    assert!(read["responses"]["403"].is_object());
    assert!(
        read["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "purpose")
    );
}

#[tokio::test]
async fn metrics_count_requests_and_denials() {
    let app = spawn_app().await;
    let id = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "ada@example.com"}]),
        )
        .await;
    app.read(&app.service, &id, "account").await.ok(200);
    app.read(&app.service, &id, "marketing")
        .await
        .error(403, "E_PURPOSE_NOT_DECLARED");
    app.read(&app.service, &id, "marketing")
        .await
        .error(403, "E_PURPOSE_NOT_DECLARED");
    app.get("/v1/policy", "garbage")
        .await
        .error(401, "E_UNAUTHENTICATED");

    let reply = app.metrics().await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = reply.text;
    let count = |needle: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .map_or(0, |n| n.parse().unwrap())
    };
    let route = "route=\"/v1/subjects/{id}/records\"";
    assert_eq!(
        count(&format!(
            "tutela_http_requests_total{{method=\"GET\",{route},status=\"200\"}}"
        )),
        1,
        "{text}"
    );
    assert_eq!(
        count(&format!(
            "tutela_http_requests_total{{method=\"GET\",{route},status=\"403\"}}"
        )),
        2,
        "{text}"
    );
    assert_eq!(
        count("tutela_denials_total{code=\"E_PURPOSE_NOT_DECLARED\"}"),
        2,
        "{text}"
    );
    assert_eq!(
        count("tutela_denials_total{code=\"E_UNAUTHENTICATED\"}"),
        1,
        "{text}"
    );
    assert!(
        count("tutela_http_request_duration_seconds_count") >= 5,
        "{text}"
    );
    assert!(!text.contains(&id), "no ids in labels");
}

#[tokio::test]
async fn the_policy_versions_and_notice_are_readable() {
    let app = spawn_app().await;
    let policy = app.get("/v1/policy", &app.analyst).await.ok(200);
    assert_eq!(policy["version"], 1);
    assert_eq!(policy["source"], tutela_policy::EXAMPLE_POLICY);
    assert!(policy["policy"].is_object());

    let notice = app.get("/v1/policy/notice", &app.service).await;
    assert_eq!(notice.status, 200);
    assert!(
        notice.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(notice.text.contains("Acme"), "{}", notice.text);

    let reworded = tutela_policy::EXAMPLE_POLICY.replacen(
        "Answer your support requests",
        "Answer what you ask our support",
        1,
    );
    app.put("/v1/policy", &app.dpo, json!({"source": reworded}))
        .await
        .ok(201);
    let versions = app.get("/v1/policy/versions", &app.admin).await.ok(200);
    let numbers: Vec<u64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(
        app.get("/v1/policy", &app.admin).await.ok(200)["version"],
        2
    );
    assert_eq!(
        app.get("/v1/policy?version=1", &app.admin).await.ok(200)["version"],
        1
    );
    app.get("/v1/policy?version=9", &app.admin)
        .await
        .error(404, "E_POLICY_VERSION_NOT_FOUND");

    let checked = app
        .post(
            "/v1/policy/check",
            &app.analyst,
            json!({"source": tutela_policy::EXAMPLE_POLICY}),
        )
        .await
        .ok(200);
    assert_eq!(checked["ok"], true);
}
