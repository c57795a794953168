//! The declared things: categories, subject kinds, recipients and
//! purposes, each read entry by entry with the rules that concern one
//! entry alone (transfer safeguards, consent and marketing rules, ...).

use crate::country::CountryCode;
use crate::diagnostics::Sink;
use crate::fides::taxonomy;
use crate::ids::{CategoryId, PurposeId, RecipientId, SubjectKindId, TaxonomyKey};
use crate::model::{Category, Purpose, Recipient, SubjectKind};
use crate::raw::{RawPolicy, RawPurpose, RawRecipient, Tables};
use crate::span::CalendarSpan;
use crate::terms::{LegalBasis, RecipientRole, Safeguard};

use super::helpers::{
    Entries, Entry, RefKind, duplicates, flag, parsed, parsed_or, resolve, resolve_optional, text,
};

/// How purposes, retention rules and holds refer to categories.
pub(super) const CATEGORY_REF: RefKind = RefKind {
    code: "E_UNKNOWN_CATEGORY",
    noun: "category",
    section: "category",
};

/// How purposes refer to subject kinds.
const SUBJECT_KIND_REF: RefKind = RefKind {
    code: "E_UNKNOWN_SUBJECT_KIND",
    noun: "subject kind",
    section: "subject_kind",
};

/// How purposes refer to recipients.
const RECIPIENT_REF: RefKind = RefKind {
    code: "E_UNKNOWN_RECIPIENT",
    noun: "recipient",
    section: "recipient",
};

/// The entries of a `[[section]]`, or none when it is absent.
pub(super) fn tables<T>(section: &Option<Tables<T>>) -> impl Iterator<Item = &T> {
    section
        .iter()
        .flat_map(|list| list.get_ref().iter().map(|entry| entry.get_ref()))
}

/// Reads every `[[category]]`.
pub(super) fn categories(raw: &RawPolicy, sink: &mut Sink<'_>) -> Entries<Category> {
    let mut items = Vec::new();
    for c in tables(&raw.category) {
        let id =
            c.id.as_ref()
                .and_then(|t| parsed(sink, t, CategoryId::parse));
        let description = text(sink, "description", c.description.as_ref());
        let taxonomy = c
            .taxonomy
            .as_ref()
            .and_then(|t| parsed(sink, t, TaxonomyKey::parse));
        let identifier = flag(c.identifier.as_ref());
        let storable = c.storable.as_ref().is_none_or(|s| *s.get_ref());
        if let (true, Some(at)) = (identifier && !storable, c.storable.as_ref()) {
            sink.error(
                "E_IDENTIFIER_UNSTORABLE",
                &at.span(),
                "an identifier must be stored (as a keyed hash) to find the subject by it"
                    .to_owned(),
                "remove `storable = false`, or set `identifier = false`".to_owned(),
            );
        }
        if let (Some(key), Some(at)) = (&taxonomy, &c.taxonomy) {
            unknown_taxonomy(key, &at.span(), sink);
        }
        let value = match (id, description, taxonomy) {
            (Some(id), Some(description), Some(taxonomy)) => Some(Category {
                id,
                description,
                taxonomy,
                identifier,
                storable,
            }),
            _ => None,
        };
        items.push(Entry {
            id: c.id.clone(),
            value,
        });
    }
    let entries = Entries { items };
    duplicates(sink, &entries, "category");
    entries
}

/// Warns when a taxonomy key is not a fideslang default data category; the
/// hint names the closest known key or the known parent to extend from.
fn unknown_taxonomy(key: &TaxonomyKey, at: &std::ops::Range<usize>, sink: &mut Sink<'_>) {
    if taxonomy::data_category(key.as_str()).is_some() {
        return;
    }
    let hint = match taxonomy::suggest_category(key.as_str()) {
        Some(known) if key.as_str().starts_with(&format!("{known}.")) => format!(
            "the nearest known key is its parent `{known}`: use it, or keep `{key}` if you have \
             extended the taxonomy in Fides"
        ),
        Some(known) => format!("did you mean `{known}`?"),
        None => "fideslang data categories start with `user.` (about people) or `system.`; \
                 see the list at fideslang's data categories"
            .to_owned(),
    };
    sink.warn(
        "W_UNKNOWN_TAXONOMY",
        at,
        format!("`{key}` is not a data category of the fideslang default taxonomy"),
        hint,
    );
}

/// Reads every `[[subject_kind]]`.
pub(super) fn subject_kinds(raw: &RawPolicy, sink: &mut Sink<'_>) -> Entries<SubjectKind> {
    let mut items = Vec::new();
    for k in tables(&raw.subject_kind) {
        let id =
            k.id.as_ref()
                .and_then(|t| parsed(sink, t, SubjectKindId::parse));
        let description = text(sink, "description", k.description.as_ref());
        let value = match (id, description) {
            (Some(id), Some(description)) => Some(SubjectKind { id, description }),
            _ => None,
        };
        items.push(Entry {
            id: k.id.clone(),
            value,
        });
    }
    let entries = Entries { items };
    duplicates(sink, &entries, "subject kind");
    entries
}

