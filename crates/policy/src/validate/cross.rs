//! Rules that look across sections: is every category used by some
//! purpose (minimisation) and covered by some retention rule (storage
//! limitation), is every recipient reached, do disclosures match the
//! recipient's role and safeguard.
//!
//! References are compared by their text, so an entry that failed to
//! read for another reason still counts and causes no second report.

use crate::diagnostics::Sink;
use crate::model::{Category, Purpose, Recipient};
use crate::raw::{RawPolicy, Tables, TextList};
use crate::terms::{LegalBasis, RecipientRole, Safeguard};

use super::entries::tables;
use super::helpers::Entries;

/// Runs every cross-section rule.
pub(super) fn check(
    raw: &RawPolicy,
    categories: &Entries<Category>,
    recipients: &Entries<Recipient>,
    purposes: &Entries<Purpose>,
    profiling: bool,
    sink: &mut Sink<'_>,
) {
    not_empty(raw, sink);
    category_use(raw, categories, sink);
    recipient_use(raw, recipients, sink);
    disclosures(raw, recipients, purposes, sink);
    if raw
        .subject_kind
        .as_ref()
        .is_none_or(|k| k.get_ref().is_empty())
    {
        sink.warn(
            "W_NO_SUBJECT_KINDS",
            &(0..0),
            "the policy names no kinds of data subjects".to_owned(),
            "add `[[subject_kind]]` sections (customers, agents, ...); the record of processing \
             must list them (Art. 30)"
                .to_owned(),
        );
    }
    let any_profiling =
        tables(&raw.purpose).any(|p| p.profiling.as_ref().is_some_and(|f| *f.get_ref()));
    if let (true, false, Some(at)) = (profiling, any_profiling, &raw.profiling) {
        sink.warn(
            "W_PROFILING_UNUSED",
            &at.span(),
            "the policy declares profiling, but no purpose profiles".to_owned(),
            "set `profiling = false`, or mark the purpose that profiles with `profiling = true`"
                .to_owned(),
        );
    }
}

fn not_empty(raw: &RawPolicy, sink: &mut Sink<'_>) {
    fn empty<T>(section: &Option<Tables<T>>) -> Option<std::ops::Range<usize>> {
        match section {
            None => Some(0..0),
            Some(list) if list.get_ref().is_empty() => Some(list.span()),
            Some(_) => None,
        }
    }
    if let Some(at) = empty(&raw.category) {
        sink.error(
            "E_NO_CATEGORIES",
            &at,
            "the policy declares no data category".to_owned(),
            "add a `[[category]]` with `id`, `description` and `taxonomy` for each kind of data"
                .to_owned(),
        );
    }
    if let Some(at) = empty(&raw.purpose) {
        sink.error(
            "E_NO_PURPOSES",
            &at,
            "the policy declares no purpose".to_owned(),
            "add a `[[purpose]]` with `id`, `description`, `basis` and `categories` for each use"
                .to_owned(),
        );
    }
}

fn mentions(list: Option<&TextList>, name: &str) -> bool {
    list.is_some_and(|l| l.get_ref().iter().any(|i| i.get_ref() == name))
}

/// Minimisation (Art. 5(1)(c)) and storage limitation (Art. 5(1)(e)).
fn category_use(raw: &RawPolicy, categories: &Entries<Category>, sink: &mut Sink<'_>) {
    for entry in &categories.items {
        let Some(id) = &entry.id else { continue };
        let name = id.get_ref().as_str();
        if !tables(&raw.purpose).any(|p| mentions(p.categories.as_ref(), name)) {
            sink.error(
                "E_CATEGORY_WITHOUT_PURPOSE",
                &id.span(),
                format!("no purpose uses category `{name}`"),
                "collect only what a purpose needs: add it to a purpose's `categories`, \
                 or remove the category"
                    .to_owned(),
            );
        }
        let storable = entry.value.as_ref().is_some_and(|c| c.storable);
        let kept = tables(&raw.retention).any(|r| mentions(r.categories.as_ref(), name))
            || tables(&raw.hold).any(|h| mentions(h.categories.as_ref(), name));
        if storable && !kept {
            sink.warn(
                "W_NO_RETENTION",
                &id.span(),
                format!(
                    "no retention rule or hold covers category `{name}`, so it is kept forever"
                ),
                format!(
                    "add a `[[retention]]` with `categories = [\"{name}\"]`, `keep` and `from`, \
                     or mark it `storable = false` if it is never stored"
                ),
            );
        }
    }
}

fn recipient_use(raw: &RawPolicy, recipients: &Entries<Recipient>, sink: &mut Sink<'_>) {
    for id in recipients.items.iter().filter_map(|e| e.id.as_ref()) {
        let name = id.get_ref().as_str();
        // An anonymised export (`export_to`) is a use too.
        let used = tables(&raw.purpose)
            .any(|p| mentions(p.recipients.as_ref(), name) || mentions(p.export_to.as_ref(), name));
        if !used {
            sink.warn(
                "W_RECIPIENT_UNUSED",
                &id.span(),
                format!("no purpose discloses or exports data to recipient `{name}`"),
                "add it to the `recipients` of the purpose that sends it data (or the \
                 `export_to` of a reporting purpose), or remove it"
                    .to_owned(),
            );
        }
    }
}

/// Disclosures whose basis does not fit the recipient.
fn disclosures(
    raw: &RawPolicy,
    recipients: &Entries<Recipient>,
    purposes: &Entries<Purpose>,
    sink: &mut Sink<'_>,
) {
    for (raw_purpose, entry) in tables(&raw.purpose).zip(&purposes.items) {
        let (Some(p), Some(list)) = (&entry.value, &raw_purpose.recipients) else {
            continue;
        };
        for item in list.get_ref() {
            let Some((r, _)) = recipients
                .valid()
                .find(|(r, _)| r.id.as_str() == item.get_ref())
            else {
                continue;
            };
            let lawful_for_authority = matches!(
                p.basis,
                LegalBasis::LegalObligation | LegalBasis::PublicTask | LegalBasis::VitalInterests
            );
            if r.role == RecipientRole::Authority && !lawful_for_authority {
                sink.warn(
                    "W_AUTHORITY_BASIS",
                    &item.span(),
                    format!(
                        "purpose `{}` discloses to the authority `{}` on the basis `{}`",
                        p.id, r.id, p.basis
                    ),
                    "data normally goes to an authority because a law requires it: \
                     consider `basis = \"legal_obligation\"`"
                        .to_owned(),
                );
            }
            if r.is_transfer()
                && r.safeguard == Safeguard::Consent
                && p.basis != LegalBasis::Consent
            {
                sink.warn(
                    "W_TRANSFER_CONSENT_BASIS",
                    &item.span(),
                    format!(
                        "transfers to `{}` need the subject's consent, but purpose `{}` rests on `{}`",
                        r.id, p.id, p.basis
                    ),
                    "consent is recorded per purpose, so these disclosures will be refused; \
                     base the purpose on consent, or give the recipient `scc` or `bcr`"
                        .to_owned(),
                );
            }
        }
    }
}
