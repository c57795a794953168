//! The steps of retention's writes: events and plan changes (about a live
//! subject), last-activity marks, anonymised aggregates, and erasing held
//! records whose hold ended.

use super::{
    Expect, Step, Value, both, exec, exec_expecting, of_subject, require_live, same_tenant, to_i64,
};
use crate::error::Names;
use crate::rows::micros;
use crate::sql;
use jiff::Timestamp;
use tutela_engine::ids::{HoldId, RecordId, SubjectId, TenantId};
use tutela_engine::store::{AggregateRow, EventRow, PlanRow, StoreError};

const AGGREGATE: Names = Names {
    conflict: "aggregate",
    missing: "tenant",
};

/// `Write::InsertEvent`.
pub(super) fn event(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &EventRow,
) -> Result<(), StoreError> {
    same_tenant(tenant, &row.tenant)?;
    if let Some(subject) = &row.subject {
        steps.push(require_live(tenant, subject));
    }
    let args = vec![
        tenant.as_str().into(),
        row.id.to_string().into(),
        row.name.as_str().into(),
        row.subject.map(|s| s.to_string()).as_deref().into(),
        micros(row.at).into(),
    ];
    steps.push(exec(sql::INSERT_EVENT, args, of_subject("event")));
    Ok(())
}

/// `Write::InsertPlan`.
pub(super) fn plan(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &PlanRow,
) -> Result<(), StoreError> {
    same_tenant(tenant, &row.tenant)?;
    steps.push(require_live(tenant, &row.subject));
    let args = vec![
        tenant.as_str().into(),
        row.subject.to_string().into(),
        micros(row.since).into(),
        row.plan.as_str().into(),
    ];
    steps.push(exec(sql::INSERT_PLAN, args, of_subject("plan change")));
    Ok(())
}

/// `Write::TouchActivity`: one upsert, no live check (the foreign key
/// needs the subject row; an erasure deletes the mark).
pub(super) fn touch(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    subject: SubjectId,
    at: jiff::Timestamp,
) {
    let args = vec![
        tenant.as_str().into(),
        subject.to_string().into(),
        micros(at).into(),
    ];
    steps.push(exec(sql::TOUCH_ACTIVITY, args, of_subject("activity")));
}

/// `Write::AddAggregate`.
pub(super) fn aggregate(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &AggregateRow,
) -> Result<(), StoreError> {
    let args = vec![
        tenant.as_str().into(),
        row.category.as_str().into(),
        row.period.as_str().into(),
        to_i64(row.count, "aggregate count")?.into(),
    ];
    steps.push(exec(sql::ADD_AGGREGATE, args, AGGREGATE));
    Ok(())
}

/// `Write::DeleteHeldRecord`: the record must still be there; its hold
/// (and the hold's key) goes with the last record.
pub(super) fn delete_held(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    record: RecordId,
    hold: HoldId,
) {
    let t = Value::from(tenant.as_str());
    let h = Value::from(hold.to_string());
    steps.push(exec_expecting(
        sql::DELETE_HELD_RECORD,
        vec![t.clone(), record.to_string().into(), h.clone()],
        both("held record"),
        Expect::Row("held record"),
    ));
    steps.push(exec(sql::DELETE_EMPTY_HOLD, vec![t, h], both("hold")));
}

/// `Write::ExtendHeldRecord`: a record gone meanwhile (another sweeper)
/// is no error; there is nothing left to keep.
pub(super) fn extend_held(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    record: RecordId,
    hold: HoldId,
    ends_at: Timestamp,
) {
    let args = vec![
        tenant.as_str().into(),
        record.to_string().into(),
        hold.to_string().into(),
        micros(ends_at).into(),
    ];
    steps.push(exec(sql::EXTEND_HELD_RECORD, args, both("held record")));
}

/// The statements an erasure adds: the subject's events, plan history and
/// last-activity mark go with its records.
pub(super) const ERASED_WITH_SUBJECT: [&str; 4] = [
    sql::DELETE_EVENTS_OF,
    sql::DELETE_PLANS_OF,
    sql::DELETE_ACTIVITY_OF,
    sql::DELETE_CLAIM_OF,
];
