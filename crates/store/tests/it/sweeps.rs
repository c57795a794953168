//! Two retention sweepers on one database, as two servers sharing one
//! PostgreSQL (or a server and `tutela sweep` beside it on SQLite) would
//! run them at the same instant: every due record is disposed of exactly
//! once, with exactly one `retention.sweep` entry per subject, and the
//! chain verifies. Each subject's change applies only while its records
//! are still there, so the loser of a race commits nothing.

use crate::support::{
    apply, at, chain, conformance, event, record_row, setup_subject, setup_tenant, verify_chain,
    with_pg_database,
};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use tutela_engine::Engine;
use tutela_engine::audit::Action;
use tutela_engine::clock::ManualClock;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::store::{CandidateCursor, Change, RecordFilter, Store, StoreError, Write};
use tutela_engine::{NewRecord, RecordSource};
use tutela_policy::{CategoryId, PurposeId, SubjectKindId};
use tutela_store::{PgStore, SqliteStore};
use tutela_vault::MasterKey;

const POLICY: &str = r#"
[controller]
name = "Logs Ltd"
email = "privacy@logs.example"
[authority]
name = "DPA"
url = "https://dpa.example"
[[subject_kind]]
id = "user"
description = "Users"
[[category]]
id = "server_log"
description = "Logs"
taxonomy = "system.operations"
[[category]]
id = "note"
description = "Notes"
taxonomy = "user.content"
[[purpose]]
id = "service"
description = "Run the service"
basis = "contract"
categories = ["server_log", "note"]
[[retention]]
categories = ["server_log"]
keep = "90 days"
from = "collected"
"#;

conformance!(
    candidate_pages_walk_records_of_one_instant_once_each_in_order,
    record_stamps_are_a_live_subjects_records_oldest_first,
    a_group_of_changes_commits_each_on_its_own_and_answers_in_order,
);

/// The sweep's first read: each record of a live subject as id, category
/// and collection time, oldest first; nothing for an erased or unknown
/// subject, an empty list for a subject without records.
async fn record_stamps_are_a_live_subjects_records_oldest_first(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
    let rows = [
        record_row(&t, s.id, "email", 3),
        record_row(&t, s.id, "name", 1),
        record_row(&t, s.id, "name", 2),
    ];
    let writes = rows.iter().cloned().map(Write::InsertRecord).collect();
    apply(store, &t, writes).await.unwrap();
    let stamps = store.record_stamps(&t, s.id).await.unwrap().unwrap();
    let got: Vec<_> = stamps
        .iter()
        .map(|r| (r.id, r.category.as_str(), r.collected_at))
        .collect();
    let want: Vec<_> = [&rows[1], &rows[2], &rows[0]]
        .iter()
        .map(|r| (r.id, r.category.as_str(), r.collected_at))
        .collect();
    assert_eq!(got, want);

    let empty = setup_subject(store, &t).await;
    assert_eq!(
        store.record_stamps(&t, empty.id).await.unwrap(),
        Some(vec![])
    );
    assert_eq!(
        store.record_stamps(&t, SubjectId::new()).await.unwrap(),
        None
    );
    let other = setup_tenant(store, "other").await;
    assert_eq!(store.record_stamps(&other, s.id).await.unwrap(), None);

    // Read for a group in one call: the same answers, in the order asked.
    let unknown = SubjectId::new();
    let group = store
        .record_stamps_of(&t, &[empty.id, s.id, unknown])
        .await
        .unwrap();
    assert_eq!(group, vec![Some(vec![]), Some(stamps.clone()), None]);
    assert_eq!(
        store.record_stamps_of(&other, &[s.id]).await.unwrap(),
        vec![None]
    );

    apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: s.id,
            at: at(20),
        }],
    )
    .await
    .unwrap();
    assert_eq!(store.record_stamps(&t, s.id).await.unwrap(), None);
}

