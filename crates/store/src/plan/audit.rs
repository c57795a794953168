//! The audit half of a plan: linking a change's events onto a lane of the
//! tenant's chain, inserting the linked entries, and moving the lane's head
//! once per batch.

use super::{AUDIT, Exec, Expect, Step, exec_expecting, to_i64};
use crate::error::internal;
use crate::sql;
use tutela_engine::audit::{AuditChain, AuditEntry, AuditEvent, AuditHead};
use tutela_engine::ids::TenantId;
use tutela_engine::store::StoreError;

/// Links `events` on `lane` after `head` (that lane's head, `None` for an
/// empty lane) of `tenant`'s chain: the entries a batch then inserts.
pub(crate) fn link(
    tenant: &TenantId,
    chain: &AuditChain,
    lane: u32,
    head: Option<AuditHead>,
    events: &[AuditEvent],
) -> Result<Vec<AuditEntry>, StoreError> {
    if chain.tenant() != tenant {
        return Err(internal("apply", "the audit chain is another tenant's"));
    }
    let mut entries: Vec<AuditEntry> = Vec::with_capacity(events.len());
    for event in events {
        let prev = entries.last().map(AuditEntry::head).or(head);
        entries.push(chain.link(lane, prev.as_ref(), event));
    }
    Ok(entries)
}

/// The inserts of linked audit entries, in order, at most
/// [`sql::MAX_ROWS_PER_INSERT`] rows per statement.
pub(crate) fn audit_entries(
    tenant: &TenantId,
    entries: &[AuditEntry],
) -> Result<Vec<Step>, StoreError> {
    let t = tenant.as_str();
    entries
        .chunks(sql::MAX_ROWS_PER_INSERT)
        .map(|chunk| {
            let mut args = Vec::with_capacity(chunk.len() * sql::AUDIT_ENTRY_COLUMNS);
            for e in chunk {
                args.extend([
                    t.into(),
                    i64::from(e.lane).into(),
                    to_i64(e.seq, "audit seq")?.into(),
                    e.at_us.into(),
                    e.actor.as_str().into(),
                    e.action.as_str().into(),
                    e.purpose.as_deref().into(),
                    e.subject.as_deref().into(),
                    e.detail.as_str().into(),
                    e.outcome.as_str().into(),
                    e.prev_mac.as_slice().into(),
                    e.mac.as_slice().into(),
                ]);
            }
            let statement = sql::insert_rows(
                sql::INSERT_AUDIT_ENTRIES_INTO,
                sql::AUDIT_ENTRY_COLUMNS,
                chunk.len(),
            );
            Ok(Step::Exec(Exec {
                sql: statement.into(),
                args,
                names: AUDIT,
                expect: Expect::Any,
            }))
        })
        .collect()
}

/// Moves (or first sets) a lane's head from `old_seq` (0: none yet), once
/// per tenant per batch; fails if anyone else moved it meanwhile.
pub(crate) fn head(tenant: &TenantId, head: &AuditHead, old_seq: u64) -> Result<Step, StoreError> {
    let args = vec![
        tenant.as_str().into(),
        i64::from(head.lane).into(),
        to_i64(head.seq, "audit seq")?.into(),
        head.mac.as_slice().into(),
        to_i64(old_seq, "audit seq")?.into(),
    ];
    Ok(exec_expecting(
        sql::MOVE_AUDIT_HEAD,
        args,
        AUDIT,
        Expect::HeadUnmoved,
    ))
}
