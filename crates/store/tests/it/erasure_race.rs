//! Erasure racing writes about the same subject: whichever commits first,
//! an erased subject ends with no records and no identifiers, and its
//! identifier is free for someone else.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::store::{RecordFilter, Store, StoreError, Write};

conformance!(
    erasure_racing_writes_leaves_nothing_behind,
    writes_about_an_erased_subject_are_refused,
    erasures_that_first_write_about_the_subject_race_without_deadlock,
    a_sweep_erasure_fails_whole_if_a_record_was_added_meanwhile
);

/// A sweep erasing a subject whole decided nothing else would be kept; a
/// record written meanwhile fails its change whole (nothing erased, the
/// record kept), and with no record left it erases.
async fn a_sweep_erasure_fails_whole_if_a_record_was_added_meanwhile(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let t = setup_tenant(s, "acme").await;
    let subject = setup_subject(s, &t).await;
    let due = record_row(&t, subject.id, "email", 1);
    let added = record_row(&t, subject.id, "email", 2);
    apply(
        s,
        &t,
        vec![
            Write::InsertRecord(due.clone()),
            Write::InsertRecord(added.clone()),
        ],
    )
    .await
    .unwrap();
    let sweep = |record: &tutela_engine::store::RecordRow| {
        vec![
            Write::DeleteRecord {
                subject: subject.id,
                record: record.id,
            },
            Write::RequireNoRecordsLeft {
                subject: subject.id,
            },
            Write::EraseSubject {
                subject: subject.id,
                at: at(99),
            },
        ]
    };
    let err = apply(s, &t, sweep(&due)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "record" }),
        "{err:?}"
    );
    let view = s
        .subject_view(&t, subject.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert!(view.subject.erased_at.is_none());
    assert_eq!(view.records.len(), 2, "nothing of the change committed");
    apply(
        s,
        &t,
        vec![Write::DeleteRecord {
            subject: subject.id,
            record: added.id,
        }],
    )
    .await
    .unwrap();
    apply(s, &t, sweep(&due)).await.unwrap();
    let view = s
        .subject_view(&t, subject.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert!(view.subject.erased_at.is_some());
}

/// Erasures of one subject at once, each writing about the subject first
/// (a fulfilled request's notices and ledger entries take the subject's
/// share lock on PostgreSQL): one commits, the others find the subject
/// erased; none deadlocks into a storage failure.
async fn erasures_that_first_write_about_the_subject_race_without_deadlock(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    for round in 0..5 {
        let subject = setup_subject(store.as_ref(), &t).await;
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let (s, t) = (store.clone(), t.clone());
                let writes = vec![
                    Write::InsertConsent(consent_row(&t, subject.id, false, n)),
                    Write::EraseSubject {
                        subject: subject.id,
                        at: at(99),
                    },
                ];
                tokio::spawn(async move { apply(s.as_ref(), &t, writes).await })
            })
            .collect();
        let mut committed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => committed += 1,
                Err(StoreError::SubjectErased) => {}
                Err(err) => panic!("round {round}: {err:?}"),
            }
        }
        assert_eq!(committed, 1, "round {round}");
    }
}

/// Racing pairs of (write a record and its identifier, erase) per subject.
const PAIRS: usize = 200;

/// A distinct blind index per pair.
fn index(n: usize) -> [u8; 32] {
    let mut index = [0xAB; 32];
    index[..8].copy_from_slice(&(n as u64).to_be_bytes());
    index
}

async fn erasure_racing_writes_leaves_nothing_behind(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    let subjects: Vec<_> = (0..PAIRS).map(|_| subject_row(&t)).collect();
    apply(
        store.as_ref(),
        &t,
        subjects.iter().cloned().map(Write::InsertSubject).collect(),
    )
    .await
    .unwrap();

    let mut tasks = Vec::new();
    for (n, subject) in subjects.iter().enumerate() {
        let record = record_row(&t, subject.id, "email", n as i64);
        let writes = vec![
            Write::InsertRecord(record.clone()),
            Write::InsertIdentifier(identifier_row(&record, index(n))),
        ];
        let erase = vec![Write::EraseSubject {
            subject: subject.id,
            at: at(99),
        }];
        let (s1, s2, t1, t2) = (store.clone(), store.clone(), t.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            apply(s1.as_ref(), &t1, writes).await
        }));
        tasks.push(tokio::spawn(
            async move { apply(s2.as_ref(), &t2, erase).await },
        ));
    }
    let mut refused = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(_) => {}
            // Matched by message, not variant, so the test ran on the code
            // before the fix too.
            Err(err) if n % 2 == 0 && err.to_string() == "the subject was erased" => {
                refused += 1;
            }
            Err(err) => panic!("task {n}: {err:?}"),
        }
    }
    eprintln!("{refused} of {PAIRS} writes came after their erasure and were refused");

    let email = category("email");
    for (n, subject) in subjects.iter().enumerate() {
        let view = store
            .subject_view(&t, subject.id, RecordFilter::All)
            .await
            .unwrap()
            .unwrap();
        assert!(view.subject.erased_at.is_some());
        assert!(
            view.records.is_empty(),
            "pair {n}: records survived erasure"
        );
        assert_eq!(
            store
                .subject_by_identifier(&t, &email, &index(n))
                .await
                .unwrap(),
            None,
            "pair {n}: the identifier survived erasure"
        );
    }
    // Every identifier is free again.
    let newcomers: Vec<_> = (0..PAIRS).map(|_| subject_row(&t)).collect();
    let mut writes: Vec<Write> = newcomers
        .iter()
        .cloned()
        .map(Write::InsertSubject)
        .collect();
    for (n, s) in newcomers.iter().enumerate() {
        let record = record_row(&t, s.id, "email", n as i64);
        writes.push(Write::InsertRecord(record.clone()));
        writes.push(Write::InsertIdentifier(identifier_row(&record, index(n))));
    }
    apply(store.as_ref(), &t, writes).await.unwrap();
    verify_chain(store.as_ref(), &t).await;
}

async fn writes_about_an_erased_subject_are_refused(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let s = setup_subject(store, &t).await;
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
    let record = record_row(&t, s.id, "email", 1);
    for write in [
        Write::InsertRecord(record.clone()),
        Write::InsertIdentifier(identifier_row(&record, [1; 32])),
        Write::InsertConsent(consent_row(&t, s.id, true, 1)),
        Write::InsertObjection(objection_row(&t, s.id, None, 1)),
        Write::SetRestricted {
            subject: s.id,
            restricted: true,
        },
    ] {
        let err = apply(store, &t, vec![write]).await.unwrap_err();
        assert_eq!(err.to_string(), "the subject was erased", "{err:?}");
    }
    let view = store
        .subject_view(&t, s.id, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert!(view.records.is_empty() && view.consents.is_empty() && view.objections.is_empty());
    assert!(!view.subject.restricted);
    assert_eq!(verify_chain(store, &t).await, 4);
}
