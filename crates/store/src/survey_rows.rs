//! Survey rows as both backends return them, and their conversion to the
//! engine's types (a value the engine would refuse is reported as corrupt).

use crate::error::corrupt;
use crate::rows::{instant, uuid};
use tutela_engine::ids::{SubjectId, SurveyId, TenantId};
use tutela_engine::store::StoreError;
use tutela_engine::survey::{
    Key, MemberRow, MembershipRow, Noise, ParticipationRow, SealedTextRow, SurveyRow, SurveyState,
    TallyRow, TokenRow,
};

/// `surveys` without its tenant.
#[derive(sqlx::FromRow)]
pub(crate) struct SurveyDb {
    pub(crate) survey_id: String,
    pub(crate) definition: String,
    pub(crate) state: String,
    pub(crate) min_group_size: Option<i64>,
    pub(crate) noise_epsilon_millis: Option<i64>,
    pub(crate) noise_budget_millis: Option<i64>,
    pub(crate) noise_spent_millis: i64,
    pub(crate) created_at: i64,
}

/// A row of `sql::SELECT_SURVEY` on SQLite.
pub(crate) fn survey_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<SurveyDb> {
    Ok(SurveyDb {
        survey_id: r.get(0)?,
        definition: r.get(1)?,
        state: r.get(2)?,
        min_group_size: r.get(3)?,
        noise_epsilon_millis: r.get(4)?,
        noise_budget_millis: r.get(5)?,
        noise_spent_millis: r.get(6)?,
        created_at: r.get(7)?,
    })
}

fn small(n: i64, column: &'static str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(column))
}

/// The engine's row, with its tenant.
pub(crate) fn survey_row(tenant: &TenantId, r: SurveyDb) -> Result<SurveyRow, StoreError> {
    let noise = match (r.noise_epsilon_millis, r.noise_budget_millis) {
        (Some(e), Some(b)) => Some(Noise {
            epsilon_millis: small(e, "surveys.noise_epsilon_millis")?,
            budget_millis: small(b, "surveys.noise_budget_millis")?,
        }),
        _ => None,
    };
    Ok(SurveyRow {
        tenant: tenant.clone(),
        id: SurveyId(uuid(&r.survey_id, "surveys.survey_id")?),
        definition: r.definition,
        state: SurveyState::parse(&r.state).ok_or_else(|| corrupt("surveys.state"))?,
        min_group_size: r
            .min_group_size
            .map(|n| small(n, "surveys.min_group_size"))
            .transpose()?,
        noise,
        noise_spent_millis: small(r.noise_spent_millis, "surveys.noise_spent_millis")?,
        created_at: instant(r.created_at, "surveys.created_at")?,
    })
}

/// `survey_members` without tenant and survey.
#[derive(sqlx::FromRow)]
pub(crate) struct MemberDb {
    subject_id: String,
    team: String,
    issued: bool,
}

/// A row of `sql::SELECT_SURVEY_MEMBERS` on SQLite.
pub(crate) fn member_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberDb> {
    Ok(MemberDb {
        subject_id: r.get(0)?,
        team: r.get(1)?,
        issued: r.get(2)?,
    })
}

fn key(text: &str, column: &'static str) -> Result<Key, StoreError> {
    Key::parse(text, column).map_err(|_| corrupt(column))
}

impl TryFrom<MemberDb> for MemberRow {
    type Error = StoreError;
    fn try_from(r: MemberDb) -> Result<Self, StoreError> {
        Ok(Self {
            subject: SubjectId(uuid(&r.subject_id, "survey_members.subject_id")?),
            team: key(&r.team, "survey_members.team")?,
            issued: r.issued,
        })
    }
}

/// A row of `sql::SELECT_SUBJECT_MEMBERSHIPS`.
#[derive(sqlx::FromRow)]
pub(crate) struct MembershipDb {
    survey_id: String,
    team: String,
    issued: bool,
}

/// A row of `sql::SELECT_SUBJECT_MEMBERSHIPS` on SQLite.
pub(crate) fn membership_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<MembershipDb> {
    Ok(MembershipDb {
        survey_id: r.get(0)?,
        team: r.get(1)?,
        issued: r.get(2)?,
    })
}

impl TryFrom<MembershipDb> for MembershipRow {
    type Error = StoreError;
    fn try_from(r: MembershipDb) -> Result<Self, StoreError> {
        Ok(Self {
            survey: SurveyId(uuid(&r.survey_id, "survey_members.survey_id")?),
            team: key(&r.team, "survey_members.team")?,
            issued: r.issued,
        })
    }
}

/// A token's team.
pub(crate) fn token_row(team: &str, hash: &[u8; 32]) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        team: key(team, "survey_tokens.team")?,
        hash: *hash,
    })
}

/// A row of `sql::SELECT_SURVEY_TALLIES`.
#[derive(sqlx::FromRow)]
pub(crate) struct TallyDb {
    team: String,
    period: String,
    question: String,
    value: i64,
    count: i64,
}

/// A row of `sql::SELECT_SURVEY_TALLIES` on SQLite.
pub(crate) fn tally_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<TallyDb> {
    Ok(TallyDb {
        team: r.get(0)?,
        period: r.get(1)?,
        question: r.get(2)?,
        value: r.get(3)?,
        count: r.get(4)?,
    })
}

impl TryFrom<TallyDb> for TallyRow {
    type Error = StoreError;
    fn try_from(r: TallyDb) -> Result<Self, StoreError> {
        Ok(Self {
            team: r.team,
            period: r.period,
            question: r.question,
            value: r.value,
            count: u64::try_from(r.count).map_err(|_| corrupt("survey_answers.count"))?,
        })
    }
}

/// A row of `sql::SELECT_SURVEY_TEXTS`.
#[derive(sqlx::FromRow)]
pub(crate) struct TextDb {
    team: String,
    period: String,
    question: String,
    sealed: Vec<u8>,
}

/// A row of `sql::SELECT_SURVEY_TEXTS` on SQLite.
pub(crate) fn text_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<TextDb> {
    Ok(TextDb {
        team: r.get(0)?,
        period: r.get(1)?,
        question: r.get(2)?,
        sealed: r.get(3)?,
    })
}

impl From<TextDb> for SealedTextRow {
    fn from(r: TextDb) -> Self {
        Self {
            team: r.team,
            period: r.period,
            question: r.question,
            sealed: r.sealed,
        }
    }
}

/// A row of `sql::SELECT_SURVEY_PARTICIPATION`.
#[derive(sqlx::FromRow)]
pub(crate) struct ParticipationDb {
    team: String,
    issued: i64,
    unspent: i64,
}

/// A row of `sql::SELECT_SURVEY_PARTICIPATION` on SQLite.
pub(crate) fn participation_from_sqlite(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<ParticipationDb> {
    Ok(ParticipationDb {
        team: r.get(0)?,
        issued: r.get(1)?,
        unspent: r.get(2)?,
    })
}

impl TryFrom<ParticipationDb> for ParticipationRow {
    type Error = StoreError;
    fn try_from(r: ParticipationDb) -> Result<Self, StoreError> {
        let count = |n: i64| u64::try_from(n).map_err(|_| corrupt("survey_issued.issued"));
        Ok(Self {
            team: r.team,
            issued: count(r.issued)?,
            unspent: count(r.unspent)?,
        })
    }
}
