//! An answer parsed against its survey: every value in its question's
//! range, every required question present, nothing unknown. A bad answer
//! is refused whole before anything is written, so it stores nothing and
//! leaves the token unspent. Error messages name the question, never the
//! value given.

use super::definition::{MAX_TEXT_CHARS, MOODS};
use super::{QuestionKind, SurveyDefinition, SurveyError};
use serde_json::Value;
use std::collections::BTreeMap;

/// One parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerValue {
    /// A scale, mood (1 to 5) or choice (the option's position).
    Number(i64),
    /// Free text, trimmed, not empty.
    Text(String),
}

/// A valid answer: `(question key, value)` in the survey's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The values given.
    pub values: Vec<(super::Key, AnswerValue)>,
}

/// Parses `given` (question key to JSON value) against `survey`.
pub fn parse(
    survey: &SurveyDefinition,
    given: &BTreeMap<String, Value>,
) -> Result<Answer, SurveyError> {
    // An unknown key is the client's own text: it is not echoed.
    if given.keys().any(|k| survey.question(k).is_none()) {
        return Err(SurveyError::invalid(
            "answers",
            "names a question the survey does not have",
        ));
    }
    let mut values = Vec::new();
    for q in &survey.questions {
        let field = format!("answers.{}", q.key);
        let value = match given.get(q.key.as_str()) {
            None | Some(Value::Null) => None,
            Some(v) => parse_value(&q.kind, v, &field)?,
        };
        match value {
            Some(v) => values.push((q.key.clone(), v)),
            None if q.required => return Err(SurveyError::invalid(&field, "is required")),
            None => {}
        }
    }
    if values.is_empty() {
        return Err(SurveyError::invalid(
            "answers",
            "must answer at least one question",
        ));
    }
    Ok(Answer { values })
}

fn parse_value(
    kind: &QuestionKind,
    v: &Value,
    field: &str,
) -> Result<Option<AnswerValue>, SurveyError> {
    let out_of_range = || {
        let range = kind.values();
        SurveyError::invalid(
            field,
            &format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        )
    };
    match kind {
        QuestionKind::Scale5 | QuestionKind::Scale10 => {
            let n = v.as_i64().ok_or_else(out_of_range)?;
            if kind.values().contains(&n) {
                Ok(Some(AnswerValue::Number(n)))
            } else {
                Err(out_of_range())
            }
        }
        QuestionKind::Mood => {
            let text = v.as_str().unwrap_or_default();
            let at = MOODS.iter().position(|m| *m == text).ok_or_else(|| {
                SurveyError::invalid(field, &format!("must be one of {}", MOODS.join(", ")))
            })?;
            Ok(Some(AnswerValue::Number(
                i64::try_from(at).unwrap_or(0) + 1,
            )))
        }
        QuestionKind::Choice(options) => {
            let text = v.as_str().unwrap_or_default();
            let at = options.iter().position(|o| o == text).ok_or_else(|| {
                SurveyError::invalid(field, "must be one of the question's options")
            })?;
            Ok(Some(AnswerValue::Number(i64::try_from(at).unwrap_or(0))))
        }
        QuestionKind::Text => {
            let text = v
                .as_str()
                .ok_or_else(|| SurveyError::invalid(field, "must be text"))?
                .trim();
            if text.is_empty() {
                return Ok(None);
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(SurveyError::invalid(
                    field,
                    &format!("must be at most {MAX_TEXT_CHARS} characters"),
                ));
            }
            Ok(Some(AnswerValue::Text(text.to_owned())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::definition::tests::sample;
    use serde_json::json;

    fn given(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_full_answer_parses_to_stored_numbers() {
        let s = sample();
        let a = parse(
            &s,
            &given(json!({"pulse": 4, "enps": 0, "mood": "great", "office": "Remote", "comment": " fine "})),
        )
        .unwrap();
        let got: Vec<(&str, &AnswerValue)> =
            a.values.iter().map(|(k, v)| (k.as_str(), v)).collect();
        assert_eq!(
            got,
            vec![
                ("pulse", &AnswerValue::Number(4)),
                ("enps", &AnswerValue::Number(0)),
                ("mood", &AnswerValue::Number(5)),
                ("office", &AnswerValue::Number(1)),
                ("comment", &AnswerValue::Text("fine".into())),
            ]
        );
    }

    #[test]
    fn out_of_range_unknown_and_missing_answers_are_refused_by_field() {
        let s = sample();
        let cases = [
            (
                json!({"pulse": 6, "enps": 1, "mood": "ok", "office": "Remote"}),
                "answers.pulse",
            ),
            (
                json!({"pulse": 0, "enps": 1, "mood": "okay", "office": "Remote"}),
                "answers.pulse",
            ),
            (
                json!({"pulse": 2.5, "enps": 1, "mood": "okay", "office": "Remote"}),
                "answers.pulse",
            ),
            (
                json!({"pulse": 2, "enps": 11, "mood": "okay", "office": "Remote"}),
                "answers.enps",
            ),
            (
                json!({"pulse": 2, "enps": 1, "mood": "meh", "office": "Remote"}),
                "answers.mood",
            ),
            (
                json!({"pulse": 2, "enps": 1, "mood": "okay", "office": "Moon"}),
                "answers.office",
            ),
            (
                json!({"enps": 1, "mood": "okay", "office": "Remote"}),
                "answers.pulse",
            ),
            (
                json!({"pulse": 2, "enps": 1, "mood": "okay", "office": "Remote", "x": 1}),
                "answers",
            ),
            (
                json!({"pulse": 2, "enps": 1, "mood": "okay", "office": "Remote", "comment": 3}),
                "answers.comment",
            ),
        ];
        for (v, field) in cases {
            match parse(&s, &given(v.clone())) {
                Err(SurveyError::Invalid { field: f, .. }) => assert_eq!(f, field, "{v}"),
                other => panic!("{v}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_overlong_text_is_refused_and_a_blank_one_is_left_out() {
        let s = sample();
        let base = json!({"pulse": 2, "enps": 1, "mood": "okay", "office": "Remote"});
        let mut long = base.clone();
        long["comment"] = json!("x".repeat(MAX_TEXT_CHARS + 1));
        assert!(parse(&s, &given(long)).is_err());
        let mut blank = base;
        blank["comment"] = json!("   ");
        assert_eq!(parse(&s, &given(blank)).unwrap().values.len(), 4);
    }
}