/// Reads every `[[recipient]]` and checks its transfer safeguard (Art. 44-49).
pub(super) fn recipients(raw: &RawPolicy, sink: &mut Sink<'_>) -> Entries<Recipient> {
    let mut items = Vec::new();
    for r in tables(&raw.recipient) {
        let id =
            r.id.as_ref()
                .and_then(|t| parsed(sink, t, RecipientId::parse));
        let name = text(sink, "name", r.name.as_ref());
        let role = r
            .role
            .as_ref()
            .and_then(|t| parsed(sink, t, RecipientRole::parse));
        let country = r
            .country
            .as_ref()
            .and_then(|t| parsed(sink, t, CountryCode::parse));
        let safeguard = parsed_or(
            sink,
            r.safeguard.as_ref(),
            Safeguard::None,
            Safeguard::parse,
        );
        if let (Some(country), Some(safeguard)) = (&country, safeguard) {
            transfer(sink, r, country, safeguard);
        }
        let value = match (id, name, role, country, safeguard) {
            (Some(id), Some(name), Some(role), Some(country), Some(safeguard)) => Some(Recipient {
                id,
                name,
                role,
                country,
                safeguard,
            }),
            _ => None,
        };
        items.push(Entry {
            id: r.id.clone(),
            value,
        });
    }
    let entries = Entries { items };
    duplicates(sink, &entries, "recipient");
    entries
}

/// A transfer outside the EEA needs a safeguard; an adequacy claim must
/// match a decision; inside the EEA a safeguard is needless.
fn transfer(sink: &mut Sink<'_>, r: &RawRecipient, country: &CountryCode, safeguard: Safeguard) {
    let at = r
        .safeguard
        .as_ref()
        .or(r.country.as_ref())
        .map_or(0..0, |t| t.span());
    let who =
        r.id.as_ref()
            .map_or("this recipient", |t| t.get_ref().as_str());
    let place = format!("{} ({country})", country.name());
    if country.in_eea() {
        if safeguard != Safeguard::None {
            sink.warn(
                "W_SAFEGUARD_NOT_NEEDED",
                &at,
                format!(
                    "`{who}` is in {place}, inside the EEA, so no transfer safeguard is needed"
                ),
                "remove `safeguard`, or correct `country` if the data leaves the EEA".to_owned(),
            );
        }
        return;
    }
    match safeguard {
        Safeguard::None => sink.error(
            "E_TRANSFER_WITHOUT_SAFEGUARD",
            &at,
            format!("`{who}` receives data in {place}, outside the EEA, with no safeguard"),
            "declare one: `safeguard = \"adequacy\"` (if the EU has found the country adequate), \
             `\"scc\"`, `\"bcr\"` or `\"consent\"`"
                .to_owned(),
        ),
        Safeguard::Adequacy if !country.has_adequacy_decision() => sink.warn(
            "W_ADEQUACY_UNKNOWN",
            &at,
            format!("the EU has no adequacy decision for {place} that Tutela knows of"),
            "check the European Commission's list; otherwise use `scc` or `bcr`".to_owned(),
        ),
        _ => {}
    }
}

/// Reads every `[[purpose]]` and checks the rules about its basis.
/// What purposes may refer to: the declared categories, recipients and
/// subject kinds.
pub(super) struct Declared<'a> {
    pub categories: &'a Entries<Category>,
    pub recipients: &'a Entries<Recipient>,
    pub subject_kinds: &'a Entries<SubjectKind>,
}

pub(super) fn purposes(
    raw: &RawPolicy,
    declared: &Declared<'_>,
    profiling_declared: bool,
    sink: &mut Sink<'_>,
) -> Entries<Purpose> {
    let mut items = Vec::new();
    for p in tables(&raw.purpose) {
        let value = purpose(p, declared, profiling_declared, sink);
        items.push(Entry {
            id: p.id.clone(),
            value,
        });
    }
    let entries = Entries { items };
    duplicates(sink, &entries, "purpose");
    entries
}

