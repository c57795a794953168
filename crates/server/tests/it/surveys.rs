//! Surveys over HTTP: a product creates and opens a survey, members answer
//! with their token alone (no API key), analysts read suppressed results;
//! nothing of an answer reaches the audit chain, and tenants stay apart.

use crate::helpers::{TestApp, spawn_app};
use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use tutela_engine::clock::Clock;

pub(crate) async fn members(app: &TestApp, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("member{i}@example.com");
        out.push(
            app.subject(
                "customer",
                "account",
                json!([{"category": "email", "value": email}]),
            )
            .await,
        );
    }
    out
}

pub(crate) fn survey_body(app: &TestApp, teams: &[(&str, &[String])]) -> Value {
    let now = app.clock.now();
    let teams: Vec<Value> = teams
        .iter()
        .map(|(k, m)| json!({"key": k, "name": k, "members": m}))
        .collect();
    json!({
        "title": "Weekly pulse",
        "organisation": "Acme",
        "questions": [
            {"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"},
            {"key": "mood", "prompt": "Mood?", "kind": "mood"},
            {"key": "comment", "prompt": "Anything else?", "kind": "text"}
        ],
        "teams": teams,
        "opens_at": (now - SignedDuration::from_hours(1)).to_string(),
        "closes_at": (now + SignedDuration::from_hours(24 * 14)).to_string(),
        "purpose": "account",
    })
}

async fn answer(app: &TestApp, token: &str, answers: Value) -> crate::helpers::Reply {
    app.send(
        Method::POST,
        "/v1/surveys/answers",
        None,
        Some(json!({"token": token, "answers": answers})),
    )
    .await
}

