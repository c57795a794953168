//! Anonymous team surveys (Recital 26, Art. 25: data protection by
//! design). Members answer with a one-time participation token and
//! nothing else; answers are stored with survey, team, a coarse period and
//! the values only, so nobody, the operator with the whole database, its
//! logs and the master key included, can tie an answer to a person.
//!
//! - [`definition`]: a survey parsed at the edge (questions, teams, times);
//! - [`token`]: participation tokens and their keyed hashes;
//! - [`answer`]: an answer parsed against its survey;
//! - [`suppress`]: which result cells are withheld, including by
//!   subtraction; [`results`]: the figures from grouped counts;
//! - [`noise`]: optional discrete Laplace noise on published figures.
//!
//! Why the stored rows cannot be tied to a person is set out in
//! ARCHITECTURE.md ("Why survey answers cannot be tied to a person").

pub mod answer;
pub mod definition;
pub mod noise;
pub mod results;
pub mod suppress;
pub mod token;
mod writes;

use crate::error::ErrorKind;
use crate::ids::{SubjectId, SurveyId, TenantId};
pub use definition::{Key, Question, QuestionKind, RawSurvey, SurveyDefinition, Team};
use jiff::Timestamp;
pub use tutela_policy::Noise;
pub use writes::SurveyWrite;

/// What a store reports missing (`StoreError::Missing`) when a survey's
/// member is erased or restricted as it is created or opened; the engine
/// answers [`SurveyError::MemberUnavailable`].
pub const LIVE_MEMBERS: &str = "live survey members";

/// Why a survey step was refused; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// A field of a survey or an answer is not acceptable; names the field.
    #[error("{field}: {message}")]
    Invalid {
        /// Which field (`questions[2].options`, `answers.mood`).
        field: String,
        /// What is wrong (never echoes an answer).
        message: String,
    },
    /// No such survey in this tenant.
    #[error("no such survey")]
    NotFound,
    /// The token is not one this survey issued, or it was spent already:
    /// the two are told apart by nobody, so a token reveals nothing.
    #[error("the participation token is unknown or already used")]
    TokenUnknown,
    /// The survey does not take answers yet (not opened, or before its
    /// opening time).
    #[error("the survey is not open for answers yet")]
    NotOpen,
    /// The survey is closed (or past its closing time): its tokens are
    /// worthless.
    #[error("the survey is closed")]
    Closed,
    /// The survey was opened already: tokens are issued once, to every
    /// member at once, and members cannot be added afterwards.
    #[error("the survey was opened already")]
    AlreadyOpen,
    /// A team has fewer members than the minimum group size, so its
    /// results could never be shown without singling someone out.
    #[error("team `{team}` has {members} members, fewer than the minimum group size {min}")]
    TeamTooSmall {
        /// The team's key.
        team: String,
        /// Its members.
        members: usize,
        /// The policy's minimum.
        min: u32,
    },
    /// The survey's privacy budget cannot pay for another noisy read.
    #[error("the survey's privacy budget is spent")]
    BudgetExhausted,
    /// A member was erased, has the processing of their data restricted
    /// (Art. 18(2): stored only), or has died: such a person is not asked,
    /// and cannot count toward a team's minimum size.
    #[error(
        "a member was erased, has restricted the processing of their data, or has died; leave them out of the teams"
    )]
    MemberUnavailable,
    /// The survey's purpose may not process a member now (Art. 6(1),
    /// Art. 21): a consent it rests on is not live, the member objected,
    /// or the purpose does not concern people of the member's kind.
    #[error("{field}: the survey's purpose may not process this member: {reason}")]
    MemberNotLawful {
        /// Where the member sits (`teams[1].members[3]`).
        field: String,
        /// Why, as the purpose check says it (no personal value).
        reason: String,
    },
}

impl SurveyError {
    /// An invalid field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.to_owned(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "E_INVALID_FIELD",
            Self::NotFound => "E_SURVEY_NOT_FOUND",
            Self::TokenUnknown => "E_TOKEN_UNKNOWN",
            Self::NotOpen => "E_SURVEY_NOT_OPEN",
            Self::Closed => "E_SURVEY_CLOSED",
            Self::AlreadyOpen => "E_SURVEY_ALREADY_OPEN",
            Self::TeamTooSmall { .. } => "E_TEAM_TOO_SMALL",
            Self::BudgetExhausted => "E_PRIVACY_BUDGET_EXHAUSTED",
            Self::MemberUnavailable | Self::MemberNotLawful { .. } => "E_SURVEY_MEMBER_UNAVAILABLE",
        }
    }

    /// The class of answer, for the HTTP status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid { .. } => ErrorKind::InvalidField,
            Self::NotFound | Self::TokenUnknown => ErrorKind::NotFound,
            Self::NotOpen
            | Self::Closed
            | Self::AlreadyOpen
            | Self::TeamTooSmall { .. }
            | Self::BudgetExhausted
            | Self::MemberUnavailable
            | Self::MemberNotLawful { .. } => ErrorKind::Conflict,
        }
    }
}

