//! The steps of writes about one existing record (Art. 16): rectifying its
//! value, with its identifier's blind index swapped in the same
//! transaction, and deleting it. Each first requires the subject live and
//! must hit the subject's own record, or fails as `Missing { "record" }`;
//! several records of one subject deleted together must all be hit.

use super::{
    Exec, Expect, Step, Value, exec, exec_expecting, of_subject, require_live, require_room,
};
use crate::sql;
use std::borrow::Cow;
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::store::StoreError;
use tutela_policy::CategoryId;

/// `$1` tenant, `$2` record, `$3` subject: the arguments every statement
/// about one record of one subject starts with.
fn record_args(tenant: &TenantId, subject: SubjectId, record: RecordId) -> Vec<Value> {
    vec![
        tenant.as_str().into(),
        record.to_string().into(),
        subject.to_string().into(),
    ]
}

/// Rectification: the subject must be live, the record must be the
/// subject's, its old identifier row goes and the new one (if any) comes,
/// all in the change's transaction; a longer value must still fit what
/// one subject may hold.
pub(super) fn rectify(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    subject: SubjectId,
    record: RecordId,
    category: &CategoryId,
    ciphertext: &[u8],
    blind_index: Option<[u8; 32]>,
) {
    steps.push(require_live(tenant, &subject));
    let args = record_args(tenant, subject, record);
    let mut update = args.clone();
    update.push(ciphertext.into());
    steps.push(exec_expecting(
        sql::RECTIFY_RECORD,
        update,
        of_subject("record"),
        Expect::Row("record"),
    ));
    steps.push(require_room(tenant, &subject));
    steps.push(exec(
        sql::DELETE_RECORD_IDENTIFIER,
        args,
        of_subject("identifier"),
    ));
    if let Some(index) = blind_index {
        let row = vec![
            tenant.as_str().into(),
            category.as_str().into(),
            index.as_slice().into(),
            subject.to_string().into(),
            record.to_string().into(),
        ];
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::insert_rows(sql::INSERT_IDENTIFIERS_INTO, 5, 1)),
            args: row,
            names: of_subject("identifier"),
            expect: Expect::Any,
        }));
    }
}

/// Deletion: the subject must be live; its identifier row (if any) goes,
/// then the record, which must be there.
pub(super) fn delete(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    subject: SubjectId,
    record: RecordId,
) {
    steps.push(require_live(tenant, &subject));
    let args = record_args(tenant, subject, record);
    steps.push(exec(
        sql::DELETE_RECORD_IDENTIFIER,
        args.clone(),
        of_subject("identifier"),
    ));
    steps.push(exec_expecting(
        sql::DELETE_RECORD,
        args,
        of_subject("record"),
        Expect::Row("record"),
    ));
}

/// Deletion of several records of one subject (a retention sweep): the
/// subject must be live, their identifier rows go, then the records, with
/// one bounded statement per [`sql::MAX_IDS_PER_IN`] ids, each of which
/// must delete exactly as many records as it names, or the change fails as
/// `Missing { "record" }` (a record already gone, say to another sweeper).
pub(super) fn delete_many(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    subject: SubjectId,
    records: &[RecordId],
) -> Result<(), StoreError> {
    steps.push(require_live(tenant, &subject));
    for chunk in records.chunks(sql::MAX_IDS_PER_IN) {
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() + 2);
        args.push(tenant.as_str().into());
        args.push(subject.to_string().into());
        args.extend(chunk.iter().map(|r| Value::from(r.to_string())));
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::in_list(sql::DELETE_RECORD_IDENTIFIERS_IN, chunk.len())),
            args: args.clone(),
            names: of_subject("identifier"),
            expect: Expect::Any,
        }));
        let count = u64::try_from(chunk.len())
            .map_err(|_| crate::error::internal("records", "too many ids"))?;
        steps.push(Step::Exec(Exec {
            sql: Cow::Owned(sql::in_list(sql::DELETE_RECORDS_IN, chunk.len())),
            args,
            names: of_subject("record"),
            expect: Expect::Rows {
                what: "record",
                count,
            },
        }));
    }
    Ok(())
}
