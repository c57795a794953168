//! Free text written by staff (reasons, notes) and fees, bounded and
//! checked at the edge. Such text stays in the request row; the audit chain
//! gets ids and codes only, since staff may write anything in it.

use super::error::RequestError;
use serde::Serialize;

/// The longest reason or note accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A non-empty reason or note of at most [`MAX_TEXT_CHARS`] characters,
/// trimmed; line breaks and tabs allowed, other control characters and
/// invisible ones ([`tutela_policy::is_hidden`]) not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Reason(String);

/// A character a reader cannot see that changes what they read: a control
/// character other than newline and tab, a bidirectional control, a
/// zero-width space, word joiner or byte order mark
/// ([`tutela_policy::is_hidden`]), a tag or interlinear annotation mark
/// (which hide text), or a line or paragraph separator. The API document
/// states the same set (except the tags, which no pattern there can name).
fn hidden(c: char) -> bool {
    !matches!(c, '\n' | '\t')
        && (tutela_policy::is_hidden(c)
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
            ))
}

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
        // Control characters, and the invisible ones that reorder or hide
        // text (a bidirectional override): reasons are sent to the subject,
        // who must read the words staff wrote.
        if trimmed.chars().any(|c| c == '\r' || hidden(c)) {
            return Err(RequestError::field(
                field,
                "must not contain control or invisible characters",
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

/// The largest fee, in minor units: 1,000,000.00 in a two-decimal
/// currency. A reasonable fee (Art. 12(5)) is far below; an amount past it
/// is a typo or a unit mistake.
pub const MAX_FEE_MINOR: i64 = 100_000_000;

/// The ISO 4217 codes of currencies in use that a fee can be paid in: no
/// fund codes, precious metals, test or "no currency" codes, nor
/// withdrawn ones (DEM, FRF, HRK). Sorted, for a binary search.
const CURRENCIES: [&str; 157] = [
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWG",
];

impl Fee {
    /// Parses a fee; errors name the field.
    pub fn parse(amount_minor: i64, currency: &str, reason: &str) -> Result<Self, RequestError> {
        if !(1..=MAX_FEE_MINOR).contains(&amount_minor) {
            return Err(RequestError::field(
                "amount_minor",
                format!("must be from 1 to {MAX_FEE_MINOR} (minor units, e.g. cents)"),
            ));
        }
        if CURRENCIES.binary_search(&currency).is_err() {
            return Err(RequestError::field(
                "currency",
                "must be the ISO 4217 code of a currency, three uppercase letters, e.g. EUR",
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
    fn a_fee_is_a_real_currency_and_a_bounded_amount() {
        assert!(Fee::parse(500, "EUR", "copies").is_ok());
        for (amount, currency, field) in [
            (0, "EUR", "amount_minor"),
            (MAX_FEE_MINOR + 1, "EUR", "amount_minor"),
            (500, "XXX", "currency"),
            (500, "XAU", "currency"),
            (500, "eur", "currency"),
            (500, "ABC", "currency"),
            (500, "DEM", "currency"),
            (500, "BTC", "currency"),
        ] {
            let err = Fee::parse(amount, currency, "copies").unwrap_err();
            assert!(err.to_string().starts_with(field), "{err}");
        }
        for real in ["CHF", "JPY", "XOF", "ZWG"] {
            assert!(Fee::parse(500, real, "copies").is_ok(), "{real}");
        }
        let mut sorted = CURRENCIES;
        sorted.sort_unstable();
        assert_eq!(sorted, CURRENCIES, "sorted for the binary search");
    }

    #[test]
    fn reasons_are_non_empty_and_bounded() {
        assert_eq!(Reason::parse("reason", " ok \n").unwrap().as_str(), "ok");
        for bad in [
            "",
            "   ",
            "a\u{0}b",
            "ok\u{202e}kO",
            "a\u{200b}b",
            "tag\u{e0041}",
            "a\u{fff9}b",
            "a\u{2028}b",
        ] {
            let err = Reason::parse("reason", bad).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_FIELD");
            assert!(err.to_string().starts_with("reason:"));
        }
        assert!(Reason::parse("note", &"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        assert!(Reason::parse("note", "line one\nline two").is_ok());
        // Soft hyphens and direction marks are text (an outside run of the
        // API contract sent a soft hyphen).
        assert!(Reason::parse("note", "Ab\u{ad}satz \u{200e}ok").is_ok());
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
