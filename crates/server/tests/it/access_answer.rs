//! The subject's access answer (Art. 15) over HTTP: every category with its
//! purposes, bases, recipients, retention, holds and source; the rights,
//! the DPO and the authority; the subject's own access log; and the CSV,
//! Markdown and HTML renderings, read back as a spreadsheet or browser
//! would.

use crate::helpers::*;
use serde_json::{Value, json};

/// A customer with an email and name (account, contract), a ticket
/// (support, legitimate interests) and an IBAN (billing, legal obligation,
/// under a statutory hold). Returns the id.
async fn customer(app: &TestApp, name: &str) -> String {
    let id = app
        .subject(
            "customer",
            "account",
            json!([
                {"category": "email", "value": "ada@example.com", "source": "signup-form"},
                {"category": "name", "value": name}
            ]),
        )
        .await;
    for (purpose, category, value) in [
        ("support", "ticket_text", "My printer is on fire"),
        ("billing", "iban", "DE89 3704 0044 0532 0130 00"),
    ] {
        let body = json!({"purpose": purpose, "records": [{"category": category, "value": value}]});
        app.post(&format!("/v1/subjects/{id}/records"), &app.service, body)
            .await
            .ok(201);
    }
    id
}

fn category<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == id)
        .unwrap_or_else(|| panic!("no category {id} in {answer}"))
}

