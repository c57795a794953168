//! What the notice says, as plain values: built once from the policy and
//! printed by both templates (Markdown and HTML), so the two formats can
//! never say different things.

use std::fmt::Write as _;

use crate::ids::CategoryId;
use crate::model::{Authority, Category, Party, Policy, Purpose, Recipient};
use crate::terms::{Disposal, FirstHandler};

use super::phrases::{
    capitalise, choices, role, sentence, strip_stop, title_case, transfer, verification,
};

/// The whole notice.
pub(super) struct Notice<'p> {
    pub title: String,
    pub intro: String,
    pub controller: &'p Party,
    pub dpo: Option<&'p Party>,
    pub hosting: Option<&'p str>,
    pub subjects: Vec<String>,
    pub purposes: Vec<PurposeView>,
    pub recipients: Vec<RecipientView>,
    pub profiling: String,
    pub groups: String,
    pub rights: Vec<String>,
    pub how_to: String,
    pub authority: &'p Authority,
}

/// One purpose's section.
pub(super) struct PurposeView {
    /// The purpose id: the section's anchor in HTML.
    pub anchor: String,
    pub title: String,
    pub description: String,
    pub basis: String,
    /// Whose data it is, when the purpose names subject kinds.
    pub about: Vec<String>,
    /// Categories kept alike, grouped: (names, how long).
    pub data: Vec<(String, String)>,
    /// Who receives it, or empty.
    pub shared: Vec<String>,
    /// Recipients outside the EEA, with their safeguard.
    pub abroad: Vec<String>,
    pub choices: Vec<String>,
}

/// One recipient in the list of who else receives data.
pub(super) struct RecipientView {
    pub name: String,
    /// Role, country and safeguard, in words.
    pub text: String,
}

impl<'p> Notice<'p> {
    /// The notice of `policy`.
    pub fn of(policy: &'p Policy) -> Self {
        let whose = policy.name.as_deref().unwrap_or(&policy.controller.name);
        Notice {
            title: format!("Privacy notice: {whose}"),
            intro: format!(
                "This notice explains which personal data we use for {whose}, why, who else \
                 gets it, how long it is kept, and what you can do about it."
            ),
            controller: &policy.controller,
            dpo: policy.dpo.as_ref(),
            hosting: policy.hosting.as_deref(),
            subjects: policy
                .subject_kinds
                .iter()
                .map(|k| sentence(&k.description))
                .collect(),
            purposes: policy.purposes.iter().map(|p| purpose(policy, p)).collect(),
            recipients: policy
                .recipients
                .iter()
                .map(|r| recipient(policy, r))
                .collect(),
            profiling: profiling(policy),
            groups: format!(
                "When we show figures about a group, such as averages, we never show them for a \
                 group of fewer than {} people, so nobody can be singled out.",
                policy.anonymity.min_group_size
            ),
            rights: rights(policy),
            how_to: how_to(policy),
            authority: &policy.authority,
        }
    }
}

fn purpose(policy: &Policy, p: &Purpose) -> PurposeView {
    let about = if p.subject_kinds.is_empty() {
        Vec::new()
    } else {
        policy
            .subjects_of(p)
            .map(|k| strip_stop(&k.description))
            .collect()
    };
    let targets: Vec<&Recipient> = p
        .recipients
        .iter()
        .filter_map(|r| policy.recipient(r))
        .collect();
    PurposeView {
        anchor: p.id.as_str().to_owned(),
        title: title_case(p.id.as_str()),
        description: sentence(&p.description),
        basis: format!(
            "{} ({} GDPR).",
            capitalise(p.basis.plain()),
            p.basis.article()
        ),
        about,
        data: grouped_keeping(policy, &p.categories),
        shared: targets
            .iter()
            .map(|r| format!("{}, {}", r.name, r.country.name()))
            .collect(),
        abroad: targets
            .iter()
            .filter(|r| r.is_transfer())
            .map(|r| {
                format!(
                    "{} ({}): {}.",
                    r.name,
                    r.country.name(),
                    r.safeguard.plain()
                )
            })
            .collect(),
        choices: choices(p),
    }
}

/// The categories with their keeping periods, those kept alike grouped
/// together, in the order they are listed.
fn grouped_keeping(policy: &Policy, ids: &[CategoryId]) -> Vec<(String, String)> {
    let mut groups: Vec<(Vec<String>, String)> = Vec::new();
    for c in ids.iter().filter_map(|id| policy.category(id)) {
        let keeping = keeping(policy, c);
        let name = strip_stop(&c.description);
        match groups.iter_mut().find(|(_, k)| *k == keeping) {
            Some((names, _)) => names.push(name),
            None => groups.push((vec![name], keeping)),
        }
    }
    groups
        .into_iter()
        .map(|(names, keeping)| (names.join("; "), keeping))
        .collect()
}

