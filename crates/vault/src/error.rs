//! The one error type of the vault, with stable codes.
//!
//! Messages are fixed strings: no variant carries input, key bytes or
//! plaintext, so an error can be logged or shown to a client without leaking
//! what was being parsed or decrypted.

/// Everything that can go wrong in the vault.
///
/// Decryption failures are deliberately coarse ([`VaultError::Unreadable`]):
/// telling a caller *why* a ciphertext failed to open (bad tag, wrong key,
/// truncated) helps an attacker more than it helps an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A master key's text form is not `tutela-master-v1:` followed by
    /// base64url (no padding) of exactly 32 bytes.
    #[error(
        "the master key is malformed: expected `tutela-master-v1:` followed by 43 base64url characters"
    )]
    MalformedKey,
    /// Bytes that should be a wrapped key have the wrong length or version.
    #[error("the ciphertext is malformed: wrong length or unknown version")]
    MalformedCiphertext,
    /// A ciphertext failed authentication: wrong key, wrong context, tampered
    /// or truncated. Which of those it was is not said, on purpose.
    #[error("the ciphertext cannot be opened with this key and context")]
    Unreadable,
    /// A wrapped key names a master key other than the one offered; the key
    /// id is public, so saying so leaks nothing and helps key rotation.
    #[error("the key was wrapped by a different master key")]
    WrongMasterKey,
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator is unavailable")]
    RandomnessUnavailable,
    /// A plaintext exceeds what one XChaCha20-Poly1305 message can carry
    /// (about 256 GiB).
    #[error("the plaintext is too large to seal in one message")]
    TooLarge,
}

impl VaultError {
    /// A stable, machine-readable code for clients and logs; unlike the
    /// message, it never changes wording.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::MalformedKey => "E_KEY_MALFORMED",
            VaultError::MalformedCiphertext => "E_CIPHERTEXT_MALFORMED",
            VaultError::Unreadable => "E_UNREADABLE",
            VaultError::WrongMasterKey => "E_KEY_MISMATCH",
            VaultError::RandomnessUnavailable => "E_RANDOMNESS_UNAVAILABLE",
            VaultError::TooLarge => "E_PLAINTEXT_TOO_LARGE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_distinct() {
        let all = [
            VaultError::MalformedKey,
            VaultError::MalformedCiphertext,
            VaultError::Unreadable,
            VaultError::WrongMasterKey,
            VaultError::RandomnessUnavailable,
            VaultError::TooLarge,
        ];
        assert_eq!(all[0].code(), "E_KEY_MALFORMED");
        assert_eq!(all[1].code(), "E_CIPHERTEXT_MALFORMED");
        assert_eq!(all[2].code(), "E_UNREADABLE");
        let mut codes: Vec<_> = all.iter().map(VaultError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
