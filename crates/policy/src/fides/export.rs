//! A Tutela policy as a Fides manifest: one system whose privacy
//! declarations are the purposes, one dataset whose fields are the
//! categories, custom data subjects for subject kinds fideslang lacks, and
//! everything else under the system's `meta.tutela`.

use std::collections::BTreeSet;

use crate::model::{Policy, Purpose};
use crate::terms::Safeguard;

use super::manifest::{
    AuthorityFacts, Collection, DataSubject, Dataset, Declaration, Extras, Field, HoldFacts,
    Manifest, Meta, PartyFacts, PurposeFacts, RecipientFacts, RightsFacts, RuleFacts, SubjectFacts,
    System,
};
use super::taxonomy;
use super::vocab::{basis_to_fides, data_use_for, safeguard_to_fides, slug};

/// The manifest describing this policy.
pub(crate) fn manifest(policy: &Policy) -> Manifest {
    let title = policy.name.as_deref().unwrap_or(&policy.controller.name);
    let key = slug(title, "system");
    let dataset_key = format!("{key}_personal_data");
    Manifest {
        system: vec![system(policy, title, &key, &dataset_key)],
        dataset: vec![dataset(policy, title, &dataset_key)],
        data_subject: custom_subjects(policy),
    }
}

fn system(policy: &Policy, title: &str, key: &str, dataset_key: &str) -> System {
    let safeguards: BTreeSet<&str> = policy
        .recipients
        .iter()
        .filter(|r| r.is_transfer())
        .filter_map(|r| safeguard_to_fides(r.safeguard))
        .collect();
    System {
        fides_key: key.to_owned(),
        name: Some(title.to_owned()),
        description: Some(format!(
            "Personal data processing of {title}, as its Tutela policy declares it"
        )),
        organization_fides_key: "default_organization".to_owned(),
        system_type: "Service".to_owned(),
        legal_name: Some(policy.controller.name.clone()),
        legal_address: policy.controller.address.clone(),
        dpo: policy.dpo.as_ref().map(|d| d.email.clone()),
        responsibility: vec!["Controller".to_owned()],
        uses_profiling: policy.profiling,
        does_international_transfers: policy.recipients.iter().any(|r| r.is_transfer()),
        legal_basis_for_transfers: safeguards.into_iter().map(str::to_owned).collect(),
        dataset_references: vec![dataset_key.to_owned()],
        privacy_declarations: policy
            .purposes
            .iter()
            .map(|p| declaration(policy, p, dataset_key))
            .collect(),
        meta: Some(Meta {
            tutela: Some(extras(policy)),
        }),
    }
}

