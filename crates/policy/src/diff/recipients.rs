//! Changes to recipients: where they are, what safeguards a transfer, and
//! what role they play. Moving data outside the EEA, or changing what
//! makes such a transfer lawful, is material (Chapter V).

use super::purposes::categories_sent_to;
use super::{ChangeKind as K, Found};
use crate::model::{Policy, Recipient};

/// Recipients added, removed or changed.
pub(super) fn recipients(old: &Policy, new: &Policy, found: &mut Found) {
    for r in &new.recipients {
        let path = format!("recipient.{}", r.id);
        match old.recipient(&r.id) {
            None => {
                let text = format!(
                    "A new recipient is declared: {} in {}.",
                    r.name,
                    r.country.name()
                );
                found.add(K::RecipientAdded, path, text, vec![]);
            }
            Some(was) => recipient(was, r, &path, new, found),
        }
    }
    for r in &old.recipients {
        if new.recipient(&r.id).is_none() {
            let text = format!("{} no longer receives any data.", r.name);
            found.add(
                K::RecipientRemoved,
                format!("recipient.{}", r.id),
                text,
                vec![],
            );
        }
    }
}

fn recipient(was: &Recipient, now: &Recipient, path: &str, new: &Policy, found: &mut Found) {
    let touched = || categories_sent_to(new, &now.id);
    if was.name != now.name {
        let text = format!("The recipient {} is now named {}.", now.id, now.name);
        found.add(K::RecipientRenamed, format!("{path}.name"), text, touched());
    }
    if was.country != now.country {
        let text = format!(
            "{} now receives the data in {} (before: {}).",
            now.name,
            now.country.name(),
            was.country.name()
        );
        let kind = if now.is_transfer() {
            K::TransferAdded
        } else {
            K::RecipientCountryChanged
        };
        let cats = if now.is_transfer() { touched() } else { vec![] };
        found.add(kind, format!("{path}.country"), text, cats);
    }
    if was.safeguard != now.safeguard {
        let text = format!(
            "The transfer to {} now relies on {} (before: {}).",
            now.name, now.safeguard, was.safeguard
        );
        let path = format!("{path}.safeguard");
        if now.is_transfer() {
            found.add(K::TransferSafeguardChanged, path, text, touched());
        } else {
            found.add(K::SafeguardChanged, path, text, vec![]);
        }
    }
    if was.role != now.role {
        let text = format!(
            "{} now acts as {} (before: {}).",
            now.name, now.role, was.role
        );
        found.add(
            K::RecipientRoleChanged,
            format!("{path}.role"),
            text,
            touched(),
        );
    }
}
