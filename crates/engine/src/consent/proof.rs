//! What a grant proves (Art. 7(1)): the exact text shown, by its SHA-256.

use crate::audit::to_hex;
use crate::error::EngineError;

/// The longest consent text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// The text a person was shown when granting: sent whole, or by the hash
/// of a text sent before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentText {
    /// The exact text (stored once per tenant and hash).
    Shown(String),
    /// The SHA-256 of a text stored earlier.
    Hash([u8; 32]),
}

impl ConsentText {
    /// Parses the exact text: not blank, at most [`MAX_TEXT_BYTES`].
    pub fn shown(text: &str) -> Result<Self, EngineError> {
        if text.trim().is_empty() {
            return Err(invalid("text", "the consent text cannot be blank"));
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(invalid("text", "the consent text is longer than 64 KiB"));
        }
        Ok(Self::Shown(text.to_owned()))
    }

    /// Parses a hash: 64 lowercase hex digits.
    pub fn hash(hex: &str) -> Result<Self, EngineError> {
        parse_hash(hex)
            .map(Self::Hash)
            .ok_or_else(|| invalid("text_sha256", "expected 64 lowercase hex digits"))
    }

    /// The SHA-256 of the text.
    pub fn digest(&self) -> [u8; 32] {
        match self {
            Self::Shown(text) => tutela_vault::sha256(text.as_bytes()),
            Self::Hash(hash) => *hash,
        }
    }
}

/// 64 lowercase hex digits as 32 bytes, or `None`.
pub fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A hash as 64 lowercase hex digits.
pub fn hash_hex(hash: &[u8; 32]) -> String {
    to_hex(hash)
}

fn invalid(field: &str, message: &str) -> EngineError {
    EngineError::InvalidInput {
        field: field.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_round_trips_and_bad_shapes_are_refused() {
        let text = ConsentText::shown("Send me the newsletter").unwrap();
        let hex = hash_hex(&text.digest());
        assert_eq!(ConsentText::hash(&hex).unwrap().digest(), text.digest());
        for bad in [
            "",
            "ab",
            &hex.to_uppercase(),
            &format!("{hex}0"),
            &"g".repeat(64),
        ] {
            assert!(ConsentText::hash(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blank_or_huge_texts_are_refused() {
        assert!(ConsentText::shown("  \n").is_err());
        assert!(ConsentText::shown(&"a".repeat(MAX_TEXT_BYTES + 1)).is_err());
        assert!(ConsentText::shown(&"a".repeat(MAX_TEXT_BYTES)).is_ok());
    }
}
