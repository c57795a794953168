//! SQLite only: what actually lands in the files, and opening by URL.

use crate::support::*;
use tutela_engine::store::{RecordFilter, Store, Write};
use tutela_store::SqliteStore;
use tutela_vault::{DataKey, MasterKey, record_aad};

/// A value that would be easy to spot if it ever reached disk in the clear.
const MARKER: &[u8] = b"tutela-plaintext-marker-5c1e9a7b3d";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Only ciphertext is written, so the database, its WAL and its shared
/// memory file hold no byte string of the value; the ciphertext itself is
/// found, which shows the scan reads what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_hold_sealed_values_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let t = setup_tenant(&store, "acme").await;
    let master = MasterKey::from_bytes([3; 32]);
    let key = DataKey::generate();
    let mut subject = subject_row(&t);
    subject.wrapped_key = Some(master.wrap(&key, subject.id.as_bytes()).into_bytes());
    let mut record = record_row(&t, subject.id, "email", 1);
    let aad = record_aad(
        t.as_str(),
        subject.id.as_bytes(),
        record.id.as_bytes(),
        "email",
    );
    record.ciphertext = key.seal(MARKER, &aad);
    apply(
        &store,
        &t,
        vec![
            Write::InsertSubject(subject.clone()),
            Write::InsertRecord(record.clone()),
        ],
    )
    .await
    .unwrap();
    let view = store
        .subject_view(&t, subject.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    let stored = &view.records[0].ciphertext;
    assert_eq!(key.open(stored, &aad).unwrap().as_slice(), MARKER);

    let mut files = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.path().join(format!("tutela.db{suffix}"));
        if let Ok(bytes) = std::fs::read(&file) {
            files.push((suffix, bytes));
        }
    }
    assert!(files.len() >= 2, "the database and its WAL exist");
    for (suffix, bytes) in &files {
        assert!(
            !contains(bytes, MARKER),
            "plaintext found in tutela.db{suffix}"
        );
    }
    assert!(
        files
            .iter()
            .any(|(_, bytes)| contains(bytes, &record.ciphertext))
    );
}

/// `connect` picks SQLite from the URL, creates the file, and a reopened
/// store finds what was committed (migrations run again harmlessly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_urls_open_and_reopen_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").with_extension("db");
    let url = format!("sqlite://{}", path.display());
    let store = tutela_store::connect(&url).await.unwrap();
    store.ping().await.unwrap();
    let t = setup_tenant(store.as_ref(), "acme").await;
    drop(store);
    assert!(path.exists());

    let again = SqliteStore::open(&path).await.unwrap();
    again.ping().await.unwrap();
    assert_eq!(
        again.tenant(&t).await.unwrap().map(|r| r.policy_version),
        Some(1)
    );
    assert_eq!(verify_chain(&again, &t).await, 2);
}

/// PostgreSQL is chosen by its URL scheme (skipped without a server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_urls_open_postgres() {
    with_pg_database(|url| async move {
        let store = tutela_store::connect(&url).await.unwrap();
        store.ping().await.unwrap();
        let t = setup_tenant(store.as_ref(), "acme").await;
        assert_eq!(verify_chain(store.as_ref(), &t).await, 2);
    })
    .await;
}

/// An erasure is answered only once the WAL is checkpointed and truncated:
/// the wrapped key, the ciphertext and the blind index are then in no file,
/// while the store is still open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_leaves_no_copy_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tutela.db"))
        .await
        .unwrap();
    let t = setup_tenant(&store, "acme").await;
    let mut subject = subject_row(&t);
    subject.wrapped_key = Some(b"wrapped-key-marker-0f3c9a1e7d5b2468ac".to_vec());
    let mut record = record_row(&t, subject.id, "email", 1);
    record.ciphertext = b"ciphertext-marker-6b2e8d4f1a3c5e7092".to_vec();
    let index = *b"blind-index-marker-31d7f9a2c4e6b";
    apply(
        &store,
        &t,
        vec![
            Write::InsertSubject(subject.clone()),
            Write::InsertRecord(record.clone()),
            Write::InsertIdentifier(identifier_row(&record, index)),
        ],
    )
    .await
    .unwrap();
    let secrets: [&[u8]; 3] = [
        subject.wrapped_key.as_deref().unwrap(),
        &record.ciphertext,
        &index,
    ];
    for secret in secrets {
        assert!(on_disk(dir.path(), secret));
    }
    apply(
        &store,
        &t,
        vec![Write::EraseSubject {
            subject: subject.id,
            at: at(99),
        }],
    )
    .await
    .unwrap();
    for secret in secrets {
        assert!(!on_disk(dir.path(), secret));
    }
}

/// Every file of the database in `dir`.
fn files_in(dir: &std::path::Path) -> Vec<Vec<u8>> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::read(dir.join(format!("tutela.db{s}"))).ok())
        .collect()
}

fn on_disk(dir: &std::path::Path, secret: &[u8]) -> bool {
    files_in(dir).iter().any(|f| contains(f, secret))
}