/// Records collected at one instant (an import) page by (time, subject):
/// every candidate row once, in order, the cursor resuming after ties.
async fn candidate_pages_walk_records_of_one_instant_once_each_in_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let mut expected: Vec<CandidateCursor> = Vec::new();
    for _ in 0..7 {
        let s = setup_subject(store, &t).await;
        let writes = (0..3)
            .map(|_| {
                let mut row = record_row(&t, s.id, "name", 0);
                row.collected_at = at(5);
                Write::InsertRecord(row)
            })
            .collect();
        apply(store, &t, writes).await.unwrap();
        expected.extend((0..3).map(|_| CandidateCursor {
            collected_at: at(5),
            subject: s.id,
        }));
    }
    // One later record stays out: it is not due at the cutoff.
    let late = setup_subject(store, &t).await;
    let mut row = record_row(&t, late.id, "name", 0);
    row.collected_at = at(9);
    apply(store, &t, vec![Write::InsertRecord(row)])
        .await
        .unwrap();
    expected.sort_by_key(|c| (c.collected_at, c.subject));
    let mut seen: Vec<CandidateCursor> = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .retention_candidates(&t, at(6), after, 2)
            .await
            .unwrap();
        seen.extend(page.iter().copied());
        if page.len() < 2 {
            break;
        }
        after = page.last().copied();
    }
    // The cursor is (time, subject): a page ending inside one subject's
    // rows resumes at the next subject, so each subject appears, in order.
    let mut subjects: Vec<SubjectId> = seen.iter().map(|c| c.subject).collect();
    subjects.dedup();
    let mut want: Vec<SubjectId> = expected.iter().map(|c| c.subject).collect();
    want.dedup();
    assert_eq!(subjects, want);
    assert!(seen.iter().all(|c| c.collected_at == at(5)));
}

/// Subjects written before the race: half keep a note (their logs go),
/// half hold logs only (they are erased whole).
const SUBJECTS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tutela.db");
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let second: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    two_sweepers_dispose_of_each_record_once(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    with_pg_database(|url| async move {
        let first: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let second: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        two_sweepers_dispose_of_each_record_once(first, second).await;
    })
    .await;
}

/// On PostgreSQL a claimed subject is not claimed again while its lease
/// holds, by any store, and is free again once it lapsed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_lease_subjects() {
    with_pg_database(|url| async move {
        let first: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let second: Arc<dyn Store> = Arc::new(PgStore::connect(&url).await.unwrap());
        let t = crate::support::setup_tenant(first.as_ref(), "acme").await;
        let row = crate::support::subject_row(&t);
        let s = row.id;
        let change = tutela_engine::store::Change {
            writes: vec![tutela_engine::store::Write::InsertSubject(row)],
            audit: Vec::new(),
        };
        first
            .apply(&t, change, &crate::support::chain(&t))
            .await
            .unwrap();
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let until = now.checked_add(SignedDuration::from_secs(300)).unwrap();
        assert_eq!(
            first.claim_sweep(&t, &[s], now, until).await.unwrap(),
            vec![s]
        );
        assert!(
            second
                .claim_sweep(&t, &[s], now, until)
                .await
                .unwrap()
                .is_empty()
        );
        let later = until.checked_add(SignedDuration::from_secs(1)).unwrap();
        assert_eq!(
            second.claim_sweep(&t, &[s], until, later).await.unwrap(),
            vec![s]
        );
        // Released by the one holding it, a lease is free at once; another
        // sweeper's release (another lease end) does not free it.
        first.release_sweep(&t, &[s], until).await.unwrap();
        assert!(
            first
                .claim_sweep(&t, &[s], until, later)
                .await
                .unwrap()
                .is_empty()
        );
        second.release_sweep(&t, &[s], later).await.unwrap();
        assert_eq!(
            first.claim_sweep(&t, &[s], until, later).await.unwrap(),
            vec![s]
        );
        first.close().await.unwrap();
        second.close().await.unwrap();
    })
    .await;
}

fn record(category: &str) -> NewRecord {
    NewRecord {
        category: CategoryId::parse(category).unwrap(),
        value: "v".to_owned(),
        source: RecordSource::parse("api", "source").unwrap(),
    }
}

