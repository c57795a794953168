//! Wire types for anonymous surveys: a survey as sent, the tokens returned
//! once at opening, an answer (token in the body, never the URL) and the
//! suppressed results.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `POST /v1/surveys`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyIn {
    /// Title, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The organisation's name.
    #[schema(min_length = 1, max_length = 200)]
    pub organisation: String,
    /// 1 to 50 questions.
    #[schema(min_items = 1, max_items = 50)]
    pub questions: Vec<QuestionIn>,
    /// 1 to 500 teams, each after its parent; members only in teams
    /// without sub-teams, each in one team.
    #[schema(min_items = 1, max_items = 500)]
    pub teams: Vec<TeamIn>,
    /// Answers are taken from this time (RFC 3339) ...
    #[schema(format = DateTime)]
    pub opens_at: String,
    /// ... until this one.
    #[schema(format = DateTime)]
    pub closes_at: String,
    /// The policy purpose the survey runs under (`team_polls`): every
    /// member must be someone it may process now.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub purpose: String,
}

/// One question.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionIn {
    /// Its key (`pulse`).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub key: String,
    /// What is asked.
    #[schema(min_length = 1, max_length = 500)]
    pub prompt: String,
    /// `scale_1_5`, `scale_0_10`, `choice`, `mood` (awful, bad, okay,
    /// good, great) or `text`.
    #[schema(pattern = "^(scale_1_5|scale_0_10|choice|mood|text)$")]
    pub kind: String,
    /// The options of a `choice` (2 to 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Whether every answer must include it (default: true, except text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// One team.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    /// Its key (`web`).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub key: String,
    /// Its name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The key of the team it belongs to; absent for one directly in the
    /// organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Its members' subject ids.
    #[serde(default)]
    #[schema(max_items = 10000)]
    pub members: Vec<uuid::Uuid>,
}

/// A survey as created.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyOut {
    /// Its id.
    pub id: String,
    /// `draft`, `open` or `closed`.
    pub state: String,
    /// The minimum group size, fixed at opening.
    pub min_group_size: Option<u32>,
}

/// One member's token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// The member.
    pub subject: String,
    /// The token, shown this once; Tutela keeps only a keyed hash of it,
    /// with no member.
    pub token: String,
}

/// The answer to opening a survey.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedOut {
    /// The survey.
    pub id: String,
    /// The minimum group size fixed now from the policy.
    pub min_group_size: u32,
    /// One token per member, for the product to deliver.
    pub tokens: Vec<TokenOut>,
}

/// `POST /v1/surveys/answers`: a token and the answers, nothing else.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// The participation token.
    #[schema(max_length = 200)]
    pub token: String,
    /// Question key to answer: a whole number for a scale, an option for
    /// a choice, a mood name for a mood, text for text.
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "unique_keys")]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// The answers object with each question at most once: a map would keep
/// the last of two values silently, where every other body refuses a
/// duplicate key (found by an outside probe).
fn unique_keys<'de, D>(d: D) -> Result<BTreeMap<String, serde_json::Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of answers by question key")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format_args!(
                        "duplicate field `{key}`"
                    )));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique)
}

/// A cell's figures, or why it is withheld.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellOut {
    /// `below_minimum` (fewer answers than the minimum group size) or
    /// `complementary` (shown, it would let a withheld cell be computed by
    /// subtraction); absent when shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
    /// Answers counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Their mean (scales and moods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Count per value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Vec<BucketOut>>,
}

/// One value's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketOut {
    /// The value, option or mood.
    pub label: String,
    /// How many answered it.
    pub count: u64,
}

/// One cohort's cells.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortOut {
    /// The team; absent for the whole organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Over every period shown.
    pub total: CellOut,
    /// One per period of `periods`.
    pub periods: Vec<CellOut>,
    /// Free text of a team shown whole, in random order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
}

/// One question's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionOut {
    /// The question's key.
    pub question: String,
    /// Its kind.
    pub kind: String,
    /// The organisation, then each team.
    pub cohorts: Vec<CohortOut>,
}

/// The privacy budget of a survey with noise.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetOut {
    /// ε spent by one read.
    pub epsilon: f64,
    /// ε spent so far, this read included.
    pub spent: f64,
    /// The most ε its reads may spend.
    pub budget: f64,
}

/// `GET /v1/surveys/{id}/results`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsOut {
    /// The survey.
    pub id: String,
    /// Its state.
    pub state: String,
    /// The ISO weeks shown: those ended, or all once closed.
    pub periods: Vec<String>,
    /// The minimum group size.
    pub min_group_size: u32,
    /// Members issued a token.
    pub issued: u64,
    /// Members who answered (who they are is not kept).
    pub responded: u64,
    /// Noise added to shown figures, with the budget left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<BudgetOut>,
    /// Why no free text is shown, when the survey has a text question and
    /// none can be: `noise` (a list of answers gives its exact length,
    /// the count the noise hides).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub texts_withheld: Option<String>,
    /// Per question.
    pub questions: Vec<QuestionOut>,
}
