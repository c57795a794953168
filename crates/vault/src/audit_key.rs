//! The per-tenant key that MACs audit entries.
//!
//! Each audit entry carries HMAC-SHA256 over its fields and the previous
//! entry's MAC. With a key only the vault holds, editing, deleting or
//! reordering entries is detectable, and a forged chain needs the master key.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::hmac_sha256;
use crate::token::constant_time_eq;

/// A tenant's audit MAC key; derive it with [`crate::MasterKey::audit_key`].
///
/// Zeroized on drop; `Debug` prints `AuditKey(<redacted>)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuditKey {
    bytes: [u8; 32],
}

impl AuditKey {
    /// Takes ownership of freshly derived key bytes.
    pub(crate) fn from_derived(bytes: Zeroizing<[u8; 32]>) -> AuditKey {
        AuditKey { bytes: *bytes }
    }

    /// HMAC-SHA256 of `message`. The caller encodes the entry unambiguously.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.bytes, &[message])
    }

    /// Whether `tag` is the MAC of `message`, compared in constant time so
    /// the time taken does not reveal how many leading bytes matched.
    pub fn verify(&self, message: &[u8], tag: &[u8; 32]) -> bool {
        constant_time_eq(&self.mac(message), tag)
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use crate::MasterKey;

    #[test]
    fn mac_verifies_and_detects_edits() {
        let key = MasterKey::generate().audit_key("acme");
        let tag = key.mac(b"entry 1");
        assert!(key.verify(b"entry 1", &tag));
        assert!(!key.verify(b"entry 2", &tag));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!key.verify(b"entry 1", &bad));
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_bytes([1; 32]).audit_key("acme");
        let hex: String = key.bytes.iter().map(|b| format!("{b:02x}")).collect();
        let shown = format!("{key:?}");
        assert_eq!(shown, "AuditKey(<redacted>)");
        assert!(!shown.contains(&hex));
    }
}
