//! `GET /v1/policy/notice` by content negotiation and `GET
//! /v1/policy/record` as JSON and CSV, each the tenant's own.

use crate::helpers::{Reply, TestApp, spawn_app};
use tutela_policy::{NoticeFormat, Policy};

async fn notice(app: &TestApp, token: &str, accept: Option<&str>) -> Reply {
    let mut req = app
        .client
        .get(format!("{}/v1/policy/notice", app.base))
        .bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let res = req.send().await.unwrap();
    Reply {
        status: res.status(),
        headers: res.headers().clone(),
        text: res.text().await.unwrap(),
    }
}

fn content_type(reply: &Reply) -> &str {
    reply.headers["content-type"].to_str().unwrap()
}

#[tokio::test]
async fn the_notice_is_markdown_or_html_as_asked() {
    let app = spawn_app().await;
    let example = Policy::parse(tutela_policy::EXAMPLE_POLICY).unwrap();

    let md = notice(&app, &app.analyst, None).await;
    assert_eq!(md.status, 200, "{}", md.text);
    assert!(content_type(&md).starts_with("text/markdown"));
    assert_eq!(
        md.text,
        example.render_notice(NoticeFormat::Markdown).unwrap()
    );

    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let html = notice(&app, &app.service, Some(browser)).await;
    assert_eq!(html.status, 200, "{}", html.text);
    assert!(content_type(&html).starts_with("text/html"));
    assert_eq!(
        html.text,
        example.render_notice(NoticeFormat::Html).unwrap()
    );

    let md = notice(&app, &app.dpo, Some("text/markdown")).await;
    assert!(content_type(&md).starts_with("text/markdown"));
}

#[tokio::test]
async fn an_accept_it_cannot_serve_is_406_and_changes_nothing() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    for accept in [
        "application/json",
        "image/png",
        "text/html;q=0, text/markdown;q=0",
    ] {
        notice(&app, &app.analyst, Some(accept))
            .await
            .error(406, "E_NOT_ACCEPTABLE");
    }
    assert_eq!(app.audit_len().await, before);
    let anonymous = app
        .client
        .get(format!("{}/v1/policy/notice", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn each_tenant_reads_its_own_notice_and_record() {
    let app = spawn_app().await;
    let operator = notice(&app, &app.operator, None).await;
    assert_eq!(operator.status, 200, "{}", operator.text);
    assert!(
        operator.text.contains("Tutela client accounts"),
        "{}",
        operator.text
    );
    assert!(
        !operator.text.contains("Acme"),
        "the operator never sees a client's notice"
    );
    let record = app.get("/v1/policy/record", &app.operator).await.ok(200);
    assert!(!record.to_string().contains("Acme Software GmbH"));
}

#[tokio::test]
async fn the_record_is_json_or_csv() {
    let app = spawn_app().await;
    let json = app.get("/v1/policy/record", &app.analyst).await;
    assert!(content_type(&json).starts_with("application/json"));
    let body = json.ok(200);
    assert_eq!(body["record_format"], 1);
    assert_eq!(body["controller"]["name"], "Acme Software GmbH");
    assert_eq!(body["activities"].as_array().unwrap().len(), 7);
    assert_eq!(body["processors"][0]["id"], "helpdesk");

    let csv = app.get("/v1/policy/record?format=csv", &app.dpo).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(content_type(&csv).starts_with("text/csv"));
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("record-activities-v1.csv")
    );
    let mut reader = csv::Reader::from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "purpose");
    assert_eq!(reader.records().count(), 7);

    let processors = app
        .get(
            "/v1/policy/record?format=csv&table=processors&version=1",
            &app.admin,
        )
        .await;
    assert_eq!(processors.status, 200, "{}", processors.text);
    assert!(processors.text.contains("helpdesk,Helpdesk Cloud Inc.,US"));

    app.get("/v1/policy/record?format=xlsx", &app.admin)
        .await
        .error(400, "E_INVALID_QUERY");
    let missing = app
        .get("/v1/policy/record?version=99", &app.admin)
        .await
        .error(404, "E_POLICY_VERSION_NOT_FOUND");
    assert!(
        missing["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("policy version 99 does not exist")),
        "{missing}"
    );
}
