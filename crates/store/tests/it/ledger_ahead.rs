//! A change's ledger lines (`WriteAhead`) reach the ledger inside its
//! transaction, after its checks and before its commit: a change the store
//! refuses leaves no line, crash or not (a refused rectification replayed
//! after a restore would delete the record's correct value), and a change
//! whose lines cannot be made durable commits nothing.

use crate::support::{apply, chain, conformance, event, record_row, setup_subject, setup_tenant};
use std::sync::{Arc, Mutex};
use tutela_engine::audit::Action;
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::ledger::ErasureLedger;
use tutela_engine::store::{Change, Store, StoreError, Write, WriteAhead};

conformance!(
    a_refused_change_leaves_no_line_and_a_committed_one_does,
    a_group_appends_the_lines_of_the_changes_that_stand_only,
    a_change_whose_lines_cannot_be_written_commits_nothing,
);

/// A ledger in memory; `broken` makes every append fail.
#[derive(Default)]
struct Recorded {
    lines: Mutex<Vec<String>>,
    broken: bool,
}

#[async_trait::async_trait]
impl ErasureLedger for Recorded {
    fn append(&self, lines: &str) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other("disk full"));
        }
        let mut all = self.lines.lock().unwrap();
        all.extend(lines.split('\n').map(str::to_owned));
        Ok(())
    }

    async fn read(&self) -> std::io::Result<String> {
        Ok(self.lines.lock().unwrap().join("\n"))
    }
}

impl Recorded {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// The deletion of `record` from `subject`, carrying one line naming it.
fn deletion(
    ledger: &Arc<Recorded>,
    subject: SubjectId,
    record: RecordId,
) -> (Change, Option<WriteAhead>) {
    let change = Change {
        writes: vec![Write::DeleteRecord { subject, record }],
        audit: vec![event(Action::RecordDelete, Some(subject))],
    };
    let shared: Arc<dyn ErasureLedger> = ledger.clone();
    let ahead = WriteAhead {
        ledger: shared,
        lines: vec![format!("delete {record}")],
    };
    (change, Some(ahead))
}

/// A subject holding one record; its id and the record's.
async fn one_record(store: &dyn Store, t: &TenantId, n: i64) -> (SubjectId, RecordId) {
    let s = setup_subject(store, t).await;
    let row = record_row(t, s.id, "name", n);
    apply(store, t, vec![Write::InsertRecord(row.clone())])
        .await
        .unwrap();
    (s.id, row.id)
}

async fn records_left(store: &dyn Store, t: &TenantId, subject: SubjectId) -> usize {
    store
        .record_stamps(t, subject)
        .await
        .unwrap()
        .map_or(0, |s| s.len())
}

async fn a_refused_change_leaves_no_line_and_a_committed_one_does(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let ledger = Arc::new(Recorded::default());
    let (s, r) = one_record(store, &t, 1).await;
    // A record that is not there: refused inside the transaction.
    let (change, ahead) = deletion(&ledger, s, RecordId::new());
    let refused = store.apply_ahead(&t, change, &chain(&t), ahead).await;
    assert!(
        matches!(refused, Err(StoreError::Missing { .. })),
        "{refused:?}"
    );
    assert!(ledger.lines().is_empty(), "{:?}", ledger.lines());
    let (change, ahead) = deletion(&ledger, s, r);
    store
        .apply_ahead(&t, change, &chain(&t), ahead)
        .await
        .unwrap();
    assert_eq!(ledger.lines(), vec![format!("delete {r}")]);
    assert_eq!(records_left(store, &t, s).await, 0);
}

async fn a_group_appends_the_lines_of_the_changes_that_stand_only(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let ledger = Arc::new(Recorded::default());
    let (s0, r0) = one_record(store, &t, 0).await;
    let (s1, _) = one_record(store, &t, 1).await;
    let (s2, r2) = one_record(store, &t, 2).await;
    // The middle change names a record that is not its subject's.
    let changes = vec![
        deletion(&ledger, s0, r0),
        deletion(&ledger, s1, r2),
        deletion(&ledger, s2, r2),
    ];
    let outcomes = store.apply_all(&t, changes, &chain(&t)).await;
    assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
    assert!(matches!(outcomes[1], Err(StoreError::Missing { .. })));
    let mut lines = ledger.lines();
    lines.sort();
    let mut expected = vec![format!("delete {r0}"), format!("delete {r2}")];
    expected.sort();
    assert_eq!(lines, expected);
}

async fn a_change_whose_lines_cannot_be_written_commits_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let broken = Arc::new(Recorded {
        broken: true,
        ..Recorded::default()
    });
    let (s0, r0) = one_record(store, &t, 0).await;
    let (s1, r1) = one_record(store, &t, 1).await;
    let (change, ahead) = deletion(&broken, s0, r0);
    let failed = store.apply_ahead(&t, change, &chain(&t), ahead).await;
    assert!(
        matches!(failed, Err(StoreError::LedgerUnavailable(_))),
        "{failed:?}"
    );
    assert_eq!(records_left(store, &t, s0).await, 1);
    // In a group, only the change with lines fails; the other commits.
    let plain = Change {
        writes: vec![Write::DeleteRecord {
            subject: s1,
            record: r1,
        }],
        audit: vec![event(Action::RecordDelete, Some(s1))],
    };
    let changes = vec![deletion(&broken, s0, r0), (plain, None)];
    let outcomes = store.apply_all(&t, changes, &chain(&t)).await;
    assert!(
        matches!(outcomes[0], Err(StoreError::LedgerUnavailable(_))),
        "{outcomes:?}"
    );
    assert!(outcomes[1].is_ok(), "{outcomes:?}");
    assert_eq!(records_left(store, &t, s0).await, 1);
    assert_eq!(records_left(store, &t, s1).await, 0);
}
