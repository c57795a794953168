//! The master key check value: the first one stored stays, and a closed
//! store refuses further writes.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::store::{Store, Write};

conformance!(
    the_first_key_check_value_stays,
    a_closed_store_takes_no_more_writes
);

async fn the_first_key_check_value_stays(store: Arc<dyn Store>) {
    assert_eq!(store.claim_key_check(&[1; 32]).await.unwrap(), vec![1; 32]);
    assert_eq!(store.claim_key_check(&[2; 32]).await.unwrap(), vec![1; 32]);
    assert_eq!(store.claim_key_check(&[1; 32]).await.unwrap(), vec![1; 32]);
}

async fn a_closed_store_takes_no_more_writes(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    store.close().await.unwrap();
    store.close().await.unwrap();
    let write = vec![Write::InsertSubject(subject_row(&t))];
    assert!(apply(store.as_ref(), &t, write).await.is_err());
}
