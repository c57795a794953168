//! The shape of the access answer (Art. 15) and the portability export
//! (Art. 20): plain data, serialisable as it is, which every rendering
//! (JSON, CSV, Markdown, HTML) reads. Ids, codes and the policy's own words
//! only, apart from the subject's values, which are decrypted for this
//! answer alone.

use crate::holds::HoldStart;
use crate::ids::{RecordId, SubjectId};
use crate::ops::{ConsentSummary, ObjectionSummary, PlainRecord};
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{
    Authority, CategoryId, LegalBasis, Party, PurposeId, RecipientId, RecipientRole, Safeguard,
};

/// Everything Art. 15(1)(a)-(h) and 15(3) entitle the subject to, in one
/// value. Its first fields are those of the earlier access report, so
/// clients of that report keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessAnswer {
    /// The pseudonym.
    pub subject: SubjectId,
    /// The subject kind.
    pub kind: String,
    /// Whether processing is restricted (Art. 18).
    pub restricted: bool,
    /// When the subject was created.
    pub created_at: Timestamp,
    /// The policy version the answer was built from.
    pub policy_version: u32,
    /// Every stored value (Art. 15(3)), oldest first.
    pub records: Vec<PlainRecord>,
    /// The consent ledger.
    pub consents: Vec<ConsentSummary>,
    /// Objections raised.
    pub objections: Vec<ObjectionSummary>,
    /// When the subject was erased; then `records` holds only what a law
    /// requires keeping, each listed in `held`.
    pub erased_at: Option<Timestamp>,
    /// The records kept under a statutory hold, with the law and the day
    /// the hold ends (Art. 17(3)(b), 18(1)): after erasure, or for a live
    /// subject, records past their retention period; empty otherwise.
    pub held: Vec<HeldNote>,
    /// When this answer was made.
    pub generated_at: Timestamp,
    /// Per category held: what it is, why, on what basis, to whom, for how
    /// long, from where, and the values (Art. 15(1)(a)-(d), (g)).
    pub categories: Vec<CategoryAnswer>,
    /// The controller (Art. 13(1)(a)).
    pub controller: Party,
    /// The data protection officer, if appointed (Art. 13(1)(b)).
    pub dpo: Option<Party>,
    /// Where to complain (Art. 15(1)(f), 77).
    pub authority: Authority,
    /// The subject's rights and how to use them (Art. 15(1)(e)-(f)).
    pub rights: Vec<RightNote>,
    /// Automated decision-making and profiling (Art. 15(1)(h)).
    pub automated_decisions: AutomatedDecisions,
    /// Every read, disclosure, lookup and access of the subject's data on
    /// the audit chain, oldest first.
    pub access_log: Vec<AccessLogEntry>,
    /// False when the log was cut at the engine's bound; the DPO reads the
    /// rest from the audit chain.
    pub access_log_complete: bool,
    /// What the subject's retention periods count from, as stored about
    /// them (Art. 15(1)(d)): the plans their account has been on, the
    /// lifecycle events recorded about them or their whole tenant, and
    /// their last activity (to the day).
    pub lifecycle: Lifecycle,
    /// The surveys the subject was named in as a team member, newest
    /// first (Art. 15(1)): never whether or what they answered, which
    /// nothing links to them.
    pub surveys: Vec<SurveyNote>,
    /// False when the subject was named in more surveys than one answer
    /// lists.
    pub surveys_complete: bool,
}

/// One survey the subject was named in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyNote {
    /// The survey's id.
    pub survey: String,
    /// Its title.
    pub title: String,
    /// The name of the subject's team in it.
    pub team: String,
    /// `draft`, `open` or `closed`.
    pub state: String,
    /// Whether a participation token was issued to the subject.
    pub token_issued: bool,
}

impl SurveyNote {
    /// One plain sentence, for the readable renderings.
    pub fn sentence(&self) -> String {
        let token = if self.token_issued {
            "a participation token was issued to you"
        } else {
            "no participation token was issued to you yet"
        };
        format!(
            "You are named in the team {} of the survey \"{}\" ({}); {token}. Whether and what you answered is not linked to you.",
            self.team, self.title, self.state
        )
    }
}

/// What retention periods count from, as stored about one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// The plans the account has been on, oldest first.
    pub plans: Vec<PlanNote>,
    /// Lifecycle events recorded about the subject, or about their whole
    /// tenant (`tenant_wide`), oldest first.
    pub events: Vec<EventNote>,
    /// The last activity mark, kept to the day.
    pub last_activity: Option<Timestamp>,
}

impl Lifecycle {
    /// One plain sentence per plan, event and the activity mark, oldest
    /// first, for the readable renderings; empty when nothing is stored.
    pub fn sentences(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .plans
            .iter()
            .map(|p| format!("Your account moved to the plan {} at {}.", p.plan, p.since))
            .collect();
        out.extend(self.events.iter().map(|e| {
            let whom = if e.tenant_wide {
                "for everyone at this service"
            } else {
                "for you"
            };
            format!("The event {} was recorded {whom} at {}.", e.name, e.at)
        }));
        if let Some(at) = self.last_activity {
            out.push(format!(
                "Your last activity is recorded as of {}.",
                at.strftime("%Y-%m-%d")
            ));
        }
        out
    }
}

