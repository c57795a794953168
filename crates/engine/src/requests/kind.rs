//! What a data subject asks for (Art. 15-22, and a directive for after
//! death), parsed at the edge: a value of these types is always valid.

use super::error::RequestError;
use crate::deliveries::endpoint::{EndpointUrl, Transport};
use serde::Serialize;
use std::fmt;
use tutela_policy::PurposeId;

/// The longest transfer URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// The longest name of a person a directive hands data to.
pub const MAX_PERSON_LEN: usize = 200;

/// A request's kind without its sensitive detail: what is stored in clear
/// and shown in lists. Stable snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindTag {
    /// Art. 15.
    Access,
    /// Art. 16.
    Rectification,
    /// Art. 17.
    Erasure,
    /// Art. 18(1).
    Restriction,
    /// Art. 18(3): the restriction ends.
    RestrictionLift,
    /// Art. 21.
    Objection,
    /// Art. 20(1).
    Portability,
    /// Art. 7(3).
    ConsentWithdrawal,
    /// Art. 20(2): portable data sent to another controller.
    Transfer,
    /// What happens to the data after the subject's death.
    Directive,
}

impl KindTag {
    /// Every kind, in a fixed order.
    pub const ALL: [Self; 10] = [
        Self::Access,
        Self::Rectification,
        Self::Erasure,
        Self::Restriction,
        Self::RestrictionLift,
        Self::Objection,
        Self::Portability,
        Self::ConsentWithdrawal,
        Self::Transfer,
        Self::Directive,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Rectification => "rectification",
            Self::Erasure => "erasure",
            Self::Restriction => "restriction",
            Self::RestrictionLift => "restriction_lift",
            Self::Objection => "objection",
            Self::Portability => "portability",
            Self::ConsentWithdrawal => "consent_withdrawal",
            Self::Transfer => "transfer",
            Self::Directive => "directive",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for KindTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the subject directs for after their death.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveTag {
    /// Keep the data as the policy says.
    Keep,
    /// Erase everything.
    Erase,
    /// Hand it to a named person.
    HandTo,
}

impl DirectiveTag {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Erase => "erase",
            Self::HandTo => "hand_to",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Keep, Self::Erase, Self::HandTo]
            .into_iter()
            .find(|d| d.as_str() == text)
    }
}

/// An `https://` URL a subject gives for a transfer: https only, a host,
/// no user info, at most [`MAX_URL_LEN`] characters, no whitespace or
/// control characters. Treated as personal (it may name the subject), so
/// it is stored sealed and never shown in errors or the audit chain.
#[derive(Clone, PartialEq, Eq)]
pub struct TransferUrl(String);

impl TransferUrl {
    /// Parses the URL; errors name the field, never the value.
    pub fn parse(text: &str) -> Result<Self, RequestError> {
        let bad = |m: &str| RequestError::field("url", m);
        if text.len() > MAX_URL_LEN {
            return Err(bad("is longer than 2048 characters"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must not contain spaces or control characters"));
        }
        let rest = text
            .strip_prefix("https://")
            .ok_or_else(|| bad("must start with https://"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad("must not carry a user name or password"));
        }
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        if host.is_empty() || host.starts_with('.') {
            return Err(bad("must name a host"));
        }
        Ok(Self(text.to_owned()))
    }

    /// Parses the URL as [`TransferUrl::parse`] does, except that under
    /// [`Transport::AllowLoopbackHttp`] (tests only) plain `http://` to a
    /// loopback address is accepted too, as for recipient endpoints.
    pub fn parse_for(text: &str, transport: Transport) -> Result<Self, RequestError> {
        if transport == Transport::AllowLoopbackHttp && text.starts_with("http://") {
            return EndpointUrl::parse(text, transport)
                .map(|url| Self(url.as_str().to_owned()))
                .map_err(|message| RequestError::field("url", message));
        }
        Self::parse(text)
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TransferUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransferUrl(<redacted>)")
    }
}

/// The name of the person a directive hands data to: personal, so sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// A non-empty name of at most [`MAX_PERSON_LEN`] characters.
    pub fn parse(text: &str) -> Result<Self, RequestError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(RequestError::field("person", "must not be empty"));
        }
        if trimmed.chars().count() > MAX_PERSON_LEN || trimmed.chars().any(char::is_control) {
            return Err(RequestError::field(
                "person",
                "must be at most 200 characters without control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(<redacted>)")
    }
}

/// A directive for after death.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Keep.
    Keep,
    /// Erase.
    Erase,
    /// Hand to this person.
    HandTo(PersonName),
}