fn purpose(
    p: &RawPurpose,
    declared: &Declared<'_>,
    profiling_declared: bool,
    sink: &mut Sink<'_>,
) -> Option<Purpose> {
    let id =
        p.id.as_ref()
            .and_then(|t| parsed(sink, t, PurposeId::parse));
    let description = text(sink, "description", p.description.as_ref());
    let basis = p
        .basis
        .as_ref()
        .and_then(|t| parsed(sink, t, LegalBasis::parse));
    let cats = p.categories.as_ref().and_then(|list| {
        if list.get_ref().is_empty() {
            sink.error(
                "E_EMPTY_PURPOSE",
                &list.span(),
                "this purpose uses no data category".to_owned(),
                "list the categories it needs, e.g. `categories = [\"email\"]`, or remove the purpose"
                    .to_owned(),
            );
            return None;
        }
        resolve(
            sink,
            list,
            declared.categories,
            &CATEGORY_REF,
            CategoryId::parse,
        )
    });
    let recips = resolve_optional(
        sink,
        p.recipients.as_ref(),
        declared.recipients,
        &RECIPIENT_REF,
        RecipientId::parse,
    );
    let kinds = resolve_optional(
        sink,
        p.subject_kinds.as_ref(),
        declared.subject_kinds,
        &SUBJECT_KIND_REF,
        SubjectKindId::parse,
    );
    let export_to = resolve_optional(
        sink,
        p.export_to.as_ref(),
        declared.recipients,
        &RECIPIENT_REF,
        RecipientId::parse,
    );
    let validity = match &p.consent_valid_for {
        None => Some(None),
        Some(t) => parsed(sink, t, CalendarSpan::parse).map(Some),
    };
    if let Some(basis) = basis {
        let label =
            p.id.as_ref()
                .map_or("this purpose", |t| t.get_ref().as_str());
        basis_rules(p, label, basis, profiling_declared, sink);
        super::opt_out::opt_out_rules(p, label, basis, sink);
        super::reporting::reporting_rules(p, label, basis, sink);
    }
    Some(Purpose {
        id: id?,
        description: description?,
        basis: basis?,
        categories: cats?,
        recipients: recips?,
        subject_kinds: kinds?,
        direct_marketing: flag(p.direct_marketing.as_ref()),
        profiling: flag(p.profiling.as_ref()),
        essential: flag(p.essential.as_ref()),
        consent_valid_for: validity?,
        soft_opt_in: flag(p.soft_opt_in.as_ref()),
        sale_or_sharing: flag(p.sale_or_sharing.as_ref()),
        reporting: flag(p.reporting.as_ref()),
        export_to: export_to?,
    })
}

/// Rules that tie flags to the legal basis.
fn basis_rules(
    raw: &RawPurpose,
    id: &str,
    basis: LegalBasis,
    profiling_declared: bool,
    sink: &mut Sink<'_>,
) {
    let span = |v: Option<&toml::Spanned<bool>>| v.map_or(0..0, |s| s.span());
    let basis_at = raw.basis.as_ref().map_or(0..0, |b| b.span());
    let consent = basis == LegalBasis::Consent;
    let essential = flag(raw.essential.as_ref());
    let marketing = flag(raw.direct_marketing.as_ref());
    if consent && essential {
        sink.error(
            "E_CONSENT_PURPOSE_ESSENTIAL",
            &span(raw.essential.as_ref()),
            format!("purpose `{id}` rests on consent, so it cannot be essential"),
            "consent must be free: the service has to work without it. Remove `essential = true`, \
             or choose the basis the service really relies on (often `contract`)"
                .to_owned(),
        );
    }
    if let (false, Some(at)) = (consent, raw.consent_valid_for.as_ref()) {
        sink.error(
            "E_CONSENT_VALIDITY_WITHOUT_CONSENT",
            &at.span(),
            format!("purpose `{id}` has `consent_valid_for` but its basis is `{basis}`"),
            "remove `consent_valid_for`, or set `basis = \"consent\"`".to_owned(),
        );
    }
    if consent && raw.consent_valid_for.is_none() {
        sink.warn(
            "W_CONSENT_NEVER_EXPIRES",
            &basis_at,
            format!("consent to purpose `{id}` never expires"),
            "add e.g. `consent_valid_for = \"13 months\"` so consent is asked again in time"
                .to_owned(),
        );
    }
    if marketing && !matches!(basis, LegalBasis::Consent | LegalBasis::LegitimateInterests) {
        sink.error(
            "E_MARKETING_BASIS",
            &basis_at,
            format!("direct marketing in `{id}` cannot rest on `{basis}`"),
            "use `consent`, or `legitimate_interests` for existing customers (Recital 47)"
                .to_owned(),
        );
    }
    if marketing && essential {
        sink.error(
            "E_MARKETING_ESSENTIAL",
            &span(raw.essential.as_ref()),
            format!("purpose `{id}` is direct marketing, which is never essential"),
            "remove `essential = true`: people may always refuse marketing".to_owned(),
        );
    }
    if flag(raw.profiling.as_ref()) && !profiling_declared {
        sink.error(
            "E_PROFILING_NOT_DECLARED",
            &span(raw.profiling.as_ref()),
            format!("purpose `{id}` profiles people, but the policy declares no profiling"),
            "set `profiling = true` at the top of the policy so the notice tells people, \
             or remove `profiling = true` here"
                .to_owned(),
        );
    }
}
