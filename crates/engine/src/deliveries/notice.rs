//! Who is told of an act, and what they are told. Pure functions of the
//! policy and the act: the recipients of every purpose covering any
//! affected category (Art. 19), and a thin JSON payload of ids and kinds
//! that never holds a personal value.

use super::{DeliveryRow, DeliveryState, NoticeKind};
use crate::ids::{DeliveryId, RecordId, SubjectId, TenantId};
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{CategoryId, Policy, RecipientId};

/// The recipients the policy discloses any of `categories` to, through any
/// purpose covering one of them; sorted, each once.
pub fn recipients_for(policy: &Policy, categories: &[CategoryId]) -> Vec<RecipientId> {
    let mut out: Vec<RecipientId> = policy
        .purposes
        .iter()
        .filter(|p| categories.iter().any(|c| p.covers(c)))
        .flat_map(|p| p.recipients.iter().cloned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What an act tells recipients: its kind, subject, record and the
/// categories it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What happened.
    pub kind: NoticeKind,
    /// To whom.
    pub subject: SubjectId,
    /// The record, for a record-level act.
    pub record: Option<RecordId>,
    /// The categories touched (any order; deduplicated here).
    pub categories: Vec<CategoryId>,
}

/// The categories of `categories` the policy discloses to `recipient`,
/// through any purpose covering them: what that recipient was sent, so all
/// it may be told of. A notice naming a category a recipient never
/// received would tell it something about the person it had no need to
/// know (that they have a bank account on file, say).
fn categories_sent_to(
    policy: &Policy,
    recipient: &RecipientId,
    categories: &[CategoryId],
) -> Vec<CategoryId> {
    categories
        .iter()
        .filter(|c| {
            policy
                .purposes
                .iter()
                .any(|p| p.covers(c) && p.recipients.contains(recipient))
        })
        .cloned()
        .collect()
}

/// One pending delivery per recipient of `notice`'s categories, due at
/// once, each naming only the categories sent to that recipient. Empty
/// when the policy lists no recipient for them.
pub fn deliveries(
    policy: &Policy,
    tenant: &TenantId,
    notice: &Notice,
    at: Timestamp,
) -> Vec<DeliveryRow> {
    let mut categories = notice.categories.clone();
    categories.sort();
    categories.dedup();
    recipients_for(policy, &categories)
        .into_iter()
        .map(|recipient| DeliveryRow {
            categories: categories_sent_to(policy, &recipient, &categories),
            tenant: tenant.clone(),
            id: DeliveryId::new(),
            recipient,
            kind: notice.kind,
            subject: notice.subject,
            record: notice.record,
            request: None,
            created_at: at,
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: at,
            claimed_until: None,
            delivered_at: None,
            last_status: None,
        })
        .collect()
}

#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    tenant: &'a str,
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    categories: Vec<&'a str>,
    at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
}

/// The JSON body sent for `row`: ids, kinds, category keys and the time;
/// the recipient's own id is not repeated (the endpoint is its own).
pub fn payload(row: &DeliveryRow) -> Vec<u8> {
    let body = Payload {
        kind: row.kind.as_str(),
        tenant: row.tenant.as_str(),
        subject: row.subject.to_string(),
        record: row.record.map(|r| r.to_string()),
        categories: row.categories.iter().map(|c| c.as_str()).collect(),
        at: row.created_at.to_string(),
        request: row.request.map(|r| r.to_string()),
    };
    // Serialising plain strings cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests;
