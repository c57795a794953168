//! What one subject may hold: a write or rectification taking a subject
//! past [`MAX_RECORDS_PER_SUBJECT`] records or
//! [`MAX_SEALED_BYTES_PER_SUBJECT`] sealed bytes fails whole, inside its
//! transaction, and other subjects are not affected.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::Action;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{Change, RecordFilter, RecordRow, Store, StoreError, Write};
use tutela_engine::{MAX_RECORDS_PER_SUBJECT, MAX_SEALED_BYTES_PER_SUBJECT};

conformance!(
    a_subject_holds_at_most_the_record_limit,
    a_subject_holds_at_most_the_byte_limit,
    racing_writes_never_pass_the_limit_together
);

/// Inserts `rows` in one change with one audit entry.
async fn insert(store: &dyn Store, t: &TenantId, rows: Vec<RecordRow>) -> Result<(), StoreError> {
    let change = Change {
        writes: rows.into_iter().map(Write::InsertRecord).collect(),
        audit: vec![event(Action::RecordWrite, None)],
    };
    store.apply(t, change, &chain(t)).await.map(|_| ())
}

async fn held(store: &dyn Store, t: &TenantId, subject: SubjectId) -> (usize, usize) {
    let view = store
        .subject_view(t, subject, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    let bytes = view.records.iter().map(|r| r.ciphertext.len()).sum();
    (view.records.len(), bytes)
}

fn full(result: Result<(), StoreError>) {
    assert!(matches!(result, Err(StoreError::SubjectFull)), "{result:?}");
}

async fn a_subject_holds_at_most_the_record_limit(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let t = setup_tenant(s, "acme").await;
    let ada = setup_subject(s, &t).await.id;
    let max = usize::try_from(MAX_RECORDS_PER_SUBJECT).unwrap();
    let rows = (0..max - 1).map(|n| record_row(&t, ada, "email", n as i64));
    insert(s, &t, rows.collect()).await.unwrap();
    // Two more: the whole write fails, not just the record past the limit.
    let two = (0..2).map(|n| record_row(&t, ada, "email", n)).collect();
    full(insert(s, &t, two).await);
    assert_eq!(held(s, &t, ada).await.0, max - 1);
    let last = record_row(&t, ada, "email", 1);
    insert(s, &t, vec![last.clone()]).await.unwrap();
    full(insert(s, &t, vec![record_row(&t, ada, "email", 2)]).await);
    // Another subject is not affected, and room made is room to write.
    let bob = setup_subject(s, &t).await.id;
    insert(s, &t, vec![record_row(&t, bob, "email", 3)])
        .await
        .unwrap();
    let delete = vec![Write::DeleteRecord {
        subject: ada,
        record: last.id,
    }];
    apply(s, &t, delete).await.unwrap();
    insert(s, &t, vec![record_row(&t, ada, "email", 4)])
        .await
        .unwrap();
    assert_eq!(held(s, &t, ada).await.0, max);
}

async fn a_subject_holds_at_most_the_byte_limit(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let t = setup_tenant(s, "acme").await;
    let ada = setup_subject(s, &t).await.id;
    let mib = 1024 * 1024;
    let max = usize::try_from(MAX_SEALED_BYTES_PER_SUBJECT).unwrap();
    let sized = |n: i64, len: usize| RecordRow {
        ciphertext: vec![7; len],
        ..record_row(&t, ada, "note", n)
    };
    let big: Vec<RecordRow> = (0..max / mib - 1).map(|n| sized(n as i64, mib)).collect();
    for chunk in big.chunks(8) {
        insert(s, &t, chunk.to_vec()).await.unwrap();
    }
    let small = sized(100, 1000);
    insert(s, &t, vec![small.clone()]).await.unwrap();
    full(insert(s, &t, vec![sized(101, mib)]).await);
    // A rectification that grows a value past the limit fails too; one
    // that fits goes through.
    let rectify = |len: usize| Write::RectifyRecord {
        subject: ada,
        record: small.id,
        category: small.category.clone(),
        ciphertext: vec![9; len],
        blind_index: None,
        value_mac: [0; 32],
    };
    let grown = Change {
        writes: vec![rectify(mib + 1)],
        audit: vec![event(Action::RecordRectify, Some(ada))],
    };
    full(s.apply(&t, grown, &chain(&t)).await.map(|_| ()));
    let fits = Change {
        writes: vec![rectify(mib)],
        audit: vec![event(Action::RecordRectify, Some(ada))],
    };
    s.apply(&t, fits, &chain(&t)).await.unwrap();
    assert_eq!(held(s, &t, ada).await, (max / mib, max));
    full(insert(s, &t, vec![sized(102, 1)]).await);
}

/// Writes racing on one subject (on PostgreSQL from several connections)
/// each count what the others committed: together they never pass it.
async fn racing_writes_never_pass_the_limit_together(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    let ada = setup_subject(store.as_ref(), &t).await.id;
    let max = usize::try_from(MAX_RECORDS_PER_SUBJECT).unwrap();
    let rows = (0..max - 50).map(|n| record_row(&t, ada, "email", n as i64));
    insert(store.as_ref(), &t, rows.collect()).await.unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (s, t) = (store.clone(), t.clone());
            let rows = (0..10).map(|n| record_row(&t, ada, "email", n)).collect();
            tokio::spawn(async move { insert(s.as_ref(), &t, rows).await })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => written += 1,
            Err(StoreError::SubjectFull) => {}
            Err(err) => panic!("{err:?}"),
        }
    }
    assert_eq!(written, 5, "exactly the room there was");
    assert_eq!(held(store.as_ref(), &t, ada).await.0, max);
}
