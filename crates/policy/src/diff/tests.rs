//! Each kind of change from a small edit of one policy, and its class.

use super::*;

/// A policy with a contract purpose, a consent purpose and a processor.
pub(super) const BASE: &str = r#"name = "Desk"
hosting = "Frankfurt, Germany (EU)"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "Data Protection Authority"
[[subject_kind]]
id = "customer"
description = "Customers"
[[category]]
id = "email"
description = "Email address"
taxonomy = "user.contact.email"
[[category]]
id = "ticket_text"
description = "What you write to support"
taxonomy = "user.content"
[[category]]
id = "ratings"
description = "Your ratings"
taxonomy = "user.behavior"
[[purpose]]
id = "support"
description = "Answering support tickets"
basis = "contract"
categories = ["email", "ticket_text"]
recipients = ["helpdesk"]
[[purpose]]
id = "surveys"
description = "Asking how we did"
basis = "consent"
categories = ["ratings"]
consent_valid_for = "1 year"
[[recipient]]
id = "helpdesk"
name = "Helpdesk GmbH"
role = "processor"
country = "DE"
[[retention]]
categories = ["email"]
keep = "1 year"
from = "last_activity"
[[retention]]
categories = ["ticket_text"]
keep = "1 year"
from = "collected"
[[retention]]
categories = ["ratings"]
keep = "1 year"
from = "collected"
"#;

pub(super) fn parse(src: &str) -> Policy {
    match Policy::parse(src) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}\n{src}"),
    }
}

/// The changes from BASE to BASE with `from` replaced by `to`.
pub(super) fn edit(from: &str, to: &str) -> Vec<Change> {
    assert!(BASE.contains(from), "BASE has no {from:?}");
    diff(&parse(BASE), &parse(&BASE.replacen(from, to, 1)))
}

/// The (code, material) of each change.
pub(super) fn kinds(changes: &[Change]) -> Vec<(&'static str, bool)> {
    changes
        .iter()
        .map(|c| (c.kind.code(), c.material))
        .collect()
}

#[test]
fn the_same_policy_has_no_changes() {
    assert_eq!(diff(&parse(BASE), &parse(BASE)), []);
}

#[test]
fn a_new_purpose_is_material_and_touches_its_categories() {
    let changes = edit(
        "[[recipient]]",
        "[[purpose]]\nid = \"stats\"\ndescription = \"Statistics\"\nbasis = \"legitimate_interests\"\ncategories = [\"ticket_text\"]\n[[recipient]]",
    );
    assert_eq!(kinds(&changes), [("purpose_added", true)]);
    assert_eq!(changes[0].path, "purpose.stats");
    assert_eq!(
        changes[0].categories,
        [CategoryId::parse("ticket_text").unwrap()]
    );
    assert!(changes[0].summary.contains("stats"));
}

#[test]
fn a_category_for_a_purpose_is_material_and_its_declaration_editorial() {
    let src = BASE
        .replacen(
            "categories = [\"email\", \"ticket_text\"]\nrecipients",
            "categories = [\"email\", \"ticket_text\", \"phone\"]\nrecipients",
            1,
        )
        .replacen(
            "[[purpose]]",
            "[[category]]\nid = \"phone\"\ndescription = \"Phone\"\ntaxonomy = \"user.contact.phone_number\"\n[[retention]]\ncategories = [\"phone\"]\nkeep = \"1 year\"\nfrom = \"collected\"\n[[purpose]]",
            1,
        );
    let changes = diff(&parse(BASE), &parse(&src));
    assert_eq!(
        kinds(&changes),
        [
            ("purpose_category_added", true),
            ("category_added", false),
            ("retention_added", false)
        ]
    );
    assert_eq!(changes[0].path, "purpose.support.categories.phone");
    assert_eq!(
        changes[0].summary,
        "The purpose support now also uses phone."
    );
}

#[test]
fn removals_are_listed_but_editorial() {
    let changes = edit(
        "categories = [\"email\", \"ticket_text\"]\nrecipients = [\"helpdesk\"]",
        "categories = [\"email\", \"ticket_text\"]",
    );
    assert!(kinds(&changes).contains(&("purpose_recipient_removed", false)));
    assert!(!has_material(&changes));
    let src = BASE.replacen(
        "categories = [\"email\", \"ticket_text\"]",
        "categories = [\"email\"]",
        1,
    );
    let src = src.replacen(
        "[[retention]]\ncategories = [\"ticket_text\"]\nkeep = \"1 year\"\nfrom = \"collected\"\n",
        "",
        1,
    );
    let src = src.replacen(
        "[[category]]\nid = \"ticket_text\"\ndescription = \"What you write to support\"\ntaxonomy = \"user.content\"\n",
        "",
        1,
    );
    let changes = diff(&parse(BASE), &parse(&src));
    assert_eq!(
        kinds(&changes),
        [
            ("category_removed", false),
            ("purpose_category_removed", false)
        ]
    );
}

