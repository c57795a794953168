//! The purpose rules, each refusing with its code, each refusal appended to
//! the audit chain as denied, and nothing else changed by it.

use crate::helpers::{category, code, purpose, recipient, record, spawn_engine};

#[tokio::test]
async fn an_undeclared_purpose_is_refused_and_audited() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(&t.service, s, &purpose("marketing"), None)
        .await;
    t.assert_denied_only(
        before,
        read,
        "E_PURPOSE_NOT_DECLARED",
        "record.read",
        "marketing",
    )
    .await;

    let before = t.before(s).await;
    let write = t
        .engine
        .write_records(
            &t.service,
            s,
            &purpose("marketing"),
            vec![record("name", "Ada King")],
        )
        .await;
    t.assert_denied_only(
        before,
        write,
        "E_PURPOSE_NOT_DECLARED",
        "record.write",
        "marketing",
    )
    .await;
    t.close().await;
}

#[tokio::test]
async fn a_category_outside_the_purpose_is_refused_and_audited() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(
            &t.service,
            s,
            &purpose("support"),
            Some(vec![category("email"), category("external_id")]),
        )
        .await;
    let entry = t
        .assert_denied_only(
            before,
            read,
            "E_CATEGORY_NOT_IN_PURPOSE",
            "record.read",
            "support",
        )
        .await;
    assert!(!entry.detail.contains("ada@"), "{}", entry.detail);

    let before = t.before(s).await;
    let write = t
        .engine
        .write_records(
            &t.service,
            s,
            &purpose("support"),
            vec![record("iban", "DE89370400440532013000")],
        )
        .await;
    let entry = t
        .assert_denied_only(
            before,
            write,
            "E_CATEGORY_NOT_IN_PURPOSE",
            "record.write",
            "support",
        )
        .await;
    assert!(!entry.detail.contains("DE89"), "{}", entry.detail);

    // The same categories the purpose does cover are read.
    let read = t
        .engine
        .read_records(
            &t.service,
            s,
            &purpose("support"),
            Some(vec![category("email")]),
        )
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].value, "ada@example.com");
    t.close().await;
}

#[tokio::test]
async fn a_consent_purpose_is_refused_until_consent_is_granted_and_after_it_is_withdrawn() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let newsletter = purpose("newsletter");
    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(&t.service, s, &newsletter, None)
        .await;
    t.assert_denied_only(
        before,
        read,
        "E_CONSENT_REQUIRED",
        "record.read",
        "newsletter",
    )
    .await;

    t.engine
        .record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    let read = t
        .engine
        .read_records(&t.service, s, &newsletter, None)
        .await
        .unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].value, "ada@example.com");
    let last = t.entries().await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("record.read", "allowed")
    );

    t.engine
        .record_consent(&t.service, s, &newsletter, false, "preference-center")
        .await
        .unwrap();
    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(&t.service, s, &newsletter, None)
        .await;
    t.assert_denied_only(
        before,
        read,
        "E_CONSENT_REQUIRED",
        "record.read",
        "newsletter",
    )
    .await;
    t.close().await;
}

#[tokio::test]
async fn an_objection_stops_the_purpose_objected_to_and_direct_marketing() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let ratings = purpose("ratings");
    let newsletter = purpose("newsletter");
    t.engine
        .record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    let read = t
        .engine
        .read_records(&t.service, s, &ratings, None)
        .await
        .unwrap();
    assert_eq!(read.len(), 1, "the ticket is readable for ratings before");

    t.engine.object(&t.dpo, s, Some(&ratings)).await.unwrap();
    let before = t.before(s).await;
    let read = t.engine.read_records(&t.service, s, &ratings, None).await;
    t.assert_denied_only(before, read, "E_OBJECTED", "record.read", "ratings")
        .await;

    // Any objection stops direct marketing, consent or not (Art. 21(2)).
    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(&t.service, s, &newsletter, None)
        .await;
    t.assert_denied_only(before, read, "E_OBJECTED", "record.read", "newsletter")
        .await;

    // A purpose on another basis is untouched by the objection.
    let read = t
        .engine
        .read_records(&t.service, s, &purpose("support"), None)
        .await;
    assert_eq!(code(&read), "ok");
    t.close().await;
}

#[tokio::test]
async fn a_restricted_subject_is_refused_every_use_until_lifted() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    t.engine.set_restricted(&t.dpo, s, true).await.unwrap();

    let before = t.before(s).await;
    let read = t
        .engine
        .read_records(&t.service, s, &purpose("account"), None)
        .await;
    t.assert_denied_only(
        before,
        read,
        "E_SUBJECT_RESTRICTED",
        "record.read",
        "account",
    )
    .await;

    let before = t.before(s).await;
    let write = t
        .engine
        .write_records(
            &t.service,
            s,
            &purpose("account"),
            vec![record("phone", "+49 30 1234567")],
        )
        .await;
    t.assert_denied_only(
        before,
        write,
        "E_SUBJECT_RESTRICTED",
        "record.write",
        "account",
    )
    .await;

    let before = t.before(s).await;
    let disclosed = t
        .engine
        .disclose(
            &t.service,
            s,
            &purpose("support"),
            &recipient("helpdesk"),
            None,
        )
        .await;
    t.assert_denied_only(
        before,
        disclosed,
        "E_SUBJECT_RESTRICTED",
        "record.disclose",
        "support",
    )
    .await;

    t.engine.set_restricted(&t.dpo, s, false).await.unwrap();
    let read = t
        .engine
        .read_records(&t.service, s, &purpose("account"), None)
        .await;
    assert_eq!(code(&read), "ok");
    t.close().await;
}

#[tokio::test]
async fn a_recipient_not_declared_for_the_purpose_is_refused_and_audited() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let before = t.before(s).await;
    let disclosed = t
        .engine
        .disclose(
            &t.service,
            s,
            &purpose("support"),
            &recipient("tax_office"),
            None,
        )
        .await;
    let entry = t
        .assert_denied_only(
            before,
            disclosed,
            "E_RECIPIENT_NOT_DECLARED",
            "record.disclose",
            "support",
        )
        .await;
    assert!(
        entry.detail.contains("recipient=tax_office"),
        "{}",
        entry.detail
    );

    let disclosed = t
        .engine
        .disclose(
            &t.service,
            s,
            &purpose("support"),
            &recipient("helpdesk"),
            None,
        )
        .await
        .unwrap();
    let mut values: Vec<&str> = disclosed.iter().map(|r| r.value.as_str()).collect();
    values.sort_unstable();
    assert_eq!(
        values,
        ["Ada Lovelace", "ada@example.com", "my invoice is wrong"]
    );
    let last = t.entries().await.pop().unwrap();
    assert_eq!(last.action, "record.disclose");
    assert_eq!(last.outcome, "allowed");
    t.close().await;
}
