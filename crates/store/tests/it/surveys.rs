//! Surveys through the engine on every backend: a failed answer stores
//! nothing and leaves its token unspent; a spent, unknown or expired token
//! and a closed survey are refused with their codes.

use crate::support::{conformance, tenant};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use tutela_engine::clock::ManualClock;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_engine::store::{Change, Store, Write};
use tutela_engine::survey::RawSurvey;
use tutela_engine::{Engine, EngineError, IssuedToken};
use tutela_vault::MasterKey;

pub const OPENS: &str = "2026-11-23T09:00:00Z";
pub const CLOSES: &str = "2026-12-07T09:00:00Z";

/// The example policy with `anonymity` as the body of its `[anonymity]`
/// section (the example's own when empty).
pub fn policy_with(anonymity: &str) -> String {
    let own = "min_group_size = 5\n";
    let body = if anonymity.is_empty() { own } else { anonymity };
    tutela_policy::EXAMPLE_POLICY.replace(own, body)
}

/// An engine on `store` with tenant `acme` running the example policy
/// with `extra` as its `[anonymity]` settings, its admin, its clock and
/// `members` subjects.
pub async fn setup(
    store: Arc<dyn Store>,
    extra: &str,
    members: usize,
) -> (Engine, Arc<ManualClock>, Principal, Vec<SubjectId>) {
    let clock = Arc::new(ManualClock::new(OPENS.parse::<Timestamp>().unwrap()));
    let master = Arc::new(MasterKey::from_bytes([7; 32]));
    let engine = Engine::new(Arc::clone(&store), clock.clone(), master);
    let op = tenant("operator");
    engine
        .bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await
        .unwrap();
    let acme = tenant("acme");
    let policy = policy_with(extra);
    engine
        .create_tenant(
            &Principal::local_admin(op, true),
            acme.clone(),
            "Acme",
            &policy,
        )
        .await
        .unwrap();
    let mut subjects = Vec::with_capacity(members);
    let mut writes = Vec::with_capacity(members);
    for _ in 0..members {
        let row = crate::support::subject_row(&acme);
        subjects.push(row.id);
        writes.push(Write::InsertSubject(row));
    }
    let change = Change {
        writes,
        audit: Vec::new(),
    };
    store
        .apply(&acme, change, &crate::support::chain(&acme))
        .await
        .unwrap();
    (engine, clock, Principal::local_admin(acme, false), subjects)
}

/// A survey of `questions` over teams of the given members.
pub fn survey(questions: Value, teams: &[(&str, &[SubjectId])]) -> RawSurvey {
    let teams: Vec<Value> = teams
        .iter()
        .map(|(key, members)| json!({"key": key, "name": key, "members": members}))
        .collect();
    serde_json::from_value(json!({
        "title": "Pulse",
        "organisation": "Acme",
        "questions": questions,
        "teams": teams,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "purpose": "account",
    }))
    .unwrap()
}

pub fn answer(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

fn code(result: Result<(), EngineError>) -> &'static str {
    result.err().map_or("ok", |e| e.code())
}

async fn answers_stored(
    engine: &Engine,
    admin: &Principal,
    survey: tutela_engine::ids::SurveyId,
) -> u64 {
    engine
        .store()
        .survey_tallies(&admin.tenant, survey)
        .await
        .unwrap()
        .iter()
        .map(|t| t.count)
        .sum()
}

async fn failed_answers_store_nothing_and_keep_the_token(store: Arc<dyn Store>) {
    let (engine, clock, admin, people) = setup(store, "", 5).await;
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people)],
    );
    let id = engine.create_survey(&admin, &raw).await.unwrap();
    // Before opening there is no token at all.
    let tokens: Vec<IssuedToken> = engine.open_survey(&admin, id).await.unwrap();
    assert_eq!(tokens.len(), 5);
    assert_eq!(
        engine.open_survey(&admin, id).await.unwrap_err().code(),
        "E_SURVEY_ALREADY_OPEN"
    );
    let t = &tokens[0].token;
    for bad in [
        json!({"pulse": 6}),
        json!({"pulse": 0}),
        json!({}),
        json!({"other": 3}),
    ] {
        let got = engine.submit_survey_answer(t, &answer(bad)).await;
        assert_eq!(code(got), "E_INVALID_FIELD");
    }
    assert_eq!(answers_stored(&engine, &admin, id).await, 0);
    // The token was not burned by the failures.
    assert_eq!(
        code(
            engine
                .submit_survey_answer(t, &answer(json!({"pulse": 4})))
                .await
        ),
        "ok"
    );
    assert_eq!(answers_stored(&engine, &admin, id).await, 1);
    // Spent: a second answer is refused and stores nothing.
    let again = engine
        .submit_survey_answer(t, &answer(json!({"pulse": 2})))
        .await;
    assert_eq!(code(again), "E_TOKEN_UNKNOWN");
    assert_eq!(answers_stored(&engine, &admin, id).await, 1);
    // Unknown and malformed tokens look the same.
    let forged = format!("acme.{id}.{}", "A".repeat(43));
    for token in [forged.as_str(), "nonsense", ""] {
        let got = engine
            .submit_survey_answer(token, &answer(json!({"pulse": 2})))
            .await;
        assert_eq!(code(got), "E_TOKEN_UNKNOWN");
    }
    // Expired: past the closing time the survey takes nothing, and the
    // token is still unspent (closing is not spending).
    let t2 = &tokens[1].token;
    clock.set(CLOSES.parse::<Timestamp>().unwrap());
    let late = engine
        .submit_survey_answer(t2, &answer(json!({"pulse": 3})))
        .await;
    assert_eq!(code(late), "E_SURVEY_CLOSED");
    clock.set(CLOSES.parse::<Timestamp>().unwrap() - SignedDuration::from_secs(60));
    // Closed by its owner: refused too, nothing stored.
    engine.close_survey(&admin, id).await.unwrap();
    let closed = engine
        .submit_survey_answer(t2, &answer(json!({"pulse": 3})))
        .await;
    assert_eq!(code(closed), "E_SURVEY_CLOSED");
    assert_eq!(answers_stored(&engine, &admin, id).await, 1);
    let participation = engine
        .store()
        .survey_participation(&admin.tenant, id)
        .await
        .unwrap();
    assert_eq!((participation[0].issued, participation[0].unspent), (5, 4));
}