#[test]
fn a_changed_basis_is_material() {
    let changes = edit("basis = \"contract\"", "basis = \"legitimate_interests\"");
    assert_eq!(kinds(&changes), [("basis_changed", true)]);
    assert_eq!(changes[0].path, "purpose.support.basis");
}

#[test]
fn a_widened_consent_purpose_is_flagged_as_such() {
    let changes = edit(
        "categories = [\"ratings\"]",
        "categories = [\"ratings\", \"email\"]",
    );
    assert_eq!(
        kinds(&changes),
        [
            ("purpose_category_added", true),
            ("consent_scope_widened", true)
        ]
    );
    let changes = edit(
        "categories = [\"ratings\"]",
        "categories = [\"ratings\"]\nrecipients = [\"helpdesk\"]",
    );
    assert_eq!(
        kinds(&changes),
        [
            ("purpose_recipient_added", true),
            ("consent_scope_widened", true)
        ]
    );
}

#[test]
fn consent_lasting_longer_is_material_and_shorter_editorial() {
    let longer = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"13 months\"",
    );
    assert_eq!(kinds(&longer), [("consent_validity_longer", true)]);
    let same = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"12 months\"",
    );
    assert_eq!(
        kinds(&same),
        [("consent_validity_shorter", false)],
        "12 months never outlasts 1 year"
    );
    let days = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"366 days\"",
    );
    assert_eq!(
        kinds(&days),
        [("consent_validity_longer", true)],
        "366 days outlasts 1 year outside leap years"
    );
    let shorter = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"6 months\"",
    );
    assert_eq!(kinds(&shorter), [("consent_validity_shorter", false)]);
    let unlimited = edit("consent_valid_for = \"1 year\"\n", "");
    assert_eq!(kinds(&unlimited), [("consent_validity_longer", true)]);
}

#[test]
fn intrusive_flags_switched_on_are_material_and_off_editorial() {
    let on = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"1 year\"\ndirect_marketing = true",
    );
    assert_eq!(kinds(&on), [("direct_marketing_on", true)]);
    let on = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"1 year\"\nsale_or_sharing = true",
    );
    assert_eq!(kinds(&on), [("sale_or_sharing_on", true)]);
    let on = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"1 year\"\nreporting = true",
    );
    assert_eq!(kinds(&on), [("reporting_on", true)]);
    let exported = edit(
        "consent_valid_for = \"1 year\"",
        "consent_valid_for = \"1 year\"\nreporting = true\nexport_to = [\"helpdesk\"]",
    );
    assert_eq!(
        kinds(&exported),
        [("export_recipient_added", true), ("reporting_on", true)]
    );
    let src = BASE
        .replacen("hosting =", "profiling = true\nhosting =", 1)
        .replacen(
            "consent_valid_for = \"1 year\"",
            "consent_valid_for = \"1 year\"\nprofiling = true",
            1,
        );
    let changes = diff(&parse(BASE), &parse(&src));
    assert_eq!(
        kinds(&changes),
        [("profiling_on", true), ("purpose_profiling_on", true)]
    );
    assert_eq!(
        changes[0].categories.len(),
        3,
        "policy-wide profiling touches every category"
    );
    let back = diff(&parse(&src), &parse(BASE));
    assert_eq!(
        kinds(&back),
        [("profiling_off", false), ("purpose_flag_off", false)]
    );
}

#[test]
fn a_recipient_moving_abroad_is_a_transfer() {
    let changes = edit("country = \"DE\"", "country = \"US\"\nsafeguard = \"scc\"");
    assert_eq!(
        kinds(&changes),
        [
            ("transfer_added", true),
            ("transfer_safeguard_changed", true)
        ]
    );
    assert_eq!(changes[0].path, "recipient.helpdesk.country");
    assert_eq!(
        changes[0].summary,
        "Helpdesk GmbH now receives the data in United States (before: Germany)."
    );
    assert_eq!(
        changes[0].categories.len(),
        2,
        "the categories support sends"
    );
    let within = edit("country = \"DE\"", "country = \"FR\"");
    assert_eq!(kinds(&within), [("recipient_country_changed", false)]);
    let role = edit("role = \"processor\"", "role = \"controller\"");
    assert_eq!(kinds(&role), [("recipient_role_changed", true)]);
    // The name says who receives the data; a new one may be another
    // company (an outside probe renamed a processor to an ad network).
    let renamed = edit("name = \"Helpdesk GmbH\"", "name = \"Helpdesk SE\"");
    assert_eq!(kinds(&renamed), [("recipient_renamed", true)]);
    assert_eq!(
        renamed[0].categories.len(),
        2,
        "the categories support sends"
    );
}

