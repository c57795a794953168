//! Rows as the database returns them, and their conversion into the
//! engine's types. Shared by both backends: the structs derive sqlx's
//! `FromRow` (PostgreSQL) and are filled column by column from rusqlite
//! rows (`sqlite/reads.rs`); every conversion checks what it reads, so a
//! tampered row is reported instead of trusted.

use crate::error::corrupt;
use jiff::Timestamp;
use tutela_engine::audit::{AuditEntry, AuditHead};
use tutela_engine::consent::proof::parse_hash;
use tutela_engine::ids::{ApiKeyId, ConsentId, ObjectionId, RecordId, SubjectId, TenantId};
use tutela_engine::store::{
    ApiKeyGrant, ApiKeyRow, ConsentRow, ObjectionRow, PendingPolicy, PolicyRow, RecordRow,
    StoreError, SubjectRow, SubjectView, TenantRow,
};
use tutela_policy::{CategoryId, PurposeId};
use uuid::Uuid;

/// Microseconds since the epoch, the stored form of every instant.
/// Sub-microsecond precision is dropped.
pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

pub(crate) fn instant(us: i64, column: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|_| corrupt(column))
}

pub(crate) fn instant_opt(
    us: Option<i64>,
    column: &'static str,
) -> Result<Option<Timestamp>, StoreError> {
    us.map(|us| instant(us, column)).transpose()
}

fn required<T>(value: Option<T>, column: &'static str) -> Result<T, StoreError> {
    value.ok_or_else(|| corrupt(column))
}

/// An audit lane number.
/// The bound values of an audit cursor, `(at_us, lane, seq)`, from the
/// start (before any real entry, whose positions count from 1) when there
/// is none.
pub(crate) fn cursor_args(after: Option<tutela_engine::store::AuditCursor>) -> (i64, i64, i64) {
    match after {
        None => (i64::MIN, 0, 0),
        // No position lies beyond i64::MAX; saturating keeps the order.
        Some(c) => (
            c.at_us,
            i64::from(c.lane),
            i64::try_from(c.seq).unwrap_or(i64::MAX),
        ),
    }
}

pub(crate) fn lane(v: i64, column: &'static str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| corrupt(column))
}

fn version(v: i64, column: &'static str) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| corrupt(column))
}

pub(crate) fn tenant(text: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(text).map_err(|_| corrupt("tenant_id"))
}

pub(crate) fn uuid(text: &str, column: &'static str) -> Result<Uuid, StoreError> {
    Uuid::try_parse(text).map_err(|_| corrupt(column))
}

pub(crate) fn category(text: &str, column: &'static str) -> Result<CategoryId, StoreError> {
    CategoryId::parse(text).map_err(|_| corrupt(column))
}

pub(crate) fn purpose(text: &str, column: &'static str) -> Result<PurposeId, StoreError> {
    PurposeId::parse(text).map_err(|_| corrupt(column))
}

/// Exactly 32 bytes (hashes, MACs).
pub(crate) fn bytes32(bytes: &[u8], column: &'static str) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| corrupt(column))
}

/// Joins an API key's purposes for storage. Purpose ids have no commas.
pub(crate) fn join_purposes(purposes: &[PurposeId]) -> String {
    let names: Vec<&str> = purposes.iter().map(PurposeId::as_str).collect();
    names.join(",")
}

fn split_purposes(text: &str) -> Result<Vec<PurposeId>, StoreError> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| purpose(p, "api_keys.purposes"))
        .collect()
}

/// `tenants`.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantDb {
    pub(crate) tenant_id: String,
    pub(crate) name: String,
    pub(crate) operator: bool,
    pub(crate) policy_version: i64,
    pub(crate) created_at: i64,
    pub(crate) pending_version: Option<i64>,
    pub(crate) pending_at: Option<i64>,
}

impl TryFrom<TenantDb> for TenantRow {
    type Error = StoreError;
    fn try_from(r: TenantDb) -> Result<Self, StoreError> {
        Ok(Self {
            id: tenant(&r.tenant_id)?,
            name: r.name,
            operator: r.operator,
            policy_version: version(r.policy_version, "tenants.policy_version")?,
            pending: pending(r.pending_version, r.pending_at)?,
            created_at: instant(r.created_at, "tenants.created_at")?,
        })
    }
}

