//! The pure step between a [`Change`] and a database: the statements a
//! change's writes and audit entries run, in order, with their arguments
//! as plain values. No connection is needed to build or test a plan; each
//! backend's executor (`sqlite/exec.rs`, `postgres/exec.rs`) runs it inside
//! its transaction.
//!
//! A plan also carries what each statement means when it fails or hits
//! nothing: which thing a unique or foreign-key violation names, which
//! updates must hit a row, and the "subject must be live" reads that every
//! write about a subject makes first (so a write racing an erasure either
//! commits before it, and the erasure deletes it, or fails with
//! `SubjectErased`).

use crate::error::{Names, internal};
use crate::rows::{join_purposes, micros};
use crate::sql;
use std::borrow::Cow;
use tutela_engine::consent::proof::hash_hex;
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::store::{Change, StoreError, Write};

mod audit;
mod consent;
mod deliveries;
mod policy;
mod requests;
mod row_inserts;
mod subject;

use row_inserts::row_inserts;
pub(crate) use subject::within_room;
use subject::{lock_erased_first, require_room};

pub(crate) use audit::{audit_entries, head, link};

/// An argument of a statement, in the few types the schema stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// SQL NULL, of the type the column holds (PostgreSQL binds typed
    /// parameters, so a NULL must say which type it stands for).
    Null(Kind),
    /// An integer: instants (µs), versions, sequence numbers.
    Int(i64),
    /// A boolean (SQLite stores it as 0/1).
    Bool(bool),
    /// Text: ids, names, policy sources.
    Text(String),
    /// Bytes: ciphertext, wrapped keys, hashes, MACs.
    Blob(Vec<u8>),
}

/// What type a NULL stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An integer column.
    Int,
    /// A text column.
    Text,
    /// A bytes column.
    Blob,
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<&[u8]> for Value {
    fn from(bytes: &[u8]) -> Self {
        Self::Blob(bytes.to_vec())
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Self::Null(Kind::Int), Into::into)
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        value.map_or(Self::Null(Kind::Text), Into::into)
    }
}

impl From<Option<&[u8]>> for Value {
    fn from(value: Option<&[u8]>) -> Self {
        value.map_or(Self::Null(Kind::Blob), Into::into)
    }
}

/// What a statement must have done for its step to succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Anything, including touching no row.
    Any,
    /// At least one row, else `Missing { what }`.
    Row(&'static str),
    /// Exactly `count` rows, else `Missing { what }`: a statement over
    /// several rows that must each still be there.
    Rows {
        /// What is missing otherwise.
        what: &'static str,
        /// How many rows it must change.
        count: u64,
    },
    /// At least one row; none means another writer moved an audit lane's
    /// head since this one read it: the batch fails rather than fork the
    /// lane.
    HeadUnmoved,
    /// At least one row; none means the subject is missing or erased, and
    /// the executor reads which (`Missing` or `SubjectErased`).
    LiveSubject {
        /// The tenant, as stored.
        tenant: String,
        /// The subject, as stored.
        subject: String,
    },
}

/// One statement with its arguments and its meaning on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exec {
    /// The text, with `$n` placeholders (see `sql`).
    pub(crate) sql: Cow<'static, str>,
    /// Bound in order as `$1, $2, ...`.
    pub(crate) args: Vec<Value>,
    /// What a constraint violation names.
    pub(crate) names: Names,
    /// What it must have changed.
    pub(crate) expect: Expect,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Fail with `Missing { what: "subject" }` or `SubjectErased` unless
    /// the subject is there and live ([`sql::SUBJECT_STATE`]).
    RequireLive {
        /// The tenant, as stored.
        tenant: String,
        /// The subject, as stored.
        subject: String,
    },
    /// Fail with `SubjectFull` when the subject now holds more records or
    /// sealed bytes than one subject may ([`sql::SUBJECT_HOLDINGS`]); run
    /// after the writes that add to it, inside their transaction.
    RequireRoom {
        /// The tenant, as stored.
        tenant: String,
        /// The subject, as stored.
        subject: String,
    },
    /// Run a statement.
    Exec(Exec),
}

