//! Which records an erasure keeps, under which hold, until when; and which
//! held records a read may see.

use super::*;
use crate::ids::{RecordId, SubjectId, TenantId};

const POLICY: &str = r#"
[controller]
name = "Acme GmbH"
email = "privacy@acme.example"
[authority]
name = "Berlin Data Protection Authority"
url = "https://dpa.example"
[[category]]
id = "email"
description = "Email address"
taxonomy = "user.contact.email"
[[category]]
id = "iban"
description = "Bank account"
taxonomy = "user.financial.bank_account"
[[category]]
id = "invoice"
description = "Invoices"
taxonomy = "user.financial"
[[subject_kind]]
id = "customer"
description = "Customers"
[[purpose]]
id = "account"
description = "Run your account"
basis = "contract"
categories = ["email", "iban", "invoice"]
[[purpose]]
id = "tax"
description = "Keep the books"
basis = "legal_obligation"
categories = ["iban"]
[[hold]]
categories = ["iban", "invoice"]
law = "German tax law"
keep = "10 years"
from = "collected"
[[hold]]
categories = ["invoice"]
law = "German commercial law"
keep = "1 year"
from = "last_activity"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn record(category: &str, collected: &str) -> RecordRow {
    RecordRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: RecordId::new(),
        subject: SubjectId::new(),
        category: CategoryId::parse(category).unwrap(),
        purpose: PurposeId::parse("account").unwrap(),
        source: "api".into(),
        ciphertext: vec![1, 2, 3],
        collected_at: at(collected),
    }
}

fn held(category: &str, ends: &str) -> HeldRecordRow {
    let r = record(category, "2020-01-01T00:00:00Z");
    HeldRecordRow {
        tenant: r.tenant,
        id: r.id,
        subject: r.subject,
        hold: HoldId::new(),
        category: r.category,
        purpose: r.purpose,
        source: r.source,
        ciphertext: r.ciphertext,
        collected_at: r.collected_at,
        ends_at: at(ends),
        start: HoldStart::Collected,
    }
}

#[test]
fn only_held_categories_are_kept_and_from_collected_counts_by_the_calendar() {
    let policy = policy();
    let records = [
        record("email", "2024-02-29T10:00:00Z"),
        record("iban", "2024-02-29T10:00:00Z"),
    ];
    let erased = at("2026-01-01T00:00:00Z");
    let plan = plan_holds(&policy, &records, erased);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].record.category.as_str(), "iban");
    assert_eq!(plan[0].hold, 0);
    assert_eq!(plan[0].start, HoldStart::Collected);
    // 29 February + 10 years is 28 February in a common year.
    assert_eq!(plan[0].ends_at, at("2034-02-28T10:00:00Z"));
}

#[test]
fn the_hold_ending_last_wins_and_other_anchors_count_from_the_erasure() {
    let policy = policy();
    let records = [record("invoice", "2010-01-01T00:00:00Z")];
    let erased = at("2026-01-01T00:00:00Z");
    // The tax hold ended in 2020; the commercial one counts from the erasure.
    let plan = plan_holds(&policy, &records, erased);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].hold, 1);
    assert_eq!(plan[0].start, HoldStart::Erasure);
    assert_eq!(plan[0].ends_at, at("2027-01-01T00:00:00Z"));
    let young = [record("invoice", "2025-06-01T00:00:00Z")];
    let plan = plan_holds(&policy, &young, erased);
    assert_eq!(plan[0].hold, 0);
    assert_eq!(plan[0].ends_at, at("2035-06-01T00:00:00Z"));
}

#[test]
fn a_hold_already_over_keeps_nothing() {
    let mut policy = policy();
    policy.holds.truncate(1);
    let records = [record("iban", "2010-01-01T00:00:00Z")];
    assert!(plan_holds(&policy, &records, at("2026-01-01T00:00:00Z")).is_empty());
    assert!(plan_holds(&policy, &records, at("2019-12-31T23:59:59Z")).len() == 1);
}

#[test]
fn held_data_is_readable_for_a_legal_obligation_covering_it_only() {
    let policy = policy();
    let rows = [
        held("iban", "2030-01-01T00:00:00Z"),
        held("invoice", "2030-01-01T00:00:00Z"),
        held("iban", "2026-01-01T00:00:00Z"),
    ];
    let now = at("2026-06-01T00:00:00Z");
    let tax = PurposeId::parse("tax").unwrap();
    let seen = readable_held(&policy, &tax, None, &rows, now);
    assert_eq!(seen, vec![&rows[0]], "covered, and the hold still lasts");
    let invoice = [CategoryId::parse("invoice").unwrap()];
    assert!(readable_held(&policy, &tax, Some(&invoice), &rows, now).is_empty());
    let account = PurposeId::parse("account").unwrap();
    assert!(readable_held(&policy, &account, None, &rows, now).is_empty());
    let unknown = PurposeId::parse("nothing").unwrap();
    assert!(readable_held(&policy, &unknown, None, &rows, now).is_empty());
}

#[test]
fn stored_start_names_round_trip() {
    for s in [HoldStart::Collected, HoldStart::Erasure] {
        assert_eq!(HoldStart::parse(s.as_str()), Some(s));
    }
    assert_eq!(HoldStart::parse("later"), None);
}
