//! From Fides manifests to a policy skeleton: declarations become
//! purposes, dataset fields and declared data categories become
//! categories, data subjects become subject kinds. A manifest Tutela
//! exported carries the rest under `meta.tutela`, which is applied on top,
//! so such a manifest imports back to the very policy it came from.

use std::collections::BTreeSet;

use crate::span::CalendarSpan;

use super::draft::{Draft, DraftCategory, DraftParty, DraftPurpose, DraftRule};
use super::manifest::{
    Declaration, Extras, Field, Manifest, PurposeFacts, RecipientFacts, RuleFacts, SubjectFacts,
};
use super::taxonomy;
use super::vocab::{UniqueIds, basis_from_fides, flags_of_use, slug};

/// The skeleton for these manifests, read in order.
pub(crate) fn draft(manifests: &[Manifest], sources: Vec<String>) -> Draft {
    let declarations: Vec<&Declaration> = manifests
        .iter()
        .flat_map(|m| &m.system)
        .flat_map(|s| &s.privacy_declarations)
        .collect();
    let extras = manifests
        .iter()
        .flat_map(|m| &m.system)
        .find_map(|s| s.meta.as_ref().and_then(|m| m.tutela.as_ref()));
    let mut draft = Draft {
        sources,
        categories: categories(manifests, &declarations),
        subject_kinds: subject_kinds(manifests, &declarations),
        ..Draft::default()
    };
    purposes(&mut draft, &declarations);
    parties(&mut draft, manifests);
    if let Some(extras) = extras {
        apply(&mut draft, extras);
    }
    third_parties(&mut draft);
    draft.profiling = draft.profiling || draft.purposes.iter().any(|p| p.facts.profiling);
    mark_unused(&mut draft);
    draft
}

/// Categories from dataset fields first (the field name is the id), then
/// one for each data category a declaration names that no field carries.
fn categories(manifests: &[Manifest], declarations: &[&Declaration]) -> Vec<DraftCategory> {
    let mut ids = UniqueIds::default();
    let mut out = Vec::new();
    let mut loose: Vec<&str> = Vec::new();
    for dataset in manifests.iter().flat_map(|m| &m.dataset) {
        loose.extend(dataset.data_categories.iter().map(String::as_str));
        for collection in &dataset.collections {
            loose.extend(collection.data_categories.iter().map(String::as_str));
            fields(&collection.fields, "", &mut ids, &mut out);
        }
    }
    loose.extend(
        declarations
            .iter()
            .flat_map(|d| d.data_categories.iter().map(String::as_str)),
    );
    let mut covered: BTreeSet<String> = out.iter().map(|c| c.taxonomy.clone()).collect();
    for key in loose {
        if covered.insert(key.to_owned()) {
            let last = key.rsplit('.').next().unwrap_or(key);
            let id = ids.claim(&slug(last, "data"));
            out.push(from_key(id, key, None));
        }
    }
    out
}

/// Walks (possibly nested) dataset fields, one category per data
/// category; a nested field's id starts with its parent's name.
fn fields(list: &[Field], parent: &str, ids: &mut UniqueIds, out: &mut Vec<DraftCategory>) {
    for field in list {
        let name = if parent.is_empty() {
            field.name.clone()
        } else {
            format!("{parent}_{}", field.name)
        };
        for key in &field.data_categories {
            let wanted = if field.data_categories.len() == 1 {
                slug(&name, "field")
            } else {
                let last = key.rsplit('.').next().unwrap_or(key);
                slug(&format!("{name}_{last}"), "field")
            };
            out.push(from_key(
                ids.claim(&wanted),
                key,
                field.description.as_deref(),
            ));
        }
        fields(&field.fields, &name, ids, out);
    }
}

fn from_key(id: String, key: &str, description: Option<&str>) -> DraftCategory {
    let mut notes = Vec::new();
    let description = match description.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d.to_owned(),
        None => {
            notes.push(format!(
                "TODO: describe this data in plain words for the notice (now fideslang's name for `{key}`)"
            ));
            taxonomy::data_category(key)
                .map_or(key, |e| e.name)
                .to_owned()
        }
    };
    DraftCategory {
        id,
        description,
        taxonomy: key.to_owned(),
        identifier: false,
        storable: true,
        notes,
    }
}

/// Every data subject the declarations name, described by a custom
/// `data_subject` entry or fideslang's default name.
fn subject_kinds(manifests: &[Manifest], declarations: &[&Declaration]) -> Vec<SubjectFacts> {
    let custom: Vec<_> = manifests.iter().flat_map(|m| &m.data_subject).collect();
    let keys = declarations
        .iter()
        .flat_map(|d| d.data_subjects.iter().map(String::as_str))
        .chain(custom.iter().map(|c| c.fides_key.as_str()));
    let mut seen = BTreeSet::new();
    let mut ids = UniqueIds::default();
    keys.filter(|k| seen.insert(*k))
        .map(|key| {
            let described = custom.iter().find(|c| c.fides_key == key);
            let description = described
                .and_then(|c| c.description.clone().or_else(|| c.name.clone()))
                .or_else(|| taxonomy::data_subject(key).map(|e| e.name.to_owned()))
                .unwrap_or_else(|| key.to_owned());
            SubjectFacts {
                id: ids.claim(&slug(key, "subject")),
                description,
            }
        })
        .collect()
}