fn declaration(policy: &Policy, purpose: &Purpose, dataset_key: &str) -> Declaration {
    let keys: Vec<String> = purpose
        .categories
        .iter()
        .filter_map(|id| policy.category(id))
        .map(|c| c.taxonomy.as_str().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let recipients: Vec<&str> = purpose
        .recipients
        .iter()
        .filter_map(|id| policy.recipient(id))
        .map(|r| r.name.as_str())
        .collect();
    let shared = !recipients.is_empty();
    Declaration {
        name: Some(purpose.id.as_str().to_owned()),
        data_categories: keys.clone(),
        data_use: data_use_for(purpose).to_owned(),
        data_subjects: policy
            .subjects_of(purpose)
            .map(|k| k.id.as_str().to_owned())
            .collect(),
        dataset_references: Some(vec![dataset_key.to_owned()]),
        flexible_legal_basis_for_processing: Some(false),
        legal_basis_for_processing: Some(basis_to_fides(purpose.basis).to_owned()),
        retention_period: retention_words(policy, purpose),
        data_shared_with_third_parties: shared,
        third_parties: shared.then(|| recipients.join("; ")),
        shared_categories: if shared { keys } else { Vec::new() },
    }
}

/// The retention rules covering a purpose's categories, in words
/// ("1 year from last_activity, then delete (ticket_text)"), for people
/// reading Fides; the rules themselves travel in `meta.tutela`.
fn retention_words(policy: &Policy, purpose: &Purpose) -> Option<String> {
    let lines: Vec<String> = policy
        .retention
        .iter()
        .filter_map(|r| {
            let covered: Vec<&str> = r
                .categories
                .iter()
                .filter(|c| purpose.covers(c))
                .map(|c| c.as_str())
                .collect();
            (!covered.is_empty()).then(|| {
                format!(
                    "{} from {}, then {} ({})",
                    r.keep,
                    r.from,
                    r.then,
                    covered.join(", ")
                )
            })
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}

fn dataset(policy: &Policy, title: &str, key: &str) -> Dataset {
    Dataset {
        fides_key: key.to_owned(),
        name: Some(format!("{title}: personal data")),
        description: Some("Each field is one category of personal data of the policy".to_owned()),
        organization_fides_key: "default_organization".to_owned(),
        data_categories: Vec::new(),
        collections: vec![Collection {
            name: "categories".to_owned(),
            description: None,
            data_categories: Vec::new(),
            fields: policy
                .categories
                .iter()
                .map(|c| Field {
                    name: c.id.as_str().to_owned(),
                    description: Some(c.description.clone()),
                    data_categories: vec![c.taxonomy.as_str().to_owned()],
                    fields: Vec::new(),
                })
                .collect(),
        }],
    }
}

/// Subject kinds fideslang's default taxonomy lacks, declared so the
/// manifest's references resolve.
fn custom_subjects(policy: &Policy) -> Vec<DataSubject> {
    policy
        .subject_kinds
        .iter()
        .filter(|k| taxonomy::data_subject(k.id.as_str()).is_none())
        .map(|k| DataSubject {
            fides_key: k.id.as_str().to_owned(),
            name: Some(k.id.as_str().replace('_', " ")),
            description: Some(k.description.clone()),
            organization_fides_key: "default_organization".to_owned(),
        })
        .collect()
}

/// Everything the standard fields cannot carry, as the policy file writes it.
fn extras(policy: &Policy) -> Extras {
    let words = |ids: &[crate::ids::CategoryId]| ids.iter().map(|c| c.to_string()).collect();
    Extras {
        name: policy.name.clone(),
        hosting: policy.hosting.clone(),
        controller_email: Some(policy.controller.email.clone()),
        dpo: policy.dpo.as_ref().map(|d| PartyFacts {
            name: d.name.clone(),
            email: d.email.clone(),
            address: d.address.clone(),
        }),
        authority: Some(AuthorityFacts {
            name: policy.authority.name.clone(),
            url: policy.authority.url.clone(),
            email: policy.authority.email.clone(),
        }),
        categories: policy
            .categories
            .iter()
            .map(|c| super::manifest::CategoryFacts {
                id: c.id.to_string(),
                identifier: c.identifier,
                storable: c.storable,
            })
            .collect(),
        subject_kinds: policy
            .subject_kinds
            .iter()
            .map(|k| SubjectFacts {
                id: k.id.to_string(),
                description: k.description.clone(),
            })
            .collect(),
        purposes: policy.purposes.iter().map(purpose_facts).collect(),
        recipients: policy
            .recipients
            .iter()
            .map(|r| RecipientFacts {
                id: r.id.to_string(),
                name: r.name.clone(),
                role: r.role.to_string(),
                country: r.country.to_string(),
                safeguard: (r.safeguard != Safeguard::None).then(|| r.safeguard.to_string()),
            })
            .collect(),
        retention: policy
            .retention
            .iter()
            .map(|r| RuleFacts {
                categories: words(&r.categories),
                keep: r.keep.to_string(),
                from: r.from.to_string(),
                then: r.then.to_string(),
            })
            .collect(),
        holds: policy
            .holds
            .iter()
            .map(|h| HoldFacts {
                categories: words(&h.categories),
                law: h.law.clone(),
                keep: h.keep.to_string(),
                from: h.from.to_string(),
            })
            .collect(),
        min_group_size: Some(policy.anonymity.min_group_size),
        rights: Some(RightsFacts {
            answer_within: policy.rights.answer_within.to_string(),
            extension: policy.rights.extension.to_string(),
            verification: policy.rights.verification.to_string(),
            first_handler: policy.rights.first_handler.to_string(),
        }),
        security_measures: policy.security_measures.clone(),
        notice_period: Some(policy.changes.notice_period.to_string()),
    }
}

fn purpose_facts(p: &Purpose) -> PurposeFacts {
    PurposeFacts {
        id: p.id.to_string(),
        description: p.description.clone(),
        categories: p.categories.iter().map(ToString::to_string).collect(),
        recipients: p.recipients.iter().map(ToString::to_string).collect(),
        direct_marketing: p.direct_marketing,
        profiling: p.profiling,
        essential: p.essential,
        consent_valid_for: p.consent_valid_for.as_ref().map(ToString::to_string),
        soft_opt_in: p.soft_opt_in,
        sale_or_sharing: p.sale_or_sharing,
        subject_kinds: p.subject_kinds.iter().map(ToString::to_string).collect(),
        reporting: p.reporting,
        export_to: p.export_to.iter().map(ToString::to_string).collect(),
    }
}
