//! Calendar periods ("90 days", "13 months", "10 years"): how long data is
//! kept, how long a consent lasts, how soon a request is answered.
//!
//! A month is a calendar month, not 30 days, so dates are computed with
//! jiff's calendar arithmetic in UTC (31 January + 1 month = end of February).

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest value accepted per unit: about 200 years. Longer periods
/// are not retention rules but forgetting to write one.
const LIMITS: [(Unit, u32); 4] = [
    (Unit::Year, 200),
    (Unit::Month, 2_400),
    (Unit::Week, 10_440),
    (Unit::Day, 73_050),
];

/// The forms `parse` accepts, for hints.
pub const SPAN_FORMS: &str = "a whole number and a unit: `90 days`, `6 weeks`, `1 month`, \
     `13 months`, `1 year`, `10 years`; units may be combined, largest first: `1 year 6 months`";

/// A calendar unit of a [`CalendarSpan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Year,
    Month,
    Week,
    Day,
}

impl Unit {
    fn parse(word: &str) -> Option<Self> {
        match word {
            "year" | "years" => Some(Self::Year),
            "month" | "months" => Some(Self::Month),
            "week" | "weeks" => Some(Self::Week),
            "day" | "days" => Some(Self::Day),
            _ => None,
        }
    }

    fn word(self, n: u32) -> &'static str {
        match (self, n == 1) {
            (Self::Year, true) => "year",
            (Self::Year, false) => "years",
            (Self::Month, true) => "month",
            (Self::Month, false) => "months",
            (Self::Week, true) => "week",
            (Self::Week, false) => "weeks",
            (Self::Day, true) => "day",
            (Self::Day, false) => "days",
        }
    }
}

/// Why a period could not be read or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    /// Nothing was given.
    #[error("the period is empty")]
    Empty,
    /// Something other than a whole number where a number belongs.
    #[error("`{0}` is not a whole number")]
    BadNumber(String),
    /// A number with no unit after it.
    #[error("the number {0} has no unit after it")]
    MissingUnit(u32),
    /// A unit other than days, weeks, months or years.
    #[error("`{0}` is not a unit; use days, weeks, months or years")]
    UnknownUnit(String),
    /// The same unit twice (`1 month 2 months`).
    #[error("the unit `{0}` appears twice")]
    RepeatedUnit(String),
    /// All parts are zero.
    #[error("the period is zero; a period must be at least one day")]
    Zero,
    /// More than about 200 years.
    #[error("{0} {1} is longer than the 200 years accepted")]
    TooLong(u32, &'static str),
    /// The date computed falls outside the calendar jiff supports.
    #[error("adding the period leaves the supported calendar")]
    Overflow,
}

impl SpanError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Overflow => "E_SPAN_OVERFLOW",
            _ => "E_INVALID_SPAN",
        }
    }
}

/// A period in whole calendar units. Equal when written with the same
/// units (`12 months` is not `1 year`, as it is not in law texts either).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct CalendarSpan {
    years: u32,
    months: u32,
    weeks: u32,
    days: u32,
}