/// One purpose per declaration, with its categories, basis and flags.
fn purposes(draft: &mut Draft, declarations: &[&Declaration]) {
    let mut ids = UniqueIds::default();
    for decl in declarations {
        let last = decl.data_use.rsplit('.').next().unwrap_or(&decl.data_use);
        let id = ids.claim(&slug(decl.name.as_deref().unwrap_or(last), "purpose"));
        let categories: Vec<String> = draft
            .categories
            .iter()
            .filter(|c| decl.data_categories.contains(&c.taxonomy))
            .map(|c| c.id.clone())
            .collect();
        let mut notes = Vec::new();
        let basis = basis(decl, &mut notes);
        let flags = flags_of_use(&decl.data_use);
        let description = decl
            .name
            .clone()
            .filter(|n| n.contains(' '))
            .unwrap_or_else(|| {
                notes.push("TODO: say what this purpose is for, in plain words".to_owned());
                taxonomy::data_use(&decl.data_use)
                    .map_or(decl.data_use.clone(), |e| e.name.to_owned())
            });
        let shared_with = named_third_parties(decl);
        if decl.data_shared_with_third_parties && shared_with.is_empty() {
            notes.push(
                "TODO: Fides says this use shares data with third parties but names none: declare\n\
                 each as a [[recipient]] (id, name, role, country, safeguard) and list it in `recipients`"
                    .to_owned(),
            );
        }
        retention(draft, decl, &categories, &mut notes);
        draft.purposes.push(DraftPurpose {
            facts: PurposeFacts {
                id,
                description,
                categories,
                direct_marketing: flags.direct_marketing,
                profiling: flags.profiling,
                essential: flags.essential,
                sale_or_sharing: flags.sale_or_sharing,
                ..PurposeFacts::default()
            },
            basis,
            notes,
            shared_with,
        });
    }
}

/// The third parties a declaration names (`third_parties`, `;`-separated
/// as Tutela writes them, whitespace folded), whether or not it sets the
/// sharing flag.
fn named_third_parties(decl: &Declaration) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in decl.third_parties.as_deref().unwrap_or("").split(';') {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    }
    names
}

/// Every third party a declaration names is a recipient of its purpose.
/// One no recipient of the purpose carries (a manifest written outside
/// Tutela, or one edited in Fides since Tutela exported it) becomes a
/// recipient with its name only, listed in the purpose's `recipients`: its
/// role and country are TODOs, so `policy check` fails until they are
/// filled in, and the disclosure is never dropped unseen.
fn third_parties(draft: &mut Draft) {
    let Draft {
        purposes,
        recipients,
        ..
    } = draft;
    let mut ids = UniqueIds::default();
    for r in recipients.iter() {
        ids.claim(&r.id);
    }
    for purpose in purposes.iter_mut() {
        for name in std::mem::take(&mut purpose.shared_with) {
            let known = recipients
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&name))
                .map(|r| r.id.clone());
            let id = match known {
                Some(id) if purpose.facts.recipients.contains(&id) => continue,
                Some(id) => id,
                None => {
                    let id = ids.claim(&slug(&name, "recipient"));
                    recipients.push(RecipientFacts {
                        id: id.clone(),
                        name: name.clone(),
                        ..RecipientFacts::default()
                    });
                    id
                }
            };
            purpose.facts.recipients.push(id);
            purpose.notes.push(format!(
                "TODO: Fides says this use shares data with {name}: it is listed in `recipients`;\n\
                 check its [[recipient]] (role, country, safeguard)"
            ));
        }
    }
}

/// The declared legal basis, or consent (the basis that lets the person
/// decide) with a note to confirm it.
fn basis(decl: &Declaration, notes: &mut Vec<String>) -> String {
    let declared = decl.legal_basis_for_processing.as_deref();
    if let Some(basis) = declared.and_then(basis_from_fides) {
        return basis.to_string();
    }
    notes.push(match declared {
        Some(other) => format!(
            "TODO: Fides gives the legal basis `{other}`, which is not one of Art. 6(1);\n\
             consent is set as the conservative default: confirm or change it"
        ),
        None => "TODO: Fides gives no legal basis; consent is set as the conservative\n\
                 default: confirm or change it (Art. 6(1))"
            .to_owned(),
    });
    "consent".to_owned()
}

