//! The audit chain as the store keeps it: linked, paged, and whole after
//! many concurrent changes, failing ones among them.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::Action;
use tutela_engine::store::{Change, Store, StoreError, Write};

conformance!(
    entries_link_page_and_move_the_head,
    a_change_without_events_leaves_the_chain_alone,
    concurrent_changes_keep_each_chain_whole,
    audit_tenants_lists_every_chain_once,
);

async fn entries_link_page_and_move_the_head(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = tenant("acme");
    assert_eq!(lane_head(store, &t).await, None);
    let events: Vec<_> = (0..5).map(|_| event(Action::RecordRead, None)).collect();
    let mut opening = events.clone();
    opening[0] = event(Action::TenantCreate, None);
    let first = store
        .apply(&t, Change::audit_only(opening), &chain(&t))
        .await
        .unwrap();
    let second = store
        .apply(&t, Change::audit_only(events), &chain(&t))
        .await
        .unwrap();
    let seqs: Vec<u64> = first.iter().chain(&second).map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    assert_eq!(
        second.first().map(|e| e.prev_mac),
        first.last().map(|e| e.mac)
    );

    let stored = entries(store, &t, 0, 100).await;
    assert_eq!(stored, [first, second.clone()].concat());
    assert_eq!(lane_head(store, &t).await, second.last().map(|e| e.head()));
    let page = entries(store, &t, 3, 4).await;
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![4, 5, 6, 7]
    );
    assert!(entries(store, &t, 10, 4).await.is_empty());
    assert!(entries(store, &t, u64::MAX, 4).await.is_empty());
    assert_eq!(verify_chain(store, &t).await, 10);
}

async fn a_change_without_events_leaves_the_chain_alone(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let head = lane_head(store, &t).await;
    let change = Change {
        writes: vec![Write::InsertPolicy(policy_row(&t, 2))],
        audit: vec![],
    };
    let entries = store.apply(&t, change, &chain(&t)).await.unwrap();
    assert!(entries.is_empty());
    assert_eq!(lane_head(store, &t).await, head);
    assert_eq!(
        store.policy(&t, None).await.unwrap().map(|p| p.version),
        Some(2)
    );
    assert!(
        store
            .apply(&t, Change::default(), &chain(&t))
            .await
            .unwrap()
            .is_empty()
    );
}

/// 50 tasks over two tenants at once; every fifth change clashes and must
/// leave no entry and no gap, and each chain must verify from end to end.
async fn concurrent_changes_keep_each_chain_whole(store: Arc<dyn Store>) {
    let tenants = [
        setup_tenant(store.as_ref(), "alpha").await,
        setup_tenant(store.as_ref(), "bravo").await,
    ];
    let mut tasks = Vec::new();
    for i in 0..50_usize {
        let store = Arc::clone(&store);
        let t = tenants[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let subject = subject_row(&t);
            let writes = if i % 5 == 4 {
                // Clashes with the tenant's existing policy version 1.
                vec![
                    Write::InsertSubject(subject),
                    Write::InsertPolicy(policy_row(&t, 1)),
                ]
            } else {
                vec![Write::InsertSubject(subject)]
            };
            let change = Change {
                writes,
                audit: vec![
                    event(Action::SubjectCreate, None),
                    event(Action::RecordWrite, None),
                ],
            };
            (i, store.apply(&t, change, &chain(&t)).await)
        }));
    }
    let mut committed = [0_u64; 2];
    for task in tasks {
        let (i, outcome) = task.await.unwrap();
        match outcome {
            Ok(entries) => {
                assert_ne!(i % 5, 4);
                assert_eq!(entries.len(), 2);
                assert_eq!(entries[1].seq, entries[0].seq + 1);
                committed[i % 2] += 2;
            }
            Err(err) => {
                assert_eq!(i % 5, 4);
                assert!(
                    matches!(
                        err,
                        StoreError::Conflict {
                            what: "policy version"
                        }
                    ),
                    "{err:?}"
                );
            }
        }
    }
    assert_eq!(committed, [40, 40]);
    for t in &tenants {
        assert_eq!(verify_chain(store.as_ref(), t).await, 2 + 40);
    }
}

/// The ids of every chain: from tenant rows, heads and entries, each once,
/// sorted, so a chain whose tenant row is gone is still found.
async fn audit_tenants_lists_every_chain_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    assert!(store.audit_tenants().await.unwrap().is_empty());
    let b = setup_tenant(store, "beta").await;
    let orphan = tenant("alpha");
    store
        .apply(
            &orphan,
            Change::audit_only(vec![event(Action::RecordRead, None)]),
            &chain(&orphan),
        )
        .await
        .unwrap();
    assert!(store.tenant(&orphan).await.unwrap().is_none());
    assert_eq!(store.audit_tenants().await.unwrap(), vec![orphan, b]);
}
