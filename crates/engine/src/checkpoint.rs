//! Signed checkpoints of the audit chains: for each lane of each chain, the
//! tenant, the lane, its length (its last position) and head MAC, with the
//! time and the deployment's public key, signed with Ed25519 over a
//! canonical byte encoding.
//!
//! The MAC chain finds an edited, deleted or reordered entry, but not a
//! rollback of entries and head together to an earlier consistent point:
//! the chain that remains is intact. A checkpoint kept where the database's
//! administrators cannot write closes that gap: a chain now shorter than
//! the checkpoint, or whose entry at the checkpoint's position has another
//! MAC, was rolled back or rewritten.

use crate::audit::{AuditHead, to_hex};
use crate::ids::TenantId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The `format` of checkpoints this code writes: every point names its lane.
pub const FORMAT: &str = "tutela-checkpoint-v2";

/// The format written before chains had lanes (every point is lane 0); such
/// checkpoints are still read and verified.
pub const FORMAT_V1: &str = "tutela-checkpoint-v1";

/// A signed checkpoint, as written to a file or returned by the API (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`FORMAT`] (or [`FORMAT_V1`] for a checkpoint written earlier).
    pub format: String,
    /// When it was taken (RFC 3339, microsecond precision).
    pub taken_at: Timestamp,
    /// The deployment's Ed25519 public key, hex (`tutela audit pubkey`).
    pub public_key: String,
    /// One point per lane of each chain, by tenant id and lane.
    pub chains: Vec<ChainPoint>,
    /// Ed25519 signature over [`Checkpoint::signed_bytes`], hex.
    pub signature: String,
}

/// Where one lane of a chain stood when the checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainPoint {
    /// The tenant whose chain it is.
    pub tenant: String,
    /// The lane (absent, meaning 0, in [`FORMAT_V1`] checkpoints).
    #[serde(default)]
    pub lane: u32,
    /// The lane's length: its last position.
    pub seq: u64,
    /// The MAC of the entry at `seq`, hex.
    pub head_mac: String,
}

/// Why a checkpoint is refused before any chain is compared with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A field does not have the expected form.
    #[error(
        "the checkpoint's {0} is malformed: this is not a Tutela checkpoint, or it was altered"
    )]
    Malformed(&'static str),
    /// Signed by another key than this deployment's.
    #[error(
        "the checkpoint was signed by another key than this deployment's \
         (`tutela audit pubkey`): it comes from another deployment or another master key"
    )]
    ForeignKey,
    /// The signature does not match the contents.
    #[error("the checkpoint's signature does not verify: the file was altered after it was signed")]
    BadSignature,
}

/// A chain's point, checked and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPoint {
    /// The tenant.
    pub tenant: TenantId,
    /// Its lane, position and MAC at the checkpoint.
    pub head: AuditHead,
}

impl ChainPoint {
    /// The point of `tenant`'s chain at `head` (a lane's head).
    pub fn new(tenant: &TenantId, head: AuditHead) -> Self {
        Self {
            tenant: tenant.to_string(),
            lane: head.lane,
            seq: head.seq,
            head_mac: to_hex(&head.mac),
        }
    }

    fn check(&self) -> Result<CheckedPoint, CheckpointError> {
        let tenant =
            TenantId::parse(&self.tenant).map_err(|_| CheckpointError::Malformed("tenant"))?;
        let mac = from_hex(&self.head_mac).ok_or(CheckpointError::Malformed("head_mac"))?;
        if self.seq == 0 {
            return Err(CheckpointError::Malformed("seq"));
        }
        Ok(CheckedPoint {
            tenant,
            head: AuditHead {
                lane: self.lane,
                seq: self.seq,
                mac,
            },
        })
    }
}

impl Checkpoint {
    /// An unsigned checkpoint; [`Checkpoint::signed_bytes`] is then signed.
    pub fn unsigned(taken_at: Timestamp, public_key: [u8; 32], chains: Vec<ChainPoint>) -> Self {
        // The signature covers microseconds: keep no finer digits that
        // could be changed without breaking it.
        let taken_at = Timestamp::from_microsecond(taken_at.as_microsecond()).unwrap_or(taken_at);
        Self {
            format: FORMAT.to_owned(),
            taken_at,
            public_key: to_hex(&public_key),
            chains,
            signature: String::new(),
        }
    }

