//! The read side: what `subject_view` brings for each filter, and tenant
//! isolation for every read method.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::Action;
use tutela_engine::store::{Change, RecordFilter, Store, StoreError, Write};

conformance!(
    subject_view_filters_records_by_category,
    an_unknown_subject_has_no_view,
    tenants_never_see_each_others_data,
    timestamps_keep_their_microseconds,
    hole_04_a_huge_category_filter_builds_no_huge_statement,
);

async fn subject_view_filters_records_by_category(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let email = record_row(&t, s.id, "email", 1);
    let name = record_row(&t, s.id, "name", 2);
    let phone = record_row(&t, s.id, "phone", 3);
    let email2 = record_row(&t, s.id, "email", 4);
    let all = vec![email.clone(), name.clone(), phone.clone(), email2.clone()];
    apply(
        store,
        &t,
        all.iter().rev().cloned().map(Write::InsertRecord).collect(),
    )
    .await
    .unwrap();
    let view = |filter| store.subject_view(&t, s.id, filter);

    let none = view(RecordFilter::None).await.unwrap().unwrap();
    assert!(none.records.is_empty());
    assert_eq!(none.subject, s);
    let every = view(RecordFilter::All).await.unwrap().unwrap();
    assert_eq!(every.records, all, "oldest first");
    let emails = [category("email")];
    let only = view(RecordFilter::Categories(&emails))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(only.records, vec![email.clone(), email2.clone()]);
    let two = [category("phone"), category("name"), category("unknown")];
    let both = view(RecordFilter::Categories(&two)).await.unwrap().unwrap();
    assert_eq!(both.records, vec![name, phone]);
    let empty = view(RecordFilter::Categories(&[])).await.unwrap().unwrap();
    assert!(empty.records.is_empty());
}

