//! The read reports page through subjects with: every subject holding the
//! category once, in pages, never another tenant's, never an erased one.

use crate::support::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use tutela_engine::ids::SubjectId;
use tutela_engine::store::{Store, Write};

conformance!(report_subjects_pages_through_holders_of_a_category);

async fn report_subjects_pages_through_holders_of_a_category(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let mut holders = BTreeSet::new();
    for i in 0..7 {
        let s = setup_subject(store, &t).await;
        let mut writes = vec![Write::InsertRecord(record_row(&t, s.id, "kudos", i))];
        if i % 2 == 0 {
            writes.push(Write::InsertRecord(record_row(&t, s.id, "kudos", 100 + i)));
        }
        apply(store, &t, writes).await.unwrap();
        holders.insert(s.id);
    }
    let without = setup_subject(store, &t).await;
    apply(
        store,
        &t,
        vec![Write::InsertRecord(record_row(&t, without.id, "email", 1))],
    )
    .await
    .unwrap();
    let theirs = setup_subject(store, &other).await;
    apply(
        store,
        &other,
        vec![Write::InsertRecord(record_row(
            &other, theirs.id, "kudos", 1,
        ))],
    )
    .await
    .unwrap();
    let erased = setup_subject(store, &t).await;
    apply(
        store,
        &t,
        vec![Write::InsertRecord(record_row(&t, erased.id, "kudos", 1))],
    )
    .await
    .unwrap();
    let at = "2026-03-02T00:00:00Z".parse().unwrap();
    apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: erased.id,
            at,
        }],
    )
    .await
    .unwrap();

    let kudos = category("kudos");
    let mut seen: Vec<SubjectId> = Vec::new();
    let mut after = None;
    loop {
        let page = store.report_subjects(&t, &kudos, after, 3).await.unwrap();
        assert!(page.len() <= 3);
        seen.extend(&page);
        if page.len() < 3 {
            break;
        }
        after = page.last().copied();
    }
    assert_eq!(seen.len(), 7, "each holder once: {seen:?}");
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), holders);
    let theirs_only = store
        .report_subjects(&other, &kudos, None, 100)
        .await
        .unwrap();
    assert_eq!(theirs_only, vec![theirs.id]);
    let none = store
        .report_subjects(&t, &category("shoe_size"), None, 100)
        .await
        .unwrap();
    assert!(none.is_empty());
}
