//! Wire types for the subject's access answer (Art. 15), the portability
//! export (Art. 20) and rectification (Art. 16). The answer's first fields
//! keep the shape of the earlier access report; the facts added for
//! Art. 15(1)(a)-(h) are the engine's answer values, serialised as they are.

use super::data::Record;
use super::rights::{ConsentEvent, ObjectionEvent};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tutela_engine::answer::{
    AccessAnswer, AccessLogEntry, AutomatedDecisions, CategoryAnswer, HeldNote, Lifecycle,
    PortableData, PortableRecord, RightNote, SurveyNote,
};
use tutela_policy::{Authority, Party};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `?format=` of the access answer and the portability export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default), `csv`, `md` or `html` (a portability request's
    /// answer: `json` or `csv`).
    #[param(pattern = "^(json|csv|md|html)$")]
    pub format: Option<String>,
}

/// `?format=` of the portability export: it has no Markdown or HTML form.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortableFormatQuery {
    /// `json` (default) or `csv`.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
}

/// `PUT /v1/subjects/{id}/records/{record_id}`: the corrected value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rectification {
    /// The new value, sealed under the subject's key. An identifier may not
    /// be empty or whitespace only.
    #[schema(max_length = 65536)]
    pub value: String,
}

/// Everything held about a subject and what the subject is entitled to
/// know about it (Art. 15(1)(a)-(h), 15(3)).
#[derive(Debug, Serialize, ToSchema)]
pub struct Access {
    /// The pseudonym.
    pub subject: Uuid,
    /// The subject kind.
    pub kind: String,
    /// Whether processing is restricted.
    pub restricted: bool,
    /// When the subject was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The policy version the answer was built from.
    pub policy_version: u32,
    /// Every stored value.
    pub records: Vec<Record>,
    /// The consent ledger.
    pub consents: Vec<ConsentEvent>,
    /// Objections raised.
    pub objections: Vec<ObjectionEvent>,
    /// When the subject was erased; then `records` holds only what a law
    /// requires keeping (Art. 17(3)(b)), each listed in `held`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub erased_at: Option<Timestamp>,
    /// `{record, category, law, ends_at, counted_from, text}` per record
    /// kept after erasure under a statutory hold: the law and the day the
    /// hold ends and the record is erased.
    #[schema(value_type = Vec<Object>)]
    pub held: Vec<HeldNote>,
    /// When the answer was made.
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: Timestamp,
    /// Per category held: description, purposes with legal basis,
    /// recipients with country and safeguard, retention (or that none is
    /// declared), statutory holds, sources, and the values.
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<CategoryAnswer>,
    /// The controller's name, email and address.
    #[schema(value_type = Object)]
    pub controller: Party,
    /// The data protection officer, if appointed.
    #[schema(value_type = Option<Object>)]
    pub dpo: Option<Party>,
    /// The supervisory authority to complain to.
    #[schema(value_type = Object)]
    pub authority: Authority,
    /// The rights (Art. 7(3), 15-22, 77) and how to use them.
    #[schema(value_type = Vec<Object>)]
    pub rights: Vec<RightNote>,
    /// Whether automated decisions or profiling are done.
    #[schema(value_type = Object)]
    pub automated_decisions: AutomatedDecisions,
    /// Every read, disclosure, lookup and access of the subject's data:
    /// when, by which key label, for which purpose, to which recipient,
    /// allowed or refused.
    #[schema(value_type = Vec<Object>)]
    pub access_log: Vec<AccessLogEntry>,
    /// False when the log was longer than one answer holds.
    pub access_log_complete: bool,
    /// What retention periods count from, as stored about the subject:
    /// `plans` (`{plan, since}`), `events` (`{name, at, tenant_wide}`),
    /// `last_activity` (to the day).
    #[schema(value_type = Object)]
    pub lifecycle: Lifecycle,
    /// The surveys the subject was named in as a team member, newest
    /// first: `{survey, title, team, state, token_issued}`. Never whether
    /// or what they answered.
    #[schema(value_type = Vec<Object>)]
    pub surveys: Vec<SurveyNote>,
    /// False when there were more surveys than one answer lists.
    pub surveys_complete: bool,
}

impl From<AccessAnswer> for Access {
    fn from(a: AccessAnswer) -> Self {
        Self {
            subject: a.subject.0,
            kind: a.kind,
            restricted: a.restricted,
            created_at: a.created_at,
            policy_version: a.policy_version,
            records: a.records.into_iter().map(Record::from).collect(),
            consents: a
                .consents
                .into_iter()
                .map(|c| ConsentEvent {
                    id: None,
                    text_sha256: None,
                    purpose: c.purpose.to_string(),
                    granted: c.granted,
                    at: c.at,
                    expires_at: c.expires_at,
                    policy_version: c.policy_version,
                })
                .collect(),
            objections: a
                .objections
                .into_iter()
                .map(|o| ObjectionEvent {
                    purpose: o.purpose.as_ref().map(ToString::to_string),
                    at: o.at,
                })
                .collect(),
            erased_at: a.erased_at,
            held: a.held,
            generated_at: a.generated_at,
            categories: a.categories,
            controller: a.controller,
            dpo: a.dpo,
            authority: a.authority,
            rights: a.rights,
            automated_decisions: a.automated_decisions,
            access_log: a.access_log,
            lifecycle: a.lifecycle,
            surveys: a.surveys,
            surveys_complete: a.surveys_complete,
            access_log_complete: a.access_log_complete,
        }
    }
}

/// The data the subject provided under consent or contract (Art. 20).
#[derive(Debug, Serialize, ToSchema)]
pub struct Portable {
    /// The pseudonym.
    pub subject: Uuid,
    /// When the export was made.
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: Timestamp,
    /// `{category, value, collected_for, source, collected_at}` per record.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<PortableRecord>,
}

impl From<PortableData> for Portable {
    fn from(p: PortableData) -> Self {
        Self {
            subject: p.subject.0,
            generated_at: p.generated_at,
            records: p.records,
        }
    }
}