/// How long one category is kept, in words: its retention rules, then
/// any statutory hold that keeps it longer.
pub(crate) fn keeping(policy: &Policy, c: &Category) -> String {
    if !c.storable {
        return "used only in passing and never stored.".to_owned();
    }
    let rules: Vec<String> = policy
        .retention_for(&c.id)
        .map(|r| {
            let verb = match r.then {
                Disposal::Delete => "deleted",
                Disposal::Anonymise => "made anonymous",
            };
            format!("{verb} {} {}", r.keep, r.from.plain())
        })
        .collect();
    let mut text = match rules.len() {
        0 => "no fixed deletion period is set".to_owned(),
        1 => rules.join(""),
        _ => format!("{}, whichever comes first", rules.join(", or ")),
    };
    for h in policy.holds_for(&c.id) {
        let _ = write!(
            text,
            "; {} requires us to keep it for {} {}, and until then it is locked and used \
             for nothing else",
            h.law,
            h.keep,
            h.from.plain()
        );
    }
    text.push('.');
    text
}

fn recipient(policy: &Policy, r: &Recipient) -> RecipientView {
    let purposes: Vec<String> = policy
        .purposes_disclosing_to(&r.id)
        .map(|p| title_case(p.id.as_str()))
        .collect();
    let used_for = if purposes.is_empty() {
        String::new()
    } else {
        format!(" For: {}.", purposes.join(", "))
    };
    RecipientView {
        name: r.name.clone(),
        text: format!("{}. {}{used_for}", role(r), transfer(r)),
    }
}

fn profiling(policy: &Policy) -> String {
    let profiling: Vec<String> = policy
        .purposes
        .iter()
        .filter(|p| p.profiling)
        .map(|p| title_case(p.id.as_str()))
        .collect();
    if !policy.profiling || profiling.is_empty() {
        "We do not profile you, and no decision about you is made by a machine alone.".to_owned()
    } else {
        format!(
            "We evaluate personal aspects of you (profiling) for: {}. You may ask us how this \
             works and what it means for you (Art. 15(1)(h) GDPR), and ask for a person to \
             review any decision (Art. 22 GDPR).",
            profiling.join(", ")
        )
    }
}

/// The rights, each with its article; withdrawing consent only when a
/// purpose rests on consent.
fn rights(policy: &Policy) -> Vec<String> {
    let erasure = if policy.holds.is_empty() {
        "have your data erased (erasure, Art. 17 GDPR);"
    } else {
        "have your data erased (erasure, Art. 17 GDPR); data a law makes us keep is locked \
         instead and erased when that period ends;"
    };
    let consent = policy
        .purposes
        .iter()
        .any(|p| p.basis == crate::terms::LegalBasis::Consent);
    let mut rights: Vec<String> = [
        "see the data we hold about you and get a copy of it (access, Art. 15 GDPR);",
        "have wrong data corrected (correction, Art. 16 GDPR);",
        erasure,
        "have the use of your data limited (restriction, Art. 18 GDPR);",
        "object to uses based on our legitimate interests or a public task, and to marketing \
         at any time (objection, Art. 21 GDPR);",
        "get the data you gave us in a machine-readable file, or have it sent to another \
         organisation (portability, Art. 20 GDPR).",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    if consent {
        if let Some(last) = rights.last_mut() {
            last.pop();
            last.push(';');
        }
        rights.push(
            "withdraw a consent at any time; this stops the use from then on and does not make \
             earlier use unlawful (Art. 7(3) GDPR)."
                .to_owned(),
        );
    }
    rights
}

fn how_to(policy: &Policy) -> String {
    let r = &policy.rights;
    let to = match r.first_handler {
        FirstHandler::Controller => format!("Send your request to {}.", policy.controller.email),
        FirstHandler::Operator => format!(
            "Requests first reach the operator of this service, who passes them on to {}; you \
             can also write to {} directly.",
            policy.controller.name, policy.controller.email
        ),
    };
    format!(
        "{to} Before we act, we check that the request is really yours {}. We answer within {}. \
         If a request is complex or we receive many, we may take up to {} longer; if so, we \
         tell you why before the first period ends.",
        verification(r.verification),
        r.answer_within,
        r.extension,
    )
}
