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
    /// Parses the exact text: not blank, at most [`MAX_TEXT_BYTES`], and
    /// with no invisible character ([`tutela_policy::is_hidden`]: a control
    /// character, a bidirectional override): the proof is of what the
    /// person read, and such a character shows other words, or in another
    /// order, than the ones stored. Policy texts refuse them for the same
    /// reason.
    pub fn shown(text: &str) -> Result<Self, EngineError> {
        if text.trim().is_empty() {
            return Err(invalid("text", "the consent text cannot be blank"));
        }
        if let Some(c) = text.chars().find(|c| tutela_policy::is_hidden(*c)) {
            return Err(invalid(
                "text",
                &format!(
                    "the consent text holds the invisible character U+{:04X}; send the text as the person saw it, with visible characters only (newlines and tabs are fine)",
                    c as u32
                ),
            ));
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
    #[test]
    fn a_text_with_an_invisible_character_is_no_proof() {
        for text in [
            "I agree\u{202e} to nothing",
            "I agree\u{200b}",
            "I\u{0007} agree",
        ] {
            let refused = ConsentText::shown(text).unwrap_err();
            assert_eq!(refused.code(), "E_INVALID_INPUT", "{text:?}");
            assert!(refused.to_string().starts_with("text: "), "{refused}");
        }
        assert!(ConsentText::shown("I agree.\nTo the newsletter,\tweekly.").is_ok());
    }

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
