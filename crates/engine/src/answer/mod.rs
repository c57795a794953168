//! The answer to a subject's access request (Art. 15) and the portability
//! export (Art. 20), built by pure functions from what the engine loaded:
//! the policy in force, the decrypted records, the consent ledger,
//! objections and the subject's entries on the audit chain. No I/O here;
//! the engine (`ops/answer.rs`) loads, checks and audits, and the renderings
//! (`csv`, `markdown`, `html`, and JSON through serde) turn the result into
//! what the subject receives.

mod csv;
mod html;
mod log;
mod markdown;
mod model;
mod notes;
mod portable;
#[cfg(test)]
mod tests;

pub use csv::{access_csv, guard_cell, portable_csv};
pub use html::access_html;
pub use markdown::access_markdown;
pub use model::{
    AccessAnswer, AccessLogEntry, AutomatedDecisions, CategoryAnswer, EventNote, HeldNote,
    HoldNote, Lifecycle, PeriodNote, PlanNote, PortableData, PortableRecord, PurposeNote,
    RecipientNote, RightNote, SurveyNote,
};
pub use notes::held_notes;
pub use portable::portable;

use crate::audit::AuditEntry;
use crate::ops::{ConsentSummary, ObjectionSummary, PlainRecord};
use crate::store::{ConsentRow, ObjectionRow, SubjectRow};
use jiff::Timestamp;
use std::collections::HashMap;
use tutela_policy::{CategoryId, Policy, PurposeId};

/// What an access answer is built from, all loaded and decrypted already.
#[derive(Debug)]
pub struct AnswerInput<'a> {
    /// The policy in force.
    pub policy: &'a Policy,
    /// Its version.
    pub policy_version: u32,
    /// The subject.
    pub subject: &'a SubjectRow,
    /// Every record, decrypted, oldest first.
    pub records: Vec<PlainRecord>,
    /// What is held of `records` under a statutory hold and until when (an
    /// erased subject's, or a live subject's past their retention period).
    pub held: Vec<HeldNote>,
    /// The consent ledger.
    pub consents: &'a [ConsentRow],
    /// The objections.
    pub objections: &'a [ObjectionRow],
    /// The subject's audit entries, oldest first.
    pub log: &'a [AuditEntry],
    /// False when `log` was cut at the engine's bound.
    pub log_complete: bool,
    /// API key id → label, to name who acted.
    pub key_labels: &'a HashMap<String, String>,
    /// What the subject's retention periods count from.
    pub anchors: &'a crate::retention::Anchors,
    /// The surveys the subject was named in, newest first.
    pub surveys: Vec<SurveyNote>,
    /// False when there are more than `surveys` holds.
    pub surveys_complete: bool,
    /// Now, by the engine's clock.
    pub now: Timestamp,
}

/// Builds the access answer. Categories appear in the policy's order, then
/// any category held that the policy no longer declares.
pub fn access_answer(input: AnswerInput<'_>) -> AccessAnswer {
    let policy = input.policy;
    let categories = held_categories(policy, &input.records)
        .into_iter()
        .map(|c| category(policy, &c, &input.records))
        .collect();
    AccessAnswer {
        subject: input.subject.id,
        kind: input.subject.kind.clone(),
        restricted: input.subject.restricted,
        created_at: input.subject.created_at,
        policy_version: input.policy_version,
        consents: input.consents.iter().map(ConsentSummary::from).collect(),
        objections: input
            .objections
            .iter()
            .map(ObjectionSummary::from)
            .collect(),
        erased_at: input.subject.erased_at,
        held: input.held,
        generated_at: input.now,
        categories,
        controller: policy.controller.clone(),
        dpo: policy.dpo.clone(),
        authority: policy.authority.clone(),
        rights: notes::rights(policy),
        automated_decisions: automated(policy),
        access_log: log::access_log(input.log, input.key_labels),
        access_log_complete: input.log_complete,
        lifecycle: lifecycle(input.anchors),
        surveys: input.surveys,
        surveys_complete: input.surveys_complete,
        records: input.records,
    }
}

/// The stored anchors, as the subject reads them.
fn lifecycle(anchors: &crate::retention::Anchors) -> Lifecycle {
    Lifecycle {
        plans: anchors
            .plans
            .iter()
            .map(|p| PlanNote {
                plan: p.plan.to_string(),
                since: p.since,
            })
            .collect(),
        events: anchors
            .events
            .iter()
            .map(|e| EventNote {
                name: e.name.to_string(),
                at: e.at,
                tenant_wide: e.subject.is_none(),
            })
            .collect(),
        last_activity: anchors.last_activity,
    }
}

/// The categories of `records`, each once: declared ones in policy order,
/// then undeclared ones in the order first held.
fn held_categories(policy: &Policy, records: &[PlainRecord]) -> Vec<CategoryId> {
    let mut held: Vec<CategoryId> = policy
        .categories
        .iter()
        .map(|c| c.id.clone())
        .filter(|id| records.iter().any(|r| &r.category == id))
        .collect();
    for r in records {
        if !held.contains(&r.category) {
            held.push(r.category.clone());
        }
    }
    held
}

fn category(policy: &Policy, id: &CategoryId, records: &[PlainRecord]) -> CategoryAnswer {
    let mine: Vec<PlainRecord> = records
        .iter()
        .filter(|r| &r.category == id)
        .cloned()
        .collect();
    let mut sources: Vec<String> = Vec::new();
    for r in &mine {
        if !sources.contains(&r.source) {
            sources.push(r.source.clone());
        }
    }
    let retention = notes::retention(policy, id);
    CategoryAnswer {
        category: id.clone(),
        description: policy.category(id).map_or_else(
            || "No longer declared in the policy.".to_owned(),
            |c| c.description.clone(),
        ),
        purposes: notes::purposes(policy, id),
        recipients: notes::recipients(policy, id),
        retention_text: notes::retention_text(&retention),
        retention,
        holds: notes::holds(policy, id),
        sources,
        records: mine,
    }
}

/// Whether the policy declares profiling, and by which purposes.
fn automated(policy: &Policy) -> AutomatedDecisions {
    let purposes: Vec<PurposeId> = policy
        .purposes
        .iter()
        .filter(|p| p.profiling)
        .map(|p| p.id.clone())
        .collect();
    let profiling = policy.profiling || !purposes.is_empty();
    let text = if profiling {
        let names: Vec<&str> = purposes.iter().map(PurposeId::as_str).collect();
        format!(
            "We use profiling (Art. 4(4)) for: {}. No decision that significantly affects you is \
             made by automated means alone without a person reviewing it on request (Art. 22).",
            if names.is_empty() {
                "purposes the policy declares".to_owned()
            } else {
                names.join(", ")
            }
        )
    } else {
        "We make no decisions about you by automated means alone and do no profiling.".to_owned()
    };
    AutomatedDecisions {
        profiling,
        purposes,
        text,
    }
}
