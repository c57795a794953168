//! Policy versions published ahead of their time: the tenant row and a
//! subject load carry the version in force and the pending one; a version
//! published later replaces the pending one.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::store::{PendingPolicy, RecordFilter, Store, Write};
use tutela_policy::CategoryId;

conformance!(
    a_pending_version_is_stored_beside_the_one_in_force,
    an_immediate_version_clears_the_pending_one,
    notice_candidates_skip_told_and_unaffected_subjects_per_version,
);

async fn a_pending_version_is_stored_beside_the_one_in_force(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    let mut row = policy_row(&t, 2);
    row.effective_at = at(1_000);
    apply(
        store,
        &t,
        vec![Write::InsertPendingPolicy {
            row: row.clone(),
            in_force: 1,
        }],
    )
    .await
    .unwrap();
    let tenant_row = store.tenant(&t).await.unwrap().unwrap();
    assert_eq!(tenant_row.policy_version, 1);
    let pending = PendingPolicy {
        version: 2,
        effective_at: at(1_000),
    };
    assert_eq!(tenant_row.pending, Some(pending));
    assert_eq!(tenant_row.version_in_force(at(999)), 1);
    assert_eq!(tenant_row.version_in_force(at(1_000)), 2);
    let view = store
        .subject_view(&t, subject.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((view.policy_version, view.pending), (1, Some(pending)));
    assert_eq!(store.policy(&t, Some(2)).await.unwrap(), Some(row));
    let versions = store.policies(&t).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].effective_at, at(1_000));
}

async fn an_immediate_version_clears_the_pending_one(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let mut row = policy_row(&t, 2);
    row.effective_at = at(1_000);
    apply(
        store,
        &t,
        vec![Write::InsertPendingPolicy { row, in_force: 1 }],
    )
    .await
    .unwrap();
    apply(store, &t, vec![Write::InsertPolicy(policy_row(&t, 3))])
        .await
        .unwrap();
    let tenant_row = store.tenant(&t).await.unwrap().unwrap();
    assert_eq!((tenant_row.policy_version, tenant_row.pending), (3, None));
    let dup = apply(store, &t, vec![Write::InsertPolicy(policy_row(&t, 2))]).await;
    assert!(dup.is_err(), "a version number is never reused");
}

async fn notice_candidates_skip_told_and_unaffected_subjects_per_version(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "other").await;
    let a = setup_subject(store, &t).await.id;
    let b = setup_subject(store, &t).await.id;
    let unaffected = setup_subject(store, &t).await.id;
    let foreign = setup_subject(store, &other).await.id;
    let mut writes = vec![
        Write::InsertRecord(record_row(&t, a, "email", 1)),
        Write::InsertRecord(record_row(&t, a, "email", 2)),
        Write::InsertRecord(record_row(&t, b, "email", 3)),
        Write::InsertRecord(record_row(&t, unaffected, "name", 4)),
    ];
    apply(store, &t, std::mem::take(&mut writes)).await.unwrap();
    apply(
        store,
        &other,
        vec![Write::InsertRecord(record_row(&other, foreign, "email", 5))],
    )
    .await
    .unwrap();
    let email = CategoryId::parse("email").unwrap();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(
        store.notice_candidates(&t, 2, &email, 10).await.unwrap(),
        expected
    );
    assert_eq!(
        store
            .notice_candidates(&t, 2, &email, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let told = Write::InsertPolicyNotice {
        version: 2,
        subject: a,
        at: at(7),
    };
    apply(store, &t, vec![told.clone()]).await.unwrap();
    apply(store, &t, vec![told]).await.unwrap();
    assert_eq!(
        store.notices_sent(&t, 2).await.unwrap(),
        1,
        "a repeat is ignored"
    );
    assert_eq!(store.notices_sent(&t, 3).await.unwrap(), 0);
    assert_eq!(
        store.notice_candidates(&t, 2, &email, 10).await.unwrap(),
        vec![b]
    );
    assert_eq!(
        store
            .notice_candidates(&t, 3, &email, 10)
            .await
            .unwrap()
            .len(),
        2,
        "per version"
    );
}
