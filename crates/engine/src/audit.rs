//! The tamper-evident audit chain. Each entry carries the MAC of the entry
//! before it and a MAC over its own fields under a per-tenant key derived
//! from the master key, so editing, deleting or reordering entries breaks the
//! chain, and forging a consistent chain needs the master key.
//!
//! Entries hold pseudonyms, ids and codes only, never a personal value, so
//! erasing a subject never has to rewrite history.
//!
//! A tenant's chain is made of one or more *lanes*, each an independent
//! hash chain with its own positions from 1 and its own head. One writer
//! appends to a lane at a time, so writers on different lanes (several
//! servers sharing one PostgreSQL) never wait for each other, and every lane
//! is still checked link by link. SQLite, with its single writer, only ever
//! uses lane 0. Exactly one lane starts with the tenant's creation entry.

use crate::ids::{SubjectId, TenantId};
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use tutela_vault::AuditKey;

/// How many lanes a tenant's chain may have: lane numbers run from 0 to
/// `MAX_LANES - 1`. Every writer of every server (and of every CLI command
/// running beside them) holds one lane number while it runs, so 256 allows
/// sixty-four stores of four writers each at once.
pub const MAX_LANES: u32 = 256;

/// What was done. The set is closed so the chain stays readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A tenant was created.
    TenantCreate,
    /// A policy version was published.
    PolicyPublish,
    /// Subjects were told of a policy version's material changes.
    PolicyNotify,
    /// An API key was created.
    KeyCreate,
    /// An API key was revoked.
    KeyRevoke,
    /// A subject was created.
    SubjectCreate,
    /// A subject was looked up by identifier.
    SubjectLookup,
    /// Records were written.
    RecordWrite,
    /// Records were read for a purpose.
    RecordRead,
    /// Records were disclosed to a recipient.
    RecordDisclose,
    /// The subject's own access: everything held, whatever the purpose.
    SubjectAccess,
    /// Consent was granted.
    ConsentGrant,
    /// Consent was withdrawn.
    ConsentWithdraw,
    /// An objection was recorded.
    ObjectionRecord,
    /// Processing was restricted.
    RestrictionSet,
    /// A restriction was lifted.
    RestrictionLift,
    /// A subject's data key was destroyed.
    SubjectErase,
    /// The data a subject provided was exported for portability (Art. 20).
    SubjectExport,
    /// One record's value was corrected (Art. 16).
    RecordRectify,
    /// One record was deleted at the subject's request.
    RecordDelete,
    /// A signed checkpoint of the chain was taken.
    AuditCheckpoint,
    /// The database was restored from a backup: entries after this point
    /// of the chain as it was backed up are gone, and checkpoints taken
    /// since the backup report a rollback.
    AuditRestore,
    /// A data subject request was filed.
    RequestFile,
    /// A verification code was sent for a request.
    RequestCode,
    /// A request's identity check passed (or a wrong code was tried).
    RequestVerify,
    /// A request's due date was extended.
    RequestExtend,
    /// A fee was set on a request.
    RequestFee,
    /// A request was refused.
    RequestRefuse,
    /// A request was fulfilled.
    RequestFulfil,
    /// Portable data was pushed to another controller (Art. 20(2)), or the
    /// attempt failed.
    RequestTransfer,
    /// A subject's death was recorded and their directive applied.
    SubjectDeath,
    /// Data of a category never stored was checked for a purpose in
    /// passing; nothing but this entry was kept.
    SubjectCheck,
    /// A recipient's notice endpoint was registered or replaced (Art. 19).
    EndpointSet,
    /// A recipient's notice endpoint was removed.
    EndpointDelete,
    /// A notice to a recipient was attempted (delivered, retried or given up).
    DeliveryAttempt,
    /// A notice given up on was put back to be sent again.
    DeliveryRetry,
    /// The recipients' endpoints or the notices were listed (on the chain
    /// only when refused).
    DeliveriesRead,
    /// The tenant's requests were read (on the chain only when refused).
    RequestsRead,
    /// The audit chain was read or verified (on the chain only when
    /// refused: reading the chain is not an act on the data).
    AuditRead,
    /// A signed consent receipt was issued (Art. 7(1)).
    ConsentReceipt,
    /// A one-click unsubscribe link was issued (Art. 21(2)-(3)).
    UnsubscribeLink,
    /// A website visitor's banner choices were stored (Art. 7, Art. 21(5)).
    BannerChoice,
    /// A lifecycle event was recorded (retention counts from it).
    EventRecord,
    /// A subject moved to another plan.
    PlanChange,
    /// A retention sweep disposed of a subject's due records (counts only).
    RetentionSweep,
    /// The retention forecast or aggregates were read.
    RetentionRead,
    /// A subject's data was counted in a report or an anonymised export
    /// (one entry per subject included, so it is in their access log).
    ReportUse,
    /// A report was made for a reporting purpose (counts only).
    ReportMake,
    /// An anonymised aggregate export was disclosed to a recipient
    /// (Recital 26, Art. 89), or refused.
    ReportExport,
    /// A survey was created (counts only).
    SurveyCreate,
    /// A survey was opened: tokens issued to every member (counts only).
    SurveyOpen,
    /// A survey was closed.
    SurveyClose,
    /// A survey's results were read (and ε spent, with noise).
    SurveyResults,
}

