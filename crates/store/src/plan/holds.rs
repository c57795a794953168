//! The steps of holding a subject's records under a statutory hold
//! (Art. 17(3)(b)), at its erasure or when a retention sweep finds them
//! due: the subject must still be live (an erasure or sweep puts this
//! before its own steps in the same transaction, so of two racing erasures
//! the second finds the subject erased and holds nothing twice), then the
//! hold with its wrapped key, then its records in multi-row inserts.

use super::{Exec, Expect, Step, Value, exec, of_subject, require_live, same_tenant};
use crate::error::internal;
use crate::rows::micros;
use crate::sql;
use std::borrow::Cow;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{HeldRecordRow, HoldRow, StoreError};

/// The steps of one `Write::HoldRecords`. Fails on a row naming another
/// tenant, subject or hold than the hold.
pub(super) fn hold(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    hold: &HoldRow,
    records: &[HeldRecordRow],
) -> Result<(), StoreError> {
    same_tenant(tenant, &hold.tenant)?;
    for r in records {
        same_tenant(tenant, &r.tenant)?;
        if r.subject != hold.subject || r.hold != hold.id {
            return Err(internal(
                "apply",
                "a held record names another subject or hold than its hold",
            ));
        }
    }
    steps.push(require_live(tenant, &hold.subject));
    let t = tenant.as_str();
    let args = vec![
        t.into(),
        hold.id.to_string().into(),
        hold.subject.to_string().into(),
        hold.law.as_str().into(),
        hold.wrapped_key.as_slice().into(),
        micros(hold.held_at).into(),
    ];
    steps.push(exec(sql::INSERT_HOLD, args, of_subject("hold")));
    for chunk in records.chunks(sql::MAX_ROWS_PER_INSERT) {
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() * sql::HELD_RECORD_COLUMNS);
        for r in chunk {
            args.extend([
                t.into(),
                r.id.to_string().into(),
                r.subject.to_string().into(),
                r.hold.to_string().into(),
                r.category.as_str().into(),
                r.purpose.as_str().into(),
                r.source.as_str().into(),
                r.ciphertext.as_slice().into(),
                micros(r.collected_at).into(),
                micros(r.ends_at).into(),
                r.start.as_str().into(),
            ]);
        }
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::insert_rows(
                sql::INSERT_HELD_RECORDS_INTO,
                sql::HELD_RECORD_COLUMNS,
                chunk.len(),
            )),
            args,
            names: of_subject("held record"),
            expect: Expect::Any,
        }));
    }
    Ok(())
}
