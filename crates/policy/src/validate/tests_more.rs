//! Warnings, defaults, the shipped example policies, and policies with
//! many problems at once.

use super::tests::{BASE, codes, expect, expect_nth, recipient, replaced, with};
use super::*;
use crate::ids::{CategoryId, PurposeId, RecipientId, SubjectKindId};
use crate::span::CalendarSpan;
use crate::terms::{Anchor, Disposal, FirstHandler, LegalBasis, Safeguard, Verification};

fn warns_only(src: &str, code: &str) {
    let checked = check(src);
    assert!(
        checked.policy.is_some(),
        "warnings must not block: {:?}",
        checked.diagnostics
    );
    assert!(
        checked.diagnostics.iter().any(|d| d.code == code),
        "{code} missing: {:?}",
        checked.diagnostics
    );
    assert!(checked.diagnostics.iter().all(|d| !d.is_error()));
}

/// Art. 13(3): a zero notice period is allowed, but said to mean that
/// nobody hears of a material change before it applies.
#[test]
fn no_notice_period_warns() {
    let src = format!(
        "{}\n[changes]\nnotice_period = \"0 days\"\n",
        crate::EXAMPLE_POLICY
    );
    warns_only(&src, "W_NO_NOTICE_PERIOD");
    let kept = format!(
        "{}\n[changes]\nnotice_period = \"14 days\"\n",
        crate::EXAMPLE_POLICY
    );
    assert!(check(&kept).diagnostics.is_empty());
}

/// A notice period of years is most likely a typo: shortening it is a
/// material change that must itself wait the whole period out.
#[test]
fn a_notice_period_of_years_warns() {
    let src = format!(
        "{}\n[changes]\nnotice_period = \"200 years\"\n",
        crate::EXAMPLE_POLICY
    );
    warns_only(&src, "W_LONG_NOTICE_PERIOD");
    // Said in plain sentences (an outside probe saw runs of spaces).
    for d in check(&src).diagnostics {
        assert!(!d.message.contains("  "), "{d}");
        assert!(!d.hint.as_deref().unwrap_or("").contains("  "), "{d}");
    }
    for fine in ["90 days", "12 months", "1 year"] {
        let kept = format!(
            "{}\n[changes]\nnotice_period = \"{fine}\"\n",
            crate::EXAMPLE_POLICY
        );
        assert!(check(&kept).diagnostics.is_empty(), "{fine}");
    }
}

#[test]
fn the_example_policies_are_clean() {
    for (name, src) in [
        ("example", crate::EXAMPLE_POLICY),
        ("operator", crate::OPERATOR_POLICY),
    ] {
        let checked = check(src);
        let all: Vec<String> = checked
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(all.is_empty(), "{name}:\n{}", all.join("\n"));
        assert!(Policy::parse(src).is_ok());
    }
}

#[test]
fn the_example_carries_the_seed_facts() {
    let p = Policy::parse(crate::EXAMPLE_POLICY).unwrap();
    let cat = |s: &str| CategoryId::parse(s).unwrap();
    let pur = |s: &str| p.purpose(&PurposeId::parse(s).unwrap()).unwrap().clone();
    assert_eq!(p.name.as_deref(), Some("Acme Support Desk"));
    assert!(p.category(&cat("email")).unwrap().identifier);
    assert!(p.category(&cat("external_id")).unwrap().identifier);
    assert_eq!(
        p.category(&cat("server_log")).unwrap().taxonomy.as_str(),
        "user.device"
    );
    assert_eq!(pur("account").basis, LegalBasis::Contract);
    assert_eq!(pur("support").basis, LegalBasis::LegitimateInterests);
    assert_eq!(pur("ratings").basis, LegalBasis::LegitimateInterests);
    assert_eq!(pur("analytics").basis, LegalBasis::Consent);
    let newsletter = pur("newsletter");
    assert!(newsletter.direct_marketing && newsletter.covers(&cat("email")));
    assert_eq!(newsletter.consent_valid_for, Some(CalendarSpan::months(13)));
    let billing = pur("billing");
    assert_eq!(billing.basis, LegalBasis::LegalObligation);
    let tax = p
        .recipient(&RecipientId::parse("tax_office").unwrap())
        .unwrap();
    assert!(billing.discloses_to(&tax.id) && !tax.is_transfer());
    let helpdesk = p
        .recipient(&RecipientId::parse("helpdesk").unwrap())
        .unwrap();
    assert!(helpdesk.is_transfer() && helpdesk.safeguard == Safeguard::Scc);
    assert!(pur("support").discloses_to(&helpdesk.id));
    let logs: Vec<_> = p.retention_for(&cat("server_log")).collect();
    assert_eq!(
        (logs[0].keep, &logs[0].from),
        (CalendarSpan::days(90), &Anchor::Collected)
    );
    let holds: Vec<_> = p.holds_for(&cat("iban")).collect();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].keep, CalendarSpan::parse("10 years").unwrap());
    assert_eq!(p.holds_for(&cat("email")).count(), 0);
    assert!(
        p.retention
            .iter()
            .any(|r| r.from.to_string() == "event:tenant.uninstalled")
    );
    assert!(
        p.retention
            .iter()
            .any(|r| r.from.to_string() == "plan:free")
    );
    assert!(
        p.subject_kind(&SubjectKindId::parse("customer").unwrap())
            .is_some()
    );
    assert!(!p.profiling);
}

