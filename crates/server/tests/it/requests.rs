//! Data subject requests over HTTP, one test per kind (file, code, verify,
//! fulfil, and the act really happened), with the injected clock moved.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use tutela_engine::ids::RequestId;

/// A customer with an email, for the account purpose.
pub async fn customer(app: &TestApp) -> String {
    app.subject(
        "customer",
        "account",
        json!([{"category": "email", "value": "ada@example.com"}]),
    )
    .await
}

/// Files `body` (with the DPO key) and expects a new request.
pub async fn file(app: &TestApp, body: Value) -> Value {
    app.post("/v1/requests", &app.dpo, body).await.ok(201)
}

/// Sends a code and returns it as the subject received it.
pub async fn code(app: &TestApp, id: &str) -> String {
    app.post(&format!("/v1/requests/{id}/code"), &app.dpo, json!({}))
        .await
        .ok(200);
    app.notes
        .last_code(RequestId::parse(id).unwrap())
        .expect("a code was sent")
}

/// Files `body` and verifies it with the code the subject received.
pub async fn verified(app: &TestApp, body: Value) -> String {
    let filed = file(app, body).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let code = code(app, &id).await;
    let verified = app
        .post(
            &format!("/v1/requests/{id}/verify"),
            &app.dpo,
            json!({"code": code.to_lowercase()}),
        )
        .await
        .ok(200);
    assert_eq!(verified["state"], "verified");
    assert_eq!(verified["verified_by"], "code");
    id
}

/// Fulfils a request; returns the body.
pub async fn fulfil(app: &TestApp, id: &str, body: Value) -> Value {
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, body)
        .await
        .ok(200)
}

#[tokio::test]
async fn erasure_runs_from_filing_to_fulfilment_and_the_subject_is_gone() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let filed = file(&app, json!({"subject": subject, "kind": "erasure"})).await;
    assert_eq!(filed["state"], "received");
    assert_eq!(filed["due_at"], "2026-04-01T09:00:00Z");
    assert_eq!(filed["effective_due_at"], "2026-04-01T09:00:00Z");
    assert_eq!(filed["handler"], "controller");
    assert_eq!(filed["handler_contact"], "privacy@acme.example");
    assert_eq!(filed["overdue"], false);
    let id = filed["id"].as_str().unwrap().to_owned();
    let code = code(&app, &id).await;
    let shown = app.get(&format!("/v1/requests/{id}"), &app.dpo).await;
    assert!(!shown.text.contains(&code), "the code is never shown");
    app.post(
        &format!("/v1/requests/{id}/verify"),
        &app.dpo,
        json!({"code": code}),
    )
    .await
    .ok(200);
    let done = fulfil(&app, &id, json!({})).await;
    assert_eq!(done["state"], "fulfilled");
    assert!(done["fulfilled_at"].is_string());
    app.read(&app.service, &subject, "account")
        .await
        .error(409, "E_SUBJECT_ERASED");
    let audit = app.audit().await;
    let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(
        actions.ends_with(&["subject.erase", "request.fulfil"]),
        "{actions:?}"
    );
    for action in ["request.file", "request.code", "request.verify"] {
        assert!(actions.contains(&action), "{action}");
    }
    let chain = serde_json::to_string(&audit).unwrap();
    assert!(!chain.contains(&code), "no code on the chain");
    assert!(chain.contains(&format!("request={id} kind=erasure")));
    app.assert_chain_intact().await;
    // Done once: a second fulfilment changes nothing.
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(409, "E_INVALID_TRANSITION");
}

#[tokio::test]
async fn restriction_and_its_lifting_are_applied_on_fulfilment() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(&app, json!({"subject": subject, "kind": "restriction"})).await;
    fulfil(&app, &id, json!({})).await;
    app.read(&app.service, &subject, "account")
        .await
        .error(403, "E_SUBJECT_RESTRICTED");
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "restriction_lift"}),
    )
    .await;
    fulfil(&app, &id, json!({})).await;
    app.read(&app.service, &subject, "account").await.ok(200);
}

