//! The reads of surveys on a SQLite reader connection.

use super::reads::{all, one};
use crate::rows::convert;
use crate::sql;
use crate::survey_rows::{
    member_from_sqlite, membership_from_sqlite, participation_from_sqlite, survey_from_sqlite,
    survey_row, tally_from_sqlite, text_from_sqlite, token_row,
};
use rusqlite::Connection;
use tutela_engine::ids::TenantId;
use tutela_engine::store::StoreError;
use tutela_engine::survey::{
    MemberRow, MembershipRow, ParticipationRow, SealedTextRow, SurveyRow, TallyRow, TokenRow,
};

/// One survey.
pub(crate) fn survey(
    conn: &Connection,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<SurveyRow>, StoreError> {
    one(
        conn,
        sql::SELECT_SURVEY,
        [tenant.as_str(), id],
        "surveys",
        survey_from_sqlite,
    )?
    .map(|r| survey_row(tenant, r))
    .transpose()
}

/// A survey's members.
pub(crate) fn members(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Vec<MemberRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_SURVEY_MEMBERS,
        [tenant, id],
        "survey members",
        member_from_sqlite,
    )?)
}

/// A subject's memberships, newest first.
pub(crate) fn memberships(
    conn: &Connection,
    tenant: &str,
    subject: &str,
    limit: u32,
) -> Result<Vec<MembershipRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_SUBJECT_MEMBERSHIPS,
        rusqlite::params![tenant, subject, i64::from(limit)],
        "survey members",
        membership_from_sqlite,
    )?)
}

/// One unspent token.
pub(crate) fn token(
    conn: &Connection,
    tenant: &str,
    id: &str,
    hash: &[u8; 32],
) -> Result<Option<TokenRow>, StoreError> {
    let team: Option<String> = one(
        conn,
        sql::SELECT_SURVEY_TOKEN,
        rusqlite::params![tenant, id, hash.as_slice()],
        "survey tokens",
        |r| r.get(0),
    )?;
    team.map(|t| token_row(&t, hash)).transpose()
}

/// Grouped counts.
pub(crate) fn tallies(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Vec<TallyRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_SURVEY_TALLIES,
        [tenant, id],
        "survey answers",
        tally_from_sqlite,
    )?)
}

/// Sealed texts.
pub(crate) fn texts(
    conn: &Connection,
    tenant: &str,
    id: &str,
    limit: u32,
) -> Result<Vec<SealedTextRow>, StoreError> {
    let rows = all(
        conn,
        sql::SELECT_SURVEY_TEXTS,
        rusqlite::params![tenant, id, i64::from(limit)],
        "survey answers",
        text_from_sqlite,
    )?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Issued and unspent tokens per team.
pub(crate) fn participation(
    conn: &Connection,
    tenant: &str,
    id: &str,
) -> Result<Vec<ParticipationRow>, StoreError> {
    convert(all(
        conn,
        sql::SELECT_SURVEY_PARTICIPATION,
        [tenant, id],
        "survey tokens",
        participation_from_sqlite,
    )?)
}