#[test]
fn the_operator_policy_covers_client_accounts() {
    let p = Policy::parse(crate::OPERATOR_POLICY).unwrap();
    let ids: Vec<&str> = p.categories.iter().map(|c| c.id.as_str()).collect();
    for id in ["company", "contact_name", "email", "phone"] {
        assert!(ids.contains(&id), "{id}");
    }
    assert_eq!(
        p.purpose(&PurposeId::parse("account").unwrap())
            .unwrap()
            .basis,
        LegalBasis::Contract
    );
    assert_eq!(
        p.purpose(&PurposeId::parse("billing").unwrap())
            .unwrap()
            .basis,
        LegalBasis::LegalObligation
    );
}

#[test]
fn defaults_apply_when_left_out() {
    let p = Policy::parse(BASE).unwrap();
    assert_eq!(p.anonymity.min_group_size, 5);
    assert_eq!(p.rights.answer_within, CalendarSpan::months(1));
    assert_eq!(p.rights.extension, CalendarSpan::months(2));
    assert_eq!(p.rights.verification, Verification::Email);
    assert_eq!(p.rights.first_handler, FirstHandler::Controller);
    assert_eq!(p.retention[0].then, Disposal::Delete);
    assert!(!p.profiling && p.dpo.is_none() && p.name.is_none());
    let c = &p.categories[0];
    assert!(c.storable && !c.identifier);
    let purpose = &p.purposes[0];
    assert!(!purpose.direct_marketing && !purpose.profiling && !purpose.essential);
    assert!(purpose.recipients.is_empty() && purpose.consent_valid_for.is_none());
    let held = Policy::parse(&with(
        "[[hold]]\ncategories = [\"email\"]\nlaw = \"Law\"\nkeep = \"6 years\"\n",
    ))
    .unwrap();
    assert_eq!(held.holds[0].from, Anchor::Collected);
}

#[test]
fn a_policy_using_every_field_parses() {
    let src = r#"name = "Full"
hosting = "Dublin, Ireland (EU)"
profiling = true
[controller]
name = "Full Ltd"
email = "privacy@full.example"
address = "1 Main Street, Dublin"
[dpo]
name = "Pat"
email = "dpo@full.example"
address = "2 Main Street, Dublin"
[authority]
name = "Data Protection Commission"
url = "https://www.dataprotection.ie"
email = "info@dataprotection.ie"
[[category]]
id = "email"
description = "Email"
taxonomy = "user.contact.email"
identifier = true
storable = true
[[subject_kind]]
id = "user"
description = "Users"
[[purpose]]
id = "scoring"
description = "Score leads"
basis = "consent"
categories = ["email"]
recipients = ["crm"]
direct_marketing = true
profiling = true
essential = false
consent_valid_for = "1 year"
[[recipient]]
id = "crm"
name = "CRM AG"
role = "controller"
country = "CH"
safeguard = "adequacy"
[[retention]]
categories = ["email"]
keep = "2 years"
from = "last_activity"
then = "anonymize"
[[hold]]
categories = ["email"]
law = "Some law"
keep = "6 years"
from = "event:contract.ended"
[anonymity]
min_group_size = 10
[rights]
answer_within = "1 month"
extension = "2 months"
verification = "document"
first_handler = "operator"
"#;
    let checked = check(src);
    assert_eq!(checked.diagnostics, [], "{:?}", checked.diagnostics);
    let p = checked.policy.unwrap();
    assert!(p.profiling && p.purposes[0].profiling);
    assert_eq!(
        p.dpo.unwrap().address.as_deref(),
        Some("2 Main Street, Dublin")
    );
    assert_eq!(p.authority.email.as_deref(), Some("info@dataprotection.ie"));
    assert_eq!(p.retention[0].then, Disposal::Anonymise);
    assert_eq!(p.rights.first_handler, FirstHandler::Operator);
    assert_eq!(p.anonymity.min_group_size, 10);
}