const TENANT: Names = Names {
    conflict: "tenant",
    missing: "tenant",
};
const POLICY: Names = Names {
    conflict: "policy version",
    missing: "tenant",
};
const SUBJECT: Names = Names {
    conflict: "subject",
    missing: "tenant",
};
const API_KEY: Names = Names {
    conflict: "api key",
    missing: "tenant",
};
const AUDIT: Names = Names {
    conflict: "audit entry",
    missing: "tenant",
};
const fn of_subject(conflict: &'static str) -> Names {
    Names {
        conflict,
        missing: "subject",
    }
}
const fn both(what: &'static str) -> Names {
    Names {
        conflict: what,
        missing: what,
    }
}

fn exec(sql: &'static str, args: Vec<Value>, names: Names) -> Step {
    Step::Exec(Exec {
        sql: Cow::Borrowed(sql),
        args,
        names,
        expect: Expect::Any,
    })
}

fn exec_expecting(sql: &'static str, args: Vec<Value>, names: Names, expect: Expect) -> Step {
    Step::Exec(Exec {
        sql: Cow::Borrowed(sql),
        args,
        names,
        expect,
    })
}

fn require_live(tenant: &TenantId, subject: &SubjectId) -> Step {
    Step::RequireLive {
        tenant: tenant.as_str().to_owned(),
        subject: subject.to_string(),
    }
}

fn to_i64(n: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| internal(what, "value out of range"))
}

/// Refuses a write whose row names another tenant than the change.
fn same_tenant(change: &TenantId, row: &TenantId) -> Result<(), StoreError> {
    if change == row {
        Ok(())
    } else {
        Err(internal(
            "apply",
            "a write names another tenant than its change",
        ))
    }
}

/// Records and identifiers, which consecutive writes insert together.
fn is_row_insert(write: &Write) -> bool {
    matches!(write, Write::InsertRecord(_) | Write::InsertIdentifier(_))
}

/// The steps of `change.writes`, in order. Consecutive records and
/// identifiers are inserted with multi-row statements (records first, since
/// identifiers point at them), at most [`sql::MAX_ROWS_PER_INSERT`] rows
/// each. Fails on a row naming another tenant.
pub(crate) fn writes(tenant: &TenantId, change: &Change) -> Result<Vec<Step>, StoreError> {
    let mut steps = Vec::with_capacity(change.writes.len() + 2);
    lock_erased_first(&mut steps, tenant, change);
    let mut rest = change.writes.as_slice();
    while let Some((first, tail)) = rest.split_first() {
        if let Write::DeleteRecord { subject, .. } = first {
            let n = rest
                .iter()
                .take_while(|w| matches!(w, Write::DeleteRecord { subject: s, .. } if s == subject))
                .count();
            if n > 1 {
                let (run, after) = rest.split_at(n);
                let ids: Vec<RecordId> = run
                    .iter()
                    .filter_map(|w| match w {
                        Write::DeleteRecord { record, .. } => Some(*record),
                        _ => None,
                    })
                    .collect();
                record::delete_many(&mut steps, tenant, *subject, &ids)?;
                rest = after;
                continue;
            }
        }
        if is_row_insert(first) {
            let n = rest.iter().take_while(|w| is_row_insert(w)).count();
            let (run, after) = rest.split_at(n);
            row_inserts(&mut steps, tenant, run)?;
            rest = after;
        } else {
            write(&mut steps, tenant, first)?;
            rest = tail;
        }
    }
    Ok(steps)
}

