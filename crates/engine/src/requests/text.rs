//! Free text written by staff (reasons, notes) and fees, bounded and
//! checked at the edge. Such text stays in the request row; the audit chain
//! gets ids and codes only, since staff may write anything in it.

use super::error::RequestError;
use serde::Serialize;

/// The longest reason or note accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A non-empty reason or note of at most [`MAX_TEXT_CHARS`] characters,
/// trimmed; line breaks allowed, other control characters not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    /// Parses `text` for `field`; errors name the field.
    pub fn parse(field: &'static str, text: &str) -> Result<Self, RequestError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(RequestError::field(field, "must not be empty"));
        }
        if trimmed.chars().count() > MAX_TEXT_CHARS {
            return Err(RequestError::field(
                field,
                "must be at most 2000 characters",
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(RequestError::field(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fee for a manifestly unfounded or excessive request, or for further
/// copies (Art. 12(5), 15(3)): amount in minor units, ISO 4217 currency,
/// and the reason, which is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fee {
    /// Amount in the currency's minor unit (cents), at least 1.
    pub amount_minor: i64,
    /// Three uppercase letters (`EUR`).
    pub currency: String,
    /// Why a fee is charged.
    pub reason: Reason,
}

impl Fee {
    /// Parses a fee; errors name the field.
    pub fn parse(amount_minor: i64, currency: &str, reason: &str) -> Result<Self, RequestError> {
        if amount_minor < 1 {
            return Err(RequestError::field("amount_minor", "must be at least 1"));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RequestError::field(
                "currency",
                "must be an ISO 4217 code of three uppercase letters, e.g. EUR",
            ));
        }
        Ok(Self {
            amount_minor,
            currency: currency.to_owned(),
            reason: Reason::parse("reason", reason)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_non_empty_and_bounded() {
        assert_eq!(Reason::parse("reason", " ok \n").unwrap().as_str(), "ok");
        for bad in ["", "   ", "a\u{0}b"] {
            let err = Reason::parse("reason", bad).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_FIELD");
            assert!(err.to_string().starts_with("reason:"));
        }
        assert!(Reason::parse("note", &"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(Reason::parse("note", "line one\nline two").is_ok());
    }

    #[test]
    fn a_fee_needs_an_amount_a_currency_and_a_reason() {
        assert!(Fee::parse(1500, "EUR", "a second copy").is_ok());
        assert!(Fee::parse(0, "EUR", "x").is_err());
        assert!(Fee::parse(10, "eur", "x").is_err());
        assert!(Fee::parse(10, "EURO", "x").is_err());
        let err = Fee::parse(10, "EUR", " ").unwrap_err();
        assert!(err.to_string().starts_with("reason:"));
    }
}
