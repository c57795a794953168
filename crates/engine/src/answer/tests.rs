//! The access answer built and rendered from a small policy, with no store:
//! every Art. 15 fact per category, the rights and contacts, and values
//! that try to escape their rendering.

use super::*;
use crate::ids::{ConsentId, RecordId, SubjectId, TenantId};
use crate::store::{ConsentRow, SubjectRow};

const POLICY: &str = r#"
profiling = true
[controller]
name = "Acme GmbH"
email = "privacy@acme.example"
[dpo]
name = "Dana Berger"
email = "dpo@acme.example"
[authority]
name = "Berlin Data Protection Authority"
url = "https://dpa.example"
[[category]]
id = "email"
description = "Email address"
taxonomy = "user.contact.email"
identifier = true
[[category]]
id = "iban"
description = "Bank account"
taxonomy = "user.financial.bank_account"
[[category]]
id = "notes"
description = "Notes"
taxonomy = "user.content"
[[subject_kind]]
id = "customer"
description = "Customers"
[[purpose]]
id = "account"
description = "Run your account"
basis = "contract"
categories = ["email"]
[[purpose]]
id = "support"
description = "Answer your requests"
basis = "legitimate_interests"
categories = ["email", "notes"]
recipients = ["helpdesk"]
profiling = true
[[purpose]]
id = "billing"
description = "Invoice you"
basis = "legal_obligation"
categories = ["iban"]
[[recipient]]
id = "helpdesk"
name = "Helpdesk Cloud Inc."
role = "processor"
country = "US"
safeguard = "scc"
[[retention]]
categories = ["email"]
keep = "13 months"
from = "last_activity"
[[hold]]
categories = ["iban"]
law = "German tax law"
keep = "10 years"
from = "collected"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap()
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(1_772_000_000 + s).unwrap()
}

fn record(category: &str, value: &str, purpose: &str, n: i64) -> PlainRecord {
    PlainRecord {
        id: RecordId::new(),
        category: CategoryId::parse(category).unwrap(),
        value: value.to_owned(),
        collected_for: PurposeId::parse(purpose).unwrap(),
        source: "signup-form".to_owned(),
        collected_at: at(n),
    }
}

fn subject() -> SubjectRow {
    SubjectRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: SubjectId::new(),
        kind: "customer".into(),
        wrapped_key: None,
        restricted: false,
        created_at: at(0),
        erased_at: None,
    }
}

fn answer(records: Vec<PlainRecord>) -> AccessAnswer {
    let policy = policy();
    let subject = subject();
    let consents = [ConsentRow {
        tenant: subject.tenant.clone(),
        id: ConsentId::new(),
        subject: subject.id,
        purpose: PurposeId::parse("account").unwrap(),
        granted: true,
        at: at(5),
        expires_at: None,
        policy_version: 1,
        source: "web-form".into(),
        text_hash: None,
    }];
    let labels = HashMap::new();
    access_answer(AnswerInput {
        policy: &policy,
        policy_version: 1,
        subject: &subject,
        records,
        held: Vec::new(),
        consents: &consents,
        objections: &[],
        log: &[],
        log_complete: true,
        key_labels: &labels,
        anchors: &crate::retention::Anchors::default(),
        surveys: Vec::new(),
        surveys_complete: true,
        now: at(100),
    })
}

fn sample() -> AccessAnswer {
    answer(vec![
        record("notes", "<script>alert(1)</script>", "support", 3),
        record("email", "ada@example.com", "account", 1),
        record("iban", "=HYPERLINK(\"http://x\")", "billing", 2),
    ])
}

#[test]
fn every_category_held_says_why_how_long_to_whom_and_from_where() {
    let a = sample();
    let ids: Vec<&str> = a.categories.iter().map(|c| c.category.as_str()).collect();
    assert_eq!(ids, ["email", "iban", "notes"], "policy order, held only");
    let email = &a.categories[0];
    assert_eq!(email.description, "Email address");
    let uses: Vec<(&str, &str)> = email
        .purposes
        .iter()
        .map(|p| (p.purpose.as_str(), p.article.as_str()))
        .collect();
    assert_eq!(
        uses,
        [("account", "Art. 6(1)(b)"), ("support", "Art. 6(1)(f)")]
    );
    assert!(
        email.purposes[0]
            .basis_text
            .contains("provide what you signed up for")
    );
    assert_eq!(email.recipients.len(), 1);
    let helpdesk = &email.recipients[0];
    assert_eq!(
        (helpdesk.country.as_str(), helpdesk.outside_eea),
        ("US", true)
    );
    assert!(
        helpdesk
            .safeguard_text
            .contains("standard contractual clauses")
    );
    assert_eq!(email.retention[0].keep, "13 months");
    assert!(
        email
            .retention_text
            .contains("13 months after your last activity")
    );
    assert_eq!(email.sources, ["signup-form"]);
    assert_eq!(email.records.len(), 1);
    let iban = &a.categories[1];
    assert!(iban.recipients.is_empty());
    assert_eq!(iban.holds[0].law, "German tax law");
    assert!(iban.holds[0].text.contains("10 years"));
    let notes = &a.categories[2];
    assert!(notes.retention.is_empty());
    assert!(
        notes
            .retention_text
            .contains("declares no retention period")
    );
    assert_eq!(a.records.len(), 3, "the flat list earlier clients read");
}

