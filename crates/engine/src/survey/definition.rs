//! A survey as it is asked for, parsed once at the edge into types that
//! cannot hold a bad question: a scale has its bounds, a choice its
//! options, a team its place in the organisation. Whatever reaches the
//! engine's decisions is therefore valid.

use super::SurveyError;
use crate::ids::SubjectId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tutela_policy::PurposeId;

/// Most questions in one survey.
pub const MAX_QUESTIONS: usize = 50;
/// Most teams in one survey.
pub const MAX_TEAMS: usize = 500;
/// Most members in one survey (tokens are issued in one commit).
pub const MAX_MEMBERS: usize = 10_000;
/// Most options of a single-choice question.
pub const MAX_OPTIONS: usize = 20;
/// Longest free-text answer, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The moods, worst first; stored as 1 to 5.
pub const MOODS: [&str; 5] = ["awful", "bad", "okay", "good", "great"];

/// A short key naming a question or a team: `^[a-z][a-z0-9_]{0,31}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Key(String);

impl Key {
    /// Parses a key; `field` names it in the error.
    pub fn parse(text: &str, field: &str) -> Result<Self, SurveyError> {
        let mut chars = text.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if first_ok && rest_ok && text.len() <= 32 {
            Ok(Self(text.to_owned()))
        } else {
            Err(SurveyError::invalid(
                field,
                "must be 1 to 32 of a-z, 0-9 and '_', starting with a letter",
            ))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a question asks for, with its bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionKind {
    /// A whole number from 1 to 5.
    Scale5,
    /// A whole number from 0 to 10 (as in eNPS).
    Scale10,
    /// One of these options (2 to 20, distinct), stored by position.
    Choice(Vec<String>),
    /// One of [`MOODS`], stored as 1 (awful) to 5 (great).
    Mood,
    /// Free text, sealed at rest, shown only for large enough groups.
    Text,
}

impl QuestionKind {
    /// The stable name (`scale_1_5`, `scale_0_10`, `choice`, `mood`, `text`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Scale5 => "scale_1_5",
            Self::Scale10 => "scale_0_10",
            Self::Choice(_) => "choice",
            Self::Mood => "mood",
            Self::Text => "text",
        }
    }

    /// The stored values a numeric answer may take, lowest first (one
    /// bucket for free text, which is counted, never valued).
    pub fn values(&self) -> std::ops::RangeInclusive<i64> {
        match self {
            Self::Scale5 | Self::Mood => 1..=5,
            Self::Scale10 => 0..=10,
            Self::Choice(options) => 0..=i64::try_from(options.len()).unwrap_or(1) - 1,
            // Free text is counted in one bucket; it has no numeric value.
            Self::Text => 0..=0,
        }
    }

    /// The label of a stored value: the number, the option or the mood.
    pub fn label(&self, value: i64) -> String {
        let at = |list: &[String], i: i64| {
            usize::try_from(i)
                .ok()
                .and_then(|i| list.get(i).cloned())
                .unwrap_or_default()
        };
        match self {
            Self::Choice(options) => at(options, value),
            Self::Mood => {
                let moods: Vec<String> = MOODS.iter().map(|m| (*m).to_owned()).collect();
                at(&moods, value - 1)
            }
            _ => value.to_string(),
        }
    }

    /// Whether a mean means something (scales and moods).
    pub fn has_mean(&self) -> bool {
        matches!(self, Self::Scale5 | Self::Scale10 | Self::Mood)
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Its key, unique in the survey.
    pub key: Key,
    /// What is asked (1 to 500 characters).
    pub prompt: String,
    /// What may be answered.
    pub kind: QuestionKind,
    /// Whether every answer must include it.
    pub required: bool,
}

/// One team: a cohort nested in the organisation or in another team.
/// Members sit in teams without sub-teams only, so every node of the tree
/// is the sum of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Its key, unique in the survey.
    pub key: Key,
    /// Its display name (1 to 200 characters).
    pub name: String,
    /// The team it belongs to; `None` for one directly in the organisation.
    pub parent: Option<Key>,
    /// Its members' pseudonyms (none for a team with sub-teams).
    pub members: Vec<SubjectId>,
}

/// A valid survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyDefinition {
    /// Its title (1 to 200 characters).
    pub title: String,
    /// The organisation's display name.
    pub organisation: String,
    /// 1 to [`MAX_QUESTIONS`] questions.
    pub questions: Vec<Question>,
    /// 1 to [`MAX_TEAMS`] teams, each after its parent.
    pub teams: Vec<Team>,
    /// Answers are taken from here ...
    pub opens_at: Timestamp,
    /// ... until here (excluded); a token is worthless after.
    pub closes_at: Timestamp,
    /// The policy purpose the survey runs under: every member must be
    /// someone it may process. Required of a new survey; `None` only for a
    /// survey stored before surveys named one.
    pub purpose: Option<PurposeId>,
}

