//! What the subject's access answer and rectification need from a store:
//! the access log read by subject (paged, bounded, one tenant's), and one
//! record rectified or deleted, identifier included, in one commit.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::{Action, AuditEvent, Outcome};
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::store::{AuditCursor, Change, RecordFilter, Store, StoreError, Write};

conformance!(
    the_access_log_pages_through_one_subjects_entries_in_time_order,
    rectifying_an_identifier_moves_the_lookup_in_one_commit,
    rectifying_or_deleting_a_record_of_another_subject_is_missing,
    deleting_a_record_drops_it_and_its_identifier,
    deleting_several_records_deletes_all_or_none,
    an_erased_subject_cannot_be_rectified,
);

fn event_at(n: i64, subject: Option<SubjectId>, action: Action) -> AuditEvent {
    AuditEvent {
        at: at(n),
        actor: format!("actor-{n}"),
        action,
        purpose: Some("support".into()),
        subject,
        detail: format!("n={n}"),
        outcome: Outcome::Allowed,
    }
}

async fn log(store: &dyn Store, t: &TenantId, events: Vec<AuditEvent>) {
    store
        .apply(t, Change::audit_only(events), &chain(t))
        .await
        .unwrap();
}

async fn the_access_log_pages_through_one_subjects_entries_in_time_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "other").await;
    let alice = SubjectId::new();
    let bob = SubjectId::new();
    // Committed out of time order, in several batches, mixed with Bob's
    // entries and entries about no one.
    log(
        store,
        &t,
        vec![
            event_at(5, Some(alice), Action::RecordRead),
            event_at(1, Some(bob), Action::RecordRead),
            event_at(3, None, Action::PolicyPublish),
        ],
    )
    .await;
    log(
        store,
        &t,
        vec![
            event_at(2, Some(alice), Action::SubjectLookup),
            event_at(9, Some(alice), Action::RecordDisclose),
            event_at(2, Some(alice), Action::RecordRead),
        ],
    )
    .await;
    // The same pseudonym in another tenant is another tenant's business.
    log(
        store,
        &other,
        vec![event_at(4, Some(alice), Action::RecordRead)],
    )
    .await;

    let first = store.audit_for_subject(&t, alice, None, 2).await.unwrap();
    assert_eq!(first.len(), 2, "bounded by the limit");
    let rest = store
        .audit_for_subject(&t, alice, first.last().map(AuditCursor::after), 10)
        .await
        .unwrap();
    let all: Vec<_> = first.iter().chain(&rest).collect();
    let times: Vec<i64> = all.iter().map(|e| e.at_us).collect();
    assert_eq!(
        times,
        [2, 2, 5, 9].map(|n| at(n).as_microsecond()).to_vec(),
        "time order across batches, Alice's only"
    );
    let details: Vec<&str> = all.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(details.len(), 4);
    assert!(
        all.iter()
            .all(|e| e.subject.as_deref() == Some(alice.to_string().as_str()))
    );
    // Two entries at the same instant come in position order.
    let (a, b) = (all[0], all[1]);
    assert!((a.lane, a.seq) < (b.lane, b.seq));
    let past_end = store
        .audit_for_subject(&t, alice, rest.last().map(AuditCursor::after), 10)
        .await
        .unwrap();
    assert!(past_end.is_empty());
    let theirs = store
        .audit_for_subject(&other, alice, None, 10)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].at_us, at(4).as_microsecond());
    let nobody = store
        .audit_for_subject(&t, SubjectId::new(), None, 10)
        .await
        .unwrap();
    assert!(nobody.is_empty());
    assert!(
        store
            .audit_for_subject(&t, alice, None, 0)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn rectifying_an_identifier_moves_the_lookup_in_one_commit(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let bob = setup_subject(store, &t).await;
    let mut email = record_row(&t, alice.id, "email", 1);
    let bobs = record_row(&t, bob.id, "email", 2);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [1; 32])),
            Write::InsertRecord(bobs.clone()),
            Write::InsertIdentifier(identifier_row(&bobs, [2; 32])),
        ],
    )
    .await
    .unwrap();
    let rectify = |index: [u8; 32], ciphertext: Vec<u8>| Write::RectifyRecord {
        subject: alice.id,
        record: email.id,
        category: category("email"),
        ciphertext,
        blind_index: Some(index),
        value_mac: [0; 32],
    };

    // Bob's address: refused whole, nothing changed.
    let err = apply(store, &t, vec![rectify([2; 32], vec![8; 40])])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "identifier" }),
        "{err:?}"
    );
    let cat = email.category.clone();
    let by = async |index: [u8; 32]| store.subject_by_identifier(&t, &cat, &index).await;
    assert_eq!(by([1; 32]).await.unwrap(), Some(alice.id));
    let view = |s: SubjectId| store.subject_view(&t, s, RecordFilter::All);
    assert_eq!(
        view(alice.id).await.unwrap().unwrap().records,
        vec![email.clone()]
    );

    apply(store, &t, vec![rectify([3; 32], vec![9; 40])])
        .await
        .unwrap();
    assert_eq!(
        by([1; 32]).await.unwrap(),
        None,
        "not found under the old value"
    );
    assert_eq!(by([3; 32]).await.unwrap(), Some(alice.id));
    assert_eq!(by([2; 32]).await.unwrap(), Some(bob.id));
    email.ciphertext = vec![9; 40];
    assert_eq!(
        view(alice.id).await.unwrap().unwrap().records,
        vec![email.clone()],
        "same id, category, purpose, source and time; new ciphertext"
    );
    // Rectifying to the same value again is no clash with itself.
    apply(store, &t, vec![rectify([3; 32], vec![10; 40])])
        .await
        .unwrap();
    assert_eq!(by([3; 32]).await.unwrap(), Some(alice.id));
}