async fn answers_wait_for_the_opening_time(store: Arc<dyn Store>) {
    let (engine, clock, admin, people) = setup(store, "", 5).await;
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people)],
    );
    let id = engine.create_survey(&admin, &raw).await.unwrap();
    clock.set(OPENS.parse::<Timestamp>().unwrap() - SignedDuration::from_hours(1));
    let tokens = engine.open_survey(&admin, id).await.unwrap();
    let early = engine
        .submit_survey_answer(&tokens[0].token, &answer(json!({"pulse": 1})))
        .await;
    assert_eq!(code(early), "E_SURVEY_NOT_OPEN");
    clock.set(OPENS.parse::<Timestamp>().unwrap());
    let on_time = engine
        .submit_survey_answer(&tokens[0].token, &answer(json!({"pulse": 1})))
        .await;
    assert_eq!(code(on_time), "ok");
}

async fn a_team_below_the_minimum_cannot_open(store: Arc<dyn Store>) {
    let (engine, _, admin, people) = setup(store, "", 6).await;
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people[..5]), ("solo", &people[5..])],
    );
    let id = engine.create_survey(&admin, &raw).await.unwrap();
    let err = engine.open_survey(&admin, id).await.unwrap_err();
    assert_eq!(err.code(), "E_TEAM_TOO_SMALL");
    assert!(
        engine
            .store()
            .survey_token(&admin.tenant, id, &[0; 32])
            .await
            .unwrap()
            .is_none()
    );
}

async fn members_must_be_subjects_of_the_tenant(store: Arc<dyn Store>) {
    let (engine, _, admin, mut people) = setup(store, "", 4).await;
    people.push(SubjectId::new());
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people)],
    );
    let err = engine.create_survey(&admin, &raw).await.unwrap_err();
    assert_eq!(err.code(), "E_INVALID_FIELD");
}

/// Art. 17, 18(2): an erased person gets no new membership row and cannot
/// pad a team up to the minimum; a restricted person's data is only stored,
/// so they are neither put in a team nor issued a token when the survey
/// opens; nor is a person whose death was recorded. An outside probe had
/// each accepted.
async fn erased_or_restricted_members_are_refused(store: Arc<dyn Store>) {
    let (engine, _, admin, people) = setup(store, "", 7).await;
    let pulse = json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]);
    engine.erase_subject(&admin, people[0]).await.unwrap();
    let padded = survey(pulse.clone(), &[("web", &people[..5])]);
    let err = engine.create_survey(&admin, &padded).await.unwrap_err();
    assert_eq!(err.code(), "E_SURVEY_MEMBER_UNAVAILABLE");

    engine
        .set_restricted(&admin, people[1], true)
        .await
        .unwrap();
    let with_restricted = survey(pulse.clone(), &[("web", &people[1..6])]);
    let err = engine
        .create_survey(&admin, &with_restricted)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "E_SURVEY_MEMBER_UNAVAILABLE");

    // Restricted after the survey was made: it does not open.
    let live = survey(pulse, &[("web", &people[2..7])]);
    let id = engine.create_survey(&admin, &live).await.unwrap();
    engine
        .set_restricted(&admin, people[2], true)
        .await
        .unwrap();
    let err = engine.open_survey(&admin, id).await.unwrap_err();
    assert_eq!(err.code(), "E_SURVEY_MEMBER_UNAVAILABLE");
    assert!(
        engine
            .store()
            .survey_token(&admin.tenant, id, &[0; 32])
            .await
            .unwrap()
            .is_none()
    );
    engine
        .set_restricted(&admin, people[2], false)
        .await
        .unwrap();
    assert_eq!(engine.open_survey(&admin, id).await.unwrap().len(), 5);

    // Nor is someone whose death was recorded (a later probe found one
    // accepted and given a token).
    engine.record_death(&admin, people[3], None).await.unwrap();
    let with_deceased = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people[2..7])],
    );
    let err = engine
        .create_survey(&admin, &with_deceased)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "E_SURVEY_MEMBER_UNAVAILABLE");
}

