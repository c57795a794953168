//! Where a record or a consent came from: a short token from a small
//! vocabulary (`api`, `signup-form`, `import:crm`), never free text. It is
//! stored in plaintext beside the sealed value, so it must not be able to
//! carry a name, a phone number or any other personal value (Art. 5(1)(c),
//! Art. 32); parsing is the only way to build one.

use crate::error::EngineError;
use std::fmt;

/// The longest source accepted, in bytes.
pub const MAX_SOURCE_LEN: usize = 64;

/// A checked source token: 1 to [`MAX_SOURCE_LEN`] ASCII letters, digits,
/// `.`, `_`, `:` or `-`. No spaces, `@` or `+`, so no sentence, address or
/// phone number fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSource(String);

impl RecordSource {
    /// Parses a source token; `field` names it in the error, as the caller
    /// sent it (`records[2].source`).
    pub fn parse(text: &str, field: &str) -> Result<Self, EngineError> {
        let ok = !text.is_empty()
            && text.len() <= MAX_SOURCE_LEN
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(EngineError::InvalidInput {
                field: field.to_owned(),
                message: format!(
                    "must be 1 to {MAX_SOURCE_LEN} characters of letters, digits, '-', '_', '.', ':'"
                ),
            })
        }
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_tokens_are_sources() {
        for good in [
            "api",
            "signup-form",
            "import:crm.v2",
            "a_b",
            &"x".repeat(64),
        ] {
            assert!(RecordSource::parse(good, "source").is_ok(), "{good}");
        }
        for bad in [
            "",
            "Ada Lovelace",
            "+44 20 7946 0958",
            "ada@example.com",
            &"x".repeat(65),
            "é",
        ] {
            let err = RecordSource::parse(bad, "records[0].source").unwrap_err();
            assert_eq!(err.code(), "E_INVALID_INPUT");
            assert!(err.to_string().starts_with("records[0].source: "));
        }
    }
}