impl Action {
    /// The stable name stored in the chain.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TenantCreate => "tenant.create",
            Self::PolicyPublish => "policy.publish",
            Self::PolicyNotify => "policy.notify",
            Self::KeyCreate => "key.create",
            Self::KeyRevoke => "key.revoke",
            Self::SubjectCreate => "subject.create",
            Self::SubjectLookup => "subject.lookup",
            Self::RecordWrite => "record.write",
            Self::RecordRead => "record.read",
            Self::RecordDisclose => "record.disclose",
            Self::SubjectAccess => "subject.access",
            Self::ConsentGrant => "consent.grant",
            Self::ConsentWithdraw => "consent.withdraw",
            Self::ObjectionRecord => "objection.record",
            Self::RestrictionSet => "restriction.set",
            Self::RestrictionLift => "restriction.lift",
            Self::SubjectErase => "subject.erase",
            Self::SubjectExport => "subject.export",
            Self::RecordRectify => "record.rectify",
            Self::RecordDelete => "record.delete",
            Self::AuditCheckpoint => "audit.checkpoint",
            Self::AuditRestore => "audit.restore",
            Self::RequestFile => "request.file",
            Self::RequestCode => "request.code",
            Self::RequestVerify => "request.verify",
            Self::RequestExtend => "request.extend",
            Self::RequestFee => "request.fee",
            Self::RequestRefuse => "request.refuse",
            Self::RequestFulfil => "request.fulfil",
            Self::RequestTransfer => "request.transfer",
            Self::SubjectDeath => "subject.death",
            Self::SubjectCheck => "subject.check",
            Self::EndpointSet => "recipient.endpoint_set",
            Self::EndpointDelete => "recipient.endpoint_delete",
            Self::DeliveryAttempt => "delivery.attempt",
            Self::DeliveryRetry => "delivery.retry",
            Self::DeliveriesRead => "deliveries.read",
            Self::RequestsRead => "requests.read",
            Self::AuditRead => "audit.read",
            Self::ConsentReceipt => "consent.receipt",
            Self::UnsubscribeLink => "unsubscribe.link",
            Self::BannerChoice => "banner.choice",
            Self::EventRecord => "event.record",
            Self::PlanChange => "subject.plan",
            Self::RetentionSweep => "retention.sweep",
            Self::RetentionRead => "retention.read",
            Self::ReportUse => "report.use",
            Self::ReportMake => "report.make",
            Self::ReportExport => "report.export",
            Self::SurveyCreate => "survey.create",
            Self::SurveyOpen => "survey.open",
            Self::SurveyClose => "survey.close",
            Self::SurveyResults => "survey.results",
        }
    }
}

/// Whether the act was allowed, and if not, the stable code of the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Allowed,
    /// Refused, with the error code the caller saw.
    Denied(&'static str),
}

impl Outcome {
    /// `allowed` or `denied:E_CODE`.
    pub fn encode(&self) -> String {
        match self {
            Self::Allowed => "allowed".to_owned(),
            Self::Denied(code) => format!("denied:{code}"),
        }
    }
}

/// An act to append, before it has a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened (from the engine's clock).
    pub at: Timestamp,
    /// Who: `key:<uuid>`, `cli`, `system`.
    pub actor: String,
    /// What.
    pub action: Action,
    /// The purpose named, if any.
    pub purpose: Option<String>,
    /// The subject's pseudonym, if one subject was concerned.
    pub subject: Option<SubjectId>,
    /// Ids and counts only (`categories=email,name`), never values.
    pub detail: String,
    /// Allowed or denied.
    pub outcome: Outcome,
}