/// A tenant's pending version from its two columns, both set or neither.
fn pending(v: Option<i64>, at: Option<i64>) -> Result<Option<PendingPolicy>, StoreError> {
    match (v, at) {
        (None, None) => Ok(None),
        (Some(v), Some(at)) => Ok(Some(PendingPolicy {
            version: version(v, "tenants.pending_version")?,
            effective_at: instant(at, "tenants.pending_at")?,
        })),
        _ => Err(corrupt("tenants.pending_version")),
    }
}

/// `policies`.
#[derive(sqlx::FromRow)]
pub(crate) struct PolicyDb {
    pub(crate) tenant_id: String,
    pub(crate) version: i64,
    pub(crate) source: String,
    pub(crate) published_at: i64,
    /// NULL only if written by hand: then it took effect when published.
    pub(crate) effective_at: Option<i64>,
}

impl TryFrom<PolicyDb> for PolicyRow {
    type Error = StoreError;
    fn try_from(r: PolicyDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            version: version(r.version, "policies.version")?,
            source: r.source,
            published_at: instant(r.published_at, "policies.published_at")?,
            effective_at: instant(
                r.effective_at.unwrap_or(r.published_at),
                "policies.effective_at",
            )?,
        })
    }
}

/// `subjects`, with the tenant's current policy version alongside.
#[derive(sqlx::FromRow)]
pub(crate) struct SubjectDb {
    pub(crate) tenant_id: String,
    pub(crate) subject_id: String,
    pub(crate) kind: String,
    pub(crate) wrapped_key: Option<Vec<u8>>,
    pub(crate) restricted: bool,
    pub(crate) created_at: i64,
    pub(crate) erased_at: Option<i64>,
    /// From `tenants`, fetched in the same statement.
    pub(crate) policy_version: i64,
}

impl SubjectDb {
    /// The tenant's policy version read with the subject.
    pub(crate) fn policy_version(&self) -> Result<u32, StoreError> {
        version(self.policy_version, "tenants.policy_version")
    }
}

impl TryFrom<SubjectDb> for SubjectRow {
    type Error = StoreError;
    fn try_from(r: SubjectDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: SubjectId(uuid(&r.subject_id, "subjects.subject_id")?),
            kind: r.kind,
            wrapped_key: r.wrapped_key,
            restricted: r.restricted,
            created_at: instant(r.created_at, "subjects.created_at")?,
            erased_at: instant_opt(r.erased_at, "subjects.erased_at")?,
        })
    }
}

/// `records`.
#[derive(sqlx::FromRow)]
pub(crate) struct RecordDb {
    pub(crate) tenant_id: String,
    pub(crate) record_id: String,
    pub(crate) subject_id: String,
    pub(crate) category: String,
    pub(crate) purpose: String,
    pub(crate) source: String,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) collected_at: i64,
}

impl TryFrom<RecordDb> for RecordRow {
    type Error = StoreError;
    fn try_from(r: RecordDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: RecordId(uuid(&r.record_id, "records.record_id")?),
            subject: SubjectId(uuid(&r.subject_id, "records.subject_id")?),
            category: category(&r.category, "records.category")?,
            purpose: purpose(&r.purpose, "records.purpose")?,
            source: r.source,
            ciphertext: r.ciphertext,
            collected_at: instant(r.collected_at, "records.collected_at")?,
        })
    }
}

/// One line of a subject's ledger: a consent event or an objection, read
/// together with one `UNION ALL` (objections leave the consent columns NULL).
#[derive(sqlx::FromRow)]
pub(crate) struct LedgerDb {
    pub(crate) kind: String,
    pub(crate) tenant_id: String,
    pub(crate) id: String,
    pub(crate) subject_id: String,
    pub(crate) purpose: Option<String>,
    pub(crate) granted: Option<bool>,
    pub(crate) at_us: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) policy_version: Option<i64>,
    pub(crate) source: Option<String>,
    pub(crate) text_hash: Option<String>,
}

/// A ledger line, decoded.
pub(crate) enum Ledger {
    /// From `consents`.
    Consent(ConsentRow),
    /// From `objections`.
    Objection(ObjectionRow),
}