#[test]
fn inline_tables_work_like_sections() {
    let src = BASE.replace(
        "[[subject_kind]]\nid = \"customer\"\ndescription = \"Customers\"\n",
        "",
    );
    let src =
        format!("subject_kind = [{{ id = \"customer\", description = \"Customers\" }}]\n{src}");
    assert!(
        check(&src).diagnostics.is_empty(),
        "{:?}",
        check(&src).diagnostics
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let src = r#"colour = "red"
[controller]
name = "Acme"
email = "nope"
[authority]
name = "DPA"
url = "https://dpa.example"
[[category]]
id = "Email"
description = "Email"
taxonomy = "user.contact.email"
[[category]]
id = "unused"
description = "Unused"
taxonomy = "user"
[[purpose]]
id = "news"
description = "News"
basis = "contract"
categories = ["emial"]
direct_marketing = true
profiling = true
[[recipient]]
id = "far"
name = "Far"
role = "processor"
country = "CN"
[rights]
answer_within = "2 months"
[anonymity]
min_group_size = 1
"#;
    let found = codes(src);
    for code in [
        "E_UNKNOWN_FIELD",
        "E_INVALID_EMAIL",
        "E_INVALID_ID",
        "E_CATEGORY_WITHOUT_PURPOSE",
        "E_UNKNOWN_CATEGORY",
        "E_MARKETING_BASIS",
        "E_PROFILING_NOT_DECLARED",
        "E_TRANSFER_WITHOUT_SAFEGUARD",
        "E_ANSWER_TOO_LATE",
        "E_GROUP_TOO_SMALL",
        "W_RECIPIENT_UNUSED",
    ] {
        assert!(found.contains(&code), "{code} missing from {found:?}");
    }
    let diags = check(src).diagnostics;
    let positions: Vec<(u32, u32)> = diags.iter().map(|d| (d.line, d.column)).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted, "diagnostics come in file order");
    let errors = Policy::parse(src).unwrap_err();
    assert!(errors.iter().all(Diagnostic::is_error));
    assert!(errors.len() >= 10);
}

#[test]
fn a_bad_entry_is_reported_once() {
    // The category id is invalid; the purpose that names it must not get a
    // second, confusing "unknown category" error.
    let src = replaced("id = \"email\"", "id = \"E-mail\"").replace("[\"email\"]", "[\"E-mail\"]");
    let found = codes(&src);
    assert_eq!(found, ["E_INVALID_ID"], "{found:?}");
}

#[test]
fn the_engine_test_policy_is_valid() {
    // The engine's own unit tests use this shape of policy.
    let src = "[controller]\nname = \"Acme\"\nemail = \"privacy@acme.example\"\n[authority]\nname = \"DPA\"\n\
        [[category]]\nid = \"email\"\ndescription = \"Email\"\ntaxonomy = \"user.contact.email\"\nidentifier = true\n\
        [[category]]\nid = \"secret\"\ndescription = \"Secret\"\ntaxonomy = \"user.content\"\nstorable = false\n\
        [[purpose]]\nid = \"account\"\ndescription = \"Account\"\nbasis = \"contract\"\ncategories = [\"email\", \"secret\"]\n\
        [[retention]]\ncategories = [\"email\"]\nkeep = \"1 year\"\nfrom = \"last_activity\"\n";
    assert!(Policy::parse(src).is_ok(), "{:?}", check(src).diagnostics);
}

#[test]
fn storage_and_use_warnings() {
    let src = replaced(
        "[[retention]]\ncategories = [\"email\"]\nkeep = \"1 year\"\nfrom = \"collected\"\n",
        "",
    );
    warns_only(&src, "W_NO_RETENTION");
    expect(&src, "W_NO_RETENTION", "\"email\"");
    let hold =
        src.clone() + "[[hold]]\ncategories = [\"email\"]\nlaw = \"Law\"\nkeep = \"1 year\"\n";
    assert!(
        check(&hold).diagnostics.is_empty(),
        "a hold also limits storage"
    );
    let src = with(
        "[[recipient]]\nid = \"idle\"\nname = \"Idle\"\nrole = \"processor\"\ncountry = \"DE\"\n",
    );
    warns_only(&src, "W_RECIPIENT_UNUSED");
    expect(&src, "W_RECIPIENT_UNUSED", "\"idle\"");
    let src = replaced("[\"email\"]\n[[r", "[\"email\", \"email\"]\n[[r");
    warns_only(&src, "W_DUPLICATE_REFERENCE");
    expect_nth(&src, "W_DUPLICATE_REFERENCE", "\"email\"", 2);
}