/// An entry as committed. Fields are kept as stored text so that a tampered
/// row still loads and is reported by `verify`, not by a decoding error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// The lane of the tenant's chain this entry is on (see the module docs).
    pub lane: u32,
    /// Position in its lane, from 1, without gaps.
    pub seq: u64,
    /// When, in microseconds since the Unix epoch.
    pub at_us: i64,
    /// Who.
    pub actor: String,
    /// What (see [`Action::as_str`]).
    pub action: String,
    /// The purpose named, if any.
    pub purpose: Option<String>,
    /// The subject pseudonym, if any.
    pub subject: Option<String>,
    /// Ids and counts.
    pub detail: String,
    /// `allowed` or `denied:E_CODE`.
    pub outcome: String,
    /// MAC of the previous entry (zeros for the first).
    #[serde(serialize_with = "hex32")]
    pub prev_mac: [u8; 32],
    /// MAC over this entry's fields and `prev_mac`.
    #[serde(serialize_with = "hex32")]
    pub mac: [u8; 32],
}

fn hex32<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(bytes))
}

/// Lower-case hex, for MACs shown to people.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a lane of a chain ends: the last entry's lane, position and MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditHead {
    /// The lane.
    pub lane: u32,
    /// Last position in the lane.
    pub seq: u64,
    /// Last MAC.
    pub mac: [u8; 32],
}

impl AuditEntry {
    /// This entry as a chain head.
    pub fn head(&self) -> AuditHead {
        AuditHead {
            lane: self.lane,
            seq: self.seq,
            mac: self.mac,
        }
    }
}

/// Links events onto one tenant's chain. Holds the tenant's audit key;
/// cheap to clone so a store's writer task can keep one per pending change.
#[derive(Clone)]
pub struct AuditChain {
    tenant: TenantId,
    key: Arc<AuditKey>,
}

impl std::fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditChain")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl AuditChain {
    /// A chain for `tenant` under its audit key.
    pub fn new(tenant: TenantId, key: AuditKey) -> Self {
        Self {
            tenant,
            key: Arc::new(key),
        }
    }

    /// The tenant this chain belongs to.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// Places `event` on `lane` after `prev` (that lane's head), or first
    /// on the lane when `prev` is `None`.
    pub fn link(&self, lane: u32, prev: Option<&AuditHead>, event: &AuditEvent) -> AuditEntry {
        let mut entry = AuditEntry {
            lane,
            seq: prev.map_or(1, |p| p.seq + 1),
            at_us: event.at.as_microsecond(),
            actor: event.actor.clone(),
            action: event.action.as_str().to_owned(),
            purpose: event.purpose.clone(),
            subject: event.subject.map(|s| s.to_string()),
            detail: event.detail.clone(),
            outcome: event.outcome.encode(),
            prev_mac: prev.map_or([0; 32], |p| p.mac),
            mac: [0; 32],
        };
        entry.mac = self.key.mac(&self.message(&entry));
        entry
    }

    /// The bytes the MAC covers: every field, length-prefixed, plus the
    /// tenant and, beyond lane 0, the lane (lane 0 keeps the encoding of
    /// chains written before lanes existed, so they still verify).
    fn message(&self, e: &AuditEntry) -> Vec<u8> {
        let mut m = Vec::with_capacity(256);
        if e.lane == 0 {
            put(&mut m, b"tutela-audit-v1");
        } else {
            put(&mut m, b"tutela-audit-lane-v1");
            m.extend_from_slice(&e.lane.to_be_bytes());
        }
        put(&mut m, self.tenant.as_str().as_bytes());
        m.extend_from_slice(&e.seq.to_be_bytes());
        m.extend_from_slice(&e.at_us.to_be_bytes());
        put(&mut m, e.actor.as_bytes());
        put(&mut m, e.action.as_bytes());
        put_opt(&mut m, e.purpose.as_deref());
        put_opt(&mut m, e.subject.as_deref());
        put(&mut m, e.detail.as_bytes());
        put(&mut m, e.outcome.as_bytes());
        m.extend_from_slice(&e.prev_mac);
        m
    }

    /// Starts checking a chain whose lanes end at `heads` (as recorded).
    /// Entries are then fed lane by lane, in ascending lane order, each lane
    /// from its first position.
    pub fn verifier(&self, heads: Vec<AuditHead>) -> ChainVerifier<'_> {
        ChainVerifier {
            chain: self,
            heads,
            lane: None,
            last: None,
            created: false,
            checked: 0,
        }
    }
}

fn put(m: &mut Vec<u8>, bytes: &[u8]) {
    m.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    m.extend_from_slice(bytes);
}

fn put_opt(m: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => m.push(0),
        Some(v) => {
            m.push(1);
            put(m, v.as_bytes());
        }
    }
}

