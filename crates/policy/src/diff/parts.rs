//! Changes to the parties, the categories and the policy-wide settings.

use super::{ChangeKind as K, Found, all_categories};
use crate::model::{Category, Policy};

/// The product name, hosting text, controller, DPO, authority and the
/// policy-wide profiling flag.
pub(super) fn top(old: &Policy, new: &Policy, found: &mut Found) {
    if old.name != new.name {
        found.add(
            K::NameChanged,
            "name".into(),
            "The product's name changed.".into(),
            vec![],
        );
    }
    if old.hosting != new.hosting {
        let to = new.hosting.as_deref().unwrap_or("not stated");
        let text = format!("The hosting location is now described as \"{to}\".");
        // Every category is stored there: everyone with data is told.
        found.add(
            K::HostingChanged,
            "hosting".into(),
            text,
            all_categories(new),
        );
    }
    if old.controller.name != new.controller.name {
        // Who is responsible for the data (Art. 13(1)(a)): a new name may
        // be another company, so people hear of it before it applies.
        let text = format!(
            "The controller is now {} (before: {}).",
            new.controller.name, old.controller.name
        );
        found.add(
            K::ControllerRenamed,
            "controller.name".into(),
            text,
            all_categories(new),
        );
    } else if old.controller != new.controller {
        let c = &new.controller;
        let text = match &c.address {
            Some(address) => format!(
                "The controller {} is now reached at {}, {address}.",
                c.name, c.email
            ),
            None => format!("The controller {} is now reached at {}.", c.name, c.email),
        };
        found.add(K::ControllerChanged, "controller".into(), text, vec![]);
    }
    if old.dpo != new.dpo {
        let text = match &new.dpo {
            Some(d) => format!(
                "The data protection officer is now {} ({}).",
                d.name, d.email
            ),
            None => "No data protection officer is named any more.".to_owned(),
        };
        found.add(K::DpoChanged, "dpo".into(), text, vec![]);
    }
    if old.authority != new.authority {
        let text = match &new.authority.url {
            Some(url) => format!("Complaints now go to {} ({url}).", new.authority.name),
            None => format!("Complaints now go to {}.", new.authority.name),
        };
        found.add(K::AuthorityChanged, "authority".into(), text, vec![]);
    }
    match (old.profiling, new.profiling) {
        (false, true) => found.add(
            K::ProfilingOn,
            "profiling".into(),
            "The service now profiles people (evaluates personal aspects).".into(),
            all_categories(new),
        ),
        (true, false) => found.add(
            K::ProfilingOff,
            "profiling".into(),
            "The service no longer profiles people.".into(),
            vec![],
        ),
        _ => {}
    }
}

/// Categories declared, removed or described anew.
pub(super) fn categories(old: &Policy, new: &Policy, found: &mut Found) {
    for c in &new.categories {
        let path = format!("category.{}", c.id);
        match old.category(&c.id) {
            None => {
                let text = format!(
                    "A new kind of data is declared: {} ({}).",
                    c.id, c.description
                );
                found.add(K::CategoryAdded, path, text, vec![]);
            }
            Some(was) => category(was, c, path, found),
        }
    }
    for c in &old.categories {
        if new.category(&c.id).is_none() {
            let text = format!("The data {} is no longer declared.", c.id);
            found.add(
                K::CategoryRemoved,
                format!("category.{}", c.id),
                text,
                vec![],
            );
        }
    }
}

fn category(was: &Category, now: &Category, path: String, found: &mut Found) {
    if was.description != now.description || was.taxonomy != now.taxonomy {
        let text = format!(
            "The data {} is now described as \"{}\" ({}).",
            now.id, now.description, now.taxonomy
        );
        found.add(K::CategoryDescribed, path.clone(), text, vec![]);
    }
    if !was.storable && now.storable {
        let text = format!(
            "The data {} may now be stored; before it was only processed in passing.",
            now.id
        );
        found.add(
            K::CategoryNowStored,
            format!("{path}.storable"),
            text,
            vec![now.id.clone()],
        );
    } else if was.storable && !now.storable {
        let text = format!(
            "The data {} is no longer stored; it is only processed in passing.",
            now.id
        );
        found.add(
            K::CategoryStorageNarrowed,
            format!("{path}.storable"),
            text,
            vec![],
        );
    }
    if !was.identifier && now.identifier {
        let text = format!(
            "The data {} is now used to find people: a person is looked up, and told apart from others, by its value.",
            now.id
        );
        found.add(
            K::CategoryNowIdentifier,
            format!("{path}.identifier"),
            text,
            vec![now.id.clone()],
        );
    } else if was.identifier && !now.identifier {
        let text = format!("The data {} is no longer used to find people.", now.id);
        found.add(
            K::CategoryNoLongerIdentifier,
            format!("{path}.identifier"),
            text,
            vec![],
        );
    }
}

/// Survey noise: removed, or more ε per read or in all, is weaker.
fn noise(old: &Policy, new: &Policy, found: &mut Found) {
    let (was, now) = (old.anonymity.noise, new.anonymity.noise);
    if was == now {
        return;
    }
    let eps = |millis: u32| format!("{}", f64::from(millis) / 1000.0);
    let text = match now {
        Some(n) => format!(
            "Survey figures carry Laplace noise: each read spends epsilon {}, at most {} per survey.",
            eps(n.epsilon_millis),
            eps(n.budget_millis)
        ),
        None => "Survey figures carry no noise.".to_owned(),
    };
    let weaker = match (was, now) {
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (Some(w), Some(n)) => {
            n.epsilon_millis > w.epsilon_millis || n.budget_millis > w.budget_millis
        }
        (None, None) => false,
    };
    let path = "anonymity.noise".to_owned();
    if weaker {
        found.add(K::NoiseWeakened, path, text, all_categories(new));
    } else {
        found.add(K::NoiseStrengthened, path, text, vec![]);
    }
}

/// Subject kinds, anonymity, rights handling and the notice period.
pub(super) fn settings(old: &Policy, new: &Policy, found: &mut Found) {
    if old.subject_kinds != new.subject_kinds {
        let kinds: Vec<&str> = new.subject_kinds.iter().map(|k| k.id.as_str()).collect();
        let text = format!("The kinds of people covered are now: {}.", kinds.join(", "));
        found.add(K::SubjectKindChanged, "subject_kind".into(), text, vec![]);
    }
    let (was, now) = (old.anonymity.min_group_size, new.anonymity.min_group_size);
    let path = "anonymity.min_group_size".to_owned();
    if now < was {
        let text =
            format!("Results are now shown for groups of {now} people or more (before: {was}).");
        found.add(K::MinGroupSizeLowered, path, text, all_categories(new));
    } else if now > was {
        let text = format!(
            "Results are now shown only for groups of {now} people or more (before: {was})."
        );
        found.add(K::MinGroupSizeRaised, path, text, vec![]);
    }
    noise(old, new, found);
    if old.rights != new.rights {
        let r = &new.rights;
        let text = format!(
            "Requests are now answered within {}, extendable by {}; identity is checked by {}.",
            r.answer_within, r.extension, r.verification
        );
        found.add(K::RightsChanged, "rights".into(), text, vec![]);
    }
    if old.changes != new.changes {
        let (was, now) = (&old.changes.notice_period, &new.changes.notice_period);
        let text =
            format!("Material changes are now announced {now} before they apply (before: {was}).");
        let kind = if was.can_exceed(now) {
            K::NoticePeriodShortened
        } else {
            K::NoticePeriodChanged
        };
        found.add(kind, "changes.notice_period".into(), text, vec![]);
    }
}
