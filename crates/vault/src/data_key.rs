//! Per-subject data keys: the keys that actually encrypt personal values.
//!
//! Every subject has its own data key, stored only wrapped under the master
//! key. Deleting the wrapped key is crypto-shredding: every copy of the
//! subject's records, in the database, its WAL or a keyless backup, becomes
//! unreadable at once, without finding and overwriting each copy.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::aead;
use crate::error::VaultError;
use crate::rng::{or_fail, random_array};

/// Version byte of the sealed-value format.
const SEALED_V1: u8 = 0x01;

/// A 32-byte XChaCha20-Poly1305 key for one subject's values.
///
/// Not `Clone`, zeroized on drop, and `Debug` prints `DataKey(<redacted>)`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey {
    bytes: [u8; 32],
}

impl DataKey {
    /// A fresh random data key, made when a subject is created.
    ///
    /// # Panics
    /// Only if the operating system cannot provide randomness; see
    /// [`DataKey::try_generate`].
    pub fn generate() -> DataKey {
        or_fail(DataKey::try_generate())
    }

    /// Like [`DataKey::generate`], but reports a randomness failure as
    /// [`VaultError::RandomnessUnavailable`].
    pub fn try_generate() -> Result<DataKey, VaultError> {
        Ok(DataKey {
            bytes: random_array()?,
        })
    }

    /// Rebuilds a key from its bytes after unwrapping.
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey { bytes }
    }

    /// The raw key, for wrapping and sealing inside the crate only.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Encrypts a personal value.
    ///
    /// Output: `0x01 || 24-byte random nonce || ciphertext || 16-byte tag`.
    /// `aad` should come from [`crate::record_aad`]: it binds the value to
    /// its tenant, subject, record and category, so a ciphertext moved to
    /// another row does not open. The version byte is authenticated too.
    ///
    /// # Panics
    /// Only if the operating system cannot provide a nonce or the plaintext
    /// exceeds 256 GiB; see [`DataKey::try_seal`].
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        or_fail(self.try_seal(plaintext, aad))
    }

    /// Like [`DataKey::seal`], but reports failures as errors.
    pub fn try_seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
        aead::seal(&self.bytes, &[SEALED_V1], plaintext, aad)
    }

    /// Decrypts a value made by [`DataKey::seal`] with the same `aad`.
    ///
    /// Every failure (flipped bit, truncation, unknown version, wrong key,
    /// wrong aad) is [`VaultError::Unreadable`], with no detail. The
    /// plaintext is zeroized when dropped.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        if sealed.first() != Some(&SEALED_V1) {
            return Err(VaultError::Unreadable);
        }
        aead::open(&self.bytes, 1, sealed, aad)
    }
}

impl DataKey {
    /// A MAC of `value` bound to `aad` (its record), under a key derived
    /// from this data key: what the erasure ledger keeps of a rectified
    /// value, so a restore can tell whether a backup's record already
    /// holds it. Keyed by the subject's own key, it is unverifiable once
    /// the subject is erased (its key destroyed): the ledger, which
    /// outlives the erasure, lets nobody test guesses of the value, not
    /// even the holder of the master key.
    pub fn value_mac(&self, aad: &[u8], value: &[u8]) -> [u8; 32] {
        let key = crate::kdf::derive(&self.bytes, crate::kdf::LABEL_VALUE_MAC, b"");
        let mut message = Vec::with_capacity(16 + aad.len() + value.len());
        crate::kdf::push_field(&mut message, aad);
        crate::kdf::push_field(&mut message, value);
        let mac = crate::kdf::hmac_sha256(&key, &[&message]);
        message.zeroize();
        mac
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_mac_is_bound_to_its_key_record_and_value() {
        let key = DataKey::generate();
        let mac = key.value_mac(b"record-1", b"ada@example.com");
        assert_eq!(mac, key.value_mac(b"record-1", b"ada@example.com"));
        assert_ne!(mac, key.value_mac(b"record-2", b"ada@example.com"));
        assert_ne!(mac, key.value_mac(b"record-1", b"ada@example.org"));
        assert_ne!(
            mac,
            DataKey::generate().value_mac(b"record-1", b"ada@example.com")
        );
        // The fields are length-prefixed: moving bytes between them changes it.
        assert_ne!(key.value_mac(b"ab", b"c"), key.value_mac(b"a", b"bc"));
    }

    #[test]
    fn seal_open_round_trip() {
        let key = DataKey::generate();
        for plain in [&b""[..], b"a", b"alice@example.com", &[0u8; 1000]] {
            let sealed = key.seal(plain, b"aad");
            assert_eq!(sealed.len(), 1 + 24 + plain.len() + 16);
            assert_eq!(sealed[0], SEALED_V1);
            assert_eq!(key.open(&sealed, b"aad").unwrap().as_slice(), plain);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let key = DataKey::generate();
        assert_ne!(key.seal(b"same", b""), key.seal(b"same", b""));
    }

    #[test]
    fn ciphertext_hides_plaintext() {
        let key = DataKey::generate();
        let sealed = key.seal(b"alice@example.com", b"");
        assert!(!sealed.windows(5).any(|w| w == b"alice"));
    }

    #[test]
    fn wrong_key_or_aad_fails() {
        let key = DataKey::generate();
        let sealed = key.seal(b"secret", b"record-1");
        assert_eq!(
            key.open(&sealed, b"record-2").unwrap_err(),
            VaultError::Unreadable
        );
        assert_eq!(
            DataKey::generate().open(&sealed, b"record-1").unwrap_err(),
            VaultError::Unreadable
        );
    }

    #[test]
    fn truncation_and_bad_version_fail() {
        let key = DataKey::generate();
        let sealed = key.seal(b"secret", b"");
        for len in 0..sealed.len() {
            assert_eq!(
                key.open(&sealed[..len], b"").unwrap_err(),
                VaultError::Unreadable
            );
        }
        let mut other = sealed.clone();
        other[0] = 0x02;
        assert_eq!(key.open(&other, b"").unwrap_err(), VaultError::Unreadable);
    }

    #[test]
    fn debug_is_redacted() {
        let key = DataKey::generate();
        let hex: String = key.bytes.iter().map(|b| format!("{b:02x}")).collect();
        let shown = format!("{key:?} {key:#?}");
        assert!(shown.contains("DataKey(<redacted>)"));
        assert!(!shown.contains(&hex));
        assert!(!shown.contains(&format!("{:?}", key.bytes)));
    }
}
