//! Wire types of a signed audit checkpoint. The same JSON as the file
//! `tutela audit checkpoint` writes, so `tutela audit verify --against`
//! reads either.

use serde::Serialize;
use tutela_engine::checkpoint::Checkpoint;
use utoipa::ToSchema;

/// A signed statement of where the caller's tenant's audit chain stood.
/// Keep it outside the database: compared later (`tutela audit verify
/// --against FILE`), it shows a chain that was rolled back or rewritten.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedCheckpoint {
    /// `tutela-checkpoint-v1`.
    pub format: String,
    /// When it was taken (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub taken_at: jiff::Timestamp,
    /// The deployment's Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// The chain's point: one entry, the caller's tenant.
    pub chains: Vec<CheckpointChain>,
    /// Ed25519 signature, 128 hex digits, over the canonical encoding
    /// described in ARCHITECTURE.md.
    pub signature: String,
}

/// One chain's length and head.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointChain {
    /// The tenant id.
    pub tenant: String,
    /// The chain's length: its last position (the checkpoint's own entry).
    pub seq: u64,
    /// The MAC of the entry at `seq`, hex.
    pub head_mac: String,
}

impl From<Checkpoint> for SignedCheckpoint {
    fn from(c: Checkpoint) -> Self {
        Self {
            format: c.format,
            taken_at: c.taken_at,
            public_key: c.public_key,
            chains: c
                .chains
                .into_iter()
                .map(|p| CheckpointChain {
                    tenant: p.tenant,
                    seq: p.seq,
                    head_mac: p.head_mac,
                })
                .collect(),
            signature: c.signature,
        }
    }
}