async fn two_sweepers_dispose_of_each_record_once(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let master = Arc::new(MasterKey::generate());
    let a = Arc::new(Engine::new(first, clock.clone(), Arc::clone(&master)));
    let b = Arc::new(Engine::new(second, clock.clone(), Arc::clone(&master)));
    let op = TenantId::parse("operator").unwrap();
    a.bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await
        .unwrap();
    let tenant = TenantId::parse("logs").unwrap();
    a.create_tenant(
        &Principal::local_admin(op, true),
        tenant.clone(),
        "Logs",
        POLICY,
    )
    .await
    .unwrap();
    let who = Principal::local_admin(tenant.clone(), false);
    let mut subjects: Vec<SubjectId> = Vec::new();
    for i in 0..SUBJECTS {
        let mut records = vec![record("server_log"), record("server_log")];
        if i % 2 == 0 {
            records.push(record("note"));
        }
        let s = a
            .create_subject(
                &who,
                &SubjectKindId::parse("user").unwrap(),
                &PurposeId::parse("service").unwrap(),
                records,
            )
            .await
            .unwrap();
        subjects.push(s);
    }
    clock.advance(SignedDuration::from_hours(24 * 90));
    let (ra, rb) = tokio::join!(
        {
            let (a, t) = (Arc::clone(&a), tenant.clone());
            async move { a.sweep_tenant(&t, &|_| {}).await.unwrap() }
        },
        {
            let (b, t) = (Arc::clone(&b), tenant.clone());
            async move { b.sweep_tenant(&t, &|_| {}).await.unwrap() }
        }
    );
    assert_eq!(
        ra.deleted + rb.deleted,
        (SUBJECTS * 2) as u64,
        "each log deleted once: {ra:?} {rb:?}"
    );
    assert_eq!(ra.subjects_swept + rb.subjects_swept, SUBJECTS as u64);
    assert_eq!(
        ra.subjects_erased + rb.subjects_erased,
        (SUBJECTS / 2) as u64
    );
    // One retention.sweep entry per subject, on whichever lane.
    let mut swept: Vec<String> = Vec::new();
    for head in a.audit_heads(&who).await.unwrap() {
        let entries = a.audit_entries(&who, head.lane, 0, 100_000).await.unwrap();
        swept.extend(
            entries
                .into_iter()
                .filter(|e| e.action == "retention.sweep")
                .filter_map(|e| e.subject),
        );
    }
    swept.sort();
    let mut expected: Vec<String> = subjects.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(swept, expected, "exactly one entry per subject");
    for (i, s) in subjects.iter().enumerate() {
        let view = a
            .store()
            .subject_view(&tenant, *s, RecordFilter::All)
            .await
            .unwrap()
            .unwrap();
        if i % 2 == 0 {
            assert!(view.subject.erased_at.is_none());
            assert_eq!(view.records.len(), 1, "the note stays");
        } else {
            assert!(view.subject.erased_at.is_some(), "erased whole");
        }
    }
    assert!(a.verify_audit(&who).await.unwrap().intact());
    let again = b.sweep_tenant(&tenant, &|_| {}).await.unwrap();
    assert_eq!((again.subjects_swept, again.deleted), (0, 0), "idempotent");
    a.store().close().await.unwrap();
    b.store().close().await.unwrap();
}

/// A sweep hands the store a group of changes at once: each commits or
/// fails on its own (a change deleting a record already gone fails whole,
/// the others stay), the answers come in the order given, and the chain
/// holds exactly the committed changes' entries and verifies.
async fn a_group_of_changes_commits_each_on_its_own_and_answers_in_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let mut subjects = Vec::new();
    for n in 0..3 {
        let s = setup_subject(store, &t).await;
        let row = record_row(&t, s.id, "name", n);
        apply(store, &t, vec![Write::InsertRecord(row.clone())])
            .await
            .unwrap();
        subjects.push((s.id, row.id));
    }
    let before = verify_chain(store, &t).await;
    let delete = |subject: SubjectId, record| Change {
        writes: vec![Write::DeleteRecord { subject, record }],
        audit: vec![event(Action::RetentionSweep, Some(subject))],
    };
    let (s0, r0) = subjects[0];
    let (s1, _) = subjects[1];
    let (s2, r2) = subjects[2];
    // The middle change names a record that is not the subject's.
    let changes = vec![delete(s0, r0), delete(s1, r2), delete(s2, r2)]
        .into_iter()
        .map(|c| (c, None))
        .collect();
    let outcomes = store.apply_all(&t, changes, &chain(&t)).await;
    assert_eq!(outcomes.len(), 3);
    assert_eq!(outcomes[0].as_ref().map(Vec::len).ok(), Some(1));
    assert!(
        matches!(outcomes[1], Err(StoreError::Missing { .. })),
        "{:?}",
        outcomes[1]
    );
    assert_eq!(outcomes[2].as_ref().map(Vec::len).ok(), Some(1));
    for (subject, left) in [(s0, 0), (s1, 1), (s2, 0)] {
        let stamps = store.record_stamps(&t, subject).await.unwrap().unwrap();
        assert_eq!(stamps.len(), left, "records left for {subject}");
    }
    assert_eq!(verify_chain(store, &t).await, before + 2);
    assert!(store.apply_all(&t, Vec::new(), &chain(&t)).await.is_empty());
}
