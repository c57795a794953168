//! Word-for-word translations between Tutela's terms and fideslang's:
//! legal bases, transfer safeguards, data uses and ids. Each mapping is a
//! small table, so a reviewer can check it against both vocabularies.

use std::collections::BTreeSet;

use crate::ids::MAX_ID_LEN;
use crate::model::Purpose;
use crate::terms::{LegalBasis, Safeguard};

/// fideslang's `LegalBasisForProcessingEnum` value for a legal basis (Art. 6(1)).
pub(crate) fn basis_to_fides(basis: LegalBasis) -> &'static str {
    match basis {
        LegalBasis::Consent => "Consent",
        LegalBasis::Contract => "Contract",
        LegalBasis::LegalObligation => "Legal obligations",
        LegalBasis::VitalInterests => "Vital interests",
        LegalBasis::PublicTask => "Public interest",
        LegalBasis::LegitimateInterests => "Legitimate interests",
    }
}

/// The legal basis a fideslang value names, ignoring case and a trailing
/// plural `s`; `None` for a value outside the enum.
pub(crate) fn basis_from_fides(value: &str) -> Option<LegalBasis> {
    let word = value.trim().to_ascii_lowercase();
    let word = word.strip_suffix('s').unwrap_or(&word);
    Some(match word {
        "consent" => LegalBasis::Consent,
        "contract" => LegalBasis::Contract,
        "legal obligation" => LegalBasis::LegalObligation,
        "vital interest" => LegalBasis::VitalInterests,
        "public interest" => LegalBasis::PublicTask,
        "legitimate interest" => LegalBasis::LegitimateInterests,
        _ => return None,
    })
}

/// fideslang's `LegalBasisForTransfersEnum` value for a transfer
/// safeguard; `None` where no transfer needs one. Explicit consent to a
/// transfer (Art. 49(1)(a)) has no value of its own and is "Other".
pub(crate) fn safeguard_to_fides(safeguard: Safeguard) -> Option<&'static str> {
    match safeguard {
        Safeguard::Adequacy => Some("Adequacy Decision"),
        Safeguard::Scc => Some("SCCs"),
        Safeguard::Bcr => Some("BCRs"),
        Safeguard::Consent => Some("Other"),
        Safeguard::None => None,
    }
}

/// The fideslang data use that best names a purpose: from its flags and
/// basis first, then from words in its id, else `functional.service`.
pub(crate) fn data_use_for(purpose: &Purpose) -> &'static str {
    if purpose.direct_marketing {
        return "marketing.communications.email";
    }
    if purpose.sale_or_sharing {
        return "third_party_sharing";
    }
    if purpose.profiling {
        return "personalize.profiling";
    }
    if purpose.basis == LegalBasis::LegalObligation {
        return "essential.legal_obligation";
    }
    const BY_WORD: &[(&str, &str)] = &[
        ("analytic", "analytics.reporting"),
        ("statistic", "analytics.reporting"),
        ("support", "essential.service.operations.support"),
        ("billing", "essential.service.payment_processing"),
        ("payment", "essential.service.payment_processing"),
        ("invoice", "essential.service.payment_processing"),
        ("security", "essential.service.security"),
        ("fraud", "essential.fraud_detection"),
        ("login", "essential.service.authentication"),
        ("auth", "essential.service.authentication"),
        ("notif", "essential.service.notifications"),
        ("operation", "essential.service.operations"),
        ("recruit", "employment.recruitment"),
    ];
    let id = purpose.id.as_str();
    if let Some((_, data_use)) = BY_WORD.iter().find(|(word, _)| id.contains(word)) {
        return data_use;
    }
    if purpose.essential {
        "essential.service"
    } else {
        "functional.service"
    }
}

/// What a data use says about a purpose's flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct UseFlags {
    /// Under `essential.`: needed to provide the service.
    pub essential: bool,
    /// `marketing.*`: advertising sent or shown to the person (Art. 21(2)
    /// direct marketing), by message or targeted.
    pub direct_marketing: bool,
    /// A `profiling` data use.
    pub profiling: bool,
    /// Under `third_party_sharing` or third-party advertising.
    pub sale_or_sharing: bool,
}

