//! The steps of policy writes: a version (in force at once or pending)
//! and the record that a subject was told of one.

use super::{POLICY, Step, Value, exec, same_tenant};
use crate::rows::micros;
use crate::sql;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{PolicyRow, StoreError, Write};

/// The steps of one policy write; other writes are not handled here.
pub(super) fn steps(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    write: &Write,
) -> Result<(), StoreError> {
    match write {
        Write::InsertPolicy(row) => {
            same_tenant(tenant, &row.tenant)?;
            version_steps(steps, row, row.version, None);
        }
        Write::InsertPendingPolicy { row, in_force } => {
            same_tenant(tenant, &row.tenant)?;
            version_steps(steps, row, *in_force, Some(row));
        }
        Write::InsertPolicyNotice {
            version,
            subject,
            at,
        } => {
            let args = vec![
                Value::from(tenant.as_str()),
                Value::Int(i64::from(*version)),
                subject.to_string().into(),
                micros(*at).into(),
            ];
            steps.push(exec(sql::INSERT_POLICY_NOTICE, args, POLICY));
        }
        _ => {}
    }
    Ok(())
}

/// Inserts a policy version and sets the tenant's version in force and
/// its pending one (the version itself when it waits for its time).
fn version_steps(
    steps: &mut Vec<Step>,
    row: &PolicyRow,
    in_force: u32,
    pending: Option<&PolicyRow>,
) {
    let t = Value::from(row.tenant.as_str());
    let args = vec![
        t.clone(),
        Value::Int(i64::from(row.version)),
        row.source.as_str().into(),
        micros(row.published_at).into(),
        micros(row.effective_at).into(),
    ];
    steps.push(exec(sql::INSERT_POLICY, args, POLICY));
    let set = vec![
        t,
        Value::Int(i64::from(in_force)),
        pending.map(|p| i64::from(p.version)).into(),
        pending.map(|p| micros(p.effective_at)).into(),
    ];
    steps.push(exec(sql::SET_POLICY_VERSION, set, POLICY));
}
