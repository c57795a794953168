//! Writes about tenants, their policies and their API keys; a failing
//! change leaves nothing behind.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::audit::Action;
use tutela_engine::ids::ApiKeyId;
use tutela_engine::store::{ApiKeyGrant, Change, Store, StoreError, Write};

conformance!(
    tenants_are_created_and_listed,
    a_duplicate_tenant_conflicts_and_leaves_nothing,
    policies_are_ordered_and_the_last_is_current,
    api_keys_are_found_by_hash_and_revoked,
    a_key_grant_carries_its_own_tenants_operator_flag,
    a_write_naming_another_tenant_is_refused,
);

async fn tenants_are_created_and_listed(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let b = setup_tenant(store, "bravo").await;
    let a = setup_tenant(store, "alpha").await;
    let mut operator = tenant_row(&tenant("ops"));
    operator.operator = true;
    apply(
        store,
        &operator.id,
        vec![Write::InsertTenant(operator.clone())],
    )
    .await
    .unwrap();

    let mut expected = tenant_row(&a);
    expected.policy_version = 1;
    assert_eq!(store.tenant(&a).await.unwrap(), Some(expected));
    assert_eq!(
        store.tenant(&operator.id).await.unwrap(),
        Some(operator.clone())
    );
    assert_eq!(store.tenant(&tenant("nobody")).await.unwrap(), None);
    let ids: Vec<_> = store
        .tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, vec![a, b, operator.id]);
    store.ping().await.unwrap();
}

async fn a_duplicate_tenant_conflicts_and_leaves_nothing(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let head = lane_head(store, &t).await;
    let change = Change {
        writes: vec![
            Write::InsertPolicy(policy_row(&t, 2)),
            Write::InsertTenant(tenant_row(&t)),
        ],
        audit: vec![event(Action::TenantCreate, None)],
    };
    let err = store.apply(&t, change, &chain(&t)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "tenant" }),
        "{err:?}"
    );

    assert_eq!(lane_head(store, &t).await, head);
    assert_eq!(entries(store, &t, 0, 100).await.len(), 2);
    assert_eq!(store.policies(&t).await.unwrap().len(), 1);
    assert_eq!(store.tenant(&t).await.unwrap().unwrap().policy_version, 1);
    assert_eq!(verify_chain(store, &t).await, 2);
}

async fn policies_are_ordered_and_the_last_is_current(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    for v in [2, 3] {
        apply(store, &t, vec![Write::InsertPolicy(policy_row(&t, v))])
            .await
            .unwrap();
    }
    let versions: Vec<u32> = store
        .policies(&t)
        .await
        .unwrap()
        .iter()
        .map(|p| p.version)
        .collect();
    assert_eq!(versions, vec![1, 2, 3]);
    assert_eq!(
        store.policy(&t, None).await.unwrap(),
        Some(policy_row(&t, 3))
    );
    assert_eq!(
        store.policy(&t, Some(2)).await.unwrap(),
        Some(policy_row(&t, 2))
    );
    assert_eq!(store.policy(&t, Some(9)).await.unwrap(), None);
    assert_eq!(store.tenant(&t).await.unwrap().unwrap().policy_version, 3);

    let err = apply(store, &t, vec![Write::InsertPolicy(policy_row(&t, 2))])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                what: "policy version"
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.policy(&t, None).await.unwrap().map(|p| p.version),
        Some(3)
    );

    let err = apply(
        store,
        &tenant("ghost"),
        vec![Write::InsertPolicy(policy_row(&tenant("ghost"), 1))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "tenant" }),
        "{err:?}"
    );
    assert_eq!(store.policy(&tenant("ghost"), None).await.unwrap(), None);
}