    /// The canonical bytes the signature covers: the format, the time in
    /// microseconds, the public key and each point, every field
    /// length-prefixed or of fixed width, so no two checkpoints share them.
    /// A [`FORMAT_V1`] checkpoint is encoded as it was signed: without lanes.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        let key: [u8; 32] =
            from_hex(&self.public_key).ok_or(CheckpointError::Malformed("public_key"))?;
        let v1 = match self.format.as_str() {
            FORMAT => false,
            FORMAT_V1 => true,
            _ => return Err(CheckpointError::Malformed("format")),
        };
        let mut m = Vec::with_capacity(64 + self.chains.len() * 84);
        put(&mut m, self.format.as_bytes());
        m.extend_from_slice(&self.taken_at.as_microsecond().to_be_bytes());
        m.extend_from_slice(&key);
        m.extend_from_slice(&(self.chains.len() as u64).to_be_bytes());
        for point in &self.chains {
            let checked = point.check()?;
            put(&mut m, checked.tenant.as_str().as_bytes());
            if v1 {
                if checked.head.lane != 0 {
                    return Err(CheckpointError::Malformed("lane"));
                }
            } else {
                m.extend_from_slice(&checked.head.lane.to_be_bytes());
            }
            m.extend_from_slice(&checked.head.seq.to_be_bytes());
            m.extend_from_slice(&checked.head.mac);
        }
        Ok(m)
    }

    /// Checks the format, that `public_key` is the expected deployment key
    /// and the signature; the chains' points, decoded.
    pub fn open(&self, expected_key: &[u8; 32]) -> Result<Vec<CheckedPoint>, CheckpointError> {
        if self.format != FORMAT && self.format != FORMAT_V1 {
            return Err(CheckpointError::Malformed("format"));
        }
        if self.taken_at.subsec_nanosecond() % 1000 != 0 {
            return Err(CheckpointError::Malformed("taken_at"));
        }
        let message = self.signed_bytes()?;
        let key: [u8; 32] =
            from_hex(&self.public_key).ok_or(CheckpointError::Malformed("public_key"))?;
        if &key != expected_key {
            return Err(CheckpointError::ForeignKey);
        }
        let signature: [u8; 64] =
            from_hex(&self.signature).ok_or(CheckpointError::Malformed("signature"))?;
        if !tutela_vault::verify_checkpoint_signature(&key, &message, &signature) {
            return Err(CheckpointError::BadSignature);
        }
        self.chains.iter().map(ChainPoint::check).collect()
    }
}

fn put(m: &mut Vec<u8>, bytes: &[u8]) {
    m.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    m.extend_from_slice(bytes);
}

/// Lower-case (or upper-case) hex of exactly `N` bytes.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tutela_vault::MasterKey;

    fn signed(master: &MasterKey) -> Checkpoint {
        let key = master.checkpoint_key();
        let tenant = TenantId::parse("acme").unwrap();
        let point = ChainPoint::new(
            &tenant,
            AuditHead {
                lane: 2,
                seq: 7,
                mac: [3; 32],
            },
        );
        let mut cp = Checkpoint::unsigned(
            Timestamp::from_second(1_800_000_000).unwrap(),
            key.public_key(),
            vec![point],
        );
        cp.signature = to_hex(&key.sign(&cp.signed_bytes().unwrap()));
        cp
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key() {
        let master = MasterKey::from_bytes([9; 32]);
        let cp = signed(&master);
        let points = cp.open(&master.checkpoint_key().public_key()).unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].head.seq, 7);
    }

    #[test]
    fn an_altered_or_foreign_checkpoint_is_refused() {
        let master = MasterKey::from_bytes([9; 32]);
        let key = master.checkpoint_key().public_key();
        let mut cp = signed(&master);
        cp.chains[0].seq = 6;
        assert_eq!(cp.open(&key), Err(CheckpointError::BadSignature));
        let cp = signed(&master);
        let other = MasterKey::from_bytes([8; 32]).checkpoint_key().public_key();
        assert_eq!(cp.open(&other), Err(CheckpointError::ForeignKey));
        let mut cp = signed(&master);
        cp.chains[0].head_mac = "zz".into();
        assert_eq!(cp.open(&key), Err(CheckpointError::Malformed("head_mac")));
        let mut cp = signed(&master);
        cp.taken_at += jiff::SignedDuration::from_nanos(1);
        assert_eq!(cp.open(&key), Err(CheckpointError::Malformed("taken_at")));
        let mut cp = signed(&master);
        cp.format = "other".into();
        assert_eq!(cp.open(&key), Err(CheckpointError::Malformed("format")));
    }

    #[test]
    fn hex_parses_exact_lengths_only() {
        assert_eq!(from_hex::<2>("0aFf"), Some([0x0a, 0xff]));
        assert_eq!(from_hex::<2>("0a"), None);
        assert_eq!(from_hex::<2>("0g00"), None);
        assert_eq!(from_hex::<1>("é"), None);
    }

    #[test]
    fn a_lane_is_covered_by_the_signature() {
        let master = MasterKey::from_bytes([9; 32]);
        let key = master.checkpoint_key().public_key();
        let mut cp = signed(&master);
        assert_eq!(cp.open(&key).unwrap()[0].head.lane, 2);
        cp.chains[0].lane = 3;
        assert_eq!(cp.open(&key), Err(CheckpointError::BadSignature));
    }

    #[test]
    fn a_checkpoint_written_before_lanes_still_opens() {
        let master = MasterKey::from_bytes([9; 32]);
        let key = master.checkpoint_key();
        let tenant = TenantId::parse("acme").unwrap();
        let head = AuditHead {
            lane: 0,
            seq: 4,
            mac: [5; 32],
        };
        let mut cp = Checkpoint::unsigned(
            Timestamp::from_second(1_800_000_000).unwrap(),
            key.public_key(),
            vec![ChainPoint::new(&tenant, head)],
        );
        cp.format = FORMAT_V1.into();
        // The v1 encoding, as the earlier code signed it.
        let mut m = Vec::new();
        put(&mut m, FORMAT_V1.as_bytes());
        m.extend_from_slice(&cp.taken_at.as_microsecond().to_be_bytes());
        m.extend_from_slice(&key.public_key());
        m.extend_from_slice(&1u64.to_be_bytes());
        put(&mut m, b"acme");
        m.extend_from_slice(&4u64.to_be_bytes());
        m.extend_from_slice(&[5; 32]);
        cp.signature = to_hex(&key.sign(&m));
        let text = serde_json::to_string(&cp)
            .unwrap()
            .replace(",\"lane\":0", "");
        let cp: Checkpoint = serde_json::from_str(&text).unwrap();
        assert_eq!(cp.open(&key.public_key()).unwrap()[0].head, head);
    }
}