#[tokio::test]
async fn an_objection_request_records_the_objection() {
    let app = spawn_app().await;
    let subject = app
        .subject(
            "customer",
            "ratings",
            json!([{"category": "ticket_text", "value": "slow answer"}]),
        )
        .await;
    app.read(&app.service, &subject, "ratings").await.ok(200);
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "objection", "purpose": "ratings"}),
    )
    .await;
    let done = fulfil(&app, &id, json!({})).await;
    assert_eq!(done["purpose"], "ratings");
    app.read(&app.service, &subject, "ratings")
        .await
        .error(403, "E_OBJECTED");
}

#[tokio::test]
async fn an_objection_that_cannot_apply_is_filed_with_a_warning_and_refused_with_reasons() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    // A contract purpose cannot be objected to (Art. 21(1)), yet the
    // person asked: the request is filed and due, so it is answered.
    let filed = app
        .post(
            "/v1/requests",
            &app.dpo,
            json!({"subject": subject, "kind": "objection", "purpose": "account"}),
        )
        .await
        .ok(201);
    assert_eq!(filed["state"], "received");
    assert!(filed["due_at"].is_string());
    assert_eq!(filed["warning"]["code"], "W_OBJECTION_NOT_APPLICABLE");
    let id = filed["id"].as_str().unwrap().to_owned();
    // The same for a withdrawal of a consent the purpose never rested on.
    let withdrawal = app
        .post(
            "/v1/requests",
            &app.dpo,
            json!({"subject": subject, "kind": "consent_withdrawal", "purpose": "account"}),
        )
        .await
        .ok(201);
    assert_eq!(withdrawal["warning"]["code"], "W_CONSENT_NOT_APPLICABLE");
    // Listed and shown without the warning, which belongs to filing.
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert!(shown["warning"].is_null());
    // It cannot be carried out, and nothing is put on the ledger.
    app.post(
        &format!("/v1/requests/{id}/verify"),
        &app.dpo,
        json!({"method": "manual", "note": "known customer"}),
    )
    .await
    .ok(200);
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(400, "E_OBJECTION_NOT_APPLICABLE");
    app.read(&app.service, &subject, "account").await.ok(200);
    let refused = app
        .post(
            &format!("/v1/requests/{id}/refuse"),
            &app.dpo,
            json!({"reason": "The account is needed to perform your contract."}),
        )
        .await
        .ok(200);
    assert_eq!(refused["state"], "refused");
    // An undeclared purpose is still an error of the filing itself.
    app.post(
        "/v1/requests",
        &app.dpo,
        json!({"subject": subject, "kind": "objection", "purpose": "nonexistent"}),
    )
    .await
    .error(403, "E_PURPOSE_NOT_DECLARED");
}

#[tokio::test]
async fn the_queue_lists_one_subjects_requests_and_one_kind() {
    let app = spawn_app().await;
    let ada = customer(&app).await;
    let bob = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "bob@example.com"}]),
        )
        .await;
    let first = file(&app, json!({"subject": ada, "kind": "access"})).await;
    let second = file(&app, json!({"subject": ada, "kind": "erasure"})).await;
    file(&app, json!({"subject": bob, "kind": "access"})).await;
    let ids = |page: &Value| -> Vec<String> {
        page["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let of_ada = app
        .get(&format!("/v1/requests?subject={ada}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(
        ids(&of_ada),
        [
            first["id"].as_str().unwrap(),
            second["id"].as_str().unwrap()
        ]
    );
    let simple = ada.replace('-', "");
    let of_ada_plain = app
        .get(
            &format!("/v1/requests?subject={simple}&kind=erasure"),
            &app.dpo,
        )
        .await
        .ok(200);
    assert_eq!(ids(&of_ada_plain), [second["id"].as_str().unwrap()]);
    let access = app.get("/v1/requests?kind=access", &app.dpo).await.ok(200);
    assert_eq!(ids(&access).len(), 2);
    let err = app
        .get("/v1/requests?subject=%7Bnot-an-id%7D", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("subject:")
    );
    let err = app
        .get("/v1/requests?kind=complaint", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("kind:")
    );
}

#[tokio::test]
async fn a_consent_withdrawal_request_withdraws_the_consent() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    app.post(
        &format!("/v1/subjects/{subject}/consents"),
        &app.service,
        json!({"purpose": "newsletter"}),
    )
    .await
    .ok(201);
    app.advance_hours(1);
    app.read(&app.service, &subject, "newsletter").await.ok(200);
    app.post(
        "/v1/requests",
        &app.service,
        json!({"subject": subject, "kind": "consent_withdrawal"}),
    )
    .await
    .error(422, "E_INVALID_FIELD");
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "consent_withdrawal", "purpose": "newsletter"}),
    )
    .await;
    app.advance_hours(1);
    fulfil(&app, &id, json!({})).await;
    app.advance_hours(1);
    app.read(&app.service, &subject, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");
}