impl CalendarSpan {
    /// Reads `"90 days"`, `"13 months"`, `"1 year 6 months"`; see
    /// [`SPAN_FORMS`]. Numbers are whole and positive in total.
    pub fn parse(s: &str) -> Result<Self, SpanError> {
        let mut words = s
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty());
        let mut span = Self::default();
        let mut seen: Vec<Unit> = Vec::new();
        let mut any = false;
        while let Some(word) = words.next() {
            let word = if any && word == "and" {
                match words.next() {
                    Some(w) => w,
                    None => return Err(SpanError::BadNumber(word.to_owned())),
                }
            } else {
                word
            };
            any = true;
            let n = parse_number(word)?;
            let unit_word = words.next().ok_or(SpanError::MissingUnit(n))?;
            let unit = Unit::parse(unit_word)
                .ok_or_else(|| SpanError::UnknownUnit(unit_word.to_owned()))?;
            if seen.contains(&unit) {
                return Err(SpanError::RepeatedUnit(unit.word(2).to_owned()));
            }
            seen.push(unit);
            if LIMITS.iter().any(|(u, max)| *u == unit && n > *max) {
                return Err(SpanError::TooLong(n, unit.word(n)));
            }
            *span.field_mut(unit) = n;
        }
        if !any {
            return Err(SpanError::Empty);
        }
        if span == Self::default() {
            return Err(SpanError::Zero);
        }
        Ok(span)
    }

    /// Like [`parse`](Self::parse), but `0 days` is accepted as the empty
    /// period: for a notice period, where "at once" is a valid choice.
    pub fn parse_or_zero(s: &str) -> Result<Self, SpanError> {
        match Self::parse(s) {
            Err(SpanError::Zero) => Ok(Self::default()),
            other => other,
        }
    }

    /// Whether every unit is zero (only [`parse_or_zero`](Self::parse_or_zero) gives one).
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// A span of whole months, for defaults and comparisons.
    pub const fn months(n: u32) -> Self {
        Self {
            years: 0,
            months: n,
            weeks: 0,
            days: 0,
        }
    }

    /// A span of whole days.
    pub const fn days(n: u32) -> Self {
        Self {
            years: 0,
            months: 0,
            weeks: 0,
            days: n,
        }
    }

    fn field_mut(&mut self, unit: Unit) -> &mut u32 {
        match unit {
            Unit::Year => &mut self.years,
            Unit::Month => &mut self.months,
            Unit::Week => &mut self.weeks,
            Unit::Day => &mut self.days,
        }
    }

    fn parts(&self) -> [(Unit, u32); 4] {
        [
            (Unit::Year, self.years),
            (Unit::Month, self.months),
            (Unit::Week, self.weeks),
            (Unit::Day, self.days),
        ]
    }

    /// The period as a jiff span, for callers doing their own arithmetic.
    pub fn to_jiff(&self) -> Span {
        // The limits in `parse` keep every unit well inside jiff's ranges.
        Span::new()
            .try_years(self.years)
            .and_then(|s| s.try_months(self.months))
            .and_then(|s| s.try_weeks(self.weeks))
            .and_then(|s| s.try_days(self.days))
            .unwrap_or_default()
    }

    /// The instant this period after `from`, by the calendar in UTC
    /// (31 January + 1 month = 28 or 29 February).
    pub fn after(&self, from: Timestamp) -> Result<Timestamp, SpanError> {
        from.to_zoned(TimeZone::UTC)
            .checked_add(self.to_jiff())
            .map(|z| z.timestamp())
            .map_err(|_| SpanError::Overflow)
    }

    /// The date this period after `from`.
    pub fn after_date(&self, from: Date) -> Result<Date, SpanError> {
        from.checked_add(self.to_jiff())
            .map_err(|_| SpanError::Overflow)
    }

    /// Whether, for some start date, this period ends later than `limit`
    /// does. "30 days" can exceed "1 month" (from 1 February), so a legal
    /// limit in months is only kept by a period that never ends later.
    /// Every start day of a four-year cycle, leap year included, is tried.
    pub fn can_exceed(&self, limit: &CalendarSpan) -> bool {
        let mut day = Date::constant(2024, 1, 1);
        let end = Date::constant(2028, 1, 1);
        while day < end {
            match (self.after_date(day), limit.after_date(day)) {
                (Ok(mine), Ok(theirs)) if mine <= theirs => {}
                _ => return true,
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => return true,
            }
        }
        false
    }
}

fn parse_number(word: &str) -> Result<u32, SpanError> {
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SpanError::BadNumber(word.to_owned()));
    }
    word.parse::<u32>()
        .map_err(|_| SpanError::BadNumber(word.to_owned()))
}

impl fmt::Display for CalendarSpan {
    /// The canonical text, largest unit first: `1 year 6 months`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (unit, n) in self.parts() {
            if n == 0 {
                continue;
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{n} {}", unit.word(n))?;
        }
        if first {
            f.write_str("0 days")?;
        }
        Ok(())
    }
}

