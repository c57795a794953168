//! Names that the policy gives to things: ids of categories, purposes,
//! recipients and subject kinds, taxonomy keys, event and plan names.
//!
//! Each is a newtype that can only be built by parsing, so a value that
//! exists is well formed and the engine never re-checks it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest id, event or plan name accepted, in characters.
pub const MAX_ID_LEN: usize = 64;

/// Longest taxonomy key accepted, in characters.
pub const MAX_TAXONOMY_LEN: usize = 128;

/// Which kind of name failed to parse; decides the diagnostic code and the
/// syntax shown in the hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// A [`CategoryId`].
    Category,
    /// A [`PurposeId`].
    Purpose,
    /// A [`RecipientId`].
    Recipient,
    /// A [`SubjectKindId`].
    SubjectKind,
    /// A [`TaxonomyKey`].
    Taxonomy,
    /// An [`EventName`].
    Event,
    /// A [`PlanName`].
    Plan,
}

impl IdKind {
    /// The accepted syntax in words, for hints.
    pub fn syntax(self) -> &'static str {
        match self {
            Self::Taxonomy => {
                "dot-separated lowercase words, each starting with a letter, \
                 using only a-z and `_`, e.g. `user.contact.email`"
            }
            Self::Event | Self::Plan => {
                "1 to 64 characters: a lowercase letter first, then a-z, 0-9, `_`, `.` or `-`, \
                 e.g. `tenant.uninstalled`"
            }
            _ => {
                "1 to 64 characters: a lowercase letter first, then a-z, 0-9 or `_`, \
                 e.g. `ticket_text`"
            }
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Category => "category id",
            Self::Purpose => "purpose id",
            Self::Recipient => "recipient id",
            Self::SubjectKind => "subject kind id",
            Self::Taxonomy => "taxonomy key",
            Self::Event => "event name",
            Self::Plan => "plan name",
        })
    }
}

/// Why a name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing was given.
    #[error("{kind} is empty")]
    Empty {
        /// What was being parsed.
        kind: IdKind,
    },
    /// Longer than the limit for its kind.
    #[error("{kind} `{value}` is longer than {max} characters")]
    TooLong {
        /// What was being parsed.
        kind: IdKind,
        /// The text given.
        value: String,
        /// The limit.
        max: usize,
    },
    /// The first character (of a segment, for taxonomy keys) is not a-z.
    #[error("{kind} `{value}` must start with a lowercase letter a-z")]
    BadStart {
        /// What was being parsed.
        kind: IdKind,
        /// The text given.
        value: String,
    },
    /// A character outside the allowed set.
    #[error("{kind} `{value}` contains {found:?}, which is not allowed")]
    BadChar {
        /// What was being parsed.
        kind: IdKind,
        /// The text given.
        value: String,
        /// The first offending character.
        found: char,
    },
    /// A taxonomy key with an empty part (`user..email`, `.user`, `user.`).
    #[error("{kind} `{value}` has an empty part between dots")]
    EmptySegment {
        /// What was being parsed.
        kind: IdKind,
        /// The text given.
        value: String,
    },
}

impl IdError {
    /// Which kind of name failed.
    pub fn kind(&self) -> IdKind {
        match self {
            Self::Empty { kind }
            | Self::TooLong { kind, .. }
            | Self::BadStart { kind, .. }
            | Self::BadChar { kind, .. }
            | Self::EmptySegment { kind, .. } => *kind,
        }
    }

    /// The stable diagnostic code: one per kind of name.
    pub fn code(&self) -> &'static str {
        match self.kind() {
            IdKind::Taxonomy => "E_INVALID_TAXONOMY",
            IdKind::Event | IdKind::Plan => "E_INVALID_ANCHOR",
            _ => "E_INVALID_ID",
        }
    }
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

fn is_name_char(c: char) -> bool {
    is_id_char(c) || c == '.' || c == '-'
}

fn is_taxonomy_char(c: char) -> bool {
    c.is_ascii_lowercase() || c == '_'
}

/// Checks `s` against "a-z first, then `rest`, at most `max` chars".
fn check_word(s: &str, kind: IdKind, max: usize, rest: fn(char) -> bool) -> Result<(), IdError> {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return Err(IdError::Empty { kind });
    };
    if s.chars().count() > max {
        return Err(IdError::TooLong {
            kind,
            value: s.to_owned(),
            max,
        });
    }
    if !first.is_ascii_lowercase() {
        return Err(IdError::BadStart {
            kind,
            value: s.to_owned(),
        });
    }
    match chars.find(|c| !rest(*c)) {
        Some(found) => Err(IdError::BadChar {
            kind,
            value: s.to_owned(),
            found,
        }),
        None => Ok(()),
    }
}

fn check_taxonomy(s: &str) -> Result<(), IdError> {
    let kind = IdKind::Taxonomy;
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.chars().count() > MAX_TAXONOMY_LEN {
        return Err(IdError::TooLong {
            kind,
            value: s.to_owned(),
            max: MAX_TAXONOMY_LEN,
        });
    }
    for part in s.split('.') {
        let mut chars = part.chars();
        match chars.next() {
            None => {
                return Err(IdError::EmptySegment {
                    kind,
                    value: s.to_owned(),
                });
            }
            Some(c) if !c.is_ascii_lowercase() => {
                return Err(IdError::BadStart {
                    kind,
                    value: s.to_owned(),
                });
            }
            Some(_) => {}
        }
        if let Some(found) = chars.find(|c| !is_taxonomy_char(*c)) {
            return Err(IdError::BadChar {
                kind,
                value: s.to_owned(),
                found,
            });
        }
    }
    Ok(())
}

