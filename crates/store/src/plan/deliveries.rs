//! The steps of the notice and endpoint writes (Art. 19).

use super::{Expect, Step, Value, both, exec, exec_expecting, same_tenant};
use crate::rows::micros;
use crate::sql;
use jiff::Timestamp;
use tutela_engine::deliveries::{AttemptOutcome, DeliveryRow, EndpointRow};
use tutela_engine::ids::{DeliveryId, TenantId};
use tutela_engine::store::StoreError;
use tutela_policy::RecipientId;

/// Categories as stored: comma-joined keys (a key holds no comma).
pub(crate) fn join_categories(row: &DeliveryRow) -> String {
    row.categories
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Queue a notice.
pub(crate) fn insert(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &DeliveryRow,
) -> Result<(), StoreError> {
    same_tenant(tenant, &row.tenant)?;
    let args = vec![
        tenant.as_str().into(),
        row.id.to_string().into(),
        row.recipient.as_str().into(),
        row.kind.as_str().into(),
        row.subject.to_string().into(),
        row.record.map(|r| r.to_string()).as_deref().into(),
        join_categories(row).into(),
        row.request.map(|r| r.to_string()).as_deref().into(),
        micros(row.created_at).into(),
        row.state.as_str().into(),
        i64::from(row.attempts).into(),
        micros(row.next_attempt_at).into(),
        row.claimed_until.map(micros).into(),
        row.delivered_at.map(micros).into(),
        row.last_status.map(i64::from).into(),
    ];
    steps.push(exec(sql::INSERT_DELIVERY, args, both("delivery")));
    Ok(())
}

/// Record an attempt; the notice must still be pending.
pub(crate) fn finish(steps: &mut Vec<Step>, tenant: &TenantId, outcome: &AttemptOutcome) {
    let args = vec![
        tenant.as_str().into(),
        outcome.id.to_string().into(),
        outcome.state.as_str().into(),
        i64::from(outcome.attempts).into(),
        micros(outcome.next_attempt_at).into(),
        outcome.delivered_at.map(micros).into(),
        i64::from(outcome.last_status).into(),
    ];
    steps.push(exec_expecting(
        sql::FINISH_DELIVERY,
        args,
        both("delivery"),
        Expect::Row("delivery"),
    ));
}

/// Put a failed notice back; it must still be failed.
pub(crate) fn retry(steps: &mut Vec<Step>, tenant: &TenantId, id: DeliveryId, at: Timestamp) {
    let args = vec![
        tenant.as_str().into(),
        id.to_string().into(),
        micros(at).into(),
    ];
    steps.push(exec_expecting(
        sql::RETRY_DELIVERY,
        args,
        both("delivery"),
        Expect::Row("failed delivery"),
    ));
}

/// Register or replace an endpoint.
pub(crate) fn put_endpoint(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &EndpointRow,
) -> Result<(), StoreError> {
    same_tenant(tenant, &row.tenant)?;
    let args: Vec<Value> = vec![
        tenant.as_str().into(),
        row.recipient.as_str().into(),
        row.url.as_str().into(),
        row.sealed_secret.as_slice().into(),
        micros(row.created_at).into(),
    ];
    steps.push(exec(sql::PUT_ENDPOINT, args, both("endpoint")));
    Ok(())
}

/// Remove an endpoint; there must be one.
pub(crate) fn delete_endpoint(steps: &mut Vec<Step>, tenant: &TenantId, recipient: &RecipientId) {
    let args = vec![tenant.as_str().into(), recipient.as_str().into()];
    steps.push(exec_expecting(
        sql::DELETE_ENDPOINT,
        args,
        both("endpoint"),
        Expect::Row("endpoint"),
    ));
}
