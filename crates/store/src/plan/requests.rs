//! The arguments of a request row, in the column order of
//! `sql::REQUEST_COLUMNS`, for the insert and the versioned update; and
//! the steps of filing one.

use super::{Expect, Step, Value, exec, exec_expecting, of_subject};
use crate::rows::micros;
use crate::sql;
use tutela_engine::requests::{ASKED_MEANWHILE, RequestRow};

/// The steps filing `row`. A request filed as new (open, not linked to an
/// earlier one) first takes the subject's row and checks that no open
/// request asks the same thing: two filings racing each other cannot both
/// open, and the loser fails as `Missing { what: ASKED_MEANWHILE }`, for
/// the engine to file it again as the duplicate it now is. `live`, the
/// check that the subject is live, comes after the lock: on PostgreSQL it
/// shares the row, and two filings sharing it first would deadlock taking
/// it.
pub(super) fn filing(steps: &mut Vec<Step>, row: &RequestRow, live: Option<Step>) {
    let subject = vec![row.tenant.as_str().into(), row.subject.to_string().into()];
    if row.state.is_open() {
        steps.push(exec_expecting(
            sql::LOCK_SUBJECT_FOR_FILING,
            subject.clone(),
            of_subject("request"),
            Expect::Row("subject"),
        ));
    }
    steps.extend(live);
    if row.state.is_open() {
        let mut ask = subject;
        ask.extend([
            row.kind.as_str().into(),
            opt_text(row.purpose.as_ref().map(|p| p.as_str())),
            opt_text(row.directive.map(|d| d.as_str())),
            row.detail_digest.as_ref().map(|d| d.as_slice()).into(),
        ]);
        steps.push(exec_expecting(
            sql::NO_OPEN_SAME_ASK,
            ask,
            of_subject("request"),
            Expect::Row(ASKED_MEANWHILE),
        ));
    }
    steps.push(exec(sql::INSERT_REQUEST, args(row), of_subject("request")));
}

fn opt_micros(at: Option<jiff::Timestamp>) -> Value {
    at.map(micros).into()
}

fn opt_text(text: Option<&str>) -> Value {
    text.into()
}

/// The 33 values of `row`, in column order.
pub(crate) fn args(row: &RequestRow) -> Vec<Value> {
    vec![
        row.tenant.as_str().into(),
        row.id.to_string().into(),
        row.subject.to_string().into(),
        row.kind.as_str().into(),
        opt_text(row.purpose.as_ref().map(|p| p.as_str())),
        opt_text(row.directive.map(|d| d.as_str())),
        row.sealed_detail.as_deref().into(),
        row.detail_digest.as_ref().map(|d| d.as_slice()).into(),
        row.state.as_str().into(),
        micros(row.received_at).into(),
        micros(row.due_at).into(),
        opt_micros(row.extended_due_at),
        micros(row.effective_due_at()).into(),
        opt_text(row.extension_reason.as_ref().map(|r| r.as_str())),
        opt_text(row.refusal_reason.as_ref().map(|r| r.as_str())),
        row.fee.as_ref().map(|f| f.amount_minor).into(),
        opt_text(row.fee.as_ref().map(|f| f.currency.as_str())),
        opt_text(row.fee.as_ref().map(|f| f.reason.as_str())),
        row.handler.as_str().into(),
        row.handler_contact.as_str().into(),
        opt_text(row.duplicate_of.map(|d| d.to_string()).as_deref()),
        opt_micros(row.verified_at),
        opt_text(row.verified_by.map(|m| m.as_str())),
        opt_text(row.verification_note.as_ref().map(|r| r.as_str())),
        row.code.hash.as_ref().map(|h| h.as_slice()).into(),
        opt_micros(row.code.expires_at),
        i64::from(row.code.attempts).into(),
        i64::from(row.code.sent).into(),
        opt_micros(row.code.last_sent_at),
        opt_micros(row.fulfilled_at),
        opt_micros(row.closed_at),
        opt_text(row.closed_note.as_ref().map(|r| r.as_str())),
        i64::from(row.version).into(),
    ]
}