fn with_recipient(basis: &str, country: &str, role: &str, safeguard: &str) -> String {
    let src = replaced(
        "basis = \"contract\"\ncategories = [\"email\"]",
        &format!("basis = \"{basis}\"\ncategories = [\"email\"]\nrecipients = [\"them\"]"),
    );
    let validity = if basis == "consent" {
        "consent_valid_for = \"1 year\"\n"
    } else {
        ""
    };
    let src = src.replace(
        "recipients = [\"them\"]",
        &format!("recipients = [\"them\"]\n{validity}"),
    );
    format!(
        "{src}[[recipient]]\nid = \"them\"\nname = \"Them\"\nrole = \"{role}\"\ncountry = \"{country}\"\nsafeguard = \"{safeguard}\"\n"
    )
}

#[test]
fn transfer_warnings() {
    let src = with_recipient("contract", "IN", "processor", "adequacy");
    warns_only(&src, "W_ADEQUACY_UNKNOWN");
    expect(&src, "W_ADEQUACY_UNKNOWN", "\"adequacy\"");
    assert!(
        check(&with_recipient("contract", "JP", "processor", "adequacy"))
            .diagnostics
            .is_empty()
    );
    let src = with_recipient("contract", "DE", "processor", "scc");
    warns_only(&src, "W_SAFEGUARD_NOT_NEEDED");
    let src = with_recipient("contract", "US", "processor", "consent");
    warns_only(&src, "W_TRANSFER_CONSENT_BASIS");
    expect_nth(&src, "W_TRANSFER_CONSENT_BASIS", "\"them\"", 0);
    assert!(
        check(&with_recipient("consent", "US", "processor", "consent"))
            .diagnostics
            .is_empty()
    );
    let src = with_recipient("contract", "DE", "authority", "none");
    warns_only(&src, "W_AUTHORITY_BASIS");
    assert!(
        check(&with_recipient(
            "legal_obligation",
            "DE",
            "authority",
            "none"
        ))
        .diagnostics
        .is_empty()
    );
}

#[test]
fn policy_level_warnings() {
    let consent = replaced("\"contract\"", "\"consent\"");
    warns_only(&consent, "W_CONSENT_NEVER_EXPIRES");
    expect(&consent, "W_CONSENT_NEVER_EXPIRES", "\"consent\"");
    let src = replaced(
        "[[subject_kind]]\nid = \"customer\"\ndescription = \"Customers\"\n",
        "",
    );
    warns_only(&src, "W_NO_SUBJECT_KINDS");
    let src = replaced("hosting = \"Frankfurt, Germany (EU)\"", "");
    warns_only(&src, "W_NO_HOSTING");
    let src = format!("profiling = true\n{BASE}");
    warns_only(&src, "W_PROFILING_UNUSED");
    expect(&src, "W_PROFILING_UNUSED", "true");
    let src = replaced("url = \"https://dpa.example\"\n", "");
    warns_only(&src, "W_AUTHORITY_NO_CONTACT");
}

#[test]
fn unknown_taxonomy_keys_warn_with_the_nearest_known_key() {
    let hint_for = |key: &str| {
        let src = replaced("\"user.contact.email\"", &format!("\"{key}\""));
        warns_only(&src, "W_UNKNOWN_TAXONOMY");
        expect(&src, "W_UNKNOWN_TAXONOMY", &format!("\"{key}\""))
            .hint
            .unwrap_or_default()
    };
    assert!(hint_for("user.contact.emial").contains("did you mean `user.contact.email`?"));
    assert!(hint_for("user.financial.invoice").contains("its parent `user.financial`"));
    assert!(hint_for("person.email").contains("start with `user.`"));
    assert!(check(BASE).diagnostics.is_empty(), "known keys do not warn");
}

#[test]
fn checked_splits_errors_and_warnings() {
    let src = replaced("hosting = \"Frankfurt, Germany (EU)\"", "colour = 1");
    let checked = check(&src);
    assert_eq!(checked.errors().count(), 1);
    assert_eq!(checked.warnings().count(), 1);
    assert!(!checked.is_ok());
}