/// A retention period Fides states as a plain span ("90 days") becomes a
/// rule counted from collection; any other wording becomes a note.
fn retention(
    draft: &mut Draft,
    decl: &Declaration,
    categories: &[String],
    notes: &mut Vec<String>,
) {
    let Some(period) = decl.retention_period.as_deref().map(str::trim) else {
        return;
    };
    match CalendarSpan::parse(period) {
        Ok(span) if !categories.is_empty() => draft.retention.push(DraftRule {
            rule: RuleFacts {
                categories: categories.to_vec(),
                keep: span.to_string(),
                from: "collected".to_owned(),
                then: "delete".to_owned(),
            },
            notes: vec![format!(
                "From the retention period `{period}` of a Fides declaration; check when it starts"
            )],
        }),
        _ => notes.push(format!(
            "TODO: Fides says data is kept for: {period}\nwrite that as a [[retention]] rule"
        )),
    }
}

/// The controller from the first system that names one.
fn parties(draft: &mut Draft, manifests: &[Manifest]) {
    let systems: Vec<_> = manifests.iter().flat_map(|m| &m.system).collect();
    draft.name = systems.iter().find_map(|s| s.name.clone());
    draft.profiling = systems.iter().any(|s| s.uses_profiling);
    draft.controller = DraftParty {
        name: systems.iter().find_map(|s| s.legal_name.clone()),
        email: None,
        address: systems.iter().find_map(|s| s.legal_address.clone()),
    };
    let transfers: Vec<&str> = systems
        .iter()
        .filter(|s| s.does_international_transfers)
        .flat_map(|s| s.legal_basis_for_transfers.iter().map(String::as_str))
        .collect();
    if systems.iter().any(|s| s.does_international_transfers) {
        draft.notes.push(format!(
            "TODO: Fides says data is transferred to other countries (safeguards: {}):\n\
             declare each receiver as a [[recipient]] with its `country` and `safeguard`",
            if transfers.is_empty() {
                "none named".to_owned()
            } else {
                transfers.join(", ")
            }
        ));
    }
    draft.dpo = systems.iter().find_map(|s| s.dpo.clone()).map(|contact| {
        if contact.contains('@') {
            DraftParty {
                email: Some(contact),
                ..DraftParty::default()
            }
        } else {
            DraftParty {
                name: Some(contact),
                ..DraftParty::default()
            }
        }
    });
}

/// The facts a Tutela export left under `meta.tutela`, on top of what the
/// standard fields gave.
fn apply(draft: &mut Draft, extras: &Extras) {
    draft.name = extras.name.clone().or(draft.name.take());
    draft.hosting = extras.hosting.clone();
    draft.controller.email = extras.controller_email.clone();
    if let Some(dpo) = &extras.dpo {
        draft.dpo = Some(DraftParty {
            name: Some(dpo.name.clone()),
            email: Some(dpo.email.clone()),
            address: dpo.address.clone(),
        });
    }
    draft.authority = extras.authority.clone();
    // The recipients below carry every transfer with its safeguard.
    draft.notes.clear();
    for (rank, facts) in extras.categories.iter().enumerate() {
        if let Some(c) = draft.categories.iter_mut().find(|c| c.id == facts.id) {
            c.identifier = facts.identifier;
            c.storable = facts.storable;
        }
        reorder(&mut draft.categories, rank, |c| c.id == facts.id);
    }
    if !extras.subject_kinds.is_empty() {
        draft.subject_kinds = extras.subject_kinds.clone();
    }
    for (rank, facts) in extras.purposes.iter().enumerate() {
        if let Some(p) = draft.purposes.iter_mut().find(|p| p.facts.id == facts.id) {
            p.facts = facts.clone();
            p.notes.clear();
        }
        reorder(&mut draft.purposes, rank, |p| p.facts.id == facts.id);
    }
    draft.recipients = extras.recipients.clone();
    draft.retention = extras
        .retention
        .iter()
        .map(|rule| DraftRule {
            rule: rule.clone(),
            notes: Vec::new(),
        })
        .collect();
    draft.holds = extras.holds.clone();
    draft.min_group_size = extras.min_group_size;
    draft.rights = extras.rights.clone();
    draft.security_measures = extras.security_measures.clone();
    draft.notice_period = extras.notice_period.clone();
}

/// Moves the first item matching `is` to position `rank`, if both exist.
fn reorder<T>(items: &mut Vec<T>, rank: usize, is: impl Fn(&T) -> bool) {
    if let Some(at) = items.iter().position(is)
        && rank < items.len()
    {
        let item = items.remove(at);
        items.insert(rank.min(items.len()), item);
    }
}

/// A category no purpose uses is an error in a policy; say why it is there.
fn mark_unused(draft: &mut Draft) {
    let used: BTreeSet<&String> = draft
        .purposes
        .iter()
        .flat_map(|p| &p.facts.categories)
        .collect();
    let unused: Vec<usize> = (0..draft.categories.len())
        .filter(|i| {
            draft
                .categories
                .get(*i)
                .is_some_and(|c| !used.contains(&c.id))
        })
        .collect();
    for i in unused {
        if let Some(c) = draft.categories.get_mut(i) {
            c.notes.push(
                "TODO: no Fides declaration uses this data: list it in a purpose's `categories`\n\
                 or remove it"
                    .to_owned(),
            );
        }
    }
}
