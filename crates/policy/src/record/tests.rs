//! The record of processing built from the example policy and variants.

use crate::model::Policy;
use crate::record::csv::{ACTIVITY_HEADER, BOM, PROCESSOR_HEADER, RecordTable};
use crate::record::{ENGINE_MEASURES, RECORD_FORMAT};

fn example() -> Policy {
    Policy::parse(crate::EXAMPLE_POLICY).unwrap()
}

fn rows(csv: &str) -> Vec<Vec<String>> {
    let body = csv.strip_prefix(BOM).expect("starts with a BOM");
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn one_activity_per_purpose_with_every_art_30_field() {
    let p = example();
    let r = p.record();
    assert_eq!(r.record_format, RECORD_FORMAT);
    assert_eq!(r.activities.len(), p.purposes.len());
    assert_eq!(r.controller.name, "Acme Software GmbH");
    assert_eq!(r.dpo.as_ref().unwrap().email, "dpo@acme.example");
    let support = r
        .activities
        .iter()
        .find(|a| a.purpose == "support")
        .unwrap();
    assert_eq!(support.legal_basis.article, "Art. 6(1)(f)");
    assert_eq!(support.categories.len(), 4);
    assert!(
        support
            .categories
            .iter()
            .any(|c| c.taxonomy == "user.contact.email")
    );
    assert_eq!(support.recipients.len(), 1);
    assert_eq!(support.transfers.len(), 1, "the US helpdesk is a transfer");
    assert_eq!(support.transfers[0].country, "US");
    assert!(
        support.transfers[0]
            .safeguard_text
            .contains("standard contractual clauses")
    );
    assert_eq!(
        support.subject_kinds.len(),
        p.subject_kinds.len(),
        "a purpose naming no kinds touches every kind"
    );
    let billing = r
        .activities
        .iter()
        .find(|a| a.purpose == "billing")
        .unwrap();
    assert!(
        billing.transfers.is_empty(),
        "the German tax office is no transfer"
    );
    let iban = billing
        .retention
        .iter()
        .find(|e| e.category == "iban")
        .unwrap();
    assert!(iban.rule.contains("10 years") && iban.rule.contains("German commercial and tax law"));
}

#[test]
fn processors_are_the_recipients_acting_for_the_controller() {
    let r = example().record();
    assert_eq!(r.processors.len(), 1, "the tax office is an authority");
    let helpdesk = &r.processors[0];
    assert_eq!(helpdesk.name, "Helpdesk Cloud Inc.");
    assert_eq!(helpdesk.country_name, "United States");
    assert!(helpdesk.outside_eea);
    assert_eq!(helpdesk.purposes, vec!["support".to_owned()]);
}

#[test]
fn security_measures_join_what_is_stated_with_what_the_engine_does() {
    let source = crate::EXAMPLE_POLICY.replace(
        "profiling = false",
        "profiling = false\nsecurity_measures = [\"Staff sign in with two factors.\"]",
    );
    let r = Policy::parse(&source).unwrap().record();
    assert_eq!(
        r.security_measures.stated,
        vec!["Staff sign in with two factors."]
    );
    assert_eq!(r.security_measures.engine, ENGINE_MEASURES);
    let all: Vec<&str> = r.security_measures.all().collect();
    assert_eq!(all.first(), Some(&"Staff sign in with two factors."));
    assert!(all.iter().any(|m| m.contains("XChaCha20-Poly1305")));
    assert!(example().record().security_measures.stated.is_empty());
}

#[test]
fn purposes_may_name_their_subject_kinds() {
    let source = crate::EXAMPLE_POLICY.replace(
        "categories = [\"ticket_text\", \"external_id\"]",
        "categories = [\"ticket_text\", \"external_id\"]\nsubject_kinds = [\"agent\", \"customer\"]",
    );
    let r = Policy::parse(&source).unwrap().record();
    let ratings = r
        .activities
        .iter()
        .find(|a| a.purpose == "ratings")
        .unwrap();
    let ids: Vec<&str> = ratings
        .subject_kinds
        .iter()
        .map(|k| k.id.as_str())
        .collect();
    assert_eq!(ids, ["agent", "customer"]);
}

#[test]
fn csv_is_rfc_4180_one_row_per_purpose_and_formula_safe() {
    let source = crate::EXAMPLE_POLICY.replace(
        "description = \"Answer your support requests\"",
        "description = \"=HYPERLINK(\\\"https://evil.example\\\", \\\"x\\\")\"",
    );
    let record = Policy::parse(&source).unwrap().record();
    let csv = record.to_csv(RecordTable::Activities).unwrap();
    assert!(csv.contains("\r\n"), "CRLF line ends");
    let table = rows(&csv);
    assert_eq!(table[0], ACTIVITY_HEADER);
    assert_eq!(table.len(), 1 + record.activities.len());
    let support = table.iter().find(|r| r[0] == "support").unwrap();
    assert!(support[1].starts_with("'=HYPERLINK"), "{support:?}");
    assert!(
        support[9].contains("Helpdesk Cloud Inc. (United States)"),
        "{support:?}"
    );
    assert!(support[11].contains("XChaCha20-Poly1305"));
    let processors = rows(&record.to_csv(RecordTable::Processors).unwrap());
    assert_eq!(processors[0], PROCESSOR_HEADER);
    assert_eq!(processors[1][0], "helpdesk");
    assert_eq!(processors[1][5], "scc");
}

#[test]
fn json_has_the_documented_shape() {
    let json: serde_json::Value =
        serde_json::from_str(&example().record().to_json().unwrap()).unwrap();
    assert_eq!(json["record_format"], 1);
    for key in [
        "controller",
        "dpo",
        "activities",
        "processors",
        "security_measures",
    ] {
        assert!(!json[key].is_null(), "{key}");
    }
    let first = &json["activities"][0];
    for key in [
        "purpose",
        "description",
        "legal_basis",
        "subject_kinds",
        "categories",
        "recipients",
        "transfers",
        "retention",
    ] {
        assert!(!first[key].is_null(), "{key}");
    }
    assert_eq!(first["legal_basis"]["code"], "contract");
    assert_eq!(json["processors"][0]["safeguard"], "scc");
}

#[test]
fn purpose_subject_kinds_must_be_declared() {
    let source = crate::EXAMPLE_POLICY.replace(
        "categories = [\"ticket_text\", \"external_id\"]",
        "categories = [\"ticket_text\", \"external_id\"]\nsubject_kinds = [\"agnet\"]",
    );
    let checked = crate::check(&source);
    let d = checked
        .errors()
        .find(|d| d.code == "E_UNKNOWN_SUBJECT_KIND")
        .expect("an unknown subject kind is an error");
    let line = source
        .lines()
        .position(|l| l.starts_with("subject_kinds = [\"agnet\"]"))
        .unwrap();
    assert_eq!(d.line as usize, line + 1, "{d}");
    assert_eq!(d.column, 18, "{d}");
    assert!(
        d.hint.as_deref().unwrap_or_default().contains("agent"),
        "{d}"
    );
}

#[test]
fn security_measures_are_sentences() {
    let blank = crate::EXAMPLE_POLICY.replace(
        "profiling = false",
        "profiling = false\nsecurity_measures = [\"Two-factor sign-in.\", \"  \"]",
    );
    let checked = crate::check(&blank);
    assert!(
        checked.errors().any(|d| d.code == "E_EMPTY_TEXT"),
        "{:?}",
        checked.diagnostics
    );
    let wrong_type = crate::EXAMPLE_POLICY.replace(
        "profiling = false",
        "profiling = false\nsecurity_measures = \"Two-factor sign-in.\"",
    );
    assert!(!crate::check(&wrong_type).is_ok());
    let fine = crate::EXAMPLE_POLICY.replace(
        "profiling = false",
        "profiling = false\nsecurity_measures = [\"Two-factor sign-in.\"]",
    );
    let p = crate::Policy::parse(&fine).unwrap();
    assert_eq!(p.security_measures, vec!["Two-factor sign-in."]);
}
