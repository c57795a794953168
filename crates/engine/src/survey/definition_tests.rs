use super::*;
use serde_json::json;

/// A valid survey: an organisation with a department (two teams) and a
/// team of its own, one question of each kind.
pub(crate) fn raw_sample() -> RawSurvey {
    let members = |n: usize| (0..n).map(|_| SubjectId::new()).collect::<Vec<_>>();
    serde_json::from_value(json!({
        "title": "Pulse",
        "organisation": "Acme",
        "questions": [
            {"key": "pulse", "prompt": "How was your week?", "kind": "scale_1_5"},
            {"key": "enps", "prompt": "Would you recommend us?", "kind": "scale_0_10"},
            {"key": "mood", "prompt": "Mood?", "kind": "mood"},
            {"key": "office", "prompt": "Where do you work?", "kind": "choice", "options": ["Office", "Remote"]},
            {"key": "comment", "prompt": "Anything else?", "kind": "text"}
        ],
        "teams": [
            {"key": "eng", "name": "Engineering"},
            {"key": "web", "name": "Web", "parent": "eng", "members": members(6)},
            {"key": "app", "name": "App", "parent": "eng", "members": members(5)},
            {"key": "sales", "name": "Sales", "members": members(7)}
        ],
        "opens_at": "2026-11-23T00:00:00Z",
        "closes_at": "2026-12-14T00:00:00Z"
    }))
    .unwrap()
}

pub(crate) fn sample() -> SurveyDefinition {
    SurveyDefinition::parse(&raw_sample()).unwrap()
}

/// A change to a valid survey.
type Edit = Box<dyn Fn(&mut RawSurvey)>;

fn field_of(raw: &RawSurvey) -> String {
    match SurveyDefinition::parse(raw) {
        Err(SurveyError::Invalid { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn a_valid_survey_parses_with_defaults() {
    let s = sample();
    assert_eq!(s.questions.len(), 5);
    assert!(s.questions[0].required);
    assert!(!s.questions[4].required, "free text is optional by default");
    assert_eq!(
        s.questions[3].kind,
        QuestionKind::Choice(vec!["Office".into(), "Remote".into()])
    );
    assert_eq!(s.member_count(), 18);
    assert_eq!(s.teams[1].parent.as_ref().map(Key::as_str), Some("eng"));
}

#[test]
fn the_raw_form_round_trips_without_members() {
    let s = sample();
    let mut raw = s.to_raw_without_members();
    assert!(raw.teams.iter().all(|t| t.members.is_empty()));
    for (t, orig) in raw.teams.iter_mut().zip(&s.teams) {
        t.members = orig.members.clone();
    }
    assert_eq!(SurveyDefinition::parse(&raw).unwrap(), s);
}

#[test]
fn bad_questions_are_refused_naming_the_field() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|r| r.questions[0].kind = "stars".into()),
            "questions[0].kind",
        ),
        (
            Box::new(|r| r.questions[0].key = "Pulse".into()),
            "questions[0].key",
        ),
        (
            Box::new(|r| r.questions[1].key = "pulse".into()),
            "questions[1].key",
        ),
        (
            Box::new(|r| r.questions[0].prompt = "  ".into()),
            "questions[0].prompt",
        ),
        (
            Box::new(|r| r.questions[3].options = None),
            "questions[3].options",
        ),
        (
            Box::new(|r| r.questions[3].options = Some(vec!["A".into()])),
            "questions[3].options",
        ),
        (
            Box::new(|r| r.questions[3].options = Some(vec!["A".into(), "A".into()])),
            "questions[3].options",
        ),
        (
            Box::new(|r| r.questions[0].options = Some(vec!["A".into(), "B".into()])),
            "questions[0].options",
        ),
        (Box::new(|r| r.questions.clear()), "questions"),
        (Box::new(|r| r.title = String::new()), "title"),
        (Box::new(|r| r.closes_at = r.opens_at), "closes_at"),
    ];
    for (edit, field) in cases {
        let mut raw = raw_sample();
        edit(&mut raw);
        assert_eq!(field_of(&raw), field);
    }
}

#[test]
fn bad_teams_are_refused_naming_the_field() {
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|r| r.teams[1].parent = Some("nope".into())),
            "teams[1].parent",
        ),
        // A parent must come first, which rules out cycles.
        (
            Box::new(|r| r.teams[0].parent = Some("web".into())),
            "teams[0].parent",
        ),
        (Box::new(|r| r.teams[2].key = "web".into()), "teams[2].key"),
        (
            Box::new(|r| {
                let m = r.teams[1].members[0];
                r.teams[3].members.push(m);
            }),
            "teams[3].members",
        ),
        (
            Box::new(|r| r.teams[0].members.push(SubjectId::new())),
            "teams[0].members",
        ),
        (Box::new(|r| r.teams.clear()), "teams"),
    ];
    for (edit, field) in cases {
        let mut raw = raw_sample();
        edit(&mut raw);
        assert_eq!(field_of(&raw), field);
    }
}

#[test]
fn unknown_fields_are_refused_when_read() {
    let mut v = serde_json::to_value(raw_sample()).unwrap();
    v["questions"][0]["colour"] = json!("red");
    assert!(serde_json::from_value::<RawSurvey>(v).is_err());
}
