//! A survey names the policy purpose it runs under, and every member must
//! be someone that purpose may process now (Art. 6(1), Art. 21): checked
//! when the survey is created and again when it opens; a refusal stores
//! nothing.

use crate::helpers::spawn_app;
use crate::surveys::{members, survey_body};
use serde_json::json;

#[tokio::test]
async fn a_survey_names_a_declared_purpose_within_the_keys_scope() {
    let app = spawn_app().await;
    let people = members(&app, 5).await;
    let before = app.audit_len().await;
    let mut body = survey_body(&app, &[("web", &people)]);
    body.as_object_mut().unwrap().remove("purpose");
    app.post("/v1/surveys", &app.service, body.clone())
        .await
        .error(422, "E_INVALID_FIELD");
    body["purpose"] = json!("advertising");
    app.post("/v1/surveys", &app.service, body.clone())
        .await
        .error(403, "E_PURPOSE_NOT_DECLARED");
    // A key scoped to `support` runs surveys for that purpose only.
    body["purpose"] = json!("ratings");
    app.post("/v1/surveys", &app.scoped, body.clone())
        .await
        .error(403, "E_PURPOSE_OUT_OF_SCOPE");
    assert_eq!(app.audit_len().await, before, "refusals store nothing");
    let created = app.post("/v1/surveys", &app.service, body).await.ok(201);
    assert_eq!(created["state"], "draft");
    let last = app.last_audit().await;
    assert_eq!(
        (last["action"].as_str(), last["purpose"].as_str()),
        (Some("survey.create"), Some("ratings"))
    );
}

#[tokio::test]
async fn a_member_the_purpose_may_not_process_is_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let people = members(&app, 5).await;
    // Objected to ratings (legitimate interests, Art. 21).
    app.post(
        &format!("/v1/subjects/{}/objections", people[3]),
        &app.service,
        json!({"purpose": "ratings"}),
    )
    .await
    .ok(201);
    let mut body = survey_body(&app, &[("web", &people)]);
    body["purpose"] = json!("ratings");
    let before = app.audit_len().await;
    let refused = app
        .post("/v1/surveys", &app.service, body.clone())
        .await
        .error(409, "E_SURVEY_MEMBER_UNAVAILABLE");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("teams[0].members[3]:"), "{message}");
    // A consent purpose needs every member's live consent.
    body["purpose"] = json!("newsletter");
    app.post("/v1/surveys", &app.service, body.clone())
        .await
        .error(409, "E_SURVEY_MEMBER_UNAVAILABLE");
    assert_eq!(app.audit_len().await, before, "refusals store nothing");
    // Under a purpose they have not objected to, the same team runs.
    body["purpose"] = json!("account");
    app.post("/v1/surveys", &app.service, body).await.ok(201);
}

/// An objection made after the draft stops the survey from opening: the
/// tokens would be issued to someone the purpose may no longer process.
#[tokio::test]
async fn an_objection_after_the_draft_is_checked_when_the_survey_opens() {
    let app = spawn_app().await;
    let people = members(&app, 5).await;
    let mut body = survey_body(&app, &[("web", &people)]);
    body["purpose"] = json!("ratings");
    let id = app.post("/v1/surveys", &app.service, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/v1/subjects/{}/objections", people[0]),
        &app.service,
        json!({}),
    )
    .await
    .ok(201);
    app.post(&format!("/v1/surveys/{id}/open"), &app.service, json!({}))
        .await
        .error(409, "E_SURVEY_MEMBER_UNAVAILABLE");
}
