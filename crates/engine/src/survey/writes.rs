//! The writes of surveys, one variant of the store's `Write` each.

use super::{AnswerRow, MemberRow, Noise, SurveyRow, TokenRow};
use crate::ids::SurveyId;

/// One survey write inside a store `Change`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyWrite {
    /// Store a new survey in the draft state with its members, none
    /// issued a token yet (each member must be a subject of the tenant).
    Insert {
        /// The survey.
        row: SurveyRow,
        /// Its members with their teams.
        members: Vec<MemberRow>,
    },
    /// Open a draft survey: fix its minimum group size and noise, mark
    /// every member issued and insert every token hash, all in this one
    /// commit, the tokens in random order and without a member column.
    /// Fails with `Missing { what: "survey" }` unless it is a draft.
    Open {
        /// Which survey.
        survey: SurveyId,
        /// The policy's minimum group size now.
        min_group_size: u32,
        /// The policy's noise now.
        noise: Option<Noise>,
        /// The tokens' teams and hashes, shuffled.
        tokens: Vec<TokenRow>,
    },
    /// Spend a token and store its answer in one commit: delete the
    /// token's row, only while the survey is open (the engine checks its
    /// times first), then insert the answer rows. Fails with
    /// `Missing { what: "token" }` (and stores nothing) otherwise.
    Submit {
        /// Which survey.
        survey: SurveyId,
        /// The token's hash.
        token_hash: [u8; 32],
        /// The answer's rows.
        answers: Vec<AnswerRow>,
    },
    /// Close a draft or open survey. Fails with `Missing { what: "survey" }`
    /// if it is closed already.
    Close {
        /// Which survey.
        survey: SurveyId,
    },
    /// Spend ε from a survey's privacy budget, only if the budget covers
    /// it (else `Missing { what: "privacy budget" }`).
    SpendBudget {
        /// Which survey.
        survey: SurveyId,
        /// ε in thousandths.
        millis: u32,
    },
}