async fn an_unknown_subject_has_no_view(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let ghost = tutela_engine::ids::SubjectId::new();
    assert!(
        store
            .subject_view(&t, ghost, RecordFilter::All)
            .await
            .unwrap()
            .is_none()
    );
    let nowhere = tenant("nowhere");
    assert!(
        store
            .subject_view(&nowhere, ghost, RecordFilter::None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.policies(&nowhere).await.unwrap(), vec![]);
    assert_eq!(store.policy(&nowhere, None).await.unwrap(), None);
    assert_eq!(store.api_keys(&nowhere).await.unwrap(), vec![]);
    assert_eq!(entries(store, &nowhere, 0, 10).await, vec![]);
    assert_eq!(lane_head(store, &nowhere).await, None);
}

/// Tenant B is built to collide with A everywhere it can (the same subject
/// id, blind index, key hash), and each read for B must show only B's rows.
async fn tenants_never_see_each_others_data(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let a = setup_tenant(store, "alpha").await;
    let b = setup_tenant(store, "bravo").await;
    apply(store, &b, vec![Write::InsertPolicy(policy_row(&b, 2))])
        .await
        .unwrap();

    let s = setup_subject(store, &a).await;
    let mut s_b = s.clone();
    s_b.tenant = b.clone();
    s_b.kind = "agent".into();
    let email = record_row(&a, s.id, "email", 1);
    let key_a = api_key_row(&a, [7; 32], 1);
    apply(
        store,
        &a,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertIdentifier(identifier_row(&email, [3; 32])),
            Write::InsertConsent(consent_row(&a, s.id, true, 1)),
            Write::InsertObjection(objection_row(&a, s.id, None, 2)),
            Write::InsertApiKey(key_a.clone()),
        ],
    )
    .await
    .unwrap();
    // Same subject id in B, with nothing of A's attached.
    apply(store, &b, vec![Write::InsertSubject(s_b.clone())])
        .await
        .unwrap();

    assert_eq!(store.tenant(&b).await.unwrap().unwrap().id, b);
    assert_eq!(store.tenant(&b).await.unwrap().unwrap().policy_version, 2);
    assert_eq!(store.tenant(&a).await.unwrap().unwrap().policy_version, 1);
    assert!(
        store
            .policies(&b)
            .await
            .unwrap()
            .iter()
            .all(|p| p.tenant == b)
    );
    assert_eq!(
        store.policy(&b, Some(1)).await.unwrap(),
        Some(policy_row(&b, 1))
    );
    assert_eq!(store.policy(&a, Some(2)).await.unwrap(), None);

    let view_b = store
        .subject_view(&b, s.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view_b.subject, s_b);
    assert_eq!(view_b.policy_version, 2);
    assert!(
        view_b.records.is_empty() && view_b.consents.is_empty() && view_b.objections.is_empty()
    );
    let view_a = store
        .subject_view(&a, s.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            view_a.records.len(),
            view_a.consents.len(),
            view_a.objections.len()
        ),
        (1, 1, 1)
    );

    let email_cat = category("email");
    assert_eq!(
        store
            .subject_by_identifier(&b, &email_cat, &[3; 32])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .api_key_grant(&b, &[7; 32])
            .await
            .unwrap()
            .map(|g| g.key),
        None
    );
    assert_eq!(store.api_keys(&b).await.unwrap(), vec![]);
    assert!(
        entries(store, &b, 0, 100)
            .await
            .iter()
            .all(|e| e.action != "record.read")
    );
    assert_ne!(lane_head(store, &a).await, lane_head(store, &b).await);

    // Writes through B cannot reach A's rows.
    let revoke = Write::RevokeApiKey {
        id: key_a.id,
        at: at(5),
    };
    let err = apply(store, &b, vec![revoke]).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "api key" }),
        "{err:?}"
    );
    let only_in_a = setup_subject(store, &a).await;
    for write in [
        Write::SetRestricted {
            subject: only_in_a.id,
            restricted: true,
        },
        Write::EraseSubject {
            subject: only_in_a.id,
            at: at(5),
        },
    ] {
        let err = apply(store, &b, vec![write]).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Missing { what: "subject" }),
            "{err:?}"
        );
    }
    // Erasing B's namesake leaves A's subject whole.
    apply(
        store,
        &b,
        vec![Write::EraseSubject {
            subject: s.id,
            at: at(6),
        }],
    )
    .await
    .unwrap();
    let view_a = store
        .subject_view(&a, s.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view_a.records, vec![email]);
    assert!(view_a.subject.wrapped_key.is_some());
    assert_eq!(
        store
            .subject_by_identifier(&a, &email_cat, &[3; 32])
            .await
            .unwrap(),
        Some(s.id)
    );
    assert_eq!(
        store
            .api_key_grant(&a, &[7; 32])
            .await
            .unwrap()
            .map(|g| g.key),
        Some(key_a)
    );

    let read = Change::audit_only(vec![event(Action::RecordRead, Some(s.id))]);
    store.apply(&a, read, &chain(&a)).await.unwrap();
    assert!(
        entries(store, &b, 0, 100)
            .await
            .iter()
            .all(|e| e.action != "record.read")
    );
    verify_chain(store, &a).await;
    verify_chain(store, &b).await;
}

async fn timestamps_keep_their_microseconds(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let mut s = subject_row(&t);
    s.created_at = jiff::Timestamp::from_microsecond(-1_234_567).unwrap();
    s.erased_at = Some(jiff::Timestamp::from_microsecond(4_102_444_800_000_001).unwrap());
    s.wrapped_key = None;
    s.restricted = true;
    apply(store, &t, vec![Write::InsertSubject(s.clone())])
        .await
        .unwrap();
    let view = store
        .subject_view(&t, s.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.subject, s);
}

/// 70,000 names would exceed both backends' limits on bound parameters if
/// they reached one statement; the store reads such a list whole instead.
async fn hole_04_a_huge_category_filter_builds_no_huge_statement(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let email = record_row(&t, s.id, "email", 1);
    let name = record_row(&t, s.id, "name", 2);
    apply(
        store,
        &t,
        vec![
            Write::InsertRecord(email.clone()),
            Write::InsertRecord(name),
        ],
    )
    .await
    .unwrap();
    let mut huge: Vec<_> = (0..70_000).map(|i| category(&format!("c{i}"))).collect();
    huge.push(category("email"));
    let view = store
        .subject_view(&t, s.id, RecordFilter::Categories(&huge))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![email]);
}