/// Reads a purpose's flags off a fideslang data use.
pub(crate) fn flags_of_use(data_use: &str) -> UseFlags {
    UseFlags {
        essential: data_use == "essential" || data_use.starts_with("essential."),
        direct_marketing: data_use == "marketing" || data_use.starts_with("marketing."),
        profiling: data_use.split('.').any(|part| part.contains("profil")),
        sale_or_sharing: data_use.starts_with("third_party_sharing")
            || data_use.starts_with("marketing.advertising.third_party"),
    }
}

/// A valid Tutela id made from any text: lowercase ASCII letters, digits
/// and `_`, a letter first, at most the id length; `fallback` when nothing
/// usable is left.
pub(crate) fn slug(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = if out.is_empty() {
            fallback.to_owned()
        } else {
            format!("{fallback}_{out}")
        };
    }
    out.chars()
        .take(MAX_ID_LEN)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned()
}

/// Hands out ids that are unique among those taken so far, appending
/// `_2`, `_3`, ... to a taken one.
#[derive(Debug, Default)]
pub(crate) struct UniqueIds {
    taken: BTreeSet<String>,
}

impl UniqueIds {
    /// `wanted` if free, else the first free numbered variant.
    pub(crate) fn claim(&mut self, wanted: &str) -> String {
        let mut id = wanted.to_owned();
        let mut n = 2_u32;
        while self.taken.contains(&id) {
            let suffix = format!("_{n}");
            let keep = MAX_ID_LEN.saturating_sub(suffix.len());
            id = format!("{}{suffix}", wanted.chars().take(keep).collect::<String>());
            n = n.saturating_add(1);
        }
        self.taken.insert(id.clone());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_basis_maps_both_ways() {
        for word in LegalBasis::WORDS {
            let Ok(basis) = LegalBasis::parse(word) else {
                continue;
            };
            assert_eq!(basis_from_fides(basis_to_fides(basis)), Some(basis));
        }
        assert_eq!(
            basis_from_fides(" legitimate interest "),
            Some(LegalBasis::LegitimateInterests)
        );
        assert_eq!(
            basis_from_fides("Public interest"),
            Some(LegalBasis::PublicTask)
        );
        assert_eq!(basis_from_fides("because"), None);
    }

    #[test]
    fn data_use_flags() {
        let f = flags_of_use("marketing.communications.email");
        assert!(f.direct_marketing && !f.essential && !f.profiling);
        assert!(flags_of_use("essential.service.security").essential);
        assert!(flags_of_use("personalize.content.profiling").profiling);
        assert!(flags_of_use("third_party_sharing").sale_or_sharing);
        assert_eq!(flags_of_use("analytics.reporting"), UseFlags::default());
    }

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("Customer Support", "p"), "customer_support");
        assert_eq!(slug("user.contact.email", "c"), "user_contact_email");
        assert_eq!(slug("2fa codes", "c"), "c_2fa_codes");
        assert_eq!(slug("  ---  ", "c"), "c");
        assert_eq!(slug("Ünïcode", "c"), "n_code");
        assert_eq!(slug(&"a".repeat(100), "c").len(), MAX_ID_LEN);
        for s in ["x", "Customer Support", "2fa", "", "a__b", "_a_"] {
            assert!(crate::ids::CategoryId::parse(&slug(s, "c")).is_ok(), "{s}");
        }
    }

    #[test]
    fn unique_ids_number_the_repeats() {
        let mut ids = UniqueIds::default();
        assert_eq!(ids.claim("email"), "email");
        assert_eq!(ids.claim("email"), "email_2");
        assert_eq!(ids.claim("email"), "email_3");
        let long = "a".repeat(MAX_ID_LEN);
        assert_eq!(ids.claim(&long), long);
        assert_eq!(ids.claim(&long).len(), MAX_ID_LEN);
    }
}