/// A survey as a client sends it (JSON), before parsing.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    /// Title.
    pub title: String,
    /// The organisation's name.
    pub organisation: String,
    /// Questions.
    pub questions: Vec<RawQuestion>,
    /// Teams.
    pub teams: Vec<RawTeam>,
    /// Opening time (RFC 3339).
    pub opens_at: Timestamp,
    /// Closing time (RFC 3339).
    pub closes_at: Timestamp,
    /// The policy purpose it runs under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A question as sent.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    /// Key.
    pub key: String,
    /// Prompt.
    pub prompt: String,
    /// `scale_1_5`, `scale_0_10`, `choice`, `mood` or `text`.
    pub kind: String,
    /// The options of a `choice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Defaults to true, except for `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// A team as sent.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Parent team's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Members' subject ids.
    #[serde(default)]
    pub members: Vec<SubjectId>,
}

fn bounded_text(text: &str, max: usize, field: &str) -> Result<String, SurveyError> {
    let trimmed = text.trim();
    let n = trimmed.chars().count();
    if n == 0 || n > max || trimmed.chars().any(char::is_control) {
        return Err(SurveyError::invalid(
            field,
            &format!("must be 1 to {max} characters, without control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

impl SurveyDefinition {
    /// Parses a survey, naming the first bad field.
    pub fn parse(raw: &RawSurvey) -> Result<Self, SurveyError> {
        let title = bounded_text(&raw.title, 200, "title")?;
        let organisation = bounded_text(&raw.organisation, 200, "organisation")?;
        if raw.closes_at <= raw.opens_at {
            return Err(SurveyError::invalid("closes_at", "must be after opens_at"));
        }
        let questions = parse_questions(&raw.questions)?;
        let teams = parse_teams(&raw.teams)?;
        let purpose = match &raw.purpose {
            None => None,
            Some(p) => Some(PurposeId::parse(p).map_err(|_| {
                SurveyError::invalid(
                    "purpose",
                    "must be a purpose id: 1 to 64 of a-z, 0-9 and '_', starting with a letter",
                )
            })?),
        };
        Ok(Self {
            title,
            organisation,
            questions,
            teams,
            opens_at: raw.opens_at,
            closes_at: raw.closes_at,
            purpose,
        })
    }

    /// The raw form again, members left out (they are stored on their own).
    pub fn to_raw_without_members(&self) -> RawSurvey {
        RawSurvey {
            title: self.title.clone(),
            organisation: self.organisation.clone(),
            questions: self
                .questions
                .iter()
                .map(|q| RawQuestion {
                    key: q.key.to_string(),
                    prompt: q.prompt.clone(),
                    kind: q.kind.as_str().to_owned(),
                    options: match &q.kind {
                        QuestionKind::Choice(o) => Some(o.clone()),
                        _ => None,
                    },
                    required: Some(q.required),
                })
                .collect(),
            teams: self
                .teams
                .iter()
                .map(|t| RawTeam {
                    key: t.key.to_string(),
                    name: t.name.clone(),
                    parent: t.parent.as_ref().map(ToString::to_string),
                    members: Vec::new(),
                })
                .collect(),
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            purpose: self.purpose.as_ref().map(ToString::to_string),
        }
    }

    /// The question under `key`.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key.as_str() == key)
    }

    /// How many members in all.
    pub fn member_count(&self) -> usize {
        self.teams.iter().map(|t| t.members.len()).sum()
    }
}

fn parse_questions(raw: &[RawQuestion]) -> Result<Vec<Question>, SurveyError> {
    if raw.is_empty() || raw.len() > MAX_QUESTIONS {
        return Err(SurveyError::invalid(
            "questions",
            &format!("must hold 1 to {MAX_QUESTIONS} questions"),
        ));
    }
    let mut seen = HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, q)| {
            let question = parse_question(q, i)?;
            if !seen.insert(question.key.clone()) {
                return Err(SurveyError::invalid(
                    &format!("questions[{i}].key"),
                    "is used twice",
                ));
            }
            Ok(question)
        })
        .collect()
}

fn parse_question(q: &RawQuestion, i: usize) -> Result<Question, SurveyError> {
    let field = |name: &str| format!("questions[{i}].{name}");
    let key = Key::parse(&q.key, &field("key"))?;
    let prompt = bounded_text(&q.prompt, 500, &field("prompt"))?;
    let kind = match (q.kind.as_str(), &q.options) {
        ("scale_1_5", None) => QuestionKind::Scale5,
        ("scale_0_10", None) => QuestionKind::Scale10,
        ("mood", None) => QuestionKind::Mood,
        ("text", None) => QuestionKind::Text,
        ("choice", Some(options)) => {
            QuestionKind::Choice(parse_options(options, &field("options"))?)
        }
        ("choice", None) => {
            return Err(SurveyError::invalid(
                &field("options"),
                "a choice needs options",
            ));
        }
        ("scale_1_5" | "scale_0_10" | "mood" | "text", Some(_)) => {
            return Err(SurveyError::invalid(
                &field("options"),
                "only a choice has options",
            ));
        }
        _ => {
            return Err(SurveyError::invalid(
                &field("kind"),
                "must be one of scale_1_5, scale_0_10, choice, mood, text",
            ));
        }
    };
    let required = q.required.unwrap_or(kind != QuestionKind::Text);
    Ok(Question {
        key,
        prompt,
        kind,
        required,
    })
}

fn parse_options(options: &[String], field: &str) -> Result<Vec<String>, SurveyError> {
    if options.len() < 2 || options.len() > MAX_OPTIONS {
        return Err(SurveyError::invalid(
            field,
            &format!("must hold 2 to {MAX_OPTIONS} options"),
        ));
    }
    let parsed = options
        .iter()
        .map(|o| bounded_text(o, 80, field))
        .collect::<Result<Vec<_>, _>>()?;
    let distinct: HashSet<&String> = parsed.iter().collect();
    if distinct.len() != parsed.len() {
        return Err(SurveyError::invalid(field, "options must be distinct"));
    }
    Ok(parsed)
}

fn parse_teams(raw: &[RawTeam]) -> Result<Vec<Team>, SurveyError> {
    if raw.is_empty() || raw.len() > MAX_TEAMS {
        return Err(SurveyError::invalid(
            "teams",
            &format!("must hold 1 to {MAX_TEAMS} teams"),
        ));
    }
    let mut keys: Vec<Key> = Vec::with_capacity(raw.len());
    let mut members = HashSet::new();
    let mut teams = Vec::with_capacity(raw.len());
    for (i, t) in raw.iter().enumerate() {
        let field = |name: &str| format!("teams[{i}].{name}");
        let key = Key::parse(&t.key, &field("key"))?;
        if keys.contains(&key) {
            return Err(SurveyError::invalid(&field("key"), "is used twice"));
        }
        let parent = match &t.parent {
            None => None,
            Some(p) => {
                let p = Key::parse(p, &field("parent"))?;
                if !keys.contains(&p) {
                    return Err(SurveyError::invalid(
                        &field("parent"),
                        "must name a team listed before it",
                    ));
                }
                Some(p)
            }
        };
        for m in &t.members {
            if !members.insert(*m) {
                return Err(SurveyError::invalid(
                    &field("members"),
                    "a member is in two teams, or twice",
                ));
            }
        }
        keys.push(key.clone());
        teams.push(Team {
            key,
            name: bounded_text(&t.name, 200, &field("name"))?,
            parent,
            members: t.members.clone(),
        });
    }
    if members.len() > MAX_MEMBERS {
        return Err(SurveyError::invalid(
            "teams",
            &format!("at most {MAX_MEMBERS} members in all"),
        ));
    }
    for (i, t) in teams.iter().enumerate() {
        let has_children = teams.iter().any(|c| c.parent.as_ref() == Some(&t.key));
        if has_children && !t.members.is_empty() {
            return Err(SurveyError::invalid(
                &format!("teams[{i}].members"),
                "a team with sub-teams has no members of its own: put them in a sub-team",
            ));
        }
    }
    Ok(teams)
}

#[cfg(test)]
#[path = "definition_tests.rs"]
pub(crate) mod tests;