fn purposes(category: &Value) -> Vec<(String, String)> {
    category["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purpose"].as_str().unwrap().to_owned(),
                p["basis"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_answer_lists_every_category_with_its_purposes_bases_recipients_retention_and_source() {
    let app = spawn_app().await;
    let id = customer(&app, "Ada Lovelace").await;
    let a = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);

    let held: Vec<&str> = a["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        held,
        ["email", "name", "ticket_text", "iban"],
        "policy order"
    );
    assert_eq!(
        a["records"].as_array().unwrap().len(),
        4,
        "earlier field kept"
    );
    assert_eq!(a["subject"], id.as_str());

    let email = category(&a, "email");
    assert_eq!(email["description"], "Email address");
    let uses = purposes(email);
    for expected in [
        ("account", "contract"),
        ("support", "legitimate_interests"),
        ("newsletter", "consent"),
        ("billing", "legal_obligation"),
    ] {
        assert!(
            uses.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {uses:?}"
        );
    }
    let account = &email["purposes"][0];
    assert_eq!(account["article"], "Art. 6(1)(b)");
    assert!(
        account["basis_text"]
            .as_str()
            .unwrap()
            .contains("signed up for")
    );
    let recipients: Vec<&str> = email["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        recipients,
        ["Helpdesk Cloud Inc.", "German tax office (Finanzamt)"]
    );
    let helpdesk = &email["recipients"][0];
    assert_eq!(helpdesk["country"], "US");
    assert_eq!(helpdesk["safeguard"], "scc");
    assert_eq!(helpdesk["role"], "processor");
    assert!(
        email["retention_text"]
            .as_str()
            .unwrap()
            .contains("90 days")
    );
    assert_eq!(email["sources"], json!(["signup-form"]));
    assert_eq!(email["records"][0]["value"], "ada@example.com");
    assert_eq!(category(&a, "name")["sources"], json!(["api"]));

    let iban = category(&a, "iban");
    assert_eq!(
        purposes(iban),
        [("billing".to_owned(), "legal_obligation".to_owned())]
    );
    let hold = &iban["holds"][0];
    assert!(hold["law"].as_str().unwrap().contains("HGB"));
    assert_eq!(hold["keep"], "10 years");
    let ticket = category(&a, "ticket_text");
    assert!(
        ticket["retention_text"]
            .as_str()
            .unwrap()
            .contains("1 year after your last activity")
    );

    let articles: Vec<&str> = a["rights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["article"].as_str().unwrap())
        .collect();
    for art in [
        "Art. 7(3)",
        "Art. 15",
        "Art. 16",
        "Art. 17",
        "Art. 18",
        "Art. 19",
        "Art. 20",
        "Art. 21",
        "Art. 22",
        "Art. 77",
    ] {
        assert!(articles.contains(&art), "{art} in {articles:?}");
    }
    assert_eq!(a["dpo"]["email"], "dpo@acme.example");
    assert_eq!(a["controller"]["email"], "privacy@acme.example");
    assert!(
        a["authority"]["name"]
            .as_str()
            .unwrap()
            .starts_with("Berlin Commissioner")
    );
    assert_eq!(a["automated_decisions"]["profiling"], false);
    assert_eq!(a["access_log_complete"], true);

    let last = app.last_audit().await;
    assert_eq!(last["action"], "subject.access");
    assert_eq!(last["subject"], id.as_str());
    assert_eq!(last["detail"], "count=4 log=0");
}

#[tokio::test]
async fn the_access_log_shows_reads_by_key_label_for_a_purpose_and_refusals() {
    let app = spawn_app().await;
    let id = customer(&app, "Ada Lovelace").await;
    app.read(&app.service, &id, "support").await.ok(200);
    app.read(&app.scoped, &id, "account")
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    let disclose =
        json!({"purpose": "support", "recipient": "helpdesk", "categories": ["ticket_text"]});
    app.post(
        &format!("/v1/subjects/{id}/disclosures"),
        &app.service,
        disclose,
    )
    .await
    .ok(200);
    let lookup = json!({"category": "email", "value": "ada@example.com"});
    app.post("/v1/subjects/lookup", &app.scoped, lookup)
        .await
        .ok(200);

    let a = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    let log = a["access_log"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str, bool)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["by"].as_str().unwrap(),
                e["purpose"].as_str().unwrap_or(""),
                e["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("record.read", "API key 'service'", "support", true),
            ("record.read", "API key 'scoped'", "account", false),
            ("record.disclose", "API key 'service'", "support", true),
            ("subject.lookup", "API key 'scoped'", "", true),
        ],
        "writes are not in the access log; every use is"
    );
    assert_eq!(log[1]["refusal"], "E_PURPOSE_OUT_OF_SCOPE");
    assert_eq!(log[2]["recipient"], "helpdesk");
    assert!(
        log[0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-01T09:00:00")
    );
    let text = a.to_string();
    assert!(!text.contains("tutela.acme."), "no token in the answer");

    // The answer itself is on the log of the next answer.
    app.advance_hours(1);
    let again = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    let last = again["access_log"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "subject.access");
    assert_eq!(last["by"], "API key 'dpo'");
}

#[tokio::test]
async fn the_csv_parses_starts_with_a_bom_and_neutralises_a_formula() {
    let app = spawn_app().await;
    let id = customer(&app, "=HYPERLINK(\"http://evil.example\",\"x\")").await;
    let reply = app
        .get(&format!("/v1/subjects/{id}/access?format=csv"), &app.dpo)
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        reply.headers["content-disposition"],
        format!("attachment; filename=\"access-{id}.csv\"").as_str()
    );
    assert!(reply.text.starts_with('\u{feff}'), "UTF-8 with BOM");
    let body = reply.text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "category",
            "value",
            "collected_for",
            "source",
            "collected_at",
            "purposes",
            "legal_bases",
            "recipients",
            "retention"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "one row per record");
    let name = rows.iter().find(|r| &r[0] == "name").unwrap();
    assert_eq!(&name[1], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(&name[2], "account");
    assert!(name[6].contains("account: contract (Art. 6(1)(b))"));
    let email = rows.iter().find(|r| &r[0] == "email").unwrap();
    assert!(email[7].contains("Helpdesk Cloud Inc. (processor, US, scc)"));
    assert!(!email[8].is_empty());
}

#[tokio::test]
async fn html_and_markdown_are_readable_and_a_script_value_is_inert() {
    let app = spawn_app().await;
    let id = customer(&app, "<script>alert('x')</script>").await;
    let html = app
        .get(&format!("/v1/subjects/{id}/access?format=html"), &app.dpo)
        .await;
    assert_eq!(html.status.as_u16(), 200);
    assert_eq!(html.headers["content-type"], "text/html; charset=utf-8");
    assert!(html.text.starts_with("<!DOCTYPE html>"));
    assert!(!html.text.contains("<script"), "{}", html.text);
    assert!(
        html.text
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    );
    assert!(html.text.contains("dpo@acme.example"));
    let md = app
        .get(&format!("/v1/subjects/{id}/access?format=md"), &app.dpo)
        .await;
    assert_eq!(md.headers["content-type"], "text/markdown; charset=utf-8");
    assert!(md.text.contains("## Your rights"));
    assert!(!md.text.contains("<script"));
}

#[tokio::test]
async fn a_bad_format_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let id = customer(&app, "Ada").await;
    let before = app.audit_len().await;
    for path in [
        format!("/v1/subjects/{id}/access?format=pdf"),
        format!("/v1/subjects/{id}/portable?format=html"),
    ] {
        let body = app.get(&path, &app.dpo).await.error(400, "E_INVALID_QUERY");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("format: ")
        );
    }
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn another_tenants_subject_and_the_service_role_get_no_answer() {
    let app = spawn_app().await;
    let id = customer(&app, "Ada").await;
    let beta = json!({"id": "beta", "name": "Beta Ltd", "policy": tutela_policy::EXAMPLE_POLICY});
    let created = app.post("/v1/tenants", &app.operator, beta).await.ok(201);
    let beta_admin = created["admin_token"].as_str().unwrap().to_owned();
    for path in ["access", "access?format=csv", "portable"] {
        app.get(&format!("/v1/subjects/{id}/{path}"), &beta_admin)
            .await
            .error(404, "E_SUBJECT_NOT_FOUND");
    }
    app.get(&format!("/v1/subjects/{id}/access"), &app.service)
        .await
        .error(403, "E_FORBIDDEN");
}

/// Art. 15(1)(d): the plan history and the lifecycle events that start the
/// subject's retention periods are in the answer, in JSON and in the
/// readable formats.
#[tokio::test]
async fn the_answer_shows_the_plans_and_events_retention_counts_from() {
    let app = spawn_app().await;
    let id = customer(&app, "Ada Lovelace").await;
    let empty = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(empty["lifecycle"]["plans"], json!([]), "{empty}");
    app.put(
        &format!("/v1/subjects/{id}/plan"),
        &app.service,
        json!({"plan": "free"}),
    )
    .await
    .ok(204);
    app.post(
        "/v1/events",
        &app.admin,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .ok(201);
    let answer = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    let life = &answer["lifecycle"];
    assert_eq!(life["plans"][0]["plan"], "free", "{answer}");
    assert!(life["plans"][0]["since"].is_string());
    assert_eq!(life["events"][0]["name"], "tenant.uninstalled");
    assert_eq!(life["events"][0]["tenant_wide"], true);
    let md = app
        .get(&format!("/v1/subjects/{id}/access?format=md"), &app.dpo)
        .await;
    assert!(md.text.contains("moved to the plan free"), "{}", md.text);
    assert!(md.text.contains("tenant.uninstalled"));
}