/// For the access answer (Art. 15(1)): the surveys a subject is named in,
/// newest first, at most the limit asked, and none of another subject's.
async fn a_subjects_memberships_list_newest_first_within_the_limit(store: Arc<dyn Store>) {
    let (engine, _, admin, people) = setup(store, "", 6).await;
    let pulse = json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]);
    let first = engine
        .create_survey(&admin, &survey(pulse.clone(), &[("web", &people[..5])]))
        .await
        .unwrap();
    let second = engine
        .create_survey(&admin, &survey(pulse, &[("app", &people[..5])]))
        .await
        .unwrap();
    let listed = engine
        .store()
        .subject_memberships(&admin.tenant, people[0], 10)
        .await
        .unwrap();
    let got: Vec<_> = listed
        .iter()
        .map(|m| (m.survey, m.team.as_str(), m.issued))
        .collect();
    assert_eq!(got, [(second, "app", false), (first, "web", false)]);
    let one = engine
        .store()
        .subject_memberships(&admin.tenant, people[0], 1)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    let outsider = engine
        .store()
        .subject_memberships(&admin.tenant, people[5], 10)
        .await
        .unwrap();
    assert!(outsider.is_empty());
}

async fn the_minimum_is_fixed_at_opening_and_never_lowered(store: Arc<dyn Store>) {
    // No notice period, so the lower minimum governs at once: the survey
    // must keep its own all the same.
    let settings = "min_group_size = 6\n\n[changes]\nnotice_period = \"0 days\"\n";
    let (engine, clock, admin, people) = setup(store, settings, 12).await;
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people[..6]), ("app", &people[6..])],
    );
    let id = engine.create_survey(&admin, &raw).await.unwrap();
    let tokens = engine.open_survey(&admin, id).await.unwrap();
    // The policy now asks for less; the survey keeps what it opened with.
    let lower = policy_with("min_group_size = 3\n");
    let now = tutela_engine::clock::Clock::now(clock.as_ref());
    engine
        .publish_policy(&admin, &lower, Some(now))
        .await
        .unwrap();
    for t in &tokens[..11] {
        engine
            .submit_survey_answer(&t.token, &answer(json!({"pulse": 3})))
            .await
            .unwrap();
    }
    engine.close_survey(&admin, id).await.unwrap();
    let (results, row) = engine.survey_results(&admin, id).await.unwrap();
    assert_eq!(row.min_group_size, Some(6));
    assert_eq!(results.min_group_size, 6);
    let cohorts = &results.questions[0].cohorts;
    assert_eq!(
        cohorts[2].total,
        tutela_engine::survey::results::Cell::Withheld(
            tutela_engine::survey::suppress::Reason::BelowMinimum
        ),
        "five answers are below the six the survey opened with"
    );
}

async fn noisy_reads_spend_the_budget_until_refused(store: Arc<dyn Store>) {
    let noise = "min_group_size = 5\nnoise = \"laplace\"\nepsilon = 1.0\nbudget = 2.0\n";
    let (engine, _, admin, people) = setup(store, noise, 5).await;
    let raw = survey(
        json!([{"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"}]),
        &[("web", &people)],
    );
    let id = engine.create_survey(&admin, &raw).await.unwrap();
    let tokens = engine.open_survey(&admin, id).await.unwrap();
    for t in &tokens {
        engine
            .submit_survey_answer(&t.token, &answer(json!({"pulse": 4})))
            .await
            .unwrap();
    }
    // While open, in its first week, no figure is published: a read (the
    // response rate) spends nothing. An outside probe spent the whole
    // budget this way before the survey closed.
    for _ in 0..3 {
        let (results, row) = engine.survey_results(&admin, id).await.unwrap();
        assert!(results.periods.is_empty(), "{:?}", results.periods);
        assert_eq!(row.noise_spent_millis, 0);
    }
    engine.close_survey(&admin, id).await.unwrap();
    for spent in [1000, 2000] {
        let (_, row) = engine.survey_results(&admin, id).await.unwrap();
        assert_eq!(row.noise_spent_millis, spent);
    }
    let err = engine.survey_results(&admin, id).await.unwrap_err();
    assert_eq!(err.code(), "E_PRIVACY_BUDGET_EXHAUSTED");
    let stored = engine
        .store()
        .survey(&admin.tenant, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.noise_spent_millis, 2000,
        "a refused read spends nothing"
    );
}

conformance!(
    the_minimum_is_fixed_at_opening_and_never_lowered,
    noisy_reads_spend_the_budget_until_refused,
    failed_answers_store_nothing_and_keep_the_token,
    answers_wait_for_the_opening_time,
    a_team_below_the_minimum_cannot_open,
    members_must_be_subjects_of_the_tenant,
    erased_or_restricted_members_are_refused,
    a_subjects_memberships_list_newest_first_within_the_limit,
);