#[test]
fn the_answer_names_rights_contacts_authority_and_profiling() {
    let a = sample();
    let articles: Vec<&str> = a.rights.iter().map(|r| r.article.as_str()).collect();
    for art in [
        "Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 19", "Art. 20", "Art. 21", "Art. 22",
        "Art. 77",
    ] {
        assert!(articles.contains(&art), "{art} in {articles:?}");
    }
    assert!(
        !articles.contains(&"Art. 7(3)"),
        "no purpose rests on consent"
    );
    assert!(a.rights[0].text.contains("dpo@acme.example"));
    let complaint = a.rights.iter().find(|r| r.article == "Art. 77").unwrap();
    assert!(
        complaint
            .text
            .contains("Berlin Data Protection Authority (https://dpa.example)")
    );
    assert_eq!(a.dpo.as_ref().unwrap().email, "dpo@acme.example");
    assert_eq!(a.controller.name, "Acme GmbH");
    assert!(a.automated_decisions.profiling);
    assert_eq!(
        a.automated_decisions.purposes,
        [PurposeId::parse("support").unwrap()]
    );
    assert_eq!(a.consents.len(), 1);
}

#[test]
fn json_keeps_the_earlier_fields_and_adds_the_new() {
    let json = serde_json::to_value(sample()).unwrap();
    for field in [
        "subject",
        "kind",
        "restricted",
        "created_at",
        "policy_version",
        "records",
        "consents",
        "objections",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    for field in [
        "categories",
        "rights",
        "controller",
        "dpo",
        "authority",
        "automated_decisions",
        "access_log",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    assert_eq!(json["records"][0]["collected_for"], "support");
    assert_eq!(json["categories"][0]["purposes"][0]["basis"], "contract");
}

#[test]
fn csv_parses_one_row_per_record_with_formulas_neutralised() {
    let text = access_csv(&sample()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut reader = ::csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "category");
    assert_eq!(header[8], "retention");
    let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][0], "iban");
    assert_eq!(&rows[1][1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(
        &rows[0][6],
        "account: contract (Art. 6(1)(b)); support: legitimate_interests (Art. 6(1)(f))"
    );
    assert!(rows[0][7].contains("Helpdesk Cloud Inc."));
}

#[test]
fn html_is_a_whole_page_and_a_script_value_is_inert() {
    let page = access_html(&sample());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<title>Your data at Acme GmbH</title>"));
    assert!(!page.contains("<script"), "no script element at all");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("<th scope=\"col\">Value</th>"));
    assert!(page.trim_end().ends_with("</html>"));
    assert_eq!(html::escape("a\"b'c&"), "a&quot;b&#39;c&amp;");
}

#[test]
fn markdown_escapes_values_and_keeps_tables_whole() {
    let mut a = sample();
    a.categories[2].records[0].value = "x | y\n# [link](http://e)".into();
    let text = access_markdown(&a);
    assert!(text.contains("x \\| y \\# \\[link\\](http://e)"), "{text}");
    assert!(!text.contains("<script"));
    assert!(text.contains("## Your rights"));
    assert!(text.contains("### Email address (email)"));
}

#[test]
fn portability_keeps_consent_and_contract_data_only() {
    let records = vec![
        record("email", "ada@example.com", "account", 1),
        record("notes", "note", "support", 2),
        record("iban", "DE00", "billing", 3),
    ];
    let data = portable(&policy(), SubjectId::new(), records, at(9));
    let kept: Vec<&str> = data.records.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(
        kept,
        ["email"],
        "legitimate interests and legal obligation stay out"
    );
    let text = portable_csv(&data).unwrap();
    assert!(text.starts_with("\u{feff}category,value,collected_for,source,collected_at\r\n"));
}

#[test]
fn an_erased_subjects_answer_says_what_is_held_until_when() {
    let mut a = answer(vec![record("iban", "DE89370400440532013000", "billing", 1)]);
    a.erased_at = Some(at(50));
    a.held = vec![HeldNote {
        record: a.records[0].id,
        category: CategoryId::parse("iban").unwrap(),
        law: "German tax law".into(),
        ends_at: at(1_000),
        counted_from: crate::holds::HoldStart::Collected,
        text: "German tax law requires keeping this until 2026-02-25.".into(),
    }];
    let md = access_markdown(&a);
    assert!(md.contains("Your data was erased on"), "{md}");
    assert!(md.contains("- iban: German tax law requires keeping this until 2026-02-25."));
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["held"][0]["counted_from"], "collected");
    assert!(!access_markdown(&answer(Vec::new())).contains("Your data was erased on"));
}

#[test]
fn a_live_subjects_answer_lists_what_is_held_past_retention() {
    let mut a = answer(vec![record("iban", "DE89370400440532013000", "billing", 1)]);
    a.held = vec![HeldNote {
        record: a.records[0].id,
        category: CategoryId::parse("iban").unwrap(),
        law: "German tax law".into(),
        ends_at: at(1_000),
        counted_from: crate::holds::HoldStart::Collected,
        text: "German tax law requires keeping this until 2026-02-25.".into(),
    }];
    let md = access_markdown(&a);
    assert!(!md.contains("Your data was erased on"), "{md}");
    assert!(md.contains("past its retention period, but a law requires keeping it"));
    assert!(md.contains("- iban: German tax law requires keeping this until 2026-02-25."));
    assert!(!access_markdown(&answer(Vec::new())).contains("retention period, but a law"));
}
