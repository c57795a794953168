//! Online backups (`Store::backup_to`): on SQLite a consistent `VACUUM
//! INTO` snapshot taken while the store is in use, holding nothing an
//! erasure freed; on PostgreSQL refused, since `pg_dump` is the tool.

use crate::support::*;
use tutela_engine::store::{RecordFilter, Store, StoreError, Write};
use tutela_store::SqliteStore;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The backup opens as a database of its own, with the committed rows
/// and a chain that verifies; it is private on unix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_is_a_complete_private_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tutela.db"))
        .await
        .unwrap();
    let t = setup_tenant(&store, "acme").await;
    let subject = setup_subject(&store, &t).await;
    let target = dir.path().join("snapshot.db");
    store.backup_to(&target).await.unwrap();
    // The store goes on working after the backup.
    let later = setup_subject(&store, &t).await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let copy = SqliteStore::open(&target).await.unwrap();
    let view = copy
        .subject_view(&t, subject.id, RecordFilter::None)
        .await
        .unwrap();
    assert_eq!(view.map(|v| v.subject), Some(subject));
    let missing = copy
        .subject_view(&t, later.id, RecordFilter::None)
        .await
        .unwrap();
    assert!(
        missing.is_none(),
        "the snapshot holds what was committed before it"
    );
    assert_eq!(
        verify_chain(&copy, &t).await,
        verify_chain(&store, &t).await - 1
    );
}

/// An existing target is refused with `Conflict` and not touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_refuses_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tutela.db"))
        .await
        .unwrap();
    setup_tenant(&store, "acme").await;
    let target = dir.path().join("taken.db");
    std::fs::write(&target, b"keep me").unwrap();
    let err = store.backup_to(&target).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    // An empty existing file is refused too: nothing is ever overwritten.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(store.backup_to(&empty).await.is_err());
}

/// A backup taken after an erasure, with the store still open, holds
/// neither the wrapped key, the ciphertext nor the blind index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_after_an_erasure_holds_none_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tutela.db"))
        .await
        .unwrap();
    let t = setup_tenant(&store, "acme").await;
    let mut subject = subject_row(&t);
    subject.wrapped_key = Some(b"wrapped-key-marker-backup-7e1d0c93a2".to_vec());
    let mut record = record_row(&t, subject.id, "email", 1);
    record.ciphertext = b"ciphertext-marker-backup-4a8c2e6f10b3".to_vec();
    let index = *b"blind-index-marker-backup-5f2a7c";
    let writes = vec![
        Write::InsertSubject(subject.clone()),
        Write::InsertRecord(record.clone()),
        Write::InsertIdentifier(identifier_row(&record, index)),
    ];
    apply(&store, &t, writes).await.unwrap();
    let secrets: [&[u8]; 3] = [
        subject.wrapped_key.as_deref().unwrap(),
        &record.ciphertext,
        &index,
    ];
    let before = dir.path().join("before.db");
    store.backup_to(&before).await.unwrap();
    let bytes = std::fs::read(&before).unwrap();
    for secret in secrets {
        assert!(contains(&bytes, secret), "the scan reads the right file");
    }
    let erase = Write::EraseSubject {
        subject: subject.id,
        at: at(99),
    };
    apply(&store, &t, vec![erase]).await.unwrap();
    let after = dir.path().join("after.db");
    store.backup_to(&after).await.unwrap();
    let bytes = std::fs::read(&after).unwrap();
    for secret in secrets {
        assert!(!contains(&bytes, secret), "the backup holds erased bytes");
    }
}

/// PostgreSQL leaves file backups to `pg_dump` (skipped without a server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_is_left_to_pg_dump() {
    with_pg_database(|url| async move {
        let store = tutela_store::connect(&url).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("pg.db");
        let err = store.backup_to(&target).await.unwrap_err();
        assert!(matches!(err, StoreError::Unsupported { .. }), "{err:?}");
        assert!(!target.exists());
    })
    .await;
}
