//! Consecutive record and identifier inserts of a change, as multi-row
//! statements: the live check of each subject named, the records, the
//! room check of each subject that got records, then the identifiers.

use super::{Exec, Expect, Step, of_subject, require_live, require_room, same_tenant};
use crate::rows::micros;
use crate::sql;
use std::borrow::Cow;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{IdentifierRow, RecordRow, StoreError, Write};

/// A run of record and identifier inserts: the live check of each subject
/// named (once each), then the records, then the identifiers.
pub(super) fn row_inserts(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    run: &[Write],
) -> Result<(), StoreError> {
    let mut records: Vec<&RecordRow> = Vec::new();
    let mut identifiers: Vec<&IdentifierRow> = Vec::new();
    for w in run {
        match w {
            Write::InsertRecord(r) => {
                same_tenant(tenant, &r.tenant)?;
                records.push(r);
            }
            Write::InsertIdentifier(r) => {
                same_tenant(tenant, &r.tenant)?;
                identifiers.push(r);
            }
            _ => {}
        }
    }
    let mut subjects: Vec<SubjectId> = records
        .iter()
        .map(|r| r.subject)
        .chain(identifiers.iter().map(|r| r.subject))
        .collect();
    subjects.sort_unstable();
    subjects.dedup();
    steps.extend(subjects.iter().map(|s| require_live(tenant, s)));
    let t = tenant.as_str();
    for chunk in records.chunks(sql::MAX_ROWS_PER_INSERT) {
        let mut args = Vec::with_capacity(chunk.len() * 8);
        for row in chunk {
            args.extend([
                t.into(),
                row.id.to_string().into(),
                row.subject.to_string().into(),
                row.category.as_str().into(),
                row.purpose.as_str().into(),
                row.source.as_str().into(),
                row.ciphertext.as_slice().into(),
                micros(row.collected_at).into(),
            ]);
        }
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::insert_rows(sql::INSERT_RECORDS_INTO, 8, chunk.len())),
            args,
            names: of_subject("record"),
            expect: Expect::Any,
        }));
    }
    let mut filled: Vec<SubjectId> = records.iter().map(|r| r.subject).collect();
    filled.sort_unstable();
    filled.dedup();
    steps.extend(filled.iter().map(|s| require_room(tenant, s)));
    for chunk in identifiers.chunks(sql::MAX_ROWS_PER_INSERT) {
        let mut args = Vec::with_capacity(chunk.len() * 5);
        for row in chunk {
            args.extend([
                t.into(),
                row.category.as_str().into(),
                row.blind_index.as_slice().into(),
                row.subject.to_string().into(),
                row.record.to_string().into(),
            ]);
        }
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::insert_rows(
                sql::INSERT_IDENTIFIERS_INTO,
                5,
                chunk.len(),
            )),
            args,
            names: of_subject("identifier"),
            expect: Expect::Any,
        }));
    }
    Ok(())
}