/// Where a survey is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyState {
    /// Created; no token issued yet.
    Draft,
    /// Tokens issued; answers taken between the opening and closing times.
    Open,
    /// No more answers.
    Closed,
}

impl SurveyState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Self::Draft),
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// A stored survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRow {
    /// Its tenant.
    pub tenant: TenantId,
    /// Its id.
    pub id: SurveyId,
    /// The definition as JSON ([`RawSurvey`] without members).
    pub definition: String,
    /// Its state.
    pub state: SurveyState,
    /// The minimum group size, fixed from the policy when the survey opens
    /// and never lowered afterwards.
    pub min_group_size: Option<u32>,
    /// The noise fixed from the policy when the survey opens, if any.
    pub noise: Option<Noise>,
    /// ε spent by noisy reads so far, in thousandths.
    pub noise_spent_millis: u32,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One member of a survey's team; `issued` once their token exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The member.
    pub subject: SubjectId,
    /// Their team.
    pub team: Key,
    /// Whether a token was issued to them (all at once, at opening).
    pub issued: bool,
}

/// One survey a subject was named in, for their access answer (Art. 15):
/// the survey, their team, and whether a token was issued to them. Never
/// whether or what they answered: nothing links an answer to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    /// The survey.
    pub survey: SurveyId,
    /// Their team.
    pub team: Key,
    /// Whether a token was issued to them.
    pub issued: bool,
}

/// Most survey memberships one access answer lists, newest first.
pub const MAX_MEMBERSHIPS_LISTED: u32 = 1_000;

/// An unspent token: its team and keyed hash, never its member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The team whose member holds it.
    pub team: Key,
    /// HMAC of the secret under the tenant's blind-index key.
    pub hash: [u8; 32],
}

/// A stored answer value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    /// A scale, mood or choice, plain so that SQL can count it.
    Number(i64),
    /// Free text sealed under the survey's key.
    Sealed(Vec<u8>),
}

/// One answer to one question, as stored: no member, no token, no time
/// finer than the period, and a random key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    /// 16 random bytes: the key orders rows randomly.
    pub id: [u8; 16],
    /// The team.
    pub team: Key,
    /// The ISO week (`2026-W48`).
    pub period: String,
    /// The question.
    pub question: Key,
    /// The value.
    pub value: StoredValue,
}

/// A count of answers with one value: what the grouped SQL returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyRow {
    /// The team.
    pub team: String,
    /// The period.
    pub period: String,
    /// The question.
    pub question: String,
    /// The value.
    pub value: i64,
    /// How many answers have it.
    pub count: u64,
}

/// A sealed free-text answer, for the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedTextRow {
    /// The team.
    pub team: String,
    /// The period.
    pub period: String,
    /// The question.
    pub question: String,
    /// The sealed text.
    pub sealed: Vec<u8>,
}

/// Tokens issued to a team and not yet spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationRow {
    /// The team.
    pub team: String,
    /// Members issued a token.
    pub issued: u64,
    /// Tokens still unspent.
    pub unspent: u64,
}

/// The coarse period an answer is stored under: its ISO week in UTC. No
/// finer time is kept, so answers within a week cannot be ordered by time.
pub fn period_of(at: Timestamp) -> String {
    let date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let week = date.iso_week_date();
    format!("{:04}-W{:02}", week.year(), week.week())
}

/// Whether the ISO week `period` has ended by `now`.
pub fn period_ended(period: &str, now: Timestamp) -> bool {
    period.as_bytes() < period_of(now).as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_iso_weeks_and_order_as_text() {
        let at: Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
        assert_eq!(period_of(at), "2026-W48");
        let new_year: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(period_of(new_year), "2026-W53");
        assert!(period_ended("2026-W47", at));
        assert!(!period_ended("2026-W48", at));
        assert!(period_ended("2025-W52", at));
    }
}
