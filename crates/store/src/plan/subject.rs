//! Steps about a subject as a whole that several writes share: the room
//! check after records are added (what one subject may hold) and the
//! exclusive lock a change that erases a subject takes first.

use super::{Expect, Step, both, exec_expecting};
use crate::sql;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{Change, StoreError, Write};

/// Whether a subject holding `records` records of `bytes` sealed bytes in
/// all is within what one subject may hold. Both executors decide with it.
pub(crate) fn within_room(records: i64, bytes: i64) -> Result<(), StoreError> {
    let fits = |n: i64, max: u64| u64::try_from(n).is_ok_and(|n| n <= max);
    if fits(records, tutela_engine::MAX_RECORDS_PER_SUBJECT)
        && fits(bytes, tutela_engine::MAX_SEALED_BYTES_PER_SUBJECT)
    {
        Ok(())
    } else {
        Err(StoreError::SubjectFull)
    }
}

pub(super) fn require_room(tenant: &TenantId, subject: &SubjectId) -> Step {
    Step::RequireRoom {
        tenant: tenant.as_str().to_owned(),
        subject: subject.to_string(),
    }
}

/// The subjects a change erases, each locked ([`sql::LOCK_LIVE_SUBJECT`])
/// before any other step, in id order, so no two erasures deadlock.
pub(super) fn lock_erased_first(steps: &mut Vec<Step>, tenant: &TenantId, change: &Change) {
    let mut erased: Vec<SubjectId> = change
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::EraseSubject { subject, .. } => Some(*subject),
            _ => None,
        })
        .collect();
    erased.sort_unstable();
    erased.dedup();
    for subject in erased {
        let args = vec![tenant.as_str().into(), subject.to_string().into()];
        let expect = Expect::LiveSubject {
            tenant: tenant.as_str().to_owned(),
            subject: subject.to_string(),
        };
        steps.push(exec_expecting(
            sql::LOCK_LIVE_SUBJECT,
            args,
            both("subject"),
            expect,
        ));
    }
}