impl TryFrom<LedgerDb> for Ledger {
    type Error = StoreError;
    fn try_from(r: LedgerDb) -> Result<Self, StoreError> {
        let tenant = tenant(&r.tenant_id)?;
        if r.kind == "objection" {
            return Ok(Self::Objection(ObjectionRow {
                tenant,
                id: ObjectionId(uuid(&r.id, "objections.objection_id")?),
                subject: SubjectId(uuid(&r.subject_id, "objections.subject_id")?),
                purpose: r
                    .purpose
                    .map(|p| purpose(&p, "objections.purpose"))
                    .transpose()?,
                at: instant(r.at_us, "objections.at_us")?,
            }));
        }
        Ok(Self::Consent(ConsentRow {
            tenant,
            id: ConsentId(uuid(&r.id, "consents.consent_id")?),
            subject: SubjectId(uuid(&r.subject_id, "consents.subject_id")?),
            purpose: purpose(
                &required(r.purpose, "consents.purpose")?,
                "consents.purpose",
            )?,
            granted: required(r.granted, "consents.granted")?,
            at: instant(r.at_us, "consents.at_us")?,
            expires_at: instant_opt(r.expires_at, "consents.expires_at")?,
            policy_version: version(
                required(r.policy_version, "consents.policy_version")?,
                "consents.policy_version",
            )?,
            source: required(r.source, "consents.source")?,
            text_hash: r
                .text_hash
                .map(|h| parse_hash(&h).ok_or_else(|| corrupt("consents.text_hash")))
                .transpose()?,
        }))
    }
}

/// `api_keys`.
#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyDb {
    pub(crate) tenant_id: String,
    pub(crate) api_key_id: String,
    pub(crate) secret_hash: Vec<u8>,
    pub(crate) role: String,
    pub(crate) purposes: String,
    pub(crate) label: String,
    pub(crate) created_at: i64,
    pub(crate) revoked_at: Option<i64>,
}

impl TryFrom<ApiKeyDb> for ApiKeyRow {
    type Error = StoreError;
    fn try_from(r: ApiKeyDb) -> Result<Self, StoreError> {
        Ok(Self {
            tenant: tenant(&r.tenant_id)?,
            id: ApiKeyId(uuid(&r.api_key_id, "api_keys.api_key_id")?),
            secret_hash: bytes32(&r.secret_hash, "api_keys.secret_hash")?,
            role: r.role,
            purposes: split_purposes(&r.purposes)?,
            label: r.label,
            created_at: instant(r.created_at, "api_keys.created_at")?,
            revoked_at: instant_opt(r.revoked_at, "api_keys.revoked_at")?,
        })
    }
}

/// `api_keys` with the tenant's `operator` flag.
#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyGrantDb {
    #[sqlx(flatten)]
    pub(crate) key: ApiKeyDb,
    pub(crate) operator: Option<bool>,
}

impl TryFrom<ApiKeyGrantDb> for ApiKeyGrant {
    type Error = StoreError;
    fn try_from(r: ApiKeyGrantDb) -> Result<Self, StoreError> {
        Ok(Self {
            key: ApiKeyRow::try_from(r.key)?,
            // A key without its tenant row breaks the foreign key.
            operator: r.operator.ok_or_else(|| corrupt("api_keys.tenant_id"))?,
        })
    }
}

/// `audit_entries`. Text fields are returned as stored, so that `verify`
/// (not a decoding error) reports an edited row.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditEntryDb {
    pub(crate) lane: i64,
    pub(crate) seq: i64,
    pub(crate) at_us: i64,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) purpose: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) detail: String,
    pub(crate) outcome: String,
    pub(crate) prev_mac: Vec<u8>,
    pub(crate) mac: Vec<u8>,
}

impl TryFrom<AuditEntryDb> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditEntryDb) -> Result<Self, StoreError> {
        Ok(Self {
            lane: lane(r.lane, "audit_entries.lane")?,
            seq: u64::try_from(r.seq).map_err(|_| corrupt("audit_entries.seq"))?,
            at_us: r.at_us,
            actor: r.actor,
            action: r.action,
            purpose: r.purpose,
            subject: r.subject,
            detail: r.detail,
            outcome: r.outcome,
            prev_mac: bytes32(&r.prev_mac, "audit_entries.prev_mac")?,
            mac: bytes32(&r.mac, "audit_entries.mac")?,
        })
    }
}

/// `audit_heads`.
#[derive(sqlx::FromRow)]
pub(crate) struct HeadDb {
    pub(crate) lane: i64,
    pub(crate) seq: i64,
    pub(crate) mac: Vec<u8>,
}

