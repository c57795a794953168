//! The API's wire types: what clients send and receive. They live only here,
//! so engine types can change without changing the API; each engine value is
//! converted on the way out. Requests reject unknown fields, so a typo is an
//! error rather than a silently ignored option.

mod access;
mod admin;
mod audit;
pub mod bounded;
mod checkpoint;
mod consent;
mod data;
mod deaths;
mod deliveries;
mod policy_versions;
mod record;
mod reports;
mod requests;
mod retention;
mod rights;
mod surveys;

pub use access::*;
pub use admin::*;
pub use audit::*;
pub use checkpoint::*;
pub use consent::*;
pub use data::*;
pub use deaths::*;
pub use deliveries::*;
pub use policy_versions::*;
pub use record::*;
pub use reports::*;
pub use requests::*;
pub use retention::*;
pub use rights::*;
pub use surveys::*;

/// What a time field must be, said the same way for every one.
pub const RFC3339_MESSAGE: &str = "must be an RFC 3339 time such as 2027-01-15T00:00:00Z";

/// Parses an RFC 3339 time. A leap second (`23:59:60`) is refused rather
/// than moved silently to `23:59:59`, and so is an offset RFC 3339 does
/// not allow (hours past 23, seconds), which the parser would take.
pub fn parse_rfc3339(text: &str) -> Option<jiff::Timestamp> {
    let seconds = text
        .split_once(['T', 't', ' '])
        .and_then(|(_, time)| time.get(6..8));
    if seconds == Some("60") || !rfc3339_offset(text) {
        return None;
    }
    text.parse().ok()
}

/// Whether `text` ends in `Z` or an offset `±HH:MM` with `HH` at most 23.
fn rfc3339_offset(text: &str) -> bool {
    if text.ends_with(['Z', 'z']) {
        return true;
    }
    let Some(offset) = text.get(text.len().saturating_sub(6)..) else {
        return false;
    };
    let b = offset.as_bytes();
    let digits = |i: usize, max: u8| {
        matches!((b.get(i), b.get(i + 1)), (Some(h), Some(l))
            if h.is_ascii_digit() && l.is_ascii_digit() && (h - b'0') * 10 + (l - b'0') <= max)
    };
    matches!(b.first(), Some(b'+' | b'-'))
        && b.get(3) == Some(&b':')
        && digits(1, 23)
        && digits(4, 59)
}

/// The message for a well-formed RFC 3339 time past the last instant
/// Tutela can hold (the last day of year 9999 is partly out of range).
pub const RANGE_MESSAGE: &str = "is out of range: times after 9999-12-30T22:00:00Z cannot be held";

/// Why `text` is not a time Tutela accepts: not RFC 3339 at all, or a
/// well-formed one out of range (the same text with another year parses).
pub fn rfc3339_problem(text: &str) -> &'static str {
    let four_digit_year = text
        .get(..4)
        .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
        && text.get(4..5) == Some("-");
    let in_range = text.get(4..).map(|rest| format!("2000{rest}"));
    if four_digit_year && in_range.is_some_and(|t| parse_rfc3339(&t).is_some()) {
        RANGE_MESSAGE
    } else {
        RFC3339_MESSAGE
    }
}

/// `deserialize_with` for an optional RFC 3339 time, with the API's
/// message on a bad one.
pub(crate) fn opt_rfc3339<'de, D>(d: D) -> Result<Option<jiff::Timestamp>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let text: Option<String> = Option::deserialize(d)?;
    text.map(|t| parse_rfc3339(&t).ok_or_else(|| D::Error::custom(rfc3339_problem(&t))))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::{parse_rfc3339, rfc3339_problem};

    #[test]
    fn rfc3339_times_parse_and_a_leap_second_or_a_bad_date_does_not() {
        assert!(parse_rfc3339("2027-01-15T00:00:00Z").is_some());
        assert!(parse_rfc3339("2027-01-15T01:00:00+01:00").is_some());
        assert!(parse_rfc3339("2027-01-15T01:00:00-23:59").is_some());
        assert!(parse_rfc3339("2027-01-15T01:00:00.5z").is_some());
        for bad in [
            "2027-13-01T00:00:00Z",
            "2027-01-01T24:00:00Z",
            "2027-06-30T23:59:60Z",
            "2027-01-15T00:00:00+25:00",
            "2027-01-15T00:00:00+24:00",
            "2027-01-15T00:00:00+01:60",
            "2027-01-15T00:00:00+01:00:00",
            "2027-01-15T00:00:00",
            "tomorrow",
            "",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad}");
            assert_eq!(rfc3339_problem(bad), super::RFC3339_MESSAGE, "{bad}");
        }
    }

    /// A well-formed time past the last instant Tutela holds is named as
    /// out of range, not as malformed (found by an outside probe).
    #[test]
    fn a_time_past_the_range_is_named_as_such() {
        assert!(parse_rfc3339("9999-12-31T23:59:59Z").is_none());
        assert_eq!(
            rfc3339_problem("9999-12-31T23:59:59Z"),
            super::RANGE_MESSAGE
        );
        assert_eq!(
            rfc3339_problem("9999-13-31T23:59:59Z"),
            super::RFC3339_MESSAGE
        );
    }
}