/// Direct marketing or sale and sharing switched off is material: the
/// processing goes on, but an objection to another purpose (Art. 21(3))
/// or a Global Privacy Control signal no longer stops it. An outside
/// probe saw an objector's newsletter resume the moment the flag went.
#[test]
fn protection_flags_switched_off_are_material() {
    for flag in ["direct_marketing", "sale_or_sharing"] {
        let flagged = BASE.replacen(
            "consent_valid_for = \"1 year\"",
            &format!("consent_valid_for = \"1 year\"\n{flag} = true"),
            1,
        );
        let off = diff(&parse(&flagged), &parse(BASE));
        let code = format!("{flag}_off");
        assert_eq!(kinds(&off), [(code.as_str(), true)], "{flag}");
        assert_eq!(off[0].path, format!("purpose.surveys.{flag}"));
        assert_eq!(off[0].categories.len(), 1, "the purpose's categories");
    }
}

/// Survey noise removed, or spending more epsilon, is material; added or
/// spending less is editorial. An outside probe saw such edits listed as
/// no change at all.
#[test]
fn weaker_survey_noise_is_material() {
    let with_noise = |epsilon: &str, budget: &str| {
        format!(
            "{BASE}[anonymity]\nmin_group_size = 5\nnoise = \"laplace\"\nepsilon = {epsilon}\nbudget = {budget}\n"
        )
    };
    let plain = format!("{BASE}[anonymity]\nmin_group_size = 5\n");
    let noisy = with_noise("1.0", "3.0");
    let removed = diff(&parse(&noisy), &parse(&plain));
    assert_eq!(kinds(&removed), [("noise_weakened", true)]);
    assert_eq!(removed[0].summary, "Survey figures carry no noise.");
    let looser = diff(&parse(&noisy), &parse(&with_noise("10.0", "30.0")));
    assert_eq!(kinds(&looser), [("noise_weakened", true)]);
    let bigger_budget = diff(&parse(&noisy), &parse(&with_noise("1.0", "100.0")));
    assert_eq!(kinds(&bigger_budget), [("noise_weakened", true)]);
    let added = diff(&parse(&plain), &parse(&noisy));
    assert_eq!(kinds(&added), [("noise_strengthened", false)]);
    assert_eq!(
        added[0].summary,
        "Survey figures carry Laplace noise: each read spends epsilon 1, at most 3 per survey."
    );
    let tighter = diff(&parse(&noisy), &parse(&with_noise("0.5", "3.0")));
    assert_eq!(kinds(&tighter), [("noise_strengthened", false)]);
}

/// A new controller name may be another company: material (Art. 13(1)(a)),
/// where its contact details are editorial.
#[test]
fn a_renamed_controller_is_material() {
    let renamed = edit("name = \"Acme\"", "name = \"Evil Corp Inc (US)\"");
    assert_eq!(kinds(&renamed), [("controller_renamed", true)]);
    assert_eq!(
        renamed[0].summary,
        "The controller is now Evil Corp Inc (US) (before: Acme)."
    );
    assert_eq!(renamed[0].categories.len(), 3, "everyone with data is told");
    // A moved address is a contact detail, and the summary says where.
    let moved = edit(
        "email = \"privacy@acme.example\"",
        "email = \"privacy@acme.example\"\naddress = \"Road Town, British Virgin Islands\"",
    );
    assert_eq!(kinds(&moved), [("controller_changed", false)]);
    assert!(
        moved[0].summary.contains("Road Town"),
        "{}",
        moved[0].summary
    );
}

#[test]
fn wording_and_contacts_are_editorial() {
    for (from, to, code) in [
        ("name = \"Desk\"", "name = \"Desk 2\"", "name_changed"),
        (
            "privacy@acme.example",
            "dpo@acme.example",
            "controller_changed",
        ),
        (
            "name = \"Data Protection Authority\"",
            "name = \"Another Authority\"",
            "authority_changed",
        ),
        (
            "Answering support tickets",
            "Helping you",
            "purpose_described",
        ),
        ("Your ratings", "Stars you give", "category_described"),
        (
            "description = \"Customers\"",
            "description = \"Clients\"",
            "subject_kind_changed",
        ),
    ] {
        assert_eq!(kinds(&edit(from, to)), [(code, false)], "{from} -> {to}");
    }
    let notice = edit(
        "[[retention]]",
        "[changes]\nnotice_period = \"6 weeks\"\n[[retention]]",
    );
    assert_eq!(kinds(&notice), [("notice_period_changed", false)]);
    let rights = edit(
        "[[retention]]",
        "[rights]\nverification = \"account\"\n[[retention]]",
    );
    assert_eq!(kinds(&rights), [("rights_changed", false)]);
}

