//! API tokens: generating them, hashing them for storage, comparing them.
//!
//! Tokens are 256 bits from the OS CSPRNG, so the stored SHA-256 hash needs
//! no salt and no slow password hash (argon2, bcrypt): those defend
//! low-entropy secrets against guessing, and guessing a 256-bit random value
//! is already out of reach. A fast hash also keeps per-request auth cheap.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::rng::or_fail;

/// The floor on secret size: below 32 bytes a plain hash stops being enough.
pub const MIN_SECRET_BYTES: usize = 32;

/// A random secret of `bytes` bytes (at least [`MIN_SECRET_BYTES`]; smaller
/// requests are raised to it), as base64url without padding.
///
/// # Panics
/// Only if the operating system cannot provide randomness; see
/// [`try_random_secret`].
pub fn random_secret(bytes: usize) -> String {
    or_fail(try_random_secret(bytes))
}

/// Like [`random_secret`], but reports a randomness failure as
/// [`VaultError::RandomnessUnavailable`].
pub fn try_random_secret(bytes: usize) -> Result<String, VaultError> {
    let mut raw = Zeroizing::new(vec![0u8; bytes.max(MIN_SECRET_BYTES)]);
    getrandom::fill(&mut raw).map_err(|_| VaultError::RandomnessUnavailable)?;
    Ok(URL_SAFE_NO_PAD.encode(&*raw))
}

/// SHA-256 of `data`, for storing API token hashes (see the module docs for
/// why a plain hash is right here).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Whether `a` and `b` are equal, taking the same time wherever they differ.
///
/// Lengths are compared first and are not secret (tags and hashes have fixed
/// sizes). The byte loop has no early exit, and `black_box` keeps the
/// optimizer from adding one.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_url_safe() {
        let a = random_secret(32);
        let b = random_secret(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(random_secret(4).len(), 43, "raised to the floor");
        assert_eq!(random_secret(48).len(), 64);
    }

    #[test]
    fn sha256_known_answer() {
        let hex: String = sha256(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"bbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
