//! Data subject requests over HTTP: due dates with the clock moved,
//! extensions, the overdue flag, refusal, invalid transitions, the code's
//! limits, duplicates, roles and tenants.

use crate::helpers::spawn_app;
use crate::requests::{code, customer, file, verified};
use jiff::Timestamp;
use serde_json::json;

#[tokio::test]
async fn the_31st_of_january_is_due_at_the_end_of_february() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    app.clock
        .set("2027-01-31T10:00:00Z".parse::<Timestamp>().unwrap());
    let filed = file(&app, json!({"subject": subject, "kind": "access"})).await;
    assert_eq!(filed["due_at"], "2027-02-28T10:00:00Z");
    app.clock
        .set("2028-01-31T10:00:00Z".parse::<Timestamp>().unwrap());
    let filed = file(&app, json!({"subject": subject, "kind": "portability"})).await;
    assert_eq!(filed["due_at"], "2028-02-29T10:00:00Z", "leap year");
}

#[tokio::test]
async fn an_extension_needs_a_reason_comes_before_the_due_date_and_only_once() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "access"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let extend = format!("/v1/requests/{id}/extend");
    app.post(&extend, &app.dpo, json!({"reason": "  "}))
        .await
        .error(422, "E_INVALID_FIELD");
    app.post(
        &extend,
        &app.dpo,
        json!({"reason": "many records", "months": 3}),
    )
    .await
    .error(422, "E_INVALID_FIELD");
    app.advance_hours(24 * 30);
    let extended = app
        .post(
            &extend,
            &app.dpo,
            json!({"reason": "many systems to search"}),
        )
        .await
        .ok(200);
    assert_eq!(extended["due_at"], "2026-04-01T09:00:00Z");
    assert_eq!(extended["extended_due_at"], "2026-06-01T09:00:00Z");
    assert_eq!(extended["effective_due_at"], "2026-06-01T09:00:00Z");
    assert_eq!(extended["extension_reason"], "many systems to search");
    let told = app.notes.messages().pop().unwrap();
    assert_eq!(told.kind, tutela_engine::notify::MessageKind::Extension);
    assert_eq!(told.reason.as_deref(), Some("many systems to search"));
    assert_eq!(
        told.due_at.map(|t| t.to_string()).as_deref(),
        Some("2026-06-01T09:00:00Z"),
        "the person learns the new date (Art. 12(3))"
    );
    app.post(&extend, &app.dpo, json!({"reason": "again"}))
        .await
        .error(409, "E_ALREADY_EXTENDED");

    let late = file(&app, json!({"subject": subject, "kind": "portability"})).await;
    app.advance_hours(24 * 40);
    let path = format!("/v1/requests/{}/extend", late["id"].as_str().unwrap());
    app.post(&path, &app.dpo, json!({"reason": "too late"}))
        .await
        .error(409, "E_EXTENSION_TOO_LATE");
}