#[tokio::test]
async fn a_withdrawal_request_for_a_consent_never_given_is_met_without_a_ledger_entry() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "consent_withdrawal", "purpose": "analytics"}),
    )
    .await;
    app.advance_hours(1);
    assert_eq!(fulfil(&app, &id, json!({})).await["state"], "fulfilled");
    let consents = format!("/v1/subjects/{subject}/consents");
    let status = app.get(&consents, &app.service).await.ok(200);
    let analytics = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["purpose"] == "analytics")
        .unwrap()
        .clone();
    assert!(
        analytics["withdrawn_at"].is_null(),
        "no withdrawal written: {analytics}"
    );
}

#[tokio::test]
async fn access_portability_and_rectification_are_marked_done() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    for kind in ["access", "portability"] {
        let id = verified(&app, json!({"subject": subject, "kind": kind})).await;
        assert_eq!(fulfil(&app, &id, json!({})).await["state"], "fulfilled");
    }
    let id = verified(&app, json!({"subject": subject, "kind": "rectification"})).await;
    let path = format!("/v1/requests/{id}/fulfil");
    let body = app
        .post(&path, &app.dpo, json!({}))
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("note:")
    );
    let done = fulfil(&app, &id, json!({"note": "name corrected in record"})).await;
    assert_eq!(done["closed_note"], "name corrected in record");
    // Still readable: access and portability take nothing away.
    app.read(&app.service, &subject, "account").await.ok(200);
}

#[tokio::test]
async fn transfer_and_directive_details_stay_sealed() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let url = "https://new-provider.example/import/ada";
    let body = json!({"subject": subject, "kind": "transfer", "url": url});
    let id = verified(&app, body).await;
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(shown["has_detail"], true);
    assert!(
        !shown.to_string().contains("new-provider"),
        "the URL stays sealed"
    );
    let bad = json!({"subject": subject, "kind": "transfer", "url": "http://plain.example/"});
    let err = app
        .post("/v1/requests", &app.dpo, bad)
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(!err.to_string().contains("plain.example"), "never echoed");
    let body =
        json!({"subject": subject, "kind": "directive", "directive": "hand_to", "person": "Grace"});
    let id = verified(&app, body).await;
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert!(
        !shown.to_string().contains("Grace"),
        "the name stays sealed"
    );
    let chain = serde_json::to_string(&app.audit().await).unwrap();
    assert!(!chain.contains("new-provider") && !chain.contains("Grace"));
}

#[tokio::test]
async fn a_failed_act_leaves_the_request_open_and_nothing_done() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    // An objection to a contract purpose is filed (to be refused with
    // reasons) but its act cannot run.
    let id = verified(
        &app,
        json!({"subject": subject, "kind": "objection", "purpose": "account"}),
    )
    .await;
    let before = app.audit_len().await;
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(400, "E_OBJECTION_NOT_APPLICABLE");
    let shown = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(shown["state"], "verified", "the request stays open");
    assert!(shown["fulfilled_at"].is_null());
    assert_eq!(
        app.audit_len().await,
        before,
        "no act, no fulfilment on record"
    );
}