async fn api_keys_are_found_by_hash_and_revoked(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let first = api_key_row(&t, [1; 32], 1);
    let mut second = api_key_row(&t, [2; 32], 2);
    second.purposes.clear();
    apply(
        store,
        &t,
        vec![
            Write::InsertApiKey(second.clone()),
            Write::InsertApiKey(first.clone()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .api_key_grant(&t, &[1; 32])
            .await
            .unwrap()
            .map(|g| g.key),
        Some(first.clone())
    );
    assert_eq!(
        store
            .api_key_grant(&t, &[2; 32])
            .await
            .unwrap()
            .map(|g| g.key),
        Some(second.clone())
    );
    assert_eq!(
        store
            .api_key_grant(&t, &[3; 32])
            .await
            .unwrap()
            .map(|g| g.key),
        None
    );
    assert_eq!(
        store.api_keys(&t).await.unwrap(),
        vec![first.clone(), second.clone()]
    );

    apply(
        store,
        &t,
        vec![Write::RevokeApiKey {
            id: first.id,
            at: at(50),
        }],
    )
    .await
    .unwrap();
    let revoked = store
        .api_key_grant(&t, &[1; 32])
        .await
        .unwrap()
        .map(|g| g.key)
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(50)));
    // A second revocation keeps the first instant.
    apply(
        store,
        &t,
        vec![Write::RevokeApiKey {
            id: first.id,
            at: at(60),
        }],
    )
    .await
    .unwrap();
    let revoked = store
        .api_key_grant(&t, &[1; 32])
        .await
        .unwrap()
        .map(|g| g.key)
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(50)));

    let err = apply(
        store,
        &t,
        vec![Write::RevokeApiKey {
            id: ApiKeyId::new(),
            at: at(50),
        }],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "api key" }),
        "{err:?}"
    );
    let same_hash = api_key_row(&t, [1; 32], 3);
    let err = apply(store, &t, vec![Write::InsertApiKey(same_hash)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "api key" }),
        "{err:?}"
    );
}

async fn a_key_grant_carries_its_own_tenants_operator_flag(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let client = setup_tenant(store, "acme").await;
    let mut ops = tenant_row(&tenant("ops"));
    ops.operator = true;
    apply(store, &ops.id, vec![Write::InsertTenant(ops.clone())])
        .await
        .unwrap();
    // The same hash in two tenants: the lookup is by (tenant, hash), so each
    // tenant finds its own key and its own flag, never the other's.
    let client_key = api_key_row(&client, [1; 32], 1);
    let ops_key = api_key_row(&ops.id, [1; 32], 2);
    apply(
        store,
        &client,
        vec![Write::InsertApiKey(client_key.clone())],
    )
    .await
    .unwrap();
    apply(store, &ops.id, vec![Write::InsertApiKey(ops_key.clone())])
        .await
        .unwrap();

    assert_eq!(
        store.api_key_grant(&client, &[1; 32]).await.unwrap(),
        Some(ApiKeyGrant {
            key: client_key.clone(),
            operator: false,
        })
    );
    assert_eq!(
        store.api_key_grant(&ops.id, &[1; 32]).await.unwrap(),
        Some(ApiKeyGrant {
            key: ops_key,
            operator: true,
        })
    );
    assert_eq!(store.api_key_grant(&client, &[2; 32]).await.unwrap(), None);
    assert_eq!(
        store
            .api_key_grant(&tenant("ghost"), &[1; 32])
            .await
            .unwrap(),
        None
    );

    // A revoked key is still returned, marked: refusing it is the engine's call.
    apply(
        store,
        &client,
        vec![Write::RevokeApiKey {
            id: client_key.id,
            at: at(50),
        }],
    )
    .await
    .unwrap();
    let grant = store
        .api_key_grant(&client, &[1; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.key.revoked_at, Some(at(50)));
    assert!(!grant.operator);
}

async fn a_write_naming_another_tenant_is_refused(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let a = setup_tenant(store, "alpha").await;
    let b = setup_tenant(store, "bravo").await;
    let err = apply(store, &a, vec![Write::InsertSubject(subject_row(&b))])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    // A chain keyed for another tenant is refused too.
    let change = Change::audit_only(vec![event(Action::RecordRead, None)]);
    let err = store.apply(&a, change, &chain(&b)).await.unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert_eq!(verify_chain(store, &a).await, 2);
    assert_eq!(verify_chain(store, &b).await, 2);
}
