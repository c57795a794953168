//! The rows of the storage contract that the core tables hold: tenants,
//! policies, subjects, identifiers, records, consents, objections and API
//! keys. Each carries its tenant; none holds a personal value in clear.

use crate::ids::{ApiKeyId, ConsentId, ObjectionId, RecordId, SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::{CategoryId, PurposeId};

/// A tenant: one controller's data space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    /// The tenant's slug.
    pub id: TenantId,
    /// Display name of the controller.
    pub name: String,
    /// True for the deployment's operator tenant, whose admins manage tenants.
    pub operator: bool,
    /// The policy version in force when the last one was published (0
    /// before the first); a pending version takes over at its time.
    pub policy_version: u32,
    /// A published version that applies only from a later time.
    pub pending: Option<PendingPolicy>,
    /// When the tenant was created.
    pub created_at: Timestamp,
}

impl TenantRow {
    /// The version in force at `now`.
    pub fn version_in_force(&self, now: Timestamp) -> u32 {
        in_force(self.policy_version, self.pending, now)
    }

    /// The row as it stands at `now`: a pending version whose time has
    /// come is the version in force (the stored row moves only at the next
    /// publication), so views of the tenant never show the one it replaced.
    #[must_use]
    pub fn as_of(mut self, now: Timestamp) -> Self {
        if let Some(pending) = self.pending
            && pending.effective_at <= now
        {
            self.policy_version = pending.version;
            self.pending = None;
        }
        self
    }
}

/// A policy version published ahead of its time: until `effective_at` the
/// version before it stays in force, so subjects are told of a material
/// change before it applies (Art. 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingPolicy {
    /// The version waiting.
    pub version: u32,
    /// When it takes effect.
    pub effective_at: Timestamp,
}

/// The version in force at `now`: the pending one once its time has come.
pub fn in_force(current: u32, pending: Option<PendingPolicy>, now: Timestamp) -> u32 {
    match pending {
        Some(p) if p.effective_at <= now => p.version,
        _ => current,
    }
}

/// One published version of a tenant's policy, kept forever so that any past
/// act can be judged by the policy in force at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRow {
    /// Whose policy.
    pub tenant: TenantId,
    /// 1, 2, 3, ... in publication order.
    pub version: u32,
    /// The TOML text exactly as published.
    pub source: String,
    /// When it was published.
    pub published_at: Timestamp,
    /// When it takes (or took) effect: the publication time unless it was
    /// published ahead (a version replaced while pending never did).
    pub effective_at: Timestamp,
}

/// A data subject. Holds no personal value: only a pseudonym, the kind, and
/// the subject's own data key wrapped by the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRow {
    /// Whose subject.
    pub tenant: TenantId,
    /// The pseudonym.
    pub id: SubjectId,
    /// The subject kind declared in the policy (e.g. `customer`).
    pub kind: String,
    /// The data key, wrapped. `None` once erased: the records are then noise.
    pub wrapped_key: Option<Vec<u8>>,
    /// Art. 18: stored, but processed for nothing but the subject's own access.
    pub restricted: bool,
    /// When the subject was created.
    pub created_at: Timestamp,
    /// When the subject was erased, if it was.
    pub erased_at: Option<Timestamp>,
}

/// A keyed hash of an identifier (email, external id) pointing at a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierRow {
    /// Whose identifier.
    pub tenant: TenantId,
    /// The category the identifier belongs to.
    pub category: CategoryId,
    /// HMAC of the normalised value under the tenant's blind-index key.
    pub blind_index: [u8; 32],
    /// The subject it identifies.
    pub subject: SubjectId,
    /// The record holding the sealed value.
    pub record: RecordId,
}

/// One sealed value of one category about one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// Whose record.
    pub tenant: TenantId,
    /// The record's id (bound into the ciphertext's associated data).
    pub id: RecordId,
    /// About whom.
    pub subject: SubjectId,
    /// Which category of data.
    pub category: CategoryId,
    /// The purpose it was collected for.
    pub purpose: PurposeId,
    /// Where it came from (`subject`, `import`, a system name): never personal.
    pub source: String,
    /// XChaCha20-Poly1305 ciphertext under the subject's data key.
    pub ciphertext: Vec<u8>,
    /// When it was collected.
    pub collected_at: Timestamp,
}

/// One event of a subject's consent ledger: a grant or a withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// Whose ledger.
    pub tenant: TenantId,
    /// The entry's id.
    pub id: ConsentId,
    /// About whom.
    pub subject: SubjectId,
    /// For which purpose.
    pub purpose: PurposeId,
    /// True for a grant, false for a withdrawal.
    pub granted: bool,
    /// When it happened; a withdrawal works only from this instant on.
    pub at: Timestamp,
    /// For a grant with limited validity, when it lapses.
    pub expires_at: Option<Timestamp>,
    /// The policy version the subject saw.
    pub policy_version: u32,
    /// How it was given (`web-form`, `unsubscribe-link`, ...): never personal.
    pub source: String,
    /// For a grant, the SHA-256 of the exact text shown (Art. 7(1)); the
    /// text is stored once per tenant and hash ([`Write::InsertConsentText`]).
    pub text_hash: Option<[u8; 32]>,
}

/// An objection (Art. 21) by a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionRow {
    /// Whose objection.
    pub tenant: TenantId,
    /// The objection's id.
    pub id: ObjectionId,
    /// Who objected.
    pub subject: SubjectId,
    /// The purpose objected to; `None` objects to every objectable purpose.
    pub purpose: Option<PurposeId>,
    /// When it was raised.
    pub at: Timestamp,
}

/// An API key as stored: its secret only as a SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// The tenant the key acts in.
    pub tenant: TenantId,
    /// Public id.
    pub id: ApiKeyId,
    /// SHA-256 of the secret part of the token.
    pub secret_hash: [u8; 32],
    /// `admin`, `service`, `dpo` or `analyst`.
    pub role: String,
    /// Purposes the key may read for; empty means every purpose its role allows.
    pub purposes: Vec<PurposeId>,
    /// A human label (`support-bot`), never personal.
    pub label: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// What authenticating a token needs: the key and its tenant's operator
/// flag, read together in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyGrant {
    /// The key, revoked or not: the caller decides.
    pub key: ApiKeyRow,
    /// True when the key's tenant is the deployment's operator.
    pub operator: bool,
}

/// Anonymised records counted together: what is left of them after a
/// retention rule with `then = "anonymise"` (Art. 89, Recital 26).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    /// The category of the records.
    pub category: CategoryId,
    /// Their collection month, `YYYY-MM` in UTC.
    pub period: String,
    /// How many records.
    pub count: u64,
}

/// Where a page of [`Store::retention_candidates`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CandidateCursor {
    /// The last row's collection time.
    pub collected_at: Timestamp,
    /// The last row's subject.
    pub subject: SubjectId,
}
