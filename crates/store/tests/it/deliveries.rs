//! Notices to recipients: rows round-trip, concurrent claimers never get
//! the same notice while its lease holds, a lapsed lease frees it, an
//! outcome is recorded only while pending, endpoints upsert and delete,
//! and nothing crosses tenants.

use crate::support::*;
use std::collections::HashSet;
use std::sync::Arc;
use tutela_engine::deliveries::{
    AttemptOutcome, DeliveryFilter, DeliveryRow, DeliveryState, EndpointRow, NoticeKind,
};
use tutela_engine::ids::{DeliveryId, RecordId, RequestId, SubjectId, TenantId};
use tutela_engine::store::{Store, StoreError, Write};
use tutela_policy::RecipientId;

conformance!(
    a_delivery_round_trips_and_lists_by_filter,
    concurrent_claimers_never_share_a_delivery,
    a_lapsed_lease_frees_a_delivery_and_an_outcome_needs_it_pending,
    endpoints_are_replaced_and_deleted_per_tenant,
    only_a_failed_delivery_is_put_back_and_only_in_its_tenant,
);

fn delivery(tenant: &TenantId, n: i64) -> DeliveryRow {
    DeliveryRow {
        tenant: tenant.clone(),
        id: DeliveryId::new(),
        recipient: RecipientId::parse("helpdesk").unwrap(),
        kind: NoticeKind::RecordRectified,
        subject: SubjectId::new(),
        record: Some(RecordId::new()),
        categories: vec![category("email"), category("name")],
        request: None,
        created_at: at(n),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: at(n),
        claimed_until: None,
        delivered_at: None,
        last_status: None,
    }
}

async fn insert(store: &dyn Store, tenant: &TenantId, rows: &[DeliveryRow]) {
    let writes = rows.iter().cloned().map(Write::InsertDelivery).collect();
    apply(store, tenant, writes).await.unwrap();
}

