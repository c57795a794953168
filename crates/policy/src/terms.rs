//! The closed vocabularies of a policy: legal bases, recipient roles,
//! transfer safeguards, retention anchors and disposal, and how requests
//! are handled. Each is an enum parsed from the words the TOML file uses.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{EventName, IdError, PlanName};

/// A word that is not one of the accepted choices.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{found}` is not a valid {what}")]
pub struct ChoiceError {
    /// The stable diagnostic code (`E_INVALID_BASIS`, ...).
    pub code: &'static str,
    /// What was being parsed, in words ("legal basis").
    pub what: &'static str,
    /// The word given.
    pub found: String,
    /// The accepted words.
    pub accepted: &'static [&'static str],
}

impl ChoiceError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Lists the accepted words, for hints.
    pub fn hint(&self) -> String {
        let list: Vec<String> = self.accepted.iter().map(|w| format!("`{w}`")).collect();
        format!("use one of {}", list.join(", "))
    }
}

/// Defines a unit-variant enum written in TOML as snake_case words.
macro_rules! choice {
    (
        $(#[$doc:meta])* $name:ident, $code:literal, $what:literal,
        { $( $(#[$vdoc:meta])* $variant:ident = $word:literal $(| $alias:literal)* ),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $name {
            /// Every accepted word, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// Parses the word used in the policy file.
            pub fn parse(s: &str) -> Result<Self, ChoiceError> {
                match s {
                    $( $word $(| $alias)* => Ok(Self::$variant), )+
                    _ => Err(ChoiceError {
                        code: $code,
                        what: $what,
                        found: s.to_owned(),
                        accepted: Self::WORDS,
                    }),
                }
            }

            /// The word used in the policy file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $word, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

choice!(
    /// The one lawful ground (Art. 6(1) GDPR) a purpose rests on; it decides
    /// whether consent is needed and whether the subject may object.
    LegalBasis, "E_INVALID_BASIS", "legal basis", {
        /// Art. 6(1)(a): the subject agreed.
        Consent = "consent",
        /// Art. 6(1)(b): needed for a contract with the subject.
        Contract = "contract",
        /// Art. 6(1)(c): a law requires it.
        LegalObligation = "legal_obligation",
        /// Art. 6(1)(d): protects someone's life or health.
        VitalInterests = "vital_interests",
        /// Art. 6(1)(e): a task in the public interest.
        PublicTask = "public_task",
        /// Art. 6(1)(f): a legitimate interest that outweighs the subject's.
        LegitimateInterests = "legitimate_interests" | "legitimate_interest",
    }
);

impl LegalBasis {
    /// The article of the GDPR, e.g. `Art. 6(1)(a)`.
    pub fn article(self) -> &'static str {
        match self {
            Self::Consent => "Art. 6(1)(a)",
            Self::Contract => "Art. 6(1)(b)",
            Self::LegalObligation => "Art. 6(1)(c)",
            Self::VitalInterests => "Art. 6(1)(d)",
            Self::PublicTask => "Art. 6(1)(e)",
            Self::LegitimateInterests => "Art. 6(1)(f)",
        }
    }

    /// The basis in plain words, for the notice.
    pub fn plain(self) -> &'static str {
        match self {
            Self::Consent => "you have agreed to it, and you can take that agreement back",
            Self::Contract => "we need it to provide what you signed up for",
            Self::LegalObligation => "a law requires us to do it",
            Self::VitalInterests => "it is needed to protect someone's life or health",
            Self::PublicTask => "it is part of a task we carry out in the public interest",
            Self::LegitimateInterests => {
                "we have a legitimate interest in it that we have weighed against your privacy"
            }
        }
    }

    /// Whether the subject may object to it (Art. 21): only processing on
    /// public task or legitimate interests.
    pub fn objectable(self) -> bool {
        matches!(self, Self::LegitimateInterests | Self::PublicTask)
    }
}

choice!(
    /// What a recipient is to the controller; decides what the notice says
    /// about it and who answers for the data there.
    RecipientRole, "E_INVALID_ROLE", "recipient role", {
        /// Processes on the controller's behalf and instructions (Art. 28).
        Processor = "processor",
        /// Decides for itself what to do with the data it receives.
        Controller = "controller",
        /// A public body that receives data because a law says so.
        Authority = "authority",
    }
);

choice!(
    /// The legal tool that makes a transfer outside the EEA lawful (Art. 44-49).
    Safeguard, "E_INVALID_SAFEGUARD", "transfer safeguard", {
        /// An EU adequacy decision for the country (Art. 45).
        Adequacy = "adequacy",
        /// Standard contractual clauses (Art. 46(2)(c)).
        Scc = "scc",
        /// Binding corporate rules (Art. 47).
        Bcr = "bcr",
        /// The subject's explicit consent to the transfer (Art. 49(1)(a)).
        Consent = "consent",
        /// No safeguard: only acceptable inside the EEA.
        None = "none",
    }
);

impl Safeguard {
    /// The safeguard in plain words, with its article, for the notice.
    pub fn plain(self) -> &'static str {
        match self {
            Self::Adequacy => {
                "the EU has decided that this country protects personal data adequately (Art. 45 GDPR)"
            }
            Self::Scc => {
                "we have signed the EU's standard contractual clauses with the recipient (Art. 46 GDPR)"
            }
            Self::Bcr => {
                "the recipient's group follows binding corporate rules approved by an EU authority \
                 (Art. 47 GDPR)"
            }
            Self::Consent => {
                "we send it only after you have explicitly agreed to this transfer (Art. 49 GDPR)"
            }
            Self::None => "no transfer safeguard is needed inside the European Economic Area",
        }
    }
}

choice!(
    /// How a subject proves who they are before a request is answered.
    Verification, "E_INVALID_VERIFICATION", "verification method", {
        /// A link or code sent to the subject's known email address.
        Email = "email",
        /// Signing in to the subject's own account.
        Account = "account",
        /// Showing an identity document.
        Document = "document",
        /// A person checks by other means.
        Manual = "manual",
    }
);

choice!(
    /// Who receives a data subject's request first (Art. 12(2), 38(4)).
    FirstHandler, "E_INVALID_FIRST_HANDLER", "first handler", {
        /// The controller named in the policy.
        Controller = "controller",
        /// The operator of the platform, who routes it to the controller.
        Operator = "operator",
    }
);

choice!(
    /// What happens to data when its retention period ends.
    Disposal, "E_INVALID_DISPOSAL", "disposal", {
        /// Destroyed, so that no copy can be read again.
        Delete = "delete",
        /// Irreversibly stripped of everything that identifies a person.
        Anonymise = "anonymise" | "anonymize",
    }
);

/// The moment a retention period or hold starts counting from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// When the value was collected.
    Collected,
    /// The subject's last activity.
    LastActivity,
    /// When the named event happened for the subject or tenant
    /// (TOML `event:tenant.uninstalled`).
    Event(EventName),
    /// When the subject's account moved to the named plan (TOML `plan:free`).
    Plan(PlanName),
}

/// Why an anchor could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// Neither a keyword nor `event:`/`plan:` followed by a name.
    #[error("`{0}` is not a retention anchor")]
    Unknown(String),
    /// The name after `event:` or `plan:` is not valid.
    #[error(transparent)]
    BadName(#[from] IdError),
}

impl AnchorError {
    /// The stable diagnostic code.
    pub fn code(&self) -> &'static str {
        "E_INVALID_ANCHOR"
    }
}

/// The forms an anchor takes, for hints.
pub const ANCHOR_FORMS: &str = "use `collected`, `last_activity`, `event:<name>` (e.g. `event:tenant.uninstalled`) \
     or `plan:<name>` (e.g. `plan:free`)";

impl Anchor {
    /// Parses `collected`, `last_activity`, `event:<name>` or `plan:<name>`.
    pub fn parse(s: &str) -> Result<Self, AnchorError> {
        match s {
            "collected" => Ok(Self::Collected),
            "last_activity" => Ok(Self::LastActivity),
            _ => {
                if let Some(name) = s.strip_prefix("event:") {
                    Ok(Self::Event(EventName::parse(name)?))
                } else if let Some(name) = s.strip_prefix("plan:") {
                    Ok(Self::Plan(PlanName::parse(name)?))
                } else {
                    Err(AnchorError::Unknown(s.to_owned()))
                }
            }
        }
    }

    /// "after …" in plain words, for the notice.
    pub fn plain(&self) -> String {
        match self {
            Self::Collected => "after it was collected".to_owned(),
            Self::LastActivity => "after your last activity".to_owned(),
            Self::Event(e) => format!("after the event `{e}`"),
            Self::Plan(p) => format!("after the account moved to the `{p}` plan"),
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Collected => f.write_str("collected"),
            Self::LastActivity => f.write_str("last_activity"),
            Self::Event(e) => write!(f, "event:{e}"),
            Self::Plan(p) => write!(f, "plan:{p}"),
        }
    }
}

impl Serialize for Anchor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_basis_words_articles_and_objection() {
        let all = LegalBasis::WORDS
            .iter()
            .map(|w| LegalBasis::parse(w).unwrap());
        let articles: Vec<&str> = all.clone().map(LegalBasis::article).collect();
        assert_eq!(
            articles,
            [
                "Art. 6(1)(a)",
                "Art. 6(1)(b)",
                "Art. 6(1)(c)",
                "Art. 6(1)(d)",
                "Art. 6(1)(e)",
                "Art. 6(1)(f)"
            ]
        );
        let objectable: Vec<LegalBasis> = all.filter(|b| b.objectable()).collect();
        assert_eq!(
            objectable,
            [LegalBasis::PublicTask, LegalBasis::LegitimateInterests]
        );
        assert_eq!(
            LegalBasis::parse("legitimate_interest"),
            Ok(LegalBasis::LegitimateInterests)
        );
        let err = LegalBasis::parse("Consent").unwrap_err();
        assert_eq!(err.code(), "E_INVALID_BASIS");
        assert!(err.hint().contains("`legitimate_interests`"));
        assert!(LegalBasis::Contract.plain().contains("signed up"));
    }

    #[test]
    fn choices_round_trip_through_their_words() {
        for w in Safeguard::WORDS {
            assert_eq!(Safeguard::parse(w).unwrap().as_str(), *w);
        }
        assert_eq!(Disposal::parse("anonymize"), Ok(Disposal::Anonymise));
        assert_eq!(Disposal::Anonymise.to_string(), "anonymise");
        assert_eq!(
            RecipientRole::parse("vendor").unwrap_err().code(),
            "E_INVALID_ROLE"
        );
        assert_eq!(
            Verification::parse("sms").unwrap_err().code(),
            "E_INVALID_VERIFICATION"
        );
        assert_eq!(
            FirstHandler::parse("dpo").unwrap_err().code(),
            "E_INVALID_FIRST_HANDLER"
        );
        let json = toml::Value::try_from(LegalBasis::LegalObligation).unwrap();
        assert_eq!(json, toml::Value::String("legal_obligation".into()));
    }

    #[test]
    fn anchors() {
        assert_eq!(Anchor::parse("collected"), Ok(Anchor::Collected));
        assert_eq!(Anchor::parse("last_activity"), Ok(Anchor::LastActivity));
        let ev = Anchor::parse("event:tenant.uninstalled").unwrap();
        assert_eq!(
            ev,
            Anchor::Event(EventName::parse("tenant.uninstalled").unwrap())
        );
        assert_eq!(ev.to_string(), "event:tenant.uninstalled");
        assert_eq!(Anchor::parse("plan:free").unwrap().to_string(), "plan:free");
        assert!(matches!(
            Anchor::parse("event:"),
            Err(AnchorError::BadName(_))
        ));
        assert!(matches!(
            Anchor::parse("plan:Free"),
            Err(AnchorError::BadName(_))
        ));
        assert!(matches!(
            Anchor::parse("uninstall"),
            Err(AnchorError::Unknown(_))
        ));
        assert_eq!(Anchor::parse("x").unwrap_err().code(), "E_INVALID_ANCHOR");
    }
}