#[test]
fn material_changes_come_first() {
    let src = BASE
        .replacen("Answering support tickets", "Helping you", 1)
        .replacen(
            "basis = \"contract\"",
            "basis = \"legitimate_interests\"",
            1,
        );
    let changes = diff(&parse(BASE), &parse(&src));
    assert_eq!(
        kinds(&changes),
        [("basis_changed", true), ("purpose_described", false)]
    );
}

#[test]
fn every_kind_has_a_distinct_snake_case_code() {
    let mut seen = std::collections::HashSet::new();
    for k in ChangeKind::ALL {
        assert!(seen.insert(k.code()), "{} twice", k.code());
        assert!(
            k.code()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
        );
    }
    let json = serde_json::to_string(&ChangeKind::PurposeAdded).unwrap();
    assert_eq!(json, "\"purpose_added\"");
}

#[test]
fn a_shorter_notice_period_is_itself_material() {
    for shorter in ["0 days", "2 weeks", "29 days"] {
        let notice = edit(
            "[[retention]]",
            &format!("[changes]\nnotice_period = \"{shorter}\"\n[[retention]]"),
        );
        assert_eq!(
            kinds(&notice),
            [("notice_period_shortened", true)],
            "{shorter}"
        );
        assert!(
            notice[0].summary.contains("(before: 30 days)"),
            "{}",
            notice[0].summary
        );
    }
}

/// The hosting text is free, so a move out of the EEA cannot be told from
/// a rewording: every change is material (an outside probe moved it from
/// Frankfurt to Virginia as an editorial change).
#[test]
fn a_hosting_change_is_material() {
    let moved = edit("Frankfurt, Germany (EU)", "Virginia, USA");
    assert_eq!(kinds(&moved), [("hosting_changed", true)]);
    // Every category lives there, so everyone holding data is told.
    assert!(moved[0].categories.len() > 1, "{moved:?}");
}

/// A purpose reaching kinds of people it did not reach before is material,
/// whether its list grows, its list goes (it then covers every kind), or a
/// kind is declared that a purpose without a list covers.
#[test]
fn a_purpose_covering_more_kinds_of_people_is_material() {
    let two_kinds = BASE.replacen(
        "[[subject_kind]]\nid = \"customer\"\ndescription = \"Customers\"",
        "[[subject_kind]]\nid = \"customer\"\ndescription = \"Customers\"\n[[subject_kind]]\nid = \"team\"\ndescription = \"Staff\"",
        1,
    );
    let narrow = two_kinds.replacen(
        "basis = \"contract\"\n",
        "basis = \"contract\"\nsubject_kinds = [\"customer\"]\n",
        1,
    );
    assert_ne!(narrow, two_kinds);
    let wide = narrow.replacen(
        "subject_kinds = [\"customer\"]",
        "subject_kinds = [\"customer\", \"team\"]",
        1,
    );
    let widened = diff(&parse(&narrow), &parse(&wide));
    assert_eq!(kinds(&widened), [("purpose_subject_kinds_widened", true)]);
    assert!(
        widened[0].summary.contains("team"),
        "{}",
        widened[0].summary
    );
    // Dropping the list covers every kind: the same widening.
    assert_eq!(
        kinds(&diff(&parse(&narrow), &parse(&two_kinds))),
        [("purpose_subject_kinds_widened", true)]
    );
    // Narrowing is editorial.
    assert_eq!(
        kinds(&diff(&parse(&wide), &parse(&narrow))),
        [("purpose_subject_kinds_narrowed", false)]
    );
    // A new kind widens every purpose that names no kinds.
    let added = diff(&parse(BASE), &parse(&two_kinds));
    assert!(
        added
            .iter()
            .any(|c| c.kind == ChangeKind::SubjectKindChanged && !c.material)
    );
    let widened: Vec<&str> = added
        .iter()
        .filter(|c| c.kind == ChangeKind::PurposeSubjectKindsWidened)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(widened.len(), parse(BASE).purposes.len(), "{widened:?}");
    assert!(added.iter().any(|c| c.material));
}