#[tokio::test]
async fn overdue_requests_are_flagged_and_listed_by_due_date() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let first = file(&app, json!({"subject": subject, "kind": "access"})).await;
    app.advance_hours(24);
    let second = file(&app, json!({"subject": subject, "kind": "portability"})).await;
    let done = verified(&app, json!({"subject": subject, "kind": "rectification"})).await;
    crate::requests::fulfil(&app, &done, json!({"note": "fixed"})).await;
    let overdue = app.get("/v1/requests?overdue=true", &app.dpo).await.ok(200);
    assert_eq!(overdue["requests"].as_array().unwrap().len(), 0);

    app.advance_hours(24 * 31);
    let overdue = app.get("/v1/requests?overdue=true", &app.dpo).await.ok(200);
    let ids: Vec<&str> = overdue["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [first["id"].as_str().unwrap()],
        "only the first is past due"
    );
    assert_eq!(overdue["requests"][0]["overdue"], true);
    app.advance_hours(24);
    let all = app.get("/v1/requests", &app.dpo).await.ok(200);
    let listed = all["requests"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["id"], first["id"], "sorted by due date");
    assert_eq!(listed[1]["id"], second["id"]);
    assert_eq!(listed[1]["overdue"], true);
    assert_eq!(listed[2]["overdue"], false, "fulfilled is never overdue");
    let page = app.get("/v1/requests?limit=1", &app.dpo).await.ok(200);
    let next = page["next"].as_str().unwrap();
    let rest = app
        .get(&format!("/v1/requests?limit=2&after={next}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(rest["requests"][0]["id"], second["id"]);
    let fulfilled = app
        .get("/v1/requests?state=fulfilled", &app.dpo)
        .await
        .ok(200);
    assert_eq!(fulfilled["requests"].as_array().unwrap().len(), 1);
    app.get("/v1/requests?state=open", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
    app.get("/v1/requests?after=nonsense", &app.dpo)
        .await
        .error(400, "E_INVALID_QUERY");
}

#[tokio::test]
async fn refusal_needs_a_reason_and_closes_the_request() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "erasure"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refuse = format!("/v1/requests/{id}/refuse");
    let body = app
        .post(&refuse, &app.dpo, json!({"reason": ""}))
        .await
        .error(422, "E_INVALID_FIELD");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("reason:")
    );
    let refused = app
        .post(&refuse, &app.dpo, json!({"reason": "manifestly unfounded"}))
        .await
        .ok(200);
    assert_eq!(refused["state"], "refused");
    assert_eq!(refused["refusal_reason"], "manifestly unfounded");
    let told = app.notes.messages().pop().unwrap();
    assert_eq!(told.reason.as_deref(), Some("manifestly unfounded"));
    // Art. 12(4): the refusal names where to complain and the court route.
    let remedies = told.remedies.expect("a refusal carries the remedies");
    assert_eq!(
        remedies.authority,
        "Berlin Commissioner for Data Protection and Freedom of Information"
    );
    assert_eq!(
        remedies.authority_url.as_deref(),
        Some("https://www.datenschutz-berlin.de")
    );
    assert!(remedies.statement.contains("judicial remedy"));
    app.post(&refuse, &app.dpo, json!({"reason": "again"}))
        .await
        .error(409, "E_INVALID_TRANSITION");
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(409, "E_INVALID_TRANSITION");
    app.post(&format!("/v1/requests/{id}/code"), &app.dpo, json!({}))
        .await
        .error(409, "E_INVALID_TRANSITION");
    app.read(&app.service, &subject, "account").await.ok(200);
}

/// Art. 12(5): a fee is recorded once, bounded, in a real currency, and
/// the person is told the amount and why.
#[tokio::test]
async fn a_fee_is_recorded_once_and_told_to_the_subject() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "access"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fee = format!("/v1/requests/{id}/fee");
    for bad in [
        json!({"amount_minor": 500, "currency": "XXX", "reason": "copies"}),
        json!({"amount_minor": 1_000_000_000_000_000_000_i64, "currency": "EUR", "reason": "copies"}),
    ] {
        app.post(&fee, &app.dpo, bad)
            .await
            .error(422, "E_INVALID_FIELD");
    }
    let charged = app
        .post(
            &fee,
            &app.dpo,
            json!({"amount_minor": 500, "currency": "EUR", "reason": "a fourth copy"}),
        )
        .await
        .ok(200);
    assert_eq!(charged["fee"]["amount_minor"], 500);
    let told = app.notes.messages().pop().unwrap();
    assert_eq!(told.kind, tutela_engine::notify::MessageKind::Fee);
    assert_eq!(told.reason.as_deref(), Some("a fourth copy"));
    let amount = told.fee.expect("the fee is told");
    assert_eq!(
        (amount.amount_minor, amount.currency.as_str()),
        (500, "EUR")
    );
    app.post(
        &fee,
        &app.dpo,
        json!({"amount_minor": 900, "currency": "EUR", "reason": "more"}),
    )
    .await
    .error(409, "E_FEE_ALREADY_SET");
    let now = app
        .get(&format!("/v1/requests/{id}"), &app.dpo)
        .await
        .ok(200);
    assert_eq!(now["fee"]["amount_minor"], 500, "the first fee stands");
}

#[tokio::test]
async fn fulfilment_waits_for_verification() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "erasure"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/v1/requests/{id}/fulfil"), &app.dpo, json!({}))
        .await
        .error(409, "E_NOT_VERIFIED");
    app.read(&app.service, &subject, "account").await.ok(200);
    let verify = format!("/v1/requests/{id}/verify");
    app.post(
        &verify,
        &app.dpo,
        json!({"method": "document", "note": " "}),
    )
    .await
    .error(422, "E_INVALID_FIELD");
    let by_hand = app
        .post(
            &verify,
            &app.dpo,
            json!({"method": "document", "note": "passport seen at the desk"}),
        )
        .await
        .ok(200);
    assert_eq!(by_hand["verified_by"], "document");
    app.post(
        &verify,
        &app.dpo,
        json!({"method": "manual", "note": "again"}),
    )
    .await
    .error(409, "E_INVALID_TRANSITION");
}

