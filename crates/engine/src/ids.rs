//! Identifiers the engine hands out or accepts, parsed at the edge so that a
//! value of these types is always well formed.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Why an identifier was rejected; carries the stable code `E_INVALID_ID`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is not a valid identifier: {why}")]
pub struct IdError {
    /// Which kind of identifier was being parsed.
    pub what: &'static str,
    /// What is wrong with it (never echoes the input).
    pub why: &'static str,
}

/// A tenant's id: one controller's data space. A short slug so it can sit in
/// API tokens and URLs: `^[a-z0-9][a-z0-9-]{0,62}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    /// Parses a tenant slug.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let err = |why| IdError {
            what: "tenant id",
            why,
        };
        let mut chars = text.chars();
        match chars.next() {
            None => return Err(err("it is empty")),
            Some(c) if !(c.is_ascii_lowercase() || c.is_ascii_digit()) => {
                return Err(err("it must start with a lowercase letter or digit"));
            }
            Some(_) => {}
        }
        if text.len() > 63 {
            return Err(err("it is longer than 63 characters"));
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(err("only lowercase letters, digits and '-' are allowed"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TenantId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered random id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the canonical hyphenated form.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Uuid::try_parse(text)
                    .map(Self)
                    .map_err(|_| IdError { what: $what, why: "it is not a UUID" })
            }

            /// The 16 raw bytes, used when binding ciphertext to its place.
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// One anonymous survey (its questions, cohorts and answers).
    SurveyId,
    "survey id"
);

uuid_id!(
    /// A data subject's pseudonym. Random, so it says nothing about the person;
    /// it is the only subject reference the audit chain ever holds.
    SubjectId,
    "subject id"
);
uuid_id!(
    /// One stored value of one category about one subject.
    RecordId,
    "record id"
);
uuid_id!(
    /// An API key's public id (the secret part is never stored).
    ApiKeyId,
    "api key id"
);
uuid_id!(
    /// One entry of a subject's consent ledger.
    ConsentId,
    "consent id"
);
uuid_id!(
    /// One objection a subject raised.
    ObjectionId,
    "objection id"
);
uuid_id!(
    /// One data subject request (Art. 12-22).
    RequestId,
    "request id"
);
uuid_id!(
    /// One statutory hold on one subject's data: the held records
    /// share its own data key (Art. 17(3)(b), 18(1)).
    HoldId,
    "hold id"
);
uuid_id!(
    /// One notice to one recipient (Art. 19); the `webhook-id` it is sent with.
    DeliveryId,
    "delivery id"
);

uuid_id!(
    /// One lifecycle event recorded for a tenant or a subject
    /// (`tenant.uninstalled`): what retention rules count from.
    EventId,
    "event id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_slugs_are_checked() {
        assert!(TenantId::parse("acme-2").is_ok());
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse("-acme").is_err());
        assert!(TenantId::parse("Acme").is_err());
        assert!(TenantId::parse("a.b").is_err());
        assert!(TenantId::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn uuid_ids_round_trip() {
        let id = SubjectId::new();
        assert_eq!(SubjectId::parse(&id.to_string()), Ok(id));
        assert!(SubjectId::parse("not-a-uuid").is_err());
    }
}
