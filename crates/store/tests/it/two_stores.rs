//! Two stores on one database, as two servers (or a server and a CLI
//! command beside it) would open it: both append to one tenant's chain at
//! once, and the chain must verify with every entry either committed. On
//! PostgreSQL the two stores write on different lanes, so neither waits for
//! the other's audit head; on SQLite they share lane 0, and a store must
//! never link after a head the other has already moved.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::Action;
use tutela_engine::store::{Change, Store, Write};
use tutela_store::{PgStore, SqliteStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let second: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let lanes = both_append_to_one_chain(first, second).await;
    assert_eq!(lanes, vec![0], "SQLite uses lane 0 only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    with_pg_database(|url| async move {
        let first: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let second: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let lanes = both_append_to_one_chain(first, second).await;
        assert!(
            lanes.len() >= 2,
            "each store writes its own lanes: {lanes:?}"
        );
    })
    .await;
}

/// Changes through both stores, first taking turns, then all at once;
/// returns the chain's lanes once it verified with every entry.
async fn both_append_to_one_chain(first: Arc<dyn Store>, second: Arc<dyn Store>) -> Vec<u32> {
    let t = setup_tenant(first.as_ref(), "acme").await;
    let stores = [first, second];
    let mut expected = verify_chain(stores[0].as_ref(), &t).await;
    // Taking turns: each store must link after the head the other moved.
    for round in 0..6 {
        let store = &stores[round % 2];
        let change = Change::audit_only(vec![event(Action::RecordRead, None)]);
        store.apply(&t, change, &chain(&t)).await.unwrap();
        expected += 1;
    }
    // At once: 40 tasks, half on each store, each writing and auditing.
    let mut tasks = Vec::new();
    for i in 0..40_usize {
        let store = Arc::clone(&stores[i % 2]);
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let change = Change {
                writes: vec![Write::InsertSubject(subject_row(&t))],
                audit: vec![
                    event(Action::SubjectCreate, None),
                    event(Action::RecordRead, None),
                ],
            };
            store.apply(&t, change, &chain(&t)).await.map(|e| e.len())
        }));
    }
    for task in tasks {
        expected += task.await.unwrap().unwrap() as u64;
    }
    for store in &stores {
        assert_eq!(verify_chain(store.as_ref(), &t).await, expected);
    }
    stores[0].audit_lanes(&t).await.unwrap()
}