async fn a_delivery_round_trips_and_lists_by_filter(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "other").await;
    let mut first = delivery(&t, 1);
    first.request = Some(RequestId::new());
    let second = delivery(&t, 2);
    insert(store, &t, &[first.clone(), second.clone()]).await;
    insert(store, &other, &[delivery(&other, 3)]).await;

    let all = store
        .deliveries(&t, DeliveryFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(all, vec![second.clone(), first.clone()], "newest first");
    let of_request = DeliveryFilter {
        request: first.request,
        ..DeliveryFilter::default()
    };
    assert_eq!(
        store.deliveries(&t, of_request, 10).await.unwrap(),
        vec![first.clone()]
    );
    // Page by page, every notice once: the next page starts after the
    // last id of the one before.
    let next = DeliveryFilter {
        before: Some(second.id),
        ..DeliveryFilter::default()
    };
    assert_eq!(
        store.deliveries(&t, next, 1).await.unwrap(),
        vec![first.clone()]
    );
    let past_the_end = DeliveryFilter {
        before: Some(first.id),
        ..DeliveryFilter::default()
    };
    assert!(
        store
            .deliveries(&t, past_the_end, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let delivered = DeliveryFilter {
        state: Some(DeliveryState::Delivered),
        ..DeliveryFilter::default()
    };
    assert!(
        store
            .deliveries(&t, delivered, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .deliveries(&t, DeliveryFilter::default(), 1)
            .await
            .unwrap(),
        vec![second]
    );
}

async fn concurrent_claimers_never_share_a_delivery(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    let rows: Vec<DeliveryRow> = (0..60).map(|n| delivery(&t, n)).collect();
    insert(store.as_ref(), &t, &rows).await;
    let now = at(100);
    let mut claimers = Vec::new();
    for _ in 0..4 {
        let (store, t) = (store.clone(), t.clone());
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = store.claim_deliveries(&t, now, at(400), 3).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                assert!(got.iter().all(|d| d.claimed_until == Some(at(400))));
                mine.extend(got.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for claimer in claimers {
        for id in claimer.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "a delivery was claimed twice");
        }
    }
    assert_eq!(total, rows.len(), "every due delivery was claimed once");
}

async fn a_lapsed_lease_frees_a_delivery_and_an_outcome_needs_it_pending(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let row = delivery(&t, 10);
    insert(store, &t, std::slice::from_ref(&row)).await;
    assert!(
        store
            .claim_deliveries(&t, at(9), at(20), 5)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    assert_eq!(
        store
            .claim_deliveries(&t, at(10), at(20), 5)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .claim_deliveries(&t, at(19), at(30), 5)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    let again = store.claim_deliveries(&t, at(20), at(30), 5).await.unwrap();
    assert_eq!(again.len(), 1, "the lease lapsed");

    let retry = AttemptOutcome {
        id: row.id,
        state: DeliveryState::Pending,
        attempts: 1,
        next_attempt_at: at(80),
        delivered_at: None,
        last_status: 503,
    };
    apply(store, &t, vec![Write::FinishDelivery(retry)])
        .await
        .unwrap();
    assert!(
        store
            .claim_deliveries(&t, at(79), at(90), 5)
            .await
            .unwrap()
            .is_empty(),
        "backing off"
    );
    let due = store.claim_deliveries(&t, at(80), at(90), 5).await.unwrap();
    assert_eq!(
        (due.len(), due[0].attempts, due[0].last_status),
        (1, 1, Some(503))
    );

    let done = AttemptOutcome {
        state: DeliveryState::Delivered,
        attempts: 2,
        delivered_at: Some(at(81)),
        last_status: 204,
        ..retry
    };
    apply(store, &t, vec![Write::FinishDelivery(done)])
        .await
        .unwrap();
    assert!(
        store
            .claim_deliveries(&t, at(999), at(1999), 5)
            .await
            .unwrap()
            .is_empty()
    );
    let err = apply(store, &t, vec![Write::FinishDelivery(done)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "delivery" }),
        "{err:?}"
    );
    let other = setup_tenant(store, "other").await;
    assert!(
        store
            .claim_deliveries(&other, at(999), at(1999), 5)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn endpoints_are_replaced_and_deleted_per_tenant(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "other").await;
    let recipient = RecipientId::parse("helpdesk").unwrap();
    let endpoint = |url: &str, secret: u8| EndpointRow {
        tenant: t.clone(),
        recipient: recipient.clone(),
        url: url.to_owned(),
        sealed_secret: vec![secret; 40],
        created_at: at(i64::from(secret)),
    };
    apply(
        store,
        &t,
        vec![Write::PutEndpoint(endpoint("https://a.example", 1))],
    )
    .await
    .unwrap();
    apply(
        store,
        &t,
        vec![Write::PutEndpoint(endpoint("https://b.example", 2))],
    )
    .await
    .unwrap();
    assert_eq!(
        store.endpoints(&t).await.unwrap(),
        vec![endpoint("https://b.example", 2)]
    );
    assert!(store.endpoints(&other).await.unwrap().is_empty());
    let delete = || Write::DeleteEndpoint {
        recipient: recipient.clone(),
    };
    let err = apply(store, &other, vec![delete()]).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "endpoint" }),
        "{err:?}"
    );
    apply(store, &t, vec![delete()]).await.unwrap();
    assert!(store.endpoints(&t).await.unwrap().is_empty());
}

/// A failed notice goes back to pending with its attempts counted afresh,
/// due at the retry; a pending one, another tenant's, or an unknown id is
/// `Missing { what: "failed delivery" }` and changes nothing.
async fn only_a_failed_delivery_is_put_back_and_only_in_its_tenant(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "other").await;
    let mut failed = delivery(&t, 1);
    failed.state = DeliveryState::Failed;
    failed.attempts = 16;
    failed.last_status = Some(503);
    let pending = delivery(&t, 2);
    insert(store, &t, &[failed.clone(), pending.clone()]).await;
    let missing = |err: StoreError| {
        matches!(
            err,
            StoreError::Missing {
                what: "failed delivery"
            }
        )
    };
    for (tenant, id) in [
        (&t, pending.id),
        (&other, failed.id),
        (&t, DeliveryId::new()),
    ] {
        let retry = Write::RetryDelivery { id, at: at(50) };
        let err = apply(store, tenant, vec![retry]).await.unwrap_err();
        assert!(missing(err));
    }
    let retry = Write::RetryDelivery {
        id: failed.id,
        at: at(50),
    };
    apply(store, &t, vec![retry.clone()]).await.unwrap();
    let due = store.claim_deliveries(&t, at(50), at(60), 5).await.unwrap();
    let back = due.iter().find(|d| d.id == failed.id).unwrap();
    assert_eq!(
        (
            back.state,
            back.attempts,
            back.next_attempt_at,
            back.last_status
        ),
        (DeliveryState::Pending, 0, at(50), None)
    );
    assert!(missing(apply(store, &t, vec![retry]).await.unwrap_err()));
}
