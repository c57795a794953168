//! The sentences of the notice that depend on one value: a legal basis's
//! consequences, a recipient's role and place, how identity is checked.

use std::fmt::Write as _;

use crate::model::{Purpose, Recipient};
use crate::terms::{LegalBasis, RecipientRole, Verification};

/// The choices a subject has about one purpose.
pub(super) fn choices(p: &Purpose) -> Vec<String> {
    let mut out = Vec::new();
    if p.basis == LegalBasis::Consent {
        let mut text = "You can withdraw your consent at any time, as easily as you gave it. \
                        Withdrawing stops this use from then on; what was done before stays lawful."
            .to_owned();
        if let Some(span) = &p.consent_valid_for {
            let _ = write!(text, " Your consent lasts {span}; after that we ask again.");
        }
        out.push(text);
    }
    if p.direct_marketing {
        out.push(
            "You can say no to this marketing at any time, without giving a reason, and it stops."
                .to_owned(),
        );
    } else if p.basis.objectable() {
        out.push(
            "You can object to this use for reasons relating to your situation; we then stop \
             unless we have compelling grounds that we must explain to you."
                .to_owned(),
        );
    }
    if p.soft_opt_in {
        out.push(
            "We send this only because you are already our customer; every message has a link \
             that stops it with one click."
                .to_owned(),
        );
    }
    if p.sale_or_sharing {
        out.push(
            "We share this data with others. You can opt out at any time; a Global Privacy \
             Control signal from your browser counts as opting out."
                .to_owned(),
        );
    }
    if p.reporting {
        out.push(
            "We count this data in reports and rankings. If you object or withdraw, you appear \
             in no report from then on."
                .to_owned(),
        );
    }
    if p.essential {
        out.push(
            "We need this to provide the service; without it we cannot offer it to you.".to_owned(),
        );
    }
    if p.profiling {
        out.push("This use involves profiling (see below).".to_owned());
    }
    out
}

pub(super) fn role(r: &Recipient) -> &'static str {
    match r.role {
        RecipientRole::Processor => "which processes data for us and only on our instructions",
        RecipientRole::Controller => "which uses the data under its own responsibility",
        RecipientRole::Authority => {
            "a public authority that receives data because a law requires it"
        }
    }
}

pub(super) fn transfer(r: &Recipient) -> String {
    let country = r.country.name();
    if r.is_transfer() {
        format!(
            "Country: {country}, outside the European Economic Area. Safeguard: {}.",
            r.safeguard.plain()
        )
    } else {
        format!("Country: {country}, inside the European Economic Area.")
    }
}

pub(super) fn verification(v: Verification) -> &'static str {
    match v {
        Verification::Email => "by sending a confirmation link to the email address we know",
        Verification::Account => "by asking you to sign in to your account",
        Verification::Document => "by asking for an identity document",
        Verification::Manual => "by confirming your identity with you in person or by other means",
    }
}

/// `ticket_ratings` → `Ticket ratings`.
pub(super) fn title_case(id: &str) -> String {
    capitalise(&id.replace('_', " "))
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The text as a sentence: capitalised, ending in a full stop.
pub(super) fn sentence(s: &str) -> String {
    let s = capitalise(s.trim());
    if s.ends_with(['.', '!', '?']) {
        s
    } else {
        format!("{s}.")
    }
}

pub(super) fn strip_stop(s: &str) -> String {
    capitalise(s.trim().trim_end_matches('.'))
}