/// A subject that stays, with two records under marked ciphertexts (one an
/// identifier with a marked blind index), in a fresh database.
async fn two_marked_records(
    dir: &std::path::Path,
) -> (
    SqliteStore,
    tutela_engine::ids::TenantId,
    [tutela_engine::store::RecordRow; 2],
    [u8; 32],
) {
    let store = SqliteStore::open(dir.join("tutela.db")).await.unwrap();
    let t = setup_tenant(&store, "acme").await;
    let subject = subject_row(&t);
    let mut a = record_row(&t, subject.id, "email", 1);
    a.ciphertext = b"old-email-marker-9d1f3b5a7c2e4608".to_vec();
    let mut b = record_row(&t, subject.id, "phone", 2);
    b.ciphertext = b"old-phone-marker-4e6a8c0b2d1f3579".to_vec();
    let index = *b"old-index-marker-8a2c4e6f1b3d579";
    apply(
        &store,
        &t,
        vec![
            Write::InsertSubject(subject),
            Write::InsertRecord(a.clone()),
            Write::InsertRecord(b.clone()),
            Write::InsertIdentifier(identifier_row(&a, index)),
        ],
    )
    .await
    .unwrap();
    assert!(on_disk(dir, &a.ciphertext) && on_disk(dir, &b.ciphertext) && on_disk(dir, &index));
    (store, t, [a, b], index)
}

/// Deleting one record or rectifying one (Art. 17 for part of the data,
/// Art. 16) leaves the subject's key live, so the old value and the old
/// blind index must be gone from every file when the change returns, as
/// for a whole erasure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_or_rectified_value_leaves_no_copy_in_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let (store, t, [a, b], index) = two_marked_records(dir.path()).await;
    let rectify = Write::RectifyRecord {
        subject: a.subject,
        record: a.id,
        category: a.category.clone(),
        ciphertext: b"new-email-sealed-2b4d6f8a0c1e3579".to_vec(),
        blind_index: Some(*b"new-index-marker-7c9e1a3b5d2f468"),
        value_mac: [0; 32],
    };
    apply(&store, &t, vec![rectify]).await.unwrap();
    assert!(!on_disk(dir.path(), &a.ciphertext), "the old value");
    assert!(!on_disk(dir.path(), &index), "the old blind index");
    assert!(on_disk(dir.path(), b"new-email-sealed-2b4d6f8a0c1e3579"));
    let delete = Write::DeleteRecord {
        subject: b.subject,
        record: b.id,
    };
    apply(&store, &t, vec![delete]).await.unwrap();
    assert!(!on_disk(dir.path(), &b.ciphertext), "the deleted value");
}

/// A batch job's deletions ([`Store::apply_all`], a retention sweep) may
/// wait for one checkpoint at the job's end, and are gone after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_jobs_deletions_leave_every_file_at_its_scrub() {
    let dir = tempfile::tempdir().unwrap();
    let (store, t, [a, b], _) = two_marked_records(dir.path()).await;
    let delete = |r: &tutela_engine::store::RecordRow| tutela_engine::store::Change {
        writes: vec![Write::DeleteRecord {
            subject: r.subject,
            record: r.id,
        }],
        audit: vec![event(
            tutela_engine::audit::Action::RetentionSweep,
            Some(r.subject),
        )],
    };
    let outcomes = store
        .apply_all(&t, vec![(delete(&a), None), (delete(&b), None)], &chain(&t))
        .await;
    assert!(outcomes.iter().all(Result::is_ok));
    store.scrub().await.unwrap();
    assert!(!on_disk(dir.path(), &a.ciphertext));
    assert!(!on_disk(dir.path(), &b.ciphertext));
}

/// Two stores on one file, as a CLI command beside a running server: each
/// appends to the same chain in turn. The writer holds chain heads in
/// memory, and must notice the other's commits (and its own failures)
/// rather than link onto a stale head; the chain stays whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_appending_to_the_chain_is_noticed() {
    use tutela_engine::audit::Action;
    use tutela_engine::store::Change;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let server = SqliteStore::open(&path).await.unwrap();
    let t = setup_tenant(&server, "acme").await;
    let cli = SqliteStore::open(&path).await.unwrap();
    let read = || Change::audit_only(vec![event(Action::RecordRead, None)]);
    for _ in 0..3 {
        server.apply(&t, read(), &chain(&t)).await.unwrap();
        cli.apply(&t, read(), &chain(&t)).await.unwrap();
    }
    assert_eq!(verify_chain(&server, &t).await, 2 + 6);
    cli.close().await.unwrap();
    let entries = server.apply(&t, read(), &chain(&t)).await.unwrap();
    assert_eq!(entries.first().map(|e| e.seq), Some(9));
    assert_eq!(verify_chain(&server, &t).await, 9);
}

/// Under steady concurrent writes the WAL starts over again and again
/// instead of growing to the hard limit (64 MiB): the background checkpoint
/// alone never catches up with a writer that never pauses, so the writer
/// finishes its copy between two batches. 48 MiB is written in all; the
/// file must stay well under what was written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_writes_keep_the_wal_bounded() {
    const TASKS: usize = 16;
    const WRITES: usize = 96;
    const VALUE: usize = 32 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let store = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    let t = setup_tenant(store.as_ref(), "acme").await;
    let subject = setup_subject(store.as_ref(), &t).await;
    let wal = dir.path().join("tutela.db-wal");
    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let (store, t, wal) = (store.clone(), t.clone(), wal.clone());
        tasks.push(tokio::spawn(async move {
            let mut largest = 0;
            for n in 0..WRITES {
                let mut record = record_row(&t, subject.id, "email", 1);
                record.ciphertext = vec![u8::try_from((task + n) % 256).unwrap(); VALUE];
                apply(store.as_ref(), &t, vec![Write::InsertRecord(record)])
                    .await
                    .unwrap();
                largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            }
            largest
        }));
    }
    let mut largest = 0;
    for task in tasks {
        largest = largest.max(task.await.unwrap());
    }
    assert!(
        largest < 24 * 1024 * 1024,
        "the WAL grew to {largest} bytes"
    );
}
