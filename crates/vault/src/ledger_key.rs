//! The deployment's key that MACs the erasure ledger's lines.
//!
//! The erasure ledger lives outside the database so that a restored backup
//! can be told which subjects were erased after it was taken (Art. 17).
//! Each line carries HMAC-SHA256 over its text under this key, so a line
//! edited or forged by someone without the master key is found when the
//! ledger is read back.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::hmac_sha256;
use crate::token::constant_time_eq;

/// The erasure ledger's MAC key; derive it with
/// [`crate::MasterKey::erasure_ledger_key`].
///
/// Zeroized on drop; `Debug` prints `LedgerKey(<redacted>)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct LedgerKey {
    bytes: [u8; 32],
}

impl LedgerKey {
    /// Takes ownership of freshly derived key bytes.
    pub(crate) fn from_derived(bytes: Zeroizing<[u8; 32]>) -> LedgerKey {
        LedgerKey { bytes: *bytes }
    }

    /// HMAC-SHA256 of `message`. The caller encodes the line unambiguously.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.bytes, &[message])
    }

    /// Whether `tag` is the MAC of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8; 32]) -> bool {
        constant_time_eq(&self.mac(message), tag)
    }
}

impl fmt::Debug for LedgerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LedgerKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use crate::MasterKey;

    #[test]
    fn mac_verifies_and_detects_edits() {
        let key = MasterKey::generate().erasure_ledger_key();
        let tag = key.mac(b"v1 acme x");
        assert!(key.verify(b"v1 acme x", &tag));
        assert!(!key.verify(b"v1 acme y", &tag));
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(!key.verify(b"v1 acme x", &bad));
    }

    #[test]
    fn another_master_key_or_label_gives_another_key() {
        let master = MasterKey::from_bytes([7; 32]);
        let ledger = master.erasure_ledger_key().mac(b"m");
        assert_ne!(
            ledger,
            MasterKey::from_bytes([8; 32])
                .erasure_ledger_key()
                .mac(b"m")
        );
        assert_ne!(ledger, master.audit_key("").mac(b"m"));
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_bytes([1; 32]).erasure_ledger_key();
        assert_eq!(format!("{key:?}"), "LedgerKey(<redacted>)");
    }
}
