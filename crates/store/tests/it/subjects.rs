//! Writes about subjects: records, identifiers, the consent ledger,
//! restriction and erasure, and writes naming a subject that is not there.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::ids::SubjectId;
use tutela_engine::store::{RecordFilter, Store, StoreError, Write};

conformance!(
    subjects_and_records_round_trip,
    identifiers_find_their_subject_and_clash_per_category,
    the_ledger_keeps_consents_and_objections_in_order,
    restriction_is_set_and_lifted,
    erasure_drops_key_records_and_identifiers,
    of_erasures_racing_on_one_subject_one_commits,
    writes_about_a_missing_subject_are_missing,
);

async fn subjects_and_records_round_trip(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    let records = vec![
        record_row(&t, subject.id, "email", 1),
        record_row(&t, subject.id, "name", 2),
    ];
    apply(
        store,
        &t,
        records.iter().cloned().map(Write::InsertRecord).collect(),
    )
    .await
    .unwrap();

    let view = store
        .subject_view(&t, subject.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.subject, subject);
    assert_eq!(view.policy_version, 1);
    assert_eq!(view.records, records);
    assert!(view.consents.is_empty() && view.objections.is_empty());

    let dup = apply(store, &t, vec![Write::InsertSubject(subject.clone())])
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict { what: "subject" }),
        "{dup:?}"
    );
    let dup = apply(store, &t, vec![Write::InsertRecord(records[0].clone())])
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict { what: "record" }),
        "{dup:?}"
    );
}

async fn identifiers_find_their_subject_and_clash_per_category(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let alice = setup_subject(store, &t).await;
    let bob = setup_subject(store, &t).await;
    let email = record_row(&t, alice.id, "email", 1);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [1; 32])),
        ],
    )
    .await
    .unwrap();
    let found = store
        .subject_by_identifier(&t, &category("email"), &[1; 32])
        .await
        .unwrap();
    assert_eq!(found, Some(alice.id));
    assert_eq!(
        store
            .subject_by_identifier(&t, &category("phone"), &[1; 32])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .subject_by_identifier(&t, &category("email"), &[2; 32])
            .await
            .unwrap(),
        None
    );

    // Bob claims the same email: the change fails whole, his record too.
    let clash = record_row(&t, bob.id, "email", 2);
    let err = apply(
        store,
        &t,
        vec![
            Write::InsertRecord(clash.clone()),
            Write::InsertIdentifier(identifier_row(&clash, [1; 32])),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "identifier" }),
        "{err:?}"
    );
    let bobs = store
        .subject_view(&t, bob.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert!(bobs.records.is_empty());

    // The same blind index in another category is another identifier.
    let phone = record_row(&t, bob.id, "phone", 3);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(phone.clone()),
            Write::InsertIdentifier(identifier_row(&phone, [1; 32])),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .subject_by_identifier(&t, &category("phone"), &[1; 32])
            .await
            .unwrap(),
        Some(bob.id)
    );
}

async fn the_ledger_keeps_consents_and_objections_in_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let withdraw = consent_row(&t, s.id, false, 5);
    let grant = consent_row(&t, s.id, true, 1);
    let any = objection_row(&t, s.id, None, 3);
    let one = objection_row(&t, s.id, Some("marketing"), 2);
    apply(
        store,
        &t,
        vec![
            Write::InsertConsent(withdraw.clone()),
            Write::InsertObjection(any.clone()),
            Write::InsertConsent(grant.clone()),
            Write::InsertObjection(one.clone()),
        ],
    )
    .await
    .unwrap();
    let view = store
        .subject_view(&t, s.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.consents, vec![grant, withdraw]);
    assert_eq!(view.objections, vec![one, any]);

    let missing = consent_row(&t, SubjectId::new(), true, 1);
    let err = apply(store, &t, vec![Write::InsertConsent(missing)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "subject" }),
        "{err:?}"
    );
}

async fn restriction_is_set_and_lifted(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let restricted = |on| Write::SetRestricted {
        subject: s.id,
        restricted: on,
    };
    apply(store, &t, vec![restricted(true)]).await.unwrap();
    let view = store
        .subject_view(&t, s.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert!(view.subject.restricted);
    apply(store, &t, vec![restricted(false)]).await.unwrap();
    let view = store
        .subject_view(&t, s.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert!(!view.subject.restricted);

    let ghost = Write::SetRestricted {
        subject: SubjectId::new(),
        restricted: true,
    };
    let head = lane_head(store, &t).await;
    let err = apply(store, &t, vec![ghost]).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "subject" }),
        "{err:?}"
    );
    assert_eq!(lane_head(store, &t).await, head);
}