#[tokio::test]
async fn a_survey_runs_end_to_end_with_tokens_alone_and_suppressed_results() {
    let app = spawn_app().await;
    let people = members(&app, 11).await;
    let body = survey_body(&app, &[("web", &people[..6]), ("app", &people[6..])]);
    let id = app.post("/v1/surveys", &app.service, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Analysts read results, never run surveys.
    app.post(&format!("/v1/surveys/{id}/open"), &app.analyst, json!({}))
        .await
        .error(403, "E_FORBIDDEN");
    let opened = app
        .post(&format!("/v1/surveys/{id}/open"), &app.service, json!({}))
        .await
        .ok(200);
    assert_eq!(opened["min_group_size"], 5);
    let tokens: Vec<String> = opened["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 11);
    let audit_before = app.audit().await.len();

    // A bad answer is refused by field and leaves the token usable.
    answer(&app, &tokens[0], json!({"pulse": 9, "mood": "good"}))
        .await
        .error(422, "E_INVALID_FIELD");
    // So is one naming a question twice (a map would keep the last value).
    let twice = format!(
        r#"{{"token": "{}", "answers": {{"pulse": 4, "pulse": 5, "mood": "good"}}}}"#,
        tokens[0]
    );
    let reply = app
        .raw(
            Method::POST,
            "/v1/surveys/answers",
            "",
            Some("application/json"),
            twice.into_bytes(),
        )
        .await;
    let refused = reply.error(422, "E_INVALID_FIELD");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate field 'pulse'"),
        "{refused}"
    );
    // Web: 6 answers; App: 2.
    for (i, t) in tokens.iter().enumerate().filter(|(i, _)| *i < 8) {
        let text = format!("note {i}");
        answer(
            &app,
            t,
            json!({"pulse": 1 + i % 5, "mood": "good", "comment": text}),
        )
        .await
        .ok(204);
    }
    answer(&app, &tokens[0], json!({"pulse": 3, "mood": "good"}))
        .await
        .error(404, "E_TOKEN_UNKNOWN");
    // A bad answer is refused alike on a spent token and an unspent one:
    // whoever holds the member-to-token list cannot tell who answered.
    for t in [&tokens[0], &tokens[10]] {
        for bad in [json!({"pulse": 0}), json!({}), json!({"bogus": 1})] {
            answer(&app, t, bad).await.error(422, "E_INVALID_FIELD");
        }
    }
    assert_eq!(
        app.audit().await.len(),
        audit_before,
        "answers leave no audit entry"
    );

    app.post(&format!("/v1/surveys/{id}/close"), &app.service, json!({}))
        .await
        .ok(204);
    answer(&app, &tokens[9], json!({"pulse": 3, "mood": "good"}))
        .await
        .error(409, "E_SURVEY_CLOSED");
    // Once closed, a spent token, an unspent one and a made-up one naming
    // the survey get one answer: the member-to-token list cannot tell who
    // answered (spent) from who did not (unspent).
    let (named, secret) = tokens[9].rsplit_once('.').unwrap();
    let forged = format!("{named}.{}", "A".repeat(secret.len()));
    for t in [&tokens[0], &tokens[9], &forged] {
        answer(&app, t, json!({"pulse": 3, "mood": "good"}))
            .await
            .error(409, "E_SURVEY_CLOSED");
    }

    let results = app
        .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
        .await
        .ok(200);
    assert_eq!(results["issued"], 11);
    assert_eq!(results["responded"], 8);
    let pulse = &results["questions"][0]["cohorts"];
    assert_eq!(pulse[0]["total"]["count"], 8, "the organisation");
    assert_eq!(pulse[1]["team"], "web");
    // Web (6) minus the organisation (8) would give App (2) away.
    assert_eq!(pulse[1]["total"]["withheld"], "complementary");
    assert_eq!(pulse[2]["total"]["withheld"], "below_minimum");
    assert!(pulse[2]["texts"].is_null());
    let comment = &results["questions"][2]["cohorts"];
    assert!(
        comment[1]["texts"].is_null(),
        "no free text of a withheld team"
    );

    // The operator tenant does not see acme's survey.
    app.get(&format!("/v1/surveys/{id}/results"), &app.operator)
        .await
        .error(404, "E_SURVEY_NOT_FOUND");
}

#[tokio::test]
async fn free_text_and_figures_are_shown_for_a_team_at_the_minimum() {
    let app = spawn_app().await;
    let people = members(&app, 10).await;
    let body = survey_body(&app, &[("web", &people[..5]), ("app", &people[5..])]);
    let id = app.post("/v1/surveys", &app.admin, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let opened = app
        .post(&format!("/v1/surveys/{id}/open"), &app.admin, json!({}))
        .await
        .ok(200);
    for (i, t) in opened["tokens"].as_array().unwrap().iter().enumerate() {
        let token = t["token"].as_str().unwrap();
        answer(
            &app,
            token,
            json!({"pulse": 4, "mood": "okay", "comment": format!("c{i}")}),
        )
        .await
        .ok(204);
    }
    // While the week runs, nothing is shown: results cover ended weeks.
    let early = app
        .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
        .await
        .ok(200);
    assert_eq!(early["periods"], json!([]));
    app.clock.advance(SignedDuration::from_hours(24 * 8));
    let results = app
        .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
        .await
        .ok(200);
    let pulse = &results["questions"][0]["cohorts"];
    assert_eq!(pulse[1]["total"]["count"], 5);
    assert_eq!(pulse[1]["total"]["mean"], 4.0);
    assert_eq!(
        results["questions"][1]["cohorts"][1]["total"]["distribution"][2]["label"],
        "okay"
    );
    let texts = results["questions"][2]["cohorts"][1]["texts"]
        .as_array()
        .unwrap();
    assert_eq!(texts.len(), 5);
}

#[tokio::test]
async fn bad_surveys_are_refused_by_field_and_store_nothing() {
    let app = spawn_app().await;
    let people = members(&app, 5).await;
    let mut body = survey_body(&app, &[("web", &people)]);
    body["questions"][0]["kind"] = json!("stars");
    let reply = app.post("/v1/surveys", &app.admin, body).await;
    let err = reply.error(422, "E_INVALID_FIELD");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("questions[0].kind")
    );
    let mut body = survey_body(&app, &[("web", &people)]);
    body["teams"][0]["members"][0] = json!(uuid::Uuid::new_v4());
    app.post("/v1/surveys", &app.admin, body)
        .await
        .error(422, "E_INVALID_FIELD");
    let unknown = uuid::Uuid::new_v4();
    app.post(
        &format!("/v1/surveys/{unknown}/open"),
        &app.admin,
        json!({}),
    )
    .await
    .error(404, "E_SURVEY_NOT_FOUND");
}

/// Art. 15(1): the access answer names the surveys a person was put in,
/// with their team and whether a token went to them, in JSON and in the
/// readable renderings; never whether they answered (the answer taken
/// here leaves no trace in it).
#[tokio::test]
async fn the_access_answer_names_the_surveys_a_person_is_in() {
    let app = spawn_app().await;
    let people = members(&app, 5).await;
    let body = survey_body(&app, &[("web", &people)]);
    let id = app.post("/v1/surveys", &app.service, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = format!("/v1/subjects/{}/access", people[0]);
    let draft = app.get(&access, &app.dpo).await.ok(200);
    assert_eq!(
        draft["surveys"],
        json!([{"survey": id, "title": "Weekly pulse", "team": "web", "state": "draft", "token_issued": false}])
    );
    assert_eq!(draft["surveys_complete"], true);

    let opened = app
        .post(&format!("/v1/surveys/{id}/open"), &app.service, json!({}))
        .await
        .ok(200);
    let token = opened["tokens"][0]["token"].as_str().unwrap().to_owned();
    answer(&app, &token, json!({"pulse": 4, "mood": "good"}))
        .await
        .ok(204);
    for person in &people {
        let open = app
            .get(&format!("/v1/subjects/{person}/access"), &app.dpo)
            .await
            .ok(200);
        assert_eq!(open["surveys"][0]["state"], "open");
        assert_eq!(open["surveys"][0]["token_issued"], true);
        assert_eq!(
            open["surveys"].as_array().unwrap()[0]
                .as_object()
                .unwrap()
                .len(),
            5,
            "nothing about an answer"
        );
    }
    let md = app.get(&format!("{access}?format=md"), &app.dpo).await.text;
    assert!(
        md.contains("## Surveys you were asked to take part in"),
        "{md}"
    );
    assert!(md.contains("Weekly pulse"), "{md}");
}

/// Opens a survey of web (5) and app (5); returns its id and tokens.
async fn open_ten(app: &TestApp) -> (String, Vec<String>) {
    let people = members(app, 10).await;
    let body = survey_body(app, &[("web", &people[..5]), ("app", &people[5..])]);
    let id = app.post("/v1/surveys", &app.admin, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let opened = app
        .post(&format!("/v1/surveys/{id}/open"), &app.admin, json!({}))
        .await
        .ok(200);
    let tokens = opened["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap().to_owned())
        .collect();
    (id, tokens)
}

#[tokio::test]
async fn past_its_closing_time_a_survey_is_closed_for_every_token_and_says_so() {
    let app = spawn_app().await;
    let (id, tokens) = open_ten(&app).await;
    answer(&app, &tokens[0], json!({"pulse": 3, "mood": "good"}))
        .await
        .ok(204);
    app.clock.advance(SignedDuration::from_hours(24 * 15));
    let (named, secret) = tokens[1].rsplit_once('.').unwrap();
    let forged = format!("{named}.{}", "B".repeat(secret.len()));
    for t in [&tokens[0], &tokens[1], &forged] {
        answer(&app, t, json!({"pulse": 3, "mood": "good"}))
            .await
            .error(409, "E_SURVEY_CLOSED");
    }
    let results = app
        .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
        .await
        .ok(200);
    assert_eq!(results["state"], "closed");
    assert_eq!(results["responded"], 1);
}

#[tokio::test]
async fn under_noise_no_free_text_is_shown_and_an_empty_survey_shows_no_noise() {
    let app = spawn_app().await;
    let source = tutela_policy::EXAMPLE_POLICY.replace(
        "[anonymity]\nmin_group_size = 5",
        "[anonymity]\nmin_group_size = 5\nnoise = \"laplace\"\nepsilon = 0.5\nbudget = 10.0",
    );
    assert_ne!(source, tutela_policy::EXAMPLE_POLICY);
    app.publish_in_force(&source).await;
    let (id, tokens) = open_ten(&app).await;
    // Nothing to show yet: the cells are empty, not noise, and nothing
    // is spent.
    for _ in 0..5 {
        let early = app
            .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
            .await
            .ok(200);
        assert_eq!(early["periods"], json!([]));
        assert_eq!(early["noise"]["spent"], 0.0);
        for cohort in early["questions"][0]["cohorts"].as_array().unwrap() {
            let total = &cohort["total"];
            assert!(
                total["count"].is_null() || total["count"] == 0,
                "an empty cell is not filled with noise: {total}"
            );
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        let text = format!("comment {i}");
        answer(
            &app,
            t,
            json!({"pulse": 4, "mood": "okay", "comment": text}),
        )
        .await
        .ok(204);
    }
    app.post(&format!("/v1/surveys/{id}/close"), &app.admin, json!({}))
        .await
        .ok(204);
    let results = app
        .get(&format!("/v1/surveys/{id}/results"), &app.analyst)
        .await
        .ok(200);
    assert_eq!(results["noise"]["spent"], 0.5);
    assert_eq!(results["texts_withheld"], "noise");
    let body = results.to_string();
    assert!(!body.contains("comment 3"), "{body}");
    for cohort in results["questions"][2]["cohorts"].as_array().unwrap() {
        assert!(cohort["texts"].is_null(), "{cohort}");
    }
}