#[tokio::test]
async fn an_erasure_closes_the_requests_it_leaves_nothing_to_act_on() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let portability = file(&app, json!({"subject": subject, "kind": "portability"})).await;
    let restriction = verified(&app, json!({"subject": subject, "kind": "restriction"})).await;
    let access = file(&app, json!({"subject": subject, "kind": "access"})).await;
    let erasure = verified(&app, json!({"subject": subject, "kind": "erasure"})).await;
    fulfil(&app, &erasure, json!({})).await;
    for id in [
        portability["id"].as_str().unwrap(),
        restriction.as_str(),
        access["id"].as_str().unwrap(),
    ] {
        let shown = app
            .get(&format!("/v1/requests/{id}"), &app.dpo)
            .await
            .ok(200);
        assert_eq!(shown["state"], "refused", "{shown}");
        assert!(shown["closed_at"].is_string());
    }
    let done = app
        .get(&format!("/v1/requests/{erasure}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(done["state"], "fulfilled");
    // Nothing of them falls overdue.
    app.advance_hours(24 * 62);
    let overdue = app.get("/v1/requests?overdue=true", &app.dpo).await.ok(200);
    assert_eq!(overdue["requests"], json!([]), "{overdue}");
    let last = app.audit().await;
    let erased = last
        .iter()
        .rev()
        .find(|e| e["action"] == "subject.erase")
        .unwrap();
    assert!(
        erased["detail"]
            .as_str()
            .unwrap()
            .contains("requests_closed=3"),
        "{erased}"
    );
}

#[tokio::test]
async fn two_fulfilments_at_once_erase_once() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(&app, json!({"subject": subject, "kind": "erasure"})).await;
    let path = format!("/v1/requests/{id}/fulfil");
    let (a, b) = tokio::join!(
        app.post(&path, &app.dpo, json!({})),
        app.post(&path, &app.admin, json!({}))
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
    let erasures = app
        .audit()
        .await
        .iter()
        .filter(|e| e["action"] == "subject.erase" || e["action"] == "request.fulfil")
        .count();
    assert_eq!(erasures, 2, "one erasure and one fulfilment");
}

/// A later policy version dropped the purpose a verified withdrawal or
/// objection names: fulfilling it puts the person's word on the ledger all
/// the same (it was refused for good with `E_PURPOSE_NOT_DECLARED`), so a
/// version declaring the purpose again revives no consent and forgets no
/// objection.
#[tokio::test]
async fn a_request_about_a_dropped_purpose_still_goes_on_the_ledger() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    app.post(
        &format!("/v1/subjects/{subject}/consents"),
        &app.service,
        json!({"purpose": "newsletter", "source": "signup-form"}),
    )
    .await
    .ok(201);
    let withdrawal = verified(
        &app,
        json!({"subject": subject, "kind": "consent_withdrawal", "purpose": "newsletter"}),
    )
    .await;
    let objection = verified(
        &app,
        json!({"subject": subject, "kind": "objection", "purpose": "ratings"}),
    )
    .await;
    let without = tutela_policy::EXAMPLE_POLICY
        .replacen(
            "[[purpose]]\nid = \"newsletter\"\ndescription = \"Send you our newsletter\"\nbasis = \"consent\"\ncategories = [\"email\"]\ndirect_marketing = true\nconsent_valid_for = \"13 months\"\n",
            "",
            1,
        )
        .replacen(
            "[[purpose]]\nid = \"ratings\"\ndescription = \"Rate support answers and show agents how they are doing\"\nbasis = \"legitimate_interests\"\ncategories = [\"ticket_text\", \"external_id\"]\n",
            "",
            1,
        );
    assert_eq!(
        without.matches("[[purpose]]").count() + 2,
        tutela_policy::EXAMPLE_POLICY.matches("[[purpose]]").count()
    );
    let published = app
        .put("/v1/policy", &app.dpo, json!({"source": without}))
        .await
        .ok(201);
    assert_eq!(published["pending"], false, "{published}");
    for id in [&withdrawal, &objection] {
        let done = fulfil(&app, id, json!({})).await;
        assert_eq!(done["state"], "fulfilled", "{done}");
    }
    app.publish_in_force(tutela_policy::EXAMPLE_POLICY).await;
    app.read(&app.service, &subject, "newsletter")
        .await
        .error(403, "E_CONSENT_REQUIRED");
    let ticket =
        json!({"purpose": "ratings", "records": [{"category": "ticket_text", "value": "Slow"}]});
    app.post(
        &format!("/v1/subjects/{subject}/records"),
        &app.service,
        ticket,
    )
    .await
    .error(403, "E_OBJECTED");
}

/// The subject of an open erasure request was erased another way (by
/// hand, a sweep, a death's directive): fulfilling the request closes it,
/// since what it asked is done (it stayed open, turning overdue).
#[tokio::test]
async fn an_erasure_request_about_a_subject_already_erased_is_fulfilled() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = verified(&app, json!({"subject": subject, "kind": "erasure"})).await;
    app.delete(&format!("/v1/subjects/{subject}"), &app.dpo)
        .await
        .ok(204);
    let done = fulfil(&app, &id, json!({"note": "erased by hand before"})).await;
    assert_eq!(done["state"], "fulfilled", "{done}");
}
