//! Changes to purposes: new uses, wider scope, another legal basis, and
//! the flags that make processing more intrusive when switched on.

use super::{ChangeKind as K, Found};
use crate::ids::{CategoryId, RecipientId};
use crate::model::{Policy, Purpose};
use crate::terms::LegalBasis;

/// Purposes added, removed or changed.
pub(super) fn purposes(old: &Policy, new: &Policy, found: &mut Found) {
    for p in &new.purposes {
        match old.purpose(&p.id) {
            None => {
                let text = format!(
                    "A new purpose: {} ({}), using {}.",
                    p.id,
                    p.description,
                    list(&p.categories)
                );
                found.add(
                    K::PurposeAdded,
                    format!("purpose.{}", p.id),
                    text,
                    p.categories.clone(),
                );
            }
            Some(was) => {
                purpose(was, p, found);
                kinds(old, was, new, p, found);
            }
        }
    }
    for p in &old.purposes {
        if new.purpose(&p.id).is_none() {
            let text = format!(
                "The purpose {} ends: its data is no longer used for it.",
                p.id
            );
            found.add(K::PurposeRemoved, format!("purpose.{}", p.id), text, vec![]);
        }
    }
}

/// The kinds of people a purpose covers in a policy: those it names, or
/// every kind the policy declares when it names none.
fn covered<'a>(policy: &'a Policy, purpose: &'a Purpose) -> Vec<&'a str> {
    if purpose.subject_kinds.is_empty() {
        policy.subject_kinds.iter().map(|k| k.id.as_str()).collect()
    } else {
        purpose.subject_kinds.iter().map(|k| k.as_str()).collect()
    }
}

/// Kinds of people a purpose covers now and did not, and the reverse.
fn kinds(old: &Policy, was: &Purpose, new: &Policy, now: &Purpose, found: &mut Found) {
    let (before, after) = (covered(old, was), covered(new, now));
    let gained: Vec<&str> = after
        .iter()
        .copied()
        .filter(|k| !before.contains(k))
        .collect();
    let lost: Vec<&str> = before
        .iter()
        .copied()
        .filter(|k| !after.contains(k))
        .collect();
    let path = format!("purpose.{}.subject_kinds", now.id);
    if !gained.is_empty() {
        let text = format!(
            "The purpose {} now also covers: {}.",
            now.id,
            gained.join(", ")
        );
        found.add(
            K::PurposeSubjectKindsWidened,
            path.clone(),
            text,
            now.categories.clone(),
        );
    }
    if !lost.is_empty() {
        let text = format!(
            "The purpose {} no longer covers: {}.",
            now.id,
            lost.join(", ")
        );
        found.add(K::PurposeSubjectKindsNarrowed, path, text, vec![]);
    }
}

fn purpose(was: &Purpose, now: &Purpose, found: &mut Found) {
    let path = format!("purpose.{}", now.id);
    if was.description != now.description {
        let text = format!(
            "The purpose {} is now described as \"{}\".",
            now.id, now.description
        );
        found.add(K::PurposeDescribed, path.clone(), text, vec![]);
    }
    if was.basis != now.basis {
        let text = format!(
            "The purpose {} now rests on {} instead of {}.",
            now.id, now.basis, was.basis
        );
        found.add(
            K::BasisChanged,
            format!("{path}.basis"),
            text,
            now.categories.clone(),
        );
    }
    let widened = scope(was, now, &path, found);
    if widened && was.basis == LegalBasis::Consent && now.basis == LegalBasis::Consent {
        let text = format!(
            "The consent for {} covers more than before: people are asked again before the new data or recipients are used.",
            now.id
        );
        found.add(
            K::ConsentScopeWidened,
            path.clone(),
            text,
            now.categories.clone(),
        );
    }
    validity(was, now, &path, found);
    flags(was, now, &path, found);
}

/// Categories and recipients gained or lost; true when any was gained.
fn scope(was: &Purpose, now: &Purpose, path: &str, found: &mut Found) -> bool {
    let id = &now.id;
    let mut widened = false;
    for c in now.categories.iter().filter(|c| !was.covers(c)) {
        widened = true;
        let text = format!("The purpose {id} now also uses {c}.");
        found.add(
            K::PurposeCategoryAdded,
            format!("{path}.categories.{c}"),
            text,
            vec![c.clone()],
        );
    }
    for c in was.categories.iter().filter(|c| !now.covers(c)) {
        let text = format!("The purpose {id} no longer uses {c}.");
        found.add(
            K::PurposeCategoryRemoved,
            format!("{path}.categories.{c}"),
            text,
            vec![],
        );
    }
    for r in now.recipients.iter().filter(|r| !was.discloses_to(r)) {
        widened = true;
        let text = format!("The purpose {id} now also discloses data to {r}.");
        let path = format!("{path}.recipients.{r}");
        found.add(K::PurposeRecipientAdded, path, text, now.categories.clone());
    }
    for r in now.export_to.iter().filter(|r| !was.exports_to(r)) {
        let text = format!("The purpose {id} now also sends anonymised figures to {r}.");
        let path = format!("{path}.export_to.{r}");
        found.add(K::ExportRecipientAdded, path, text, now.categories.clone());
    }
    for r in was.recipients.iter().filter(|r| !now.discloses_to(r)) {
        let text = format!("The purpose {id} no longer discloses data to {r}.");
        found.add(
            K::PurposeRecipientRemoved,
            format!("{path}.recipients.{r}"),
            text,
            vec![],
        );
    }
    widened
}

