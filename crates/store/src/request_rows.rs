//! A `requests` row as the database returns it, and its checked conversion
//! into the engine's [`RequestRow`]: a tampered value is reported as
//! corrupt, not trusted. Filled by sqlx (`FromRow`) on PostgreSQL and
//! column by column ([`from_sqlite`]) on SQLite, in the order of
//! `sql::REQUEST_COLUMNS`.

use crate::error::corrupt;
use crate::rows::bytes32;
use jiff::Timestamp;
use tutela_engine::death::{Applied, DeathRow};
use tutela_engine::ids::{RequestId, SubjectId, TenantId};
use tutela_engine::requests::code::CodeState;
use tutela_engine::requests::{
    DirectiveTag, Fee, KindTag, Reason, RequestRow, RequestState, VerifiedBy,
};
use tutela_engine::store::StoreError;
use tutela_policy::{FirstHandler, PurposeId};
use uuid::Uuid;

/// `requests`, column for column.
#[derive(sqlx::FromRow)]
pub(crate) struct RequestDb {
    tenant_id: String,
    request_id: String,
    subject_id: String,
    kind: String,
    purpose: Option<String>,
    directive: Option<String>,
    sealed_detail: Option<Vec<u8>>,
    detail_digest: Option<Vec<u8>>,
    state: String,
    received_at: i64,
    due_at: i64,
    extended_due_at: Option<i64>,
    effective_due_at: i64,
    extension_reason: Option<String>,
    refusal_reason: Option<String>,
    fee_amount: Option<i64>,
    fee_currency: Option<String>,
    fee_reason: Option<String>,
    handler: String,
    handler_contact: String,
    duplicate_of: Option<String>,
    verified_at: Option<i64>,
    verification_method: Option<String>,
    verification_note: Option<String>,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<i64>,
    code_attempts: i64,
    codes_sent: i64,
    last_code_sent_at: Option<i64>,
    fulfilled_at: Option<i64>,
    closed_at: Option<i64>,
    closed_note: Option<String>,
    version: i64,
}

/// A row of a SQLite select naming `sql::REQUEST_COLUMNS`.
pub(crate) fn from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestDb> {
    Ok(RequestDb {
        tenant_id: r.get(0)?,
        request_id: r.get(1)?,
        subject_id: r.get(2)?,
        kind: r.get(3)?,
        purpose: r.get(4)?,
        directive: r.get(5)?,
        sealed_detail: r.get(6)?,
        detail_digest: r.get(7)?,
        state: r.get(8)?,
        received_at: r.get(9)?,
        due_at: r.get(10)?,
        extended_due_at: r.get(11)?,
        effective_due_at: r.get(12)?,
        extension_reason: r.get(13)?,
        refusal_reason: r.get(14)?,
        fee_amount: r.get(15)?,
        fee_currency: r.get(16)?,
        fee_reason: r.get(17)?,
        handler: r.get(18)?,
        handler_contact: r.get(19)?,
        duplicate_of: r.get(20)?,
        verified_at: r.get(21)?,
        verification_method: r.get(22)?,
        verification_note: r.get(23)?,
        code_hash: r.get(24)?,
        code_expires_at: r.get(25)?,
        code_attempts: r.get(26)?,
        codes_sent: r.get(27)?,
        last_code_sent_at: r.get(28)?,
        fulfilled_at: r.get(29)?,
        closed_at: r.get(30)?,
        closed_note: r.get(31)?,
        version: r.get(32)?,
    })
}

fn at(us: i64, column: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| corrupt(column))
}

fn at_opt(us: Option<i64>, column: &'static str) -> Result<Option<Timestamp>, StoreError> {
    us.map(|us| at(us, column)).transpose()
}

fn id(text: &str, column: &'static str) -> Result<Uuid, StoreError> {
    Uuid::try_parse(text).map_err(|_| corrupt(column))
}

fn reason(text: Option<String>, column: &'static str) -> Result<Option<Reason>, StoreError> {
    text.map(|t| Reason::parse("note", &t).map_err(|_| corrupt(column)))
        .transpose()
}

fn count(n: i64, column: &'static str) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt(column))
}

fn fee(r: &RequestDb) -> Result<Option<Fee>, StoreError> {
    match (&r.fee_amount, &r.fee_currency, &r.fee_reason) {
        (None, None, None) => Ok(None),
        (Some(amount), Some(currency), Some(reason)) => Fee::parse(*amount, currency, reason)
            .map(Some)
            .map_err(|_| corrupt("requests.fee")),
        _ => Err(corrupt("requests.fee")),
    }
}