/// Why a chain failed verification, at which position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The lane where it is.
    pub lane: u32,
    /// The first position on that lane that does not verify.
    pub seq: u64,
    /// What is wrong there.
    pub reason: BreakReason,
}

/// The kinds of breakage `audit verify` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// An entry is missing (a gap in positions) or entries were reordered.
    Sequence,
    /// The entry does not point at the MAC of the entry before it.
    Link,
    /// The entry's fields were changed after it was written.
    Mac,
    /// The chain ends before (or after) the recorded head: entries were cut.
    Head,
    /// The chain's head row is missing while entries exist.
    HeadMissing,
    /// A lane lacks its first entry, or the chain has no creation entry
    /// (no lane starts with the tenant's `tenant.create`): entries were
    /// deleted from the start, or the whole chain was.
    Genesis,
    /// The chain exists but its tenant row was deleted.
    TenantMissing,
}

impl BreakReason {
    /// The stable name shown in the API (`sequence`, `link`, `mac`, `head`,
    /// `head_missing`, `genesis`, `tenant_missing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sequence => "sequence",
            Self::Link => "link",
            Self::Mac => "mac",
            Self::Head => "head",
            Self::HeadMissing => "head_missing",
            Self::Genesis => "genesis",
            Self::TenantMissing => "tenant_missing",
        }
    }
}

/// Checks entries one at a time, so a long chain is verified in pages.
pub struct ChainVerifier<'a> {
    chain: &'a AuditChain,
    /// The recorded heads not yet compared with a lane's last entry.
    heads: Vec<AuditHead>,
    /// The lane being fed, once one is.
    lane: Option<u32>,
    /// The last entry verified on that lane.
    last: Option<AuditHead>,
    /// Has a lane started with the tenant's creation entry?
    created: bool,
    checked: u64,
}

impl ChainVerifier<'_> {
    /// Checks the next entry: the next on the current lane, or the first of
    /// a later lane (which closes the current one against its head).
    pub fn feed(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        if self.lane != Some(entry.lane) {
            if let Some(lane) = self.lane {
                if entry.lane < lane {
                    return Err(ChainBreak {
                        lane: entry.lane,
                        seq: entry.seq,
                        reason: BreakReason::Sequence,
                    });
                }
                self.close_lane(lane)?;
            }
            self.lane = Some(entry.lane);
            self.last = None;
        }
        let expected_seq = self.last.map_or(1, |h| h.seq + 1);
        let broken = |reason| ChainBreak {
            lane: entry.lane,
            seq: expected_seq,
            reason,
        };
        if entry.seq != expected_seq {
            let reason = if expected_seq == 1 {
                BreakReason::Genesis
            } else {
                BreakReason::Sequence
            };
            return Err(broken(reason));
        }
        if entry.prev_mac != self.last.map_or([0; 32], |h| h.mac) {
            return Err(broken(BreakReason::Link));
        }
        if !self
            .chain
            .key
            .verify(&self.chain.message(entry), &entry.mac)
        {
            return Err(broken(BreakReason::Mac));
        }
        if expected_seq == 1 && entry.action == Action::TenantCreate.as_str() {
            self.created = true;
        }
        self.last = Some(entry.head());
        self.checked += 1;
        Ok(())
    }

    /// Compares the lane just fed with its recorded head.
    fn close_lane(&mut self, lane: u32) -> Result<(), ChainBreak> {
        let head = self
            .heads
            .iter()
            .position(|h| h.lane == lane)
            .map(|i| self.heads.swap_remove(i));
        let broken = |seq, reason| Err(ChainBreak { lane, seq, reason });
        match (self.last, head) {
            (None, _) => broken(1, BreakReason::Genesis),
            (Some(l), None) => broken(l.seq, BreakReason::HeadMissing),
            (Some(l), Some(h)) if l != h => broken(l.seq.min(h.seq) + 1, BreakReason::Head),
            _ => Ok(()),
        }
    }

    /// Ends the check; returns how many entries verified. A tenant's chain
    /// is never empty: one lane starts with the tenant's creation entry, so
    /// a chain without one was deleted (in part or whole). A recorded head
    /// whose lane has no entry left was cut.
    pub fn finish(mut self) -> Result<u64, ChainBreak> {
        if let Some(lane) = self.lane {
            self.close_lane(lane)?;
        }
        if !self.created {
            return Err(ChainBreak {
                lane: self.lane.unwrap_or(0),
                seq: 1,
                reason: BreakReason::Genesis,
            });
        }
        if let Some(h) = self.heads.iter().min_by_key(|h| h.lane) {
            return Err(ChainBreak {
                lane: h.lane,
                seq: 1,
                reason: BreakReason::Head,
            });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests;
