//! Statutory holds at an erasure (Art. 17(3)(b)): held records are stored
//! with their hold in the erasure's own change, read back exactly, only
//! within their tenant; the sweep's read lists those due by end date; a
//! hold needs a live subject, so two racing erasures hold nothing twice.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::holds::{HeldRecordRow, HoldRow, HoldStart};
use tutela_engine::ids::{HoldId, SubjectId, TenantId};
use tutela_engine::store::{RecordFilter, RecordRow, Store, StoreError, Write};

conformance!(
    held_records_round_trip_beside_the_erasure,
    holds_due_lists_by_end_within_the_tenant,
    a_hold_needs_a_live_subject,
    a_held_records_end_moves_only_forward,
);

fn hold_row(tenant: &TenantId, subject: SubjectId) -> HoldRow {
    HoldRow {
        tenant: tenant.clone(),
        id: HoldId::new(),
        subject,
        law: "German commercial and tax law (§ 257 HGB)".into(),
        wrapped_key: vec![5; 72],
        held_at: at(50),
    }
}

fn held_row(hold: &HoldRow, record: &RecordRow, ends: i64) -> HeldRecordRow {
    HeldRecordRow {
        tenant: hold.tenant.clone(),
        id: record.id,
        subject: hold.subject,
        hold: hold.id,
        category: record.category.clone(),
        purpose: record.purpose.clone(),
        source: record.source.clone(),
        ciphertext: vec![6; 40],
        collected_at: record.collected_at,
        ends_at: at(ends),
        start: if ends % 2 == 0 {
            HoldStart::Collected
        } else {
            HoldStart::Erasure
        },
    }
}

/// Erases a subject of `tenant` with one record per `ends`, each held
/// until then; returns the hold and its records.
async fn erase_holding(
    store: &dyn Store,
    tenant: &TenantId,
    ends: &[i64],
) -> (HoldRow, Vec<HeldRecordRow>) {
    let subject = setup_subject(store, tenant).await;
    let records: Vec<RecordRow> = (0..ends.len())
        .map(|n| record_row(tenant, subject.id, "iban", i64::try_from(n).unwrap()))
        .collect();
    let inserts = records.iter().cloned().map(Write::InsertRecord).collect();
    apply(store, tenant, inserts).await.unwrap();
    let hold = hold_row(tenant, subject.id);
    let held: Vec<HeldRecordRow> = records
        .iter()
        .zip(ends)
        .map(|(r, e)| held_row(&hold, r, *e))
        .collect();
    let writes = vec![
        Write::HoldRecords {
            hold: hold.clone(),
            records: held.clone(),
        },
        Write::EraseSubject {
            subject: subject.id,
            at: at(50),
        },
    ];
    apply(store, tenant, writes).await.unwrap();
    (hold, held)
}

async fn held_records_round_trip_beside_the_erasure(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let (hold, held) = erase_holding(store, &t, &[300, 301]).await;
    let got = store.subject_holds(&t, hold.subject).await.unwrap();
    assert_eq!(got.holds, vec![hold.clone()]);
    assert_eq!(got.records, held);
    let view = store
        .subject_view(&t, hold.subject, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    assert!(view.subject.erased_at.is_some() && view.subject.wrapped_key.is_none());
    assert!(
        view.records.is_empty(),
        "the subject's own records are gone"
    );
    let theirs = store.subject_holds(&other, hold.subject).await.unwrap();
    assert!(theirs.holds.is_empty() && theirs.records.is_empty());
    // What a policy version dropping a category asks.
    assert!(store.category_held(&t, &category("iban")).await.unwrap());
    assert!(!store.category_held(&t, &category("invoice")).await.unwrap());
    assert!(
        !store
            .category_held(&other, &category("iban"))
            .await
            .unwrap()
    );
}

async fn holds_due_lists_by_end_within_the_tenant(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let (_, late) = erase_holding(store, &t, &[300, 100]).await;
    let (_, mid) = erase_holding(store, &t, &[200]).await;
    erase_holding(store, &other, &[50]).await;
    let ids = |rows: Vec<HeldRecordRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert!(store.holds_due(&t, at(100), 10).await.unwrap().is_empty());
    let due = store.holds_due(&t, at(201), 10).await.unwrap();
    assert_eq!(ids(due.clone()), vec![late[1].id, mid[0].id]);
    assert_eq!(due.first(), late.get(1));
    let first = store.holds_due(&t, at(1_000), 2).await.unwrap();
    assert_eq!(ids(first), vec![late[1].id, mid[0].id]);
    let all = store.holds_due(&t, at(1_000), 10).await.unwrap();
    assert_eq!(ids(all), vec![late[1].id, mid[0].id, late[0].id]);
    let theirs = store.holds_due(&other, at(1_000), 10).await.unwrap();
    assert_eq!(theirs.len(), 1);
}

async fn a_hold_needs_a_live_subject(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let (hold, held) = erase_holding(store, &t, &[300]).await;
    // A second erasure racing the first: its hold finds the subject erased.
    let mut again = hold_row(&t, hold.subject);
    again.id = HoldId::new();
    let mut row = held[0].clone();
    row.hold = again.id;
    let writes = vec![
        Write::HoldRecords {
            hold: again,
            records: vec![row],
        },
        Write::EraseSubject {
            subject: hold.subject,
            at: at(60),
        },
    ];
    let err = apply(store, &t, writes).await.unwrap_err();
    assert!(matches!(err, StoreError::SubjectErased), "{err:?}");
    let got = store.subject_holds(&t, hold.subject).await.unwrap();
    assert_eq!((got.holds.len(), got.records.len()), (1, 1));
}

/// A lengthened hold moves a held record's end forward, never back, and
/// only in its own tenant.
async fn a_held_records_end_moves_only_forward(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let (hold, held) = erase_holding(store, &t, &[300]).await;
    let extend = |ends: i64| Write::ExtendHeldRecord {
        record: held[0].id,
        hold: hold.id,
        ends_at: at(ends),
    };
    apply(store, &other, vec![extend(900)]).await.unwrap();
    apply(store, &t, vec![extend(200)]).await.unwrap();
    let now = store.subject_holds(&t, hold.subject).await.unwrap();
    assert_eq!(
        now.records[0].ends_at,
        at(300),
        "not moved back, nor by another tenant"
    );
    apply(store, &t, vec![extend(500)]).await.unwrap();
    let now = store.subject_holds(&t, hold.subject).await.unwrap();
    assert_eq!(now.records[0].ends_at, at(500));
    assert!(store.holds_due(&t, at(400), 10).await.unwrap().is_empty());
}