impl TryFrom<RequestDb> for RequestRow {
    type Error = StoreError;
    fn try_from(r: RequestDb) -> Result<Self, StoreError> {
        let fee = fee(&r)?;
        let code = CodeState {
            hash: r
                .code_hash
                .as_deref()
                .map(|h| bytes32(h, "requests.code_hash"))
                .transpose()?,
            expires_at: at_opt(r.code_expires_at, "requests.code_expires_at")?,
            attempts: count(r.code_attempts, "requests.code_attempts")?,
            sent: count(r.codes_sent, "requests.codes_sent")?,
            last_sent_at: at_opt(r.last_code_sent_at, "requests.last_code_sent_at")?,
        };
        let row = Self {
            tenant: TenantId::parse(&r.tenant_id).map_err(|_| corrupt("requests.tenant_id"))?,
            id: RequestId(id(&r.request_id, "requests.request_id")?),
            subject: SubjectId(id(&r.subject_id, "requests.subject_id")?),
            kind: KindTag::parse(&r.kind).ok_or_else(|| corrupt("requests.kind"))?,
            purpose: r
                .purpose
                .as_deref()
                .map(|p| PurposeId::parse(p).map_err(|_| corrupt("requests.purpose")))
                .transpose()?,
            directive: r
                .directive
                .as_deref()
                .map(|d| DirectiveTag::parse(d).ok_or_else(|| corrupt("requests.directive")))
                .transpose()?,
            sealed_detail: r.sealed_detail,
            detail_digest: r
                .detail_digest
                .as_deref()
                .map(|d| bytes32(d, "requests.detail_digest"))
                .transpose()?,
            state: RequestState::parse(&r.state).ok_or_else(|| corrupt("requests.state"))?,
            received_at: at(r.received_at, "requests.received_at")?,
            due_at: at(r.due_at, "requests.due_at")?,
            extended_due_at: at_opt(r.extended_due_at, "requests.extended_due_at")?,
            extension_reason: reason(r.extension_reason, "requests.extension_reason")?,
            refusal_reason: reason(r.refusal_reason, "requests.refusal_reason")?,
            fee,
            handler: FirstHandler::parse(&r.handler).map_err(|_| corrupt("requests.handler"))?,
            handler_contact: r.handler_contact,
            duplicate_of: r
                .duplicate_of
                .as_deref()
                .map(|d| id(d, "requests.duplicate_of").map(RequestId))
                .transpose()?,
            verified_at: at_opt(r.verified_at, "requests.verified_at")?,
            verified_by: r
                .verification_method
                .as_deref()
                .map(|m| {
                    VerifiedBy::parse(m).ok_or_else(|| corrupt("requests.verification_method"))
                })
                .transpose()?,
            verification_note: reason(r.verification_note, "requests.verification_note")?,
            code,
            fulfilled_at: at_opt(r.fulfilled_at, "requests.fulfilled_at")?,
            closed_at: at_opt(r.closed_at, "requests.closed_at")?,
            closed_note: reason(r.closed_note, "requests.closed_note")?,
            version: count(r.version, "requests.version")?,
        };
        if row.effective_due_at().as_microsecond() != r.effective_due_at {
            return Err(corrupt("requests.effective_due_at"));
        }
        Ok(row)
    }
}

/// `deaths`, column for column (`sql::SELECT_DEATH`).
#[derive(sqlx::FromRow)]
pub(crate) struct DeathDb {
    tenant_id: String,
    subject_id: String,
    recorded_at: i64,
    directive_request_id: Option<String>,
    applied: String,
    note: Option<String>,
}

/// A row of `sql::SELECT_DEATH` on SQLite.
pub(crate) fn death_from_sqlite(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeathDb> {
    Ok(DeathDb {
        tenant_id: r.get(0)?,
        subject_id: r.get(1)?,
        recorded_at: r.get(2)?,
        directive_request_id: r.get(3)?,
        applied: r.get(4)?,
        note: r.get(5)?,
    })
}

impl TryFrom<DeathDb> for DeathRow {
    type Error = StoreError;
    fn try_from(r: DeathDb) -> Result<Self, StoreError> {
        let directive = r
            .directive_request_id
            .map(|text| id(&text, "deaths.directive_request_id").map(RequestId))
            .transpose()?;
        Ok(Self {
            tenant: TenantId::parse(&r.tenant_id).map_err(|_| corrupt("deaths.tenant_id"))?,
            subject: SubjectId(id(&r.subject_id, "deaths.subject_id")?),
            recorded_at: at(r.recorded_at, "deaths.recorded_at")?,
            directive,
            applied: Applied::parse(&r.applied).ok_or_else(|| corrupt("deaths.applied"))?,
            note: reason(r.note, "deaths.note")?,
        })
    }
}
