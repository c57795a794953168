//! The per-tenant key that hashes one-time verification codes of data
//! subject requests (Art. 12(6): the controller may ask for information to
//! confirm the subject's identity).
//!
//! A code is short enough to type, so storing it in the clear, or as a
//! plain hash that can be brute-forced offline, would let anyone who reads
//! the database verify a request in the subject's place. It is stored only
//! as HMAC-SHA256 under this key, bound to the request it belongs to.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::{hmac_sha256, push_field};
use crate::token::constant_time_eq;

/// A tenant's request-code key; derive it with
/// [`crate::MasterKey::request_code_key`].
///
/// Zeroized on drop; `Debug` prints `RequestCodeKey(<redacted>)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RequestCodeKey {
    bytes: [u8; 32],
}

impl RequestCodeKey {
    /// Takes ownership of freshly derived key bytes.
    pub(crate) fn from_derived(bytes: Zeroizing<[u8; 32]>) -> RequestCodeKey {
        RequestCodeKey { bytes: *bytes }
    }

    /// The keyed hash of `code` for request `request` (its 16 id bytes): a
    /// code hashed for one request does not verify another.
    pub fn hash(&self, request: &[u8; 16], code: &str) -> [u8; 32] {
        let mut message = Vec::with_capacity(40 + code.len());
        push_field(&mut message, request);
        push_field(&mut message, code.as_bytes());
        hmac_sha256(&self.bytes, &[&message])
    }

    /// Whether `code` hashes to `stored`, compared in constant time.
    pub fn verify(&self, request: &[u8; 16], code: &str, stored: &[u8; 32]) -> bool {
        constant_time_eq(&self.hash(request, code), stored)
    }
}

impl fmt::Debug for RequestCodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestCodeKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use crate::MasterKey;

    #[test]
    fn hashes_bind_tenant_request_and_code() {
        let master = MasterKey::from_bytes([7; 32]);
        let acme = master.request_code_key("acme");
        let other = master.request_code_key("other");
        let stored = acme.hash(&[1; 16], "ABCDE-12345");
        assert!(acme.verify(&[1; 16], "ABCDE-12345", &stored));
        assert!(!acme.verify(&[1; 16], "ABCDE-12346", &stored));
        assert!(!acme.verify(&[2; 16], "ABCDE-12345", &stored));
        assert!(!other.verify(&[1; 16], "ABCDE-12345", &stored));
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_bytes([1; 32]).request_code_key("acme");
        assert_eq!(format!("{key:?}"), "RequestCodeKey(<redacted>)");
    }
}