impl HeadDb {
    /// The head, or `None` for a placeholder row (seq 0) of an empty lane
    /// (written by versions before lanes; migration 0003 removes them).
    pub(crate) fn into_head(self) -> Result<Option<AuditHead>, StoreError> {
        if self.seq == 0 {
            return Ok(None);
        }
        Ok(Some(AuditHead {
            lane: lane(self.lane, "audit_heads.lane")?,
            seq: u64::try_from(self.seq).map_err(|_| corrupt("audit_heads.seq"))?,
            mac: bytes32(&self.mac, "audit_heads.mac")?,
        }))
    }
}

/// One row of [`crate::sql::SELECT_SUBJECT_LOAD`], in its shared columns
/// (see the table there): read column by column from rusqlite, and by name
/// through sqlx on PostgreSQL.
#[derive(sqlx::FromRow)]
pub(crate) struct LoadRow {
    pub(crate) kind: String,
    pub(crate) id: String,
    pub(crate) tenant_id: String,
    pub(crate) subject_id: String,
    pub(crate) txt1: Option<String>,
    pub(crate) txt2: Option<String>,
    pub(crate) txt3: Option<String>,
    pub(crate) bytes: Option<Vec<u8>>,
    pub(crate) flag: Option<bool>,
    pub(crate) at1: i64,
    pub(crate) at2: Option<i64>,
    pub(crate) num: Option<i64>,
    pub(crate) num2: Option<i64>,
    pub(crate) at3: Option<i64>,
}

/// Decodes the rows of a subject load in one pass: the subject first,
/// then its ledger, then its records.
pub(crate) fn assemble(rows: Vec<LoadRow>) -> Result<Option<SubjectView>, StoreError> {
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Ok(None);
    };
    if first.kind != "subject" {
        return Err(corrupt("subjects.subject_id"));
    }
    let subject = SubjectDb {
        tenant_id: first.tenant_id,
        subject_id: first.subject_id,
        kind: required(first.txt1, "subjects.kind")?,
        wrapped_key: first.bytes,
        restricted: required(first.flag, "subjects.restricted")?,
        created_at: first.at1,
        erased_at: first.at2,
        policy_version: required(first.num, "tenants.policy_version")?,
    };
    let policy_version = subject.policy_version()?;
    let pending = pending(first.num2, first.at3)?;
    let mut consents = Vec::new();
    let mut objections = Vec::new();
    let mut records = Vec::new();
    for row in rows {
        if row.kind == "record" {
            records.push(RecordRow::try_from(RecordDb {
                tenant_id: row.tenant_id,
                record_id: row.id,
                subject_id: row.subject_id,
                category: required(row.txt1, "records.category")?,
                purpose: required(row.txt2, "records.purpose")?,
                source: required(row.txt3, "records.source")?,
                ciphertext: required(row.bytes, "records.ciphertext")?,
                collected_at: row.at1,
            })?);
            continue;
        }
        let line = LedgerDb {
            kind: row.kind,
            tenant_id: row.tenant_id,
            id: row.id,
            subject_id: row.subject_id,
            purpose: row.txt1,
            granted: row.flag,
            at_us: row.at1,
            expires_at: row.at2,
            policy_version: row.num,
            source: row.txt2,
            text_hash: row.txt3,
        };
        match Ledger::try_from(line)? {
            Ledger::Consent(c) => consents.push(c),
            Ledger::Objection(o) => objections.push(o),
        }
    }
    Ok(Some(SubjectView {
        policy_version,
        pending,
        subject: subject.try_into()?,
        consents,
        objections,
        records,
    }))
}

/// Converts every row, failing on the first that does not decode.
pub(crate) fn convert<D, T>(rows: Vec<D>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<D, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_through_the_joined_column() {
        let list = vec![
            PurposeId::parse("support").unwrap(),
            PurposeId::parse("billing").unwrap(),
        ];
        assert_eq!(split_purposes(&join_purposes(&list)).unwrap(), list);
        assert!(split_purposes(&join_purposes(&[])).unwrap().is_empty());
    }

    #[test]
    fn malformed_values_are_reported_not_trusted() {
        assert!(bytes32(&[0; 31], "mac").is_err());
        assert!(version(-1, "version").is_err());
        assert!(uuid("nope", "id").is_err());
        let head = HeadDb {
            lane: 0,
            seq: 0,
            mac: vec![0; 32],
        };
        assert_eq!(head.into_head().unwrap(), None);
    }
}