#[tokio::test]
async fn five_wrong_codes_lock_the_request_until_a_new_code_is_sent() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "erasure"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let right = code(&app, &id).await;
    let wrong = if right.starts_with('0') {
        "11111-11111"
    } else {
        "00000-00000"
    };
    let verify = format!("/v1/requests/{id}/verify");
    for _ in 0..5 {
        app.post(&verify, &app.dpo, json!({"code": wrong}))
            .await
            .error(422, "E_WRONG_CODE");
    }
    app.post(&verify, &app.dpo, json!({"code": right}))
        .await
        .error(429, "E_CODE_LOCKED");
    assert_eq!(app.last_audit().await["outcome"], "denied:E_WRONG_CODE");
    app.post(&format!("/v1/requests/{id}/code"), &app.dpo, json!({}))
        .await
        .error(429, "E_CODE_RATE_LIMITED");
    app.clock.advance(jiff::SignedDuration::from_mins(1));
    let fresh = code(&app, &id).await;
    app.post(&verify, &app.dpo, json!({"code": fresh}))
        .await
        .ok(200);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_used_one_does_not_work_twice() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let id = file(&app, json!({"subject": subject, "kind": "access"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = code(&app, &id).await;
    app.clock.advance(jiff::SignedDuration::from_mins(30));
    let verify = format!("/v1/requests/{id}/verify");
    app.post(&verify, &app.dpo, json!({"code": old}))
        .await
        .error(409, "E_CODE_EXPIRED");
    app.post(&verify, &app.dpo, json!({"code": "not a code"}))
        .await
        .error(422, "E_INVALID_FIELD");
}

#[tokio::test]
async fn a_duplicate_is_linked_to_the_open_request_and_closed() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let first = file(&app, json!({"subject": subject, "kind": "erasure"})).await;
    let again = app
        .post(
            "/v1/requests",
            &app.service,
            json!({"subject": subject, "kind": "erasure"}),
        )
        .await
        .ok(200);
    assert_eq!(again["state"], "duplicate");
    assert_eq!(again["duplicate_of"], first["id"]);
    assert!(again["closed_at"].is_string());
    let other = json!({"subject": subject, "kind": "objection", "purpose": "ratings"});
    file(&app, other.clone()).await;
    let general = json!({"subject": subject, "kind": "objection"});
    file(&app, general).await;
    app.post("/v1/requests", &app.dpo, other).await.ok(200);
    let audit = app.last_audit().await;
    assert!(audit["detail"].as_str().unwrap().contains("duplicate_of="));
}

#[tokio::test]
async fn roles_and_tenants_bound_who_sees_a_request() {
    let app = spawn_app().await;
    let subject = customer(&app).await;
    let body = json!({"subject": subject, "kind": "access"});
    app.post("/v1/requests", &app.analyst, body.clone())
        .await
        .error(403, "E_FORBIDDEN");
    let filed = app.post("/v1/requests", &app.service, body).await.ok(201);
    let id = filed["id"].as_str().unwrap();
    app.get(&format!("/v1/requests/{id}"), &app.service)
        .await
        .error(403, "E_FORBIDDEN");
    app.post(&format!("/v1/requests/{id}/code"), &app.service, json!({}))
        .await
        .error(403, "E_FORBIDDEN");
    let created = app
        .post(
            "/v1/tenants",
            &app.operator,
            json!({"id": "beta", "name": "Beta Ltd", "policy": tutela_policy::EXAMPLE_POLICY}),
        )
        .await
        .ok(201);
    let beta = created["admin_token"].as_str().unwrap();
    app.get(&format!("/v1/requests/{id}"), beta)
        .await
        .error(404, "E_REQUEST_NOT_FOUND");
    app.post(
        &format!("/v1/requests/{id}/refuse"),
        beta,
        json!({"reason": "x"}),
    )
    .await
    .error(404, "E_REQUEST_NOT_FOUND");
    let listed = app.get("/v1/requests", beta).await.ok(200);
    assert_eq!(listed["requests"].as_array().unwrap().len(), 0);
    app.post(
        "/v1/requests",
        beta,
        json!({"subject": subject, "kind": "access"}),
    )
    .await
    .error(404, "E_SUBJECT_NOT_FOUND");
    app.get(&format!("/v1/requests/{}", uuid::Uuid::nil()), &app.dpo)
        .await
        .error(404, "E_REQUEST_NOT_FOUND");
}
