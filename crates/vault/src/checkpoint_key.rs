//! The deployment's checkpoint-signing key (Ed25519).
//!
//! A MAC chain proves nothing against someone who rolls entries and head
//! back together to an earlier consistent point. A checkpoint — each
//! chain's length and head MAC, signed and kept outside the database —
//! does: whoever holds it can later see that a chain got shorter or
//! diverged. Signatures rather than MACs, so the checkpoint can be checked
//! with the public key alone, by someone who must never hold the master key.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::fmt;
use zeroize::Zeroizing;

/// Signs checkpoints. Derived from the master key, never stored; the
/// secret half is zeroized on drop and `Debug` shows only the public key.
pub struct CheckpointKey {
    signing: SigningKey,
}

impl CheckpointKey {
    /// Takes a freshly derived 32-byte seed.
    pub(crate) fn from_seed(seed: Zeroizing<[u8; 32]>) -> CheckpointKey {
        CheckpointKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, which identifies the deployment's checkpoints.
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The Ed25519 signature of `message` (a canonical byte encoding chosen
    /// by the caller).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckpointKey(<redacted>)")
    }
}

/// Whether `signature` is a valid Ed25519 signature of `message` under
/// `public_key` (strict verification: no malleable or weak-key forms).
pub fn verify_checkpoint_signature(
    public_key: &[u8; 32],
    message: &[u8],
    signature: &[u8; 64],
) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MasterKey;

    #[test]
    fn the_key_is_deterministic_per_master_key() {
        let a = MasterKey::from_bytes([1; 32]).checkpoint_key();
        let again = MasterKey::from_bytes([1; 32]).checkpoint_key();
        let b = MasterKey::from_bytes([2; 32]).checkpoint_key();
        assert_eq!(a.public_key(), again.public_key());
        assert_ne!(a.public_key(), b.public_key());
    }

    #[test]
    fn signatures_verify_only_unaltered_under_their_key() {
        let key = MasterKey::from_bytes([1; 32]).checkpoint_key();
        let other = MasterKey::from_bytes([2; 32]).checkpoint_key();
        let sig = key.sign(b"checkpoint");
        assert!(verify_checkpoint_signature(
            &key.public_key(),
            b"checkpoint",
            &sig
        ));
        assert!(!verify_checkpoint_signature(
            &key.public_key(),
            b"checkpoinT",
            &sig
        ));
        assert!(!verify_checkpoint_signature(
            &other.public_key(),
            b"checkpoint",
            &sig
        ));
        let mut bad = sig;
        bad[0] ^= 1;
        assert!(!verify_checkpoint_signature(
            &key.public_key(),
            b"checkpoint",
            &bad
        ));
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = MasterKey::from_bytes([1; 32]).checkpoint_key();
        assert_eq!(format!("{key:?}"), "CheckpointKey(<redacted>)");
    }
}
