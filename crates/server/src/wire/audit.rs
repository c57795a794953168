//! Wire types for the audit chain and the operations endpoints.

use serde::{Deserialize, Serialize};
use tutela_engine::AuditReport;
use tutela_engine::audit::AuditEntry;
use utoipa::ToSchema;

/// `GET /v1/audit` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Which lane of the chain, 0 to 255 (default 0; SQLite only ever uses
    /// lane 0, PostgreSQL one per writer: `GET /v1/audit/heads` lists them).
    #[serde(default)]
    #[param(minimum = 0, maximum = 255, default = 0)]
    pub lane: u32,
    /// Entries after this position in the lane (0: from the start).
    #[serde(default)]
    pub after: u64,
    /// At most this many entries: 1 to 1000 (default 100).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: u32,
}

fn default_limit() -> u32 {
    100
}

/// One audit entry. Holds pseudonyms, ids and codes, never a personal value.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    /// The lane of the tenant's chain the entry is on.
    pub lane: u32,
    /// Position in its lane, from 1.
    pub seq: u64,
    /// When, in microseconds since the Unix epoch (as covered by the MAC).
    pub at_us: i64,
    /// Who: `key:<id>`, `cli`, `system`.
    pub actor: String,
    /// What (`record.read`, `consent.grant`, ...).
    pub action: String,
    /// The purpose named, if any.
    pub purpose: Option<String>,
    /// The subject pseudonym, if any.
    pub subject: Option<String>,
    /// Ids and counts.
    pub detail: String,
    /// `allowed` or `denied:E_CODE`.
    pub outcome: String,
    /// MAC of the previous entry, hex.
    pub prev_mac: String,
    /// This entry's MAC, hex.
    pub mac: String,
}

impl From<AuditEntry> for AuditRecord {
    fn from(e: AuditEntry) -> Self {
        use tutela_engine::audit::to_hex;
        Self {
            lane: e.lane,
            seq: e.seq,
            at_us: e.at_us,
            actor: e.actor,
            action: e.action,
            purpose: e.purpose,
            subject: e.subject,
            detail: e.detail,
            outcome: e.outcome,
            prev_mac: to_hex(&e.prev_mac),
            mac: to_hex(&e.mac),
        }
    }
}

/// A page of the audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The entries, in order.
    pub entries: Vec<AuditRecord>,
}

/// The result of walking the whole chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerification {
    /// True if no entry was edited, deleted, reordered or cut.
    pub intact: bool,
    /// Entries verified before the first break (all, if intact).
    pub verified: u64,
    /// The first broken position, if any.
    pub first_break: Option<ChainBreak>,
}

/// Where the chain breaks and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreak {
    /// The lane where it breaks.
    pub lane: u32,
    /// The first position on that lane that does not verify.
    pub seq: u64,
    /// `sequence`, `link`, `mac`, `head`, `head_missing` or `genesis`.
    pub reason: String,
}

impl From<AuditReport> for AuditVerification {
    fn from(r: AuditReport) -> Self {
        Self {
            intact: r.intact(),
            verified: r.verified,
            first_break: r.first_break.map(|b| ChainBreak {
                lane: b.lane,
                seq: b.seq,
                reason: b.reason.as_str().to_owned(),
            }),
        }
    }
}

/// Where each lane of the chain ends.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditHeads {
    /// One head per lane, by lane.
    pub heads: Vec<LaneHead>,
}

/// One lane's head.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaneHead {
    /// The lane.
    pub lane: u32,
    /// Its last position.
    pub seq: u64,
    /// The MAC of the entry there, hex.
    pub mac: String,
}

impl From<tutela_engine::audit::AuditHead> for LaneHead {
    fn from(h: tutela_engine::audit::AuditHead) -> Self {
        Self {
            lane: h.lane,
            seq: h.seq,
            mac: tutela_engine::audit::to_hex(&h.mac),
        }
    }
}

/// Liveness and readiness answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: String,
}