/// Defines a string newtype that is only built through `parse`.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates the text; the only way to build one.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                let check: fn(&str) -> Result<(), IdError> = $check;
                check(s).map(|()| Self(s.to_owned()))
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Which kind of name this type holds.
            pub const KIND: IdKind = $kind;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

name_type!(
    /// Names a data category (`email`, `ticket_text`); purposes, retention
    /// rules and holds refer to categories by it.
    CategoryId,
    IdKind::Category,
    |s| check_word(s, IdKind::Category, MAX_ID_LEN, is_id_char)
);
name_type!(
    /// Names a purpose (`support`); every read of personal data names one.
    PurposeId,
    IdKind::Purpose,
    |s| check_word(s, IdKind::Purpose, MAX_ID_LEN, is_id_char)
);
name_type!(
    /// Names a recipient (`helpdesk`); every disclosure names one.
    RecipientId,
    IdKind::Recipient,
    |s| check_word(s, IdKind::Recipient, MAX_ID_LEN, is_id_char)
);
name_type!(
    /// Names a kind of data subject (`customer`, `agent`).
    SubjectKindId,
    IdKind::SubjectKind,
    |s| check_word(s, IdKind::SubjectKind, MAX_ID_LEN, is_id_char)
);
name_type!(
    /// A fideslang-style dotted key classifying a category
    /// (`user.contact.email`), so policies of different products can be
    /// compared and mapped.
    TaxonomyKey,
    IdKind::Taxonomy,
    check_taxonomy
);
name_type!(
    /// Names an event that starts a retention period (`tenant.uninstalled`).
    EventName,
    IdKind::Event,
    |s| check_word(s, IdKind::Event, MAX_ID_LEN, is_name_char)
);
name_type!(
    /// Names a plan that starts a retention period (`free`).
    PlanName,
    IdKind::Plan,
    |s| check_word(s, IdKind::Plan, MAX_ID_LEN, is_name_char)
);

impl TaxonomyKey {
    /// The first part of the key (`user` in `user.contact.email`).
    pub fn root(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_the_documented_syntax() {
        for ok in ["a", "email", "ticket_text", "x9", "a_1_b"] {
            assert_eq!(CategoryId::parse(ok).unwrap().as_str(), ok);
        }
        let longest = format!("a{}", "b".repeat(63));
        assert!(PurposeId::parse(&longest).is_ok());
    }

    #[test]
    fn ids_refuse_everything_else() {
        assert!(matches!(CategoryId::parse(""), Err(IdError::Empty { .. })));
        assert!(matches!(
            CategoryId::parse("Email"),
            Err(IdError::BadStart { .. })
        ));
        assert!(matches!(
            CategoryId::parse("9a"),
            Err(IdError::BadStart { .. })
        ));
        assert!(matches!(
            CategoryId::parse("_a"),
            Err(IdError::BadStart { .. })
        ));
        assert!(matches!(
            CategoryId::parse("e-mail"),
            Err(IdError::BadChar { found: '-', .. })
        ));
        assert!(matches!(
            RecipientId::parse("a.b"),
            Err(IdError::BadChar { found: '.', .. })
        ));
        assert!(matches!(
            SubjectKindId::parse("aé"),
            Err(IdError::BadChar { found: 'é', .. })
        ));
        let too_long = "a".repeat(65);
        assert!(matches!(
            PurposeId::parse(&too_long),
            Err(IdError::TooLong { max: 64, .. })
        ));
        assert_eq!(PurposeId::parse("X").unwrap_err().code(), "E_INVALID_ID");
    }

    #[test]
    fn taxonomy_keys_are_dotted_words() {
        for ok in [
            "user",
            "user.contact.email",
            "user.financial.bank_account",
            "a_b.c",
        ] {
            assert!(TaxonomyKey::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "user.",
            ".user",
            "user..email",
            "User.email",
            "user.contact1",
            "user._x",
        ] {
            let err = TaxonomyKey::parse(bad).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_TAXONOMY", "{bad}");
        }
        assert_eq!(
            TaxonomyKey::parse("user.contact.email").unwrap().root(),
            "user"
        );
    }

    #[test]
    fn event_and_plan_names_allow_dots_and_dashes() {
        assert!(EventName::parse("tenant.uninstalled").is_ok());
        assert!(EventName::parse("account-closed.v2").is_ok());
        assert!(PlanName::parse("free").is_ok());
        assert_eq!(
            PlanName::parse("Free").unwrap_err().code(),
            "E_INVALID_ANCHOR"
        );
        assert!(EventName::parse("a b").is_err());
    }

    #[test]
    fn ids_serialize_as_strings_and_deserialize_through_parse() {
        let id = CategoryId::parse("email").unwrap();
        assert_eq!(
            toml::Value::try_from(&id).unwrap(),
            toml::Value::String("email".into())
        );
        let back: CategoryId = toml::Value::String("email".into()).try_into().unwrap();
        assert_eq!(back, id);
        let bad: Result<CategoryId, _> = toml::Value::String("E mail".into()).try_into();
        assert!(bad.is_err());
    }

    #[test]
    fn display_and_ordering_follow_the_text() {
        let a = CategoryId::parse("a").unwrap();
        let b = CategoryId::parse("b").unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "a");
        assert_eq!("b".parse::<CategoryId>().unwrap(), b);
    }
}