/// `consent_valid_for`: dropping the limit or lengthening it is material.
fn validity(was: &Purpose, now: &Purpose, path: &str, found: &mut Found) {
    let path = format!("{path}.consent_valid_for");
    let id = &now.id;
    let longer = match (&was.consent_valid_for, &now.consent_valid_for) {
        (Some(_), None) => Some(format!("A consent to {id} no longer expires.")),
        (Some(a), Some(b)) if b.can_exceed(a) => {
            Some(format!("A consent to {id} now lasts {b} (before: {a})."))
        }
        _ => None,
    };
    if let Some(text) = longer {
        found.add(K::ConsentValidityLonger, path, text, now.categories.clone());
    } else if was.consent_valid_for != now.consent_valid_for {
        let text = match &now.consent_valid_for {
            Some(b) => format!("A consent to {id} now lasts {b}."),
            None => format!("A consent to {id} does not expire."),
        };
        found.add(K::ConsentValidityShorter, path, text, vec![]);
    }
}

/// One flag's edit: before, after, its field, the kind when switched on,
/// the words for it, and the kind when switched off if that is material.
type FlagEdit<'a> = (bool, bool, &'a str, K, &'a str, Option<K>);

/// Flags that make processing more intrusive when switched on; switching
/// off one that triggers a protection (direct marketing, sale or sharing)
/// is material too.
fn flags(was: &Purpose, now: &Purpose, path: &str, found: &mut Found) {
    let id = &now.id;
    let pairs: [FlagEdit; 6] = [
        (
            was.profiling,
            now.profiling,
            "profiling",
            K::PurposeProfilingOn,
            "now profiles people",
            None,
        ),
        (
            was.direct_marketing,
            now.direct_marketing,
            "direct_marketing",
            K::DirectMarketingOn,
            "now sends advertising",
            Some(K::DirectMarketingOff),
        ),
        (
            was.sale_or_sharing,
            now.sale_or_sharing,
            "sale_or_sharing",
            K::SaleOrSharingOn,
            "now sells or shares data",
            Some(K::SaleOrSharingOff),
        ),
        (
            was.soft_opt_in,
            now.soft_opt_in,
            "soft_opt_in",
            K::SoftOptInOn,
            "now markets to existing customers without asking first",
            None,
        ),
        (
            was.reporting,
            now.reporting,
            "reporting",
            K::ReportingOn,
            "now counts people in reports and rankings",
            None,
        ),
        (
            was.essential,
            now.essential,
            "essential",
            K::PurposeMadeEssential,
            "is now a condition of using the service",
            None,
        ),
    ];
    for (before, after, field, on, words, off) in pairs {
        let path = format!("{path}.{field}");
        if !before && after {
            found.add(
                on,
                path,
                format!("The purpose {id} {words}."),
                now.categories.clone(),
            );
        } else if before && !after {
            match off {
                // A flag that protects people (objections stop it, GPC
                // objects to it) going off is material: the processing
                // goes on under fewer protections.
                Some(kind) => {
                    let text = format!(
                        "The purpose {id} is no longer declared with `{field}`: an objection to \
                         another purpose or a Global Privacy Control signal no longer stops it."
                    );
                    found.add(kind, path, text, now.categories.clone());
                }
                None => {
                    let text = format!("The purpose {id} no longer has `{field}` set.");
                    found.add(K::PurposeFlagOff, path, text, vec![]);
                }
            }
        }
    }
}

fn list(ids: &[CategoryId]) -> String {
    ids.iter()
        .map(CategoryId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The purposes of `policy` that disclose to `r`, and their categories.
pub(super) fn categories_sent_to(policy: &Policy, r: &RecipientId) -> Vec<CategoryId> {
    let mut out: Vec<CategoryId> = Vec::new();
    for p in policy.purposes_disclosing_to(r) {
        for c in &p.categories {
            if !out.contains(c) {
                out.push(c.clone());
            }
        }
    }
    out
}