async fn rectifying_or_deleting_a_record_of_another_subject_is_missing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let bob = setup_subject(store, &t).await;
    let bobs = record_row(&t, bob.id, "name", 1);
    apply(store, &t, vec![Write::InsertRecord(bobs.clone())])
        .await
        .unwrap();
    for record in [bobs.id, RecordId::new()] {
        let rectify = Write::RectifyRecord {
            subject: alice.id,
            record,
            category: category("name"),
            ciphertext: vec![1; 40],
            blind_index: None,
            value_mac: [0; 32],
        };
        let delete = Write::DeleteRecord {
            subject: alice.id,
            record,
        };
        for write in [rectify, delete] {
            let err = apply(store, &t, vec![write]).await.unwrap_err();
            assert!(
                matches!(err, StoreError::Missing { what: "record" }),
                "{err:?}"
            );
        }
    }
    let view = store
        .subject_view(&t, bob.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![bobs], "Bob's record untouched");
}

async fn deleting_a_record_drops_it_and_its_identifier(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let email = record_row(&t, alice.id, "email", 1);
    let name = record_row(&t, alice.id, "name", 2);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [1; 32])),
            Write::InsertRecord(name.clone()),
        ],
    )
    .await
    .unwrap();
    apply(
        store,
        &t,
        vec![Write::DeleteRecord {
            subject: alice.id,
            record: email.id,
        }],
    )
    .await
    .unwrap();
    let view = store
        .subject_view(&t, alice.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![name]);
    let found = store
        .subject_by_identifier(&t, &email.category, &[1; 32])
        .await
        .unwrap();
    assert_eq!(found, None);
}

/// A retention sweep deletes a subject's due records with one statement:
/// every one of them goes with its identifier, or, when one is already
/// gone (another sweeper), none does and the change fails as missing.
async fn deleting_several_records_deletes_all_or_none(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let email = record_row(&t, alice.id, "email", 1);
    let name = record_row(&t, alice.id, "name", 2);
    let kept = record_row(&t, alice.id, "name", 3);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [1; 32])),
            Write::InsertRecord(name.clone()),
            Write::InsertRecord(kept.clone()),
        ],
    )
    .await
    .unwrap();
    let delete = |records: &[RecordId]| -> Vec<Write> {
        records
            .iter()
            .map(|r| Write::DeleteRecord {
                subject: alice.id,
                record: *r,
            })
            .collect()
    };
    let err = apply(store, &t, delete(&[email.id, RecordId::new(), name.id]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "record" }),
        "{err:?}"
    );
    let err = apply(store, &t, delete(&[email.id, email.id]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "record" }),
        "{err:?}"
    );
    let view = store
        .subject_view(&t, alice.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records.len(), 3, "nothing deleted");
    let found = store
        .subject_by_identifier(&t, &email.category, &[1; 32])
        .await
        .unwrap();
    assert_eq!(found, Some(alice.id), "the identifier is still there");
    apply(store, &t, delete(&[email.id, name.id]))
        .await
        .unwrap();
    let view = store
        .subject_view(&t, alice.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![kept]);
    let found = store
        .subject_by_identifier(&t, &email.category, &[1; 32])
        .await
        .unwrap();
    assert_eq!(found, None);
}

async fn an_erased_subject_cannot_be_rectified(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let name = record_row(&t, alice.id, "name", 1);
    apply(store, &t, vec![Write::InsertRecord(name.clone())])
        .await
        .unwrap();
    apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: alice.id,
            at: at(50),
        }],
    )
    .await
    .unwrap();
    let rectify = Write::RectifyRecord {
        subject: alice.id,
        record: name.id,
        category: category("name"),
        ciphertext: vec![1; 40],
        blind_index: None,
        value_mac: [0; 32],
    };
    let delete = Write::DeleteRecord {
        subject: alice.id,
        record: name.id,
    };
    for write in [rectify, delete] {
        let err = apply(store, &t, vec![write]).await.unwrap_err();
        assert!(matches!(err, StoreError::SubjectErased), "{err:?}");
    }
}