async fn of_erasures_racing_on_one_subject_one_commits(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    let s = setup_subject(store.as_ref(), &t).await;
    let erase = |second: i64| {
        let store = Arc::clone(&store);
        let t = t.clone();
        async move {
            let writes = vec![Write::EraseSubject {
                subject: s.id,
                at: at(second),
            }];
            apply(store.as_ref(), &t, writes).await
        }
    };
    // Entries on the chain: each lane's head sequence is its length (two
    // racing writers on PostgreSQL may append to two lanes).
    let entries = || async {
        let heads = store.audit_heads(&t).await.unwrap();
        heads.iter().map(|h| h.seq).sum::<u64>()
    };
    let before = entries().await;
    let outcomes = futures::future::join_all((0..4).map(|i| erase(90 + i))).await;
    let won: Vec<_> = outcomes.iter().filter(|o| o.is_ok()).collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    for lost in outcomes.iter().filter(|o| o.is_err()) {
        assert!(matches!(lost, Err(StoreError::SubjectErased)), "{lost:?}");
    }
    let view = store
        .subject_view(&t, s.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    let first = view.subject.erased_at.unwrap();
    assert!((at(90)..=at(93)).contains(&first), "{first}");
    // One audit entry: the losers' changes left nothing.
    assert_eq!(entries().await, before + 1);
    // Later, too: an erased subject is not erased again.
    let again = erase(200).await;
    assert!(matches!(again, Err(StoreError::SubjectErased)), "{again:?}");
}

async fn erasure_drops_key_records_and_identifiers(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let other = setup_subject(store, &t).await;
    let email = record_row(&t, s.id, "email", 1);
    let kept = record_row(&t, other.id, "email", 2);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [4; 32])),
            Write::InsertRecord(record_row(&t, s.id, "name", 3)),
            Write::InsertConsent(consent_row(&t, s.id, true, 1)),
            Write::InsertRecord(kept.clone()),
            Write::InsertIdentifier(identifier_row(&kept, [5; 32])),
        ],
    )
    .await
    .unwrap();

    apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: s.id,
            at: at(99),
        }],
    )
    .await
    .unwrap();
    let view = store
        .subject_view(&t, s.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.subject.wrapped_key, None);
    assert_eq!(view.subject.erased_at, Some(at(99)));
    assert!(view.records.is_empty());
    assert_eq!(view.consents.len(), 1, "the ledger is evidence and stays");
    let email_cat = category("email");
    assert_eq!(
        store
            .subject_by_identifier(&t, &email_cat, &[4; 32])
            .await
            .unwrap(),
        None
    );

    // The other subject is untouched.
    let view = store
        .subject_view(&t, other.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![kept]);
    assert!(view.subject.wrapped_key.is_some());
    assert_eq!(
        store
            .subject_by_identifier(&t, &email_cat, &[5; 32])
            .await
            .unwrap(),
        Some(other.id)
    );

    let err = apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: SubjectId::new(),
            at: at(99),
        }],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "subject" }),
        "{err:?}"
    );
}

async fn writes_about_a_missing_subject_are_missing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let ghost = SubjectId::new();
    let record = record_row(&t, ghost, "email", 1);
    for write in [
        Write::InsertRecord(record.clone()),
        Write::InsertIdentifier(identifier_row(&record, [1; 32])),
        Write::InsertObjection(objection_row(&t, ghost, None, 1)),
    ] {
        let err = apply(store, &t, vec![write]).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Missing { what: "subject" }),
            "{err:?}"
        );
    }
    let mut orphan = subject_row(&tenant("ghost"));
    orphan.tenant = tenant("ghost");
    let err = apply(store, &tenant("ghost"), vec![Write::InsertSubject(orphan)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "tenant" }),
        "{err:?}"
    );
    assert_eq!(verify_chain(store, &t).await, 2);
    assert_eq!(lane_head(store, &tenant("ghost")).await, None);
}