/// The steps of one write other than a record or identifier insert.
fn write(steps: &mut Vec<Step>, tenant: &TenantId, write: &Write) -> Result<(), StoreError> {
    let t = Value::from(tenant.as_str());
    match write {
        Write::InsertTenant(row) => {
            same_tenant(tenant, &row.id)?;
            let args = vec![
                t,
                row.name.as_str().into(),
                row.operator.into(),
                i64::from(row.policy_version).into(),
                micros(row.created_at).into(),
            ];
            steps.push(exec(sql::INSERT_TENANT, args, TENANT));
        }
        Write::InsertPolicy(_)
        | Write::InsertPendingPolicy { .. }
        | Write::InsertPolicyNotice { .. } => policy::steps(steps, tenant, write)?,
        Write::InsertSubject(row) => {
            same_tenant(tenant, &row.tenant)?;
            let args = vec![
                t,
                row.id.to_string().into(),
                row.kind.as_str().into(),
                row.wrapped_key.as_deref().into(),
                row.restricted.into(),
                micros(row.created_at).into(),
                row.erased_at.map(micros).into(),
            ];
            steps.push(exec(sql::INSERT_SUBJECT, args, SUBJECT));
        }
        Write::InsertIdentifier(_) | Write::InsertRecord(_) => {
            row_inserts(steps, tenant, std::slice::from_ref(write))?;
        }
        Write::InsertConsent(row) => {
            same_tenant(tenant, &row.tenant)?;
            steps.push(require_live(tenant, &row.subject));
            let args = vec![
                t,
                row.id.to_string().into(),
                row.subject.to_string().into(),
                row.purpose.as_str().into(),
                row.granted.into(),
                micros(row.at).into(),
                row.expires_at.map(micros).into(),
                i64::from(row.policy_version).into(),
                row.source.as_str().into(),
                row.text_hash.as_ref().map(hash_hex).as_deref().into(),
            ];
            steps.push(exec(sql::INSERT_CONSENT, args, of_subject("consent")));
        }
        Write::InsertConsentText(_)
        | Write::InsertUnsubscribeLink(_)
        | Write::UseUnsubscribeLink { .. }
        | Write::InsertVisitorChoices(_)
        | Write::DeleteVisitorChoices { .. } => consent::steps(steps, tenant, write)?,
        Write::InsertObjection(row) => {
            same_tenant(tenant, &row.tenant)?;
            steps.push(require_live(tenant, &row.subject));
            let args = vec![
                t,
                row.id.to_string().into(),
                row.subject.to_string().into(),
                row.purpose.as_ref().map(|p| p.as_str()).into(),
                micros(row.at).into(),
            ];
            steps.push(exec(sql::INSERT_OBJECTION, args, of_subject("objection")));
        }
        Write::SetRestricted {
            subject,
            restricted,
        } => {
            let id = subject.to_string();
            let args = vec![t, id.as_str().into(), (*restricted).into()];
            let expect = Expect::LiveSubject {
                tenant: tenant.as_str().to_owned(),
                subject: id,
            };
            steps.push(exec_expecting(
                sql::SET_RESTRICTED,
                args,
                of_subject("subject"),
                expect,
            ));
        }
        Write::HoldRecords { hold, records } => holds::hold(steps, tenant, hold, records)?,
        Write::EraseSubject { subject, at } => {
            let id = Value::from(subject.to_string());
            let args = vec![t.clone(), id.clone(), micros(*at).into()];
            // Only a live subject is erased: of two erasures racing, the
            // second fails whole (409), so the subject gets one audit
            // entry and its recipients one notice.
            let expect = Expect::LiveSubject {
                tenant: tenant.as_str().to_owned(),
                subject: subject.to_string(),
            };
            steps.push(exec_expecting(
                sql::ERASE_SUBJECT,
                args,
                both("subject"),
                expect,
            ));
            let statements = [
                sql::DELETE_IDENTIFIERS,
                sql::DELETE_RECORDS,
                sql::DELETE_SURVEY_MEMBERSHIPS,
                sql::DELETE_OWN_CONSENT_TEXTS,
                sql::DELETE_UNSUBSCRIBE_LINKS,
                sql::CLEAR_REQUEST_NOTES,
                sql::CLEAR_DEATH_NOTE,
            ]
            .into_iter()
            .chain(retention::ERASED_WITH_SUBJECT);
            for statement in statements {
                let args = vec![t.clone(), id.clone()];
                steps.push(exec(statement, args, of_subject("subject")));
            }
        }
        Write::RectifyRecord {
            subject,
            record,
            category,
            ciphertext,
            blind_index,
            ..
        } => record::rectify(
            steps,
            tenant,
            *subject,
            *record,
            category,
            ciphertext,
            *blind_index,
        ),
        Write::DeleteRecord { subject, record } => {
            record::delete(steps, tenant, *subject, *record);
        }
        Write::RequireNoRecordsLeft { subject } => {
            let args = vec![t, subject.to_string().into()];
            steps.push(exec_expecting(
                sql::NO_RECORDS_LEFT,
                args,
                both("record"),
                Expect::Row("record"),
            ));
        }
        Write::InsertApiKey(row) => {
            same_tenant(tenant, &row.tenant)?;
            let args = vec![
                t,
                row.id.to_string().into(),
                row.secret_hash.as_slice().into(),
                row.role.as_str().into(),
                join_purposes(&row.purposes).into(),
                row.label.as_str().into(),
                micros(row.created_at).into(),
                row.revoked_at.map(micros).into(),
            ];
            steps.push(exec(sql::INSERT_API_KEY, args, API_KEY));
        }
        Write::RevokeApiKey { id, at } => {
            let args = vec![t, id.to_string().into(), micros(*at).into()];
            let expect = Expect::Row("api key");
            steps.push(exec_expecting(
                sql::REVOKE_API_KEY,
                args,
                both("api key"),
                expect,
            ));
        }
        Write::InsertRequest(row) => {
            same_tenant(tenant, &row.tenant)?;
            requests::filing(steps, row, Some(require_live(tenant, &row.subject)));
        }
        // The subject's row must exist (its foreign key); it is erased.
        Write::InsertRequestAboutHeld(row) => {
            same_tenant(tenant, &row.tenant)?;
            requests::filing(steps, row, None);
        }
        Write::UpdateRequest {
            row,
            expected_version,
        } => {
            same_tenant(tenant, &row.tenant)?;
            let mut args = requests::args(row);
            args.push(i64::from(*expected_version).into());
            let expect = Expect::Row("request");
            steps.push(exec_expecting(
                sql::UPDATE_REQUEST,
                args,
                both("request"),
                expect,
            ));
            let args = vec![t, row.id.to_string().into()];
            steps.push(exec(sql::CLEAR_NOTES_IF_ERASED, args, both("request")));
        }
        Write::RecordDeath(row) => {
            same_tenant(tenant, &row.tenant)?;
            steps.push(require_live(tenant, &row.subject));
            let args = vec![
                t,
                row.subject.to_string().into(),
                micros(row.recorded_at).into(),
                row.directive.map(|d| d.to_string()).as_deref().into(),
                row.applied.as_str().into(),
                row.note.as_ref().map(|n| n.as_str()).into(),
            ];
            steps.push(exec(sql::INSERT_DEATH, args, of_subject("death")));
        }
        Write::InsertDelivery(row) => deliveries::insert(steps, tenant, row)?,
        Write::FinishDelivery(outcome) => deliveries::finish(steps, tenant, outcome),
        Write::RetryDelivery { id, at } => deliveries::retry(steps, tenant, *id, *at),
        Write::PutEndpoint(row) => deliveries::put_endpoint(steps, tenant, row)?,
        Write::DeleteEndpoint { recipient } => {
            deliveries::delete_endpoint(steps, tenant, recipient);
        }
        Write::InsertEvent(row) => retention::event(steps, tenant, row)?,
        Write::InsertPlan(row) => retention::plan(steps, tenant, row)?,
        Write::TouchActivity { subject, at } => retention::touch(steps, tenant, *subject, *at),
        Write::AddAggregate(row) => retention::aggregate(steps, tenant, row)?,
        Write::DeleteHeldRecord { record, hold } => {
            retention::delete_held(steps, tenant, *record, *hold);
        }
        Write::ExtendHeldRecord {
            record,
            hold,
            ends_at,
        } => retention::extend_held(steps, tenant, *record, *hold, *ends_at),
        Write::Survey(survey) => surveys::steps(steps, tenant, survey)?,
    }
    Ok(())
}

#[cfg(test)]
mod deliveries_tests;
mod holds;
#[cfg(test)]
mod holds_tests;
mod record;
#[cfg(test)]
mod requests_tests;
mod retention;
mod surveys;
#[cfg(test)]
mod tests;