impl Serialize for CalendarSpan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(s: &str) -> CalendarSpan {
        CalendarSpan::parse(s).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_the_documented_forms_and_prints_them_back() {
        for text in [
            "90 days",
            "13 months",
            "1 year",
            "10 years",
            "6 weeks",
            "1 month",
            "1 day",
        ] {
            assert_eq!(span(text).to_string(), text);
        }
        assert_eq!(span("  1  years ").to_string(), "1 year");
        assert_eq!(span("6 months 1 year").to_string(), "1 year 6 months");
        assert_eq!(
            span("1 year, 2 weeks and 3 days").to_string(),
            "1 year 2 weeks 3 days"
        );
        assert_eq!(span("12 months"), CalendarSpan::months(12));
        assert_ne!(span("12 months"), span("1 year"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(CalendarSpan::parse(""), Err(SpanError::Empty));
        assert_eq!(CalendarSpan::parse("   "), Err(SpanError::Empty));
        assert!(matches!(
            CalendarSpan::parse("ninety days"),
            Err(SpanError::BadNumber(_))
        ));
        assert!(matches!(
            CalendarSpan::parse("-1 days"),
            Err(SpanError::BadNumber(_))
        ));
        assert!(matches!(
            CalendarSpan::parse("1.5 years"),
            Err(SpanError::BadNumber(_))
        ));
        assert_eq!(CalendarSpan::parse("90"), Err(SpanError::MissingUnit(90)));
        assert!(matches!(
            CalendarSpan::parse("3 hours"),
            Err(SpanError::UnknownUnit(_))
        ));
        assert!(matches!(
            CalendarSpan::parse("1 Month"),
            Err(SpanError::UnknownUnit(_))
        ));
        assert!(matches!(
            CalendarSpan::parse("1 month 1 months"),
            Err(SpanError::RepeatedUnit(_))
        ));
        assert_eq!(CalendarSpan::parse("0 days"), Err(SpanError::Zero));
        assert!(matches!(
            CalendarSpan::parse("201 years"),
            Err(SpanError::TooLong(201, _))
        ));
        assert!(matches!(
            CalendarSpan::parse("99999999999 days"),
            Err(SpanError::BadNumber(_))
        ));
        assert_eq!(
            CalendarSpan::parse("1 year and").unwrap_err().code(),
            "E_INVALID_SPAN"
        );
    }

    #[test]
    fn after_uses_calendar_months_with_month_end_clamping() {
        let m = span("1 month");
        assert_eq!(
            m.after(ts("2025-01-31T10:00:00Z")).unwrap(),
            ts("2025-02-28T10:00:00Z")
        );
        assert_eq!(
            m.after(ts("2024-01-31T10:00:00Z")).unwrap(),
            ts("2024-02-29T10:00:00Z")
        );
        assert_eq!(
            m.after(ts("2025-03-31T00:00:00Z")).unwrap(),
            ts("2025-04-30T00:00:00Z")
        );
        assert_eq!(
            span("13 months").after(ts("2024-01-15T08:30:00Z")).unwrap(),
            ts("2025-02-15T08:30:00Z")
        );
    }

    #[test]
    fn after_handles_leap_years() {
        let y = span("1 year");
        assert_eq!(
            y.after(ts("2024-02-29T00:00:00Z")).unwrap(),
            ts("2025-02-28T00:00:00Z")
        );
        assert_eq!(
            span("4 years").after(ts("2024-02-29T00:00:00Z")).unwrap(),
            ts("2028-02-29T00:00:00Z")
        );
        assert_eq!(
            span("90 days").after(ts("2024-01-01T00:00:00Z")).unwrap(),
            ts("2024-03-31T00:00:00Z")
        );
        assert_eq!(
            span("90 days").after(ts("2023-01-01T00:00:00Z")).unwrap(),
            ts("2023-04-01T00:00:00Z")
        );
        assert_eq!(
            span("6 weeks").after(ts("2024-02-20T00:00:00Z")).unwrap(),
            ts("2024-04-02T00:00:00Z")
        );
    }

    #[test]
    fn after_reports_overflow_instead_of_panicking() {
        let far = Timestamp::MAX;
        assert_eq!(span("1 day").after(far), Err(SpanError::Overflow));
        assert_eq!(SpanError::Overflow.code(), "E_SPAN_OVERFLOW");
    }

    #[test]
    fn can_exceed_compares_against_every_start_date() {
        let month = CalendarSpan::months(1);
        assert!(!span("1 month").can_exceed(&month));
        assert!(!span("4 weeks").can_exceed(&month));
        assert!(!span("28 days").can_exceed(&month));
        assert!(
            span("29 days").can_exceed(&month),
            "1 Feb 2025 + 29 days is 2 March"
        );
        assert!(span("30 days").can_exceed(&month));
        assert!(span("5 weeks").can_exceed(&month));
        assert!(span("2 months").can_exceed(&month));
        assert!(!span("8 weeks").can_exceed(&CalendarSpan::months(2)));
        assert!(span("62 days").can_exceed(&CalendarSpan::months(2)));
    }

    #[test]
    fn parse_or_zero_accepts_zero_but_nothing_negative() {
        assert!(CalendarSpan::parse_or_zero("0 days").unwrap().is_zero());
        assert_eq!(
            CalendarSpan::parse_or_zero("0 days").unwrap().to_string(),
            "0 days"
        );
        assert_eq!(
            CalendarSpan::parse_or_zero("2 weeks").unwrap(),
            span("2 weeks")
        );
        assert!(matches!(
            CalendarSpan::parse_or_zero("-3 days"),
            Err(SpanError::BadNumber(_))
        ));
        assert_eq!(CalendarSpan::parse_or_zero(""), Err(SpanError::Empty));
    }

    #[test]
    fn serializes_as_text() {
        let v = toml::Value::try_from(span("13 months")).unwrap();
        assert_eq!(v, toml::Value::String("13 months".into()));
        let back: CalendarSpan = v.try_into().unwrap();
        assert_eq!(back, span("13 months"));
        assert_eq!(span("2 weeks").to_jiff().get_weeks(), 2);
    }
}