/// A request's kind with its detail, as filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestKind {
    /// Art. 15 access.
    Access,
    /// Art. 16 rectification.
    Rectification,
    /// Art. 17 erasure.
    Erasure,
    /// Art. 18 restriction.
    Restriction,
    /// Lifting a restriction.
    RestrictionLift,
    /// Art. 21 objection, to one purpose or (None) every objectable one.
    Objection(Option<PurposeId>),
    /// Art. 20 portability.
    Portability,
    /// Art. 7(3) withdrawal of consent to one purpose.
    ConsentWithdrawal(PurposeId),
    /// Art. 20(2) transfer to another controller.
    Transfer(TransferUrl),
    /// A directive for after death.
    Directive(Directive),
}

impl RequestKind {
    /// The kind without detail.
    pub fn tag(&self) -> KindTag {
        match self {
            Self::Access => KindTag::Access,
            Self::Rectification => KindTag::Rectification,
            Self::Erasure => KindTag::Erasure,
            Self::Restriction => KindTag::Restriction,
            Self::RestrictionLift => KindTag::RestrictionLift,
            Self::Objection(_) => KindTag::Objection,
            Self::Portability => KindTag::Portability,
            Self::ConsentWithdrawal(_) => KindTag::ConsentWithdrawal,
            Self::Transfer(_) => KindTag::Transfer,
            Self::Directive(_) => KindTag::Directive,
        }
    }

    /// The purpose named, stored in clear (a policy id, not personal).
    pub fn purpose(&self) -> Option<&PurposeId> {
        match self {
            Self::Objection(p) => p.as_ref(),
            Self::ConsentWithdrawal(p) => Some(p),
            _ => None,
        }
    }

    /// The directive chosen, without the person's name.
    pub fn directive(&self) -> Option<DirectiveTag> {
        match self {
            Self::Directive(Directive::Keep) => Some(DirectiveTag::Keep),
            Self::Directive(Directive::Erase) => Some(DirectiveTag::Erase),
            Self::Directive(Directive::HandTo(_)) => Some(DirectiveTag::HandTo),
            _ => None,
        }
    }

    /// The personal detail to seal (a URL, a person's name), if any.
    pub fn sensitive(&self) -> Option<&str> {
        match self {
            Self::Transfer(url) => Some(url.as_str()),
            Self::Directive(Directive::HandTo(name)) => Some(name.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in KindTag::ALL {
            assert_eq!(KindTag::parse(k.as_str()), Some(k));
        }
        assert_eq!(KindTag::parse("Access"), None);
        assert_eq!(DirectiveTag::parse("hand_to"), Some(DirectiveTag::HandTo));
    }

    #[test]
    fn transfer_urls_are_https_with_a_host_and_no_userinfo() {
        assert!(TransferUrl::parse("https://new.example/import?x=1").is_ok());
        assert!(TransferUrl::parse("https://new.example:8443").is_ok());
        for bad in [
            "http://new.example/",
            "https://",
            "https:///path",
            "https://user:pw@new.example/",
            "https://a b.example/",
            "ftp://x",
            "https://x.example/\n",
        ] {
            let err = TransferUrl::parse(bad).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_FIELD", "{bad}");
            assert!(!err.to_string().contains(bad.trim()), "never echoed");
        }
        let local = "http://127.0.0.1:9/in";
        assert!(TransferUrl::parse_for(local, Transport::HttpsOnly).is_err());
        assert!(TransferUrl::parse_for(local, Transport::AllowLoopbackHttp).is_ok());
        assert!(TransferUrl::parse_for("http://a.example/", Transport::AllowLoopbackHttp).is_err());
        let long = format!("https://x.example/{}", "a".repeat(MAX_URL_LEN));
        assert!(TransferUrl::parse(&long).is_err());
    }

    #[test]
    fn sensitive_details_are_redacted_in_debug() {
        let url = TransferUrl::parse("https://secret.example/").unwrap();
        assert!(!format!("{url:?}").contains("secret"));
        let name = PersonName::parse("  Ada  ").unwrap();
        assert_eq!(name.as_str(), "Ada");
        assert!(PersonName::parse(" ").is_err());
    }
}
