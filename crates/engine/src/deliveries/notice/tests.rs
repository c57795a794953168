//! Who is told and what they get, from a small policy.

use super::*;
use crate::ids::RequestId;

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
identifier = true
[[category]]
id = "notes"
description = "Notes"
taxonomy = "user.content"
[[category]]
id = "iban"
description = "Bank account"
taxonomy = "user.financial.bank_account"
[[subject_kind]]
id = "customer"
description = "Customers"
[[purpose]]
id = "support"
description = "Answer your requests"
basis = "legitimate_interests"
categories = ["email", "notes"]
recipients = ["helpdesk"]
[[purpose]]
id = "crm"
description = "Keep in touch"
basis = "legitimate_interests"
categories = ["email"]
recipients = ["mailer", "helpdesk"]
[[purpose]]
id = "billing"
description = "Invoice you"
basis = "contract"
categories = ["iban"]
[[recipient]]
id = "helpdesk"
name = "Helpdesk Cloud Inc."
role = "processor"
country = "DE"
[[recipient]]
id = "mailer"
name = "Mailer GmbH"
role = "processor"
country = "DE"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:?}"))
}

fn cat(id: &str) -> CategoryId {
    CategoryId::parse(id).unwrap()
}

#[test]
fn every_recipient_of_every_purpose_covering_a_category_is_told_once() {
    let p = policy();
    let names = |cs: &[CategoryId]| {
        recipients_for(&p, cs)
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&[cat("email")]), ["helpdesk", "mailer"]);
    assert_eq!(names(&[cat("notes")]), ["helpdesk"]);
    assert!(names(&[cat("iban")]).is_empty());
    assert_eq!(names(&[cat("iban"), cat("notes")]), ["helpdesk"]);
}

/// The deliveries of an erasure of a subject with records of `categories`.
fn erasure_deliveries(categories: &[CategoryId], at: Timestamp) -> Vec<DeliveryRow> {
    let notice = Notice {
        kind: NoticeKind::SubjectErased,
        subject: SubjectId::new(),
        record: None,
        categories: categories.to_vec(),
    };
    deliveries(&policy(), &TenantId::parse("acme").unwrap(), &notice, at)
}

#[test]
fn one_pending_delivery_per_recipient_due_at_once() {
    let at: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
    let rows = erasure_deliveries(&[cat("notes"), cat("email"), cat("email")], at);
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.state, DeliveryState::Pending);
        assert_eq!((row.next_attempt_at, row.attempts), (at, 0));
    }
    assert_eq!(
        rows[0].categories,
        [cat("email"), cat("notes")],
        "sorted, once each"
    );
    assert_ne!(rows[0].id, rows[1].id);
}

#[test]
fn each_recipient_is_told_only_of_the_categories_it_was_sent() {
    let at: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
    let told: Vec<(String, Vec<CategoryId>)> =
        erasure_deliveries(&[cat("iban"), cat("notes"), cat("email")], at)
            .into_iter()
            .map(|row| (row.recipient.as_str().to_owned(), row.categories))
            .collect();
    assert_eq!(
        told,
        [
            ("helpdesk".to_owned(), vec![cat("email"), cat("notes")]),
            ("mailer".to_owned(), vec![cat("email")]),
        ],
        "no recipient hears of the bank account, nor the mailer of the notes"
    );
}

#[test]
fn the_payload_holds_ids_and_kinds_only() {
    let at: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
    let tenant = TenantId::parse("acme").unwrap();
    let record = RecordId::new();
    let notice = Notice {
        kind: NoticeKind::RecordRectified,
        subject: SubjectId::new(),
        record: Some(record),
        categories: vec![cat("email")],
    };
    let mut row = deliveries(&policy(), &tenant, &notice, at).remove(0);
    let request = RequestId::new();
    row.request = Some(request);
    let body: serde_json::Value = serde_json::from_slice(&payload(&row)).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "type": "record.rectified",
            "tenant": "acme",
            "subject": row.subject.to_string(),
            "record": record.to_string(),
            "categories": ["email"],
            "at": "2027-01-01T00:00:00Z",
            "request": request.to_string(),
        })
    );
}

#[test]
fn kinds_and_states_round_trip_their_names() {
    for kind in NoticeKind::ALL {
        assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
    }
    for state in [
        DeliveryState::Pending,
        DeliveryState::Delivered,
        DeliveryState::Failed,
    ] {
        assert_eq!(DeliveryState::parse(state.as_str()), Some(state));
    }
    assert_eq!(NoticeKind::parse("subject.created"), None);
}
