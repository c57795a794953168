//! Countries: where a recipient receives data decides whether sending it
//! there is a transfer abroad (outside the EEA) that needs a safeguard.

mod names;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use names::COUNTRIES;

/// The 27 EU member states plus Iceland, Liechtenstein and Norway; data may
/// flow among them without a transfer safeguard.
const EEA: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS",
    "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Countries with an EU adequacy decision (Art. 45 GDPR). For the United
/// States the decision (EU-US Data Privacy Framework) covers only certified
/// organisations.
const ADEQUATE: &[&str] = &[
    "AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "US", "UY",
];

/// Why a country code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    /// Not two ASCII letters.
    #[error("country `{0}` is not a two-letter ISO 3166-1 code")]
    NotTwoLetters(String),
    /// Two letters, but no country has that code.
    #[error("`{0}` is not an assigned ISO 3166-1 country code")]
    Unassigned(String),
}

impl CountryError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        "E_INVALID_COUNTRY"
    }

    /// A fix for the common near-misses (`UK`, `EL`), or the general rule.
    pub fn hint(&self) -> String {
        let given = match self {
            Self::NotTwoLetters(s) | Self::Unassigned(s) => s.to_ascii_uppercase(),
        };
        match given.as_str() {
            "UK" => "the ISO code of the United Kingdom is `GB`".to_owned(),
            "EL" => "the ISO code of Greece is `GR` (`EL` is only used inside the EU)".to_owned(),
            "EU" => "name the country where the recipient holds the data, e.g. `DE`".to_owned(),
            _ => "use the two-letter ISO 3166-1 code of the country, e.g. `DE`, `FR`, `US`"
                .to_owned(),
        }
    }
}

/// An assigned ISO 3166-1 alpha-2 country code, stored in upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses two ASCII letters (either case) naming an assigned country.
    pub fn parse(s: &str) -> Result<Self, CountryError> {
        if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(CountryError::NotTwoLetters(s.to_owned()));
        }
        let code = s.to_ascii_uppercase();
        if COUNTRIES
            .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
            .is_err()
        {
            return Err(CountryError::Unassigned(s.to_owned()));
        }
        Ok(Self(code))
    }

    /// The upper-case code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the country is in the European Economic Area, so that
    /// sending data there is not a transfer abroad.
    pub fn in_eea(&self) -> bool {
        EEA.contains(&self.0.as_str())
    }

    /// Whether the EU has found the country's protection adequate.
    pub fn has_adequacy_decision(&self) -> bool {
        ADEQUATE.contains(&self.0.as_str())
    }

    /// The English short name, for the notice.
    pub fn name(&self) -> &'static str {
        COUNTRIES
            .binary_search_by(|(c, _)| (*c).cmp(self.0.as_str()))
            .ok()
            .and_then(|i| COUNTRIES.get(i))
            .map_or("an unnamed country", |(_, name)| name)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    #[test]
    fn the_table_is_sorted_and_complete() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            EEA.iter()
                .chain(ADEQUATE)
                .all(|c| CountryCode::parse(c).is_ok())
        );
    }

    #[test]
    fn eea_is_eu27_plus_three() {
        assert_eq!(EEA.len(), 30);
        for c in ["DE", "FR", "IE", "GR", "NO", "IS", "LI", "HR"] {
            assert!(cc(c).in_eea(), "{c}");
        }
        for c in ["US", "GB", "CH", "CN", "IN", "TR"] {
            assert!(!cc(c).in_eea(), "{c}");
        }
    }

    #[test]
    fn parse_uppercases_and_refuses_non_codes() {
        assert_eq!(cc("de").as_str(), "DE");
        assert_eq!(cc("us").name(), "United States");
        for bad in ["", "D", "DEU", "D1", "ÄÖ", "  "] {
            assert!(
                matches!(CountryCode::parse(bad), Err(CountryError::NotTwoLetters(_))),
                "{bad}"
            );
        }
        for bad in ["UK", "EL", "EU", "ZZ", "XK"] {
            assert!(
                matches!(CountryCode::parse(bad), Err(CountryError::Unassigned(_))),
                "{bad}"
            );
        }
        assert!(CountryCode::parse("UK").unwrap_err().hint().contains("GB"));
    }

    #[test]
    fn adequacy_list() {
        assert!(cc("JP").has_adequacy_decision());
        assert!(cc("GB").has_adequacy_decision());
        assert!(!cc("IN").has_adequacy_decision());
    }
}