/// One plan the account moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanNote {
    /// The plan's name.
    pub plan: String,
    /// Since when.
    pub since: Timestamp,
}

/// One lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventNote {
    /// The event's name, as the policy declares it.
    pub name: String,
    /// When it was recorded.
    pub at: Timestamp,
    /// True for an event of the whole tenant (`tenant.uninstalled`).
    pub tenant_wide: bool,
}

/// One category of data held about the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryAnswer {
    /// The category.
    pub category: CategoryId,
    /// What it is, in the policy's words.
    pub description: String,
    /// The purposes that may use it, with their legal basis.
    pub purposes: Vec<PurposeNote>,
    /// Who it may be disclosed to (through those purposes).
    pub recipients: Vec<RecipientNote>,
    /// The retention rules that apply; empty when none is declared.
    pub retention: Vec<PeriodNote>,
    /// The retention period or its criteria, in one sentence; says so when
    /// the policy declares none.
    pub retention_text: String,
    /// Statutory holds that keep it even against erasure (Art. 17(3)(b)).
    pub holds: Vec<HoldNote>,
    /// Where the values came from (Art. 15(1)(g)), each once.
    pub sources: Vec<String>,
    /// The values, oldest first.
    pub records: Vec<PlainRecord>,
}

/// A purpose using a category, with its basis in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurposeNote {
    /// The purpose.
    pub purpose: PurposeId,
    /// What it is for.
    pub description: String,
    /// Its one legal basis.
    pub basis: LegalBasis,
    /// The article: `Art. 6(1)(b)`.
    pub article: String,
    /// The basis in plain words.
    pub basis_text: String,
    /// Whether it profiles the subject.
    pub profiling: bool,
}

/// A recipient, where it is and what makes a transfer lawful.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientNote {
    /// The recipient.
    pub recipient: RecipientId,
    /// Its name.
    pub name: String,
    /// Processor, controller or authority.
    pub role: RecipientRole,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// The country's name.
    pub country_name: String,
    /// True when sending data there leaves the EEA.
    pub outside_eea: bool,
    /// The transfer safeguard (Art. 15(2), 46).
    pub safeguard: Safeguard,
    /// The safeguard in plain words.
    pub safeguard_text: String,
}

/// A retention rule: keep for a span from an anchor, then dispose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodNote {
    /// How long: `13 months`.
    pub keep: String,
    /// From when: `collected`, `last_activity`, `event:...`, `plan:...`.
    pub from: String,
    /// `delete` or `anonymise`.
    pub then: String,
    /// The rule as a sentence.
    pub text: String,
}

/// A statutory hold on a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldNote {
    /// The law that requires keeping the data.
    pub law: String,
    /// How long: `10 years`.
    pub keep: String,
    /// From when.
    pub from: String,
    /// The hold as a sentence.
    pub text: String,
}

/// A record kept because a law requires it, after its subject's erasure or
/// past its retention period: under which law, until when, and from what
/// that end is counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldNote {
    /// The record (its value is among the answer's records).
    pub record: RecordId,
    /// Its category.
    pub category: CategoryId,
    /// The law that requires keeping it.
    pub law: String,
    /// When the hold ends and the record is erased.
    pub ends_at: Timestamp,
    /// What the end is counted from: its collection, or the erasure when
    /// the law counts from a moment Tutela does not record.
    pub counted_from: HoldStart,
    /// The same, as a sentence.
    pub text: String,
}

/// One right of the subject and how to use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RightNote {
    /// The article: `Art. 16`.
    pub article: String,
    /// The right's name.
    pub right: String,
    /// What it gives and how to use it.
    pub text: String,
}

/// Whether decisions about the subject are automated or profile them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutomatedDecisions {
    /// True when the policy declares profiling.
    pub profiling: bool,
    /// The purposes that profile.
    pub purposes: Vec<PurposeId>,
    /// In plain words.
    pub text: String,
}

/// One act on the subject's data, from the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLogEntry {
    /// When.
    pub at: Timestamp,
    /// What: `record.read`, `record.disclose`, `subject.lookup`, ...
    pub action: String,
    /// Who: an API key's label, `local administrator (cli)` or `system`.
    pub by: String,
    /// The purpose named, if any.
    pub purpose: Option<String>,
    /// For a disclosure, the recipient.
    pub recipient: Option<String>,
    /// Whether it was allowed.
    pub allowed: bool,
    /// For a refusal, its stable code.
    pub refusal: Option<String>,
}

/// What the subject provided under consent or contract, in a structured,
/// commonly used, machine-readable form (Art. 20(1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortableData {
    /// The pseudonym.
    pub subject: SubjectId,
    /// When the export was made.
    pub generated_at: Timestamp,
    /// The records, oldest first.
    pub records: Vec<PortableRecord>,
}

/// One record in a portability export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortableRecord {
    /// Its category.
    pub category: CategoryId,
    /// The value.
    pub value: String,
    /// The purpose it was collected for.
    pub collected_for: PurposeId,
    /// Where it came from.
    pub source: String,
    /// When it was collected.
    pub collected_at: Timestamp,
}
