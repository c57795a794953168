//! Erasure under a statutory hold (Art. 17(3)(b), 18(1)): what is not held
//! goes at once; what is held stays under its hold's key, readable for a
//! legal-obligation purpose covering it only, listed with its law and end,
//! and found by the store's read of holds due.

use crate::helpers::{TestEngine, category, code, purpose, recipient, record, spawn_engine};
use jiff::{SignedDuration, ToSpan};
use tutela_engine::holds::HoldStart;
use tutela_engine::ids::SubjectId;

/// A customer (email, name, ticket) with an IBAN for billing, which the
/// example policy's tax hold keeps for ten years.
async fn customer_with_iban(t: &TestEngine) -> SubjectId {
    let s = t.customer("ada@example.com").await;
    t.engine
        .write_records(
            &t.service,
            s,
            &purpose("billing"),
            vec![record("iban", "DE89370400440532013000")],
        )
        .await
        .unwrap();
    s
}

#[tokio::test]
async fn erasure_keeps_held_records_under_their_hold_and_erases_the_rest() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = customer_with_iban(&t).await;
    let collected = e.now();
    t.clock.advance(SignedDuration::from_hours(1));
    e.erase_subject(&t.dpo, s).await.unwrap();

    let entries = t.entries().await;
    let erase = entries
        .iter()
        .find(|x| x.action.as_str() == "subject.erase")
        .unwrap();
    assert_eq!(erase.detail, "held=1");

    // The subject's own access: only the held record, with law and end.
    let report = e.subject_access(&t.dpo, s).await.unwrap();
    assert!(report.erased_at.is_some());
    assert_eq!(report.records.len(), 1);
    assert_eq!(report.records[0].value, "DE89370400440532013000");
    assert_eq!(report.held.len(), 1);
    let held = &report.held[0];
    assert_eq!(held.record, report.records[0].id);
    assert!(held.law.contains("§ 147 AO"), "{}", held.law);
    assert_eq!(held.counted_from, HoldStart::Collected);
    let ten_years = tutela_policy::CalendarSpan::parse("10 years").unwrap();
    assert_eq!(held.ends_at, ten_years.after(collected).unwrap());

    // Readable for the legal-obligation purpose covering it, only.
    let read = e
        .read_records(&t.service, s, &purpose("billing"), None)
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].category.as_str(), "iban");
    let last = t.entries().await;
    let allowed = last.iter().max_by_key(|x| x.at_us).unwrap();
    assert_eq!(allowed.detail, "categories=iban count=1 held=true");
    for (what, got) in [
        (
            "account",
            code(
                &e.read_records(&t.service, s, &purpose("account"), None)
                    .await,
            ),
        ),
        (
            "support",
            code(
                &e.read_records(&t.service, s, &purpose("support"), None)
                    .await,
            ),
        ),
        (
            "billing, email only",
            code(
                &e.read_records(
                    &t.service,
                    s,
                    &purpose("billing"),
                    Some(vec![category("email")]),
                )
                .await,
            ),
        ),
        (
            "billing disclosure",
            code(
                &e.disclose(
                    &t.service,
                    s,
                    &purpose("billing"),
                    &recipient("tax_office"),
                    None,
                )
                .await,
            ),
        ),
        (
            "lookup by the erased email",
            code(
                &e.find_subject(&t.service, &category("email"), "ada@example.com")
                    .await,
            ),
        ),
        ("second erasure", code(&e.erase_subject(&t.dpo, s).await)),
    ] {
        let want = if what.starts_with("lookup") {
            "E_SUBJECT_NOT_FOUND"
        } else {
            "E_SUBJECT_ERASED"
        };
        assert_eq!(got, want, "{what}");
    }

    // The sweep's read: due only once the hold has ended.
    let store = e.store();
    let before_end = store.holds_due(&t.acme, held.ends_at, 10).await.unwrap();
    assert!(before_end.is_empty());
    let due = store
        .holds_due(&t.acme, held.ends_at + 1.second(), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].subject), (held.record, s));

    // After the hold ends the data is no longer read for anything.
    t.clock.set(held.ends_at);
    assert_eq!(
        code(
            &e.read_records(&t.service, s, &purpose("billing"), None)
                .await
        ),
        "E_SUBJECT_ERASED"
    );
    t.assert_chain_intact().await;
    t.close().await;
}

#[tokio::test]
async fn an_erasure_with_nothing_held_leaves_nothing_readable() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    e.erase_subject(&t.dpo, s).await.unwrap();
    assert_eq!(code(&e.subject_access(&t.dpo, s).await), "E_SUBJECT_ERASED");
    assert_eq!(
        code(
            &e.read_records(&t.service, s, &purpose("billing"), None)
                .await
        ),
        "E_SUBJECT_ERASED"
    );
    assert!(
        e.store()
            .subject_holds(&t.acme, s)
            .await
            .unwrap()
            .holds
            .is_empty()
    );
    t.close().await;
}

#[tokio::test]
async fn an_erasure_notice_names_only_what_was_erased_not_what_a_hold_keeps() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = customer_with_iban(&t).await;
    e.erase_subject(&t.dpo, s).await.unwrap();

    let notices = e
        .deliveries(
            &t.dpo,
            tutela_engine::deliveries::DeliveryFilter::default(),
            50,
        )
        .await
        .unwrap();
    let erased: Vec<_> = notices
        .iter()
        .filter(|d| d.subject == s && d.kind.as_str() == "subject.erased")
        .collect();
    let to = |r: &str| {
        erased
            .iter()
            .find(|d| d.recipient.as_str() == r)
            .map(|d| d.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>())
    };
    // The tax office was sent the name, the email and the IBAN (billing);
    // the IBAN is kept under the hold, so its erasure is not the news.
    assert_eq!(to("tax_office"), Some(vec!["email", "name"]));
    assert_eq!(to("helpdesk"), Some(vec!["email", "name", "ticket_text"]));
}
