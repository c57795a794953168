//! The policy's facts about one category, and the rights, as the access
//! answer states them: purposes with their basis, recipients with their
//! safeguard, retention or its criteria, statutory holds (Art. 15(1)).

use super::model::{HeldNote, HoldNote, PeriodNote, PurposeNote, RecipientNote, RightNote};
use crate::holds::{HoldStart, SubjectHolds};
use tutela_policy::{CategoryId, Disposal, LegalBasis, Policy, Purpose, RecipientId};

/// The purposes that may use `category`, in policy order.
pub(super) fn purposes(policy: &Policy, category: &CategoryId) -> Vec<PurposeNote> {
    policy.purposes_using(category).map(purpose).collect()
}

fn purpose(p: &Purpose) -> PurposeNote {
    PurposeNote {
        purpose: p.id.clone(),
        description: p.description.clone(),
        basis: p.basis,
        article: p.basis.article().to_owned(),
        basis_text: p.basis.plain().to_owned(),
        profiling: p.profiling,
    }
}

/// The recipients any purpose using `category` discloses to, each once,
/// in policy order.
pub(super) fn recipients(policy: &Policy, category: &CategoryId) -> Vec<RecipientNote> {
    let named: Vec<&RecipientId> = policy
        .purposes_using(category)
        .flat_map(|p| p.recipients.iter())
        .collect();
    policy
        .recipients
        .iter()
        .filter(|r| named.contains(&&r.id))
        .map(|r| RecipientNote {
            recipient: r.id.clone(),
            name: r.name.clone(),
            role: r.role,
            country: r.country.as_str().to_owned(),
            country_name: r.country.name().to_owned(),
            outside_eea: r.is_transfer(),
            safeguard: r.safeguard,
            safeguard_text: r.safeguard.plain().to_owned(),
        })
        .collect()
}

/// The retention rules of `category`.
pub(super) fn retention(policy: &Policy, category: &CategoryId) -> Vec<PeriodNote> {
    policy
        .retention_for(category)
        .map(|r| {
            let then = match r.then {
                Disposal::Delete => "deleted",
                Disposal::Anonymise => "anonymised",
            };
            PeriodNote {
                keep: r.keep.to_string(),
                from: r.from.to_string(),
                then: r.then.as_str().to_owned(),
                text: format!("Kept {} {}, then {then}.", r.keep, r.from.plain()),
            }
        })
        .collect()
}

/// The retention period in one sentence, or that none is declared: then
/// the criterion is the purposes' need (Art. 15(1)(d), 5(1)(e)).
pub(super) fn retention_text(rules: &[PeriodNote]) -> String {
    if rules.is_empty() {
        "The policy declares no retention period for this category: it is kept only as long as \
         the purposes above need it."
            .to_owned()
    } else {
        rules
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The statutory holds on `category`.
pub(super) fn holds(policy: &Policy, category: &CategoryId) -> Vec<HoldNote> {
    policy
        .holds_for(category)
        .map(|h| HoldNote {
            law: h.law.clone(),
            keep: h.keep.to_string(),
            from: h.from.to_string(),
            text: format!(
                "{} requires keeping it for {} {}, even if you ask for erasure; meanwhile it is \
                 used for nothing else.",
                h.law,
                h.keep,
                h.from.plain()
            ),
        })
        .collect()
}

/// Where to send a request: the DPO if appointed, else the controller.
fn contact(policy: &Policy) -> String {
    let c = &policy.controller;
    match &policy.dpo {
        Some(d) => format!(
            "write to {} ({}) or to our data protection officer, {} ({})",
            c.name, c.email, d.name, d.email
        ),
        None => format!("write to {} ({})", c.name, c.email),
    }
}

/// The rights of Art. 7(3), 15-22 and 77, each with how to use it.
pub(super) fn rights(policy: &Policy) -> Vec<RightNote> {
    let how = contact(policy);
    let consent = policy
        .purposes
        .iter()
        .any(|p| p.basis == LegalBasis::Consent);
    let authority = &policy.authority;
    let complain = match (&authority.url, &authority.email) {
        (Some(url), _) => format!("{} ({url})", authority.name),
        (None, Some(email)) => format!("{} ({email})", authority.name),
        (None, None) => authority.name.clone(),
    };
    let mut out = vec![
        note(
            "Art. 15",
            "Access",
            &format!(
                "You may ask what we hold about you and receive a copy, as in this answer; {how}."
            ),
        ),
        note(
            "Art. 16",
            "Rectification",
            &format!("You may have wrong data corrected and incomplete data completed; {how}."),
        ),
        note(
            "Art. 17",
            "Erasure",
            &format!(
                "You may have your data erased where we no longer need it, you withdraw consent or object, or it was processed unlawfully; data a law requires us to keep stays until that hold ends. To ask, {how}."
            ),
        ),
        note(
            "Art. 18",
            "Restriction",
            &format!(
                "You may have the use of your data restricted while its accuracy or our grounds are checked; {how}."
            ),
        ),
        note(
            "Art. 19",
            "Notification of recipients",
            "We tell every recipient of your data of a rectification, erasure or restriction, and tell you who they are if you ask.",
        ),
        note(
            "Art. 20",
            "Portability",
            &format!(
                "You may receive the data you gave us under consent or a contract in a machine-readable form, or have it sent to another organisation; {how}."
            ),
        ),
        note(
            "Art. 21",
            "Objection",
            &format!(
                "You may object to uses resting on legitimate interests or a public task, and to direct marketing at any time; {how}."
            ),
        ),
        note(
            "Art. 22",
            "Automated decisions",
            "You may not be subject to a decision based solely on automated processing that significantly affects you, save where the law allows it; you may then ask for a person to review it.",
        ),
        note(
            "Art. 77",
            "Complaint",
            &format!("You may complain to a supervisory authority, in particular {complain}."),
        ),
    ];
    if consent {
        out.insert(0, note("Art. 7(3)", "Withdrawing consent", &format!("You may withdraw a consent at any time, as easily as you gave it; what was done before stays lawful. To do so, {how}.")));
    }
    out
}

fn note(article: &str, right: &str, text: &str) -> RightNote {
    RightNote {
        article: article.to_owned(),
        right: right.to_owned(),
        text: text.to_owned(),
    }
}

/// What the subject is told about each record kept under a hold (after
/// erasure, or past its retention period): the law, the end of the hold
/// as a date, and what it is counted from.
pub fn held_notes(holds: &SubjectHolds) -> Vec<HeldNote> {
    holds
        .records
        .iter()
        .map(|r| {
            let law = holds.hold(r.hold).map_or("", |h| h.law.as_str()).to_owned();
            let from = match r.start {
                HoldStart::Collected => "counted from when it was collected",
                HoldStart::Erasure => "counted from when it was taken out of use",
            };
            let text = format!(
                "{law} requires keeping this until {} ({from}); it is used for nothing else \
                 meanwhile and erased then.",
                r.ends_at.strftime("%Y-%m-%d")
            );
            HeldNote {
                record: r.id,
                category: r.category.clone(),
                law,
                ends_at: r.ends_at,
                counted_from: r.start,
                text,
            }
        })
        .collect()
}