#[test]
fn other_value_errors() {
    let rule = "[[retention]]\ncategories = [\"email\"]\nkeep = \"1 day\"\n";
    expect(
        &with(&format!("{rule}from = \"uninstall\"\n")),
        "E_INVALID_ANCHOR",
        "\"uninstall\"",
    );
    expect(
        &with(&format!("{rule}from = \"event:Tenant\"\n")),
        "E_INVALID_ANCHOR",
        "\"event:Tenant\"",
    );
    let d = expect(
        &with(&format!("{rule}from = \"collected\"\nthen = \"shred\"\n")),
        "E_INVALID_DISPOSAL",
        "\"shred\"",
    );
    assert!(d.hint.unwrap().contains("`anonymise`"));
    expect_nth(
        &recipient("DE", Some("contract")),
        "E_INVALID_SAFEGUARD",
        "\"contract\"",
        1,
    );
    let src = recipient("DE", None).replace("\"processor\"", "\"vendor\"");
    expect_nth(&src, "E_INVALID_ROLE", "\"vendor\"", 2);
    expect(
        &with("[rights]\nverification = \"sms\"\n"),
        "E_INVALID_VERIFICATION",
        "\"sms\"",
    );
    expect(
        &with("[rights]\nfirst_handler = \"dpo\"\n"),
        "E_INVALID_FIRST_HANDLER",
        "\"dpo\"",
    );
    expect(
        &replaced("\"privacy@acme.example\"", "\"privacy at acme\""),
        "E_INVALID_EMAIL",
        "\"privacy at acme\"",
    );
    expect(
        &replaced("\"https://dpa.example\"", "\"dpa.example\""),
        "E_INVALID_URL",
        "\"dpa.example\"",
    );
    expect(
        &replaced("description = \"Email\"", "description = \"  \""),
        "E_EMPTY_TEXT",
        "\"  \"",
    );
    expect(
        &replaced("categories = [\"email\"]\nkeep", "categories = []\nkeep"),
        "E_EMPTY_RULE",
        "[]\nkeep",
    );
    let src = replaced(
        "taxonomy = \"user.contact.email\"",
        "taxonomy = \"user.contact.email\"\nidentifier = true\nstorable = false",
    );
    expect(&src, "E_IDENTIFIER_UNSTORABLE", "false");
}

#[test]
fn empty_policy() {
    let src = "[controller]\nname = \"A\"\nemail = \"a@b.example\"\n[authority]\nname = \"DPA\"\nurl = \"https://dpa.example\"\n";
    let found = codes(src);
    assert!(
        found.contains(&"E_NO_CATEGORIES") && found.contains(&"E_NO_PURPOSES"),
        "{found:?}"
    );
    let src = format!("category = []\npurpose = []\n{src}");
    expect(&src, "E_NO_CATEGORIES", "[]");
    expect_nth(&src, "E_NO_PURPOSES", "[]", 1);
}

#[test]
fn retention_cannot_name_an_unstorable_category() {
    let unstorable = "[[category]]\nid = \"ping\"\ndescription = \"Ping\"\ntaxonomy = \"system.ping\"\nstorable = false\n\
        [[purpose]]\nid = \"ping_check\"\ndescription = \"Ping\"\nbasis = \"legitimate_interests\"\ncategories = [\"ping\"]\n";
    let src = with(&format!(
        "{unstorable}[[retention]]\ncategories = [\"ping\"]\nkeep = \"1 day\"\nfrom = \"collected\"\n"
    ));
    expect(&src, "E_RETENTION_UNSTORABLE", "\"ping\"]\nkeep");
    let src = with(&format!(
        "{unstorable}[[hold]]\ncategories = [\"ping\"]\nlaw = \"Law\"\nkeep = \"1 year\"\n"
    ));
    expect(&src, "E_RETENTION_UNSTORABLE", "\"ping\"]\nlaw");
    assert!(
        check(&with(unstorable)).is_ok(),
        "an unstorable category needs no retention"
    );
}

#[test]
fn only_a_rule_counted_from_an_event_may_keep_nothing_past_it() {
    let at_event = with(
        "[[retention]]\ncategories = [\"email\"]\nkeep = \"0 days\"\nfrom = \"event:tenant.uninstalled\"\n",
    );
    let policy = check(&at_event).policy.expect("deleted at the event");
    let rule = &policy.retention[1];
    assert_eq!(rule.keep, CalendarSpan::default());
    assert_eq!(rule.keep.to_string(), "0 days");
    for from in ["collected", "last_activity", "plan:free"] {
        let src = with(&format!(
            "[[retention]]\ncategories = [\"email\"]\nkeep = \"0 days\"\nfrom = \"{from}\"\n"
        ));
        expect(&src, "E_INVALID_SPAN", "\"0 days\"");
    }
    let hold = with(
        "[[hold]]\ncategories = [\"email\"]\nlaw = \"Law\"\nkeep = \"0 days\"\nfrom = \"event:closed\"\n",
    );
    expect(&hold, "E_INVALID_SPAN", "\"0 days\"");
}
