//! The record of processing activities (Art. 30(1)) built from the policy:
//! one activity per purpose with the controller, the DPO, whose data,
//! which data, who receives it, transfers abroad and their safeguards,
//! when it is erased, and the security measures; plus the list of
//! processors with where they are and what makes a transfer to them lawful
//! (Art. 28, 44-46). Pure: the same policy always gives the same record.
//!
//! Two renderings: JSON (the [`Record`] as serialized, shape version
//! [`RECORD_FORMAT`]) and CSV ([`csv`]: one table of activities, one of
//! processors).

pub mod csv;
mod measures;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::model::{Party, Policy, Purpose, Recipient};
use crate::render::keeping;
use crate::terms::{LegalBasis, RecipientRole, Safeguard};

pub use measures::ENGINE_MEASURES;

/// The version of the JSON shape; raised when a field changes meaning or
/// goes away (new fields may be added without raising it).
pub const RECORD_FORMAT: u32 = 1;

/// The whole record of processing activities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// [`RECORD_FORMAT`].
    pub record_format: u32,
    /// The product or service the policy covers, if named.
    pub name: Option<String>,
    /// The controller and how to reach it (Art. 30(1)(a)).
    pub controller: Party,
    /// The data protection officer, if appointed (Art. 30(1)(a)).
    pub dpo: Option<Party>,
    /// One activity per purpose.
    pub activities: Vec<Activity>,
    /// The recipients that process data on the controller's behalf.
    pub processors: Vec<Processor>,
    /// The security measures, as stated and as the engine applies them.
    pub security_measures: Measures,
}

/// One processing activity: everything Art. 30(1)(b)-(g) asks about one
/// purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// The purpose's id.
    pub purpose: String,
    /// What the purpose is for (Art. 30(1)(b)).
    pub description: String,
    /// Its one legal basis.
    pub legal_basis: Basis,
    /// Whose data it processes (Art. 30(1)(c)): the kinds the purpose
    /// names, or every declared kind when it names none.
    pub subject_kinds: Vec<Described>,
    /// Which data it processes (Art. 30(1)(c)).
    pub categories: Vec<CategoryEntry>,
    /// Who receives data for it (Art. 30(1)(d)).
    pub recipients: Vec<RecipientEntry>,
    /// Its recipients outside the EEA and their safeguard (Art. 30(1)(e)).
    pub transfers: Vec<Transfer>,
    /// When each category is erased (Art. 30(1)(f)).
    pub retention: Vec<Erasure>,
}

/// A legal basis as a stable code and its article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Basis {
    /// `consent`, `contract`, ...
    pub code: LegalBasis,
    /// `Art. 6(1)(a)`, ...
    pub article: &'static str,
}

/// An id with its description: a subject kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Described {
    /// The id in the policy.
    pub id: String,
    /// What it is, in words.
    pub description: String,
}

/// A data category of an activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategoryEntry {
    /// The id in the policy.
    pub id: String,
    /// What it is, in words.
    pub description: String,
    /// Its fideslang data-category key.
    pub taxonomy: String,
}

/// A recipient of an activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecipientEntry {
    /// The id in the policy.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `processor`, `controller` or `authority`.
    pub role: RecipientRole,
    /// ISO 3166 country code where it receives the data.
    pub country: String,
}

/// A transfer outside the EEA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// The recipient's id.
    pub recipient: String,
    /// The recipient's name.
    pub name: String,
    /// ISO 3166 country code.
    pub country: String,
    /// The country's name.
    pub country_name: &'static str,
    /// The safeguard's code: `adequacy`, `scc`, `bcr`, `consent`.
    pub safeguard: Safeguard,
    /// The safeguard in words, with its article.
    pub safeguard_text: &'static str,
}

/// When one category's data is erased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Erasure {
    /// The category's id.
    pub category: String,
    /// The time limit in words: retention rules, then statutory holds.
    pub rule: String,
}

/// A processor (Art. 28) with its location and transfer safeguard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Processor {
    /// The id in the policy.
    pub id: String,
    /// Its name.
    pub name: String,
    /// ISO 3166 country code where it processes the data.
    pub country: String,
    /// The country's name.
    pub country_name: &'static str,
    /// Whether sending data to it leaves the EEA.
    pub outside_eea: bool,
    /// The safeguard's code; `none` inside the EEA.
    pub safeguard: Safeguard,
    /// The purposes it serves.
    pub purposes: Vec<String>,
}

/// Technical and organisational measures (Art. 30(1)(g), 32).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// What the controller states in the policy.
    pub stated: Vec<String>,
    /// What Tutela itself does with every record it holds.
    pub engine: Vec<&'static str>,
}

impl Measures {
    /// Every measure: the stated ones first.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.stated
            .iter()
            .map(String::as_str)
            .chain(self.engine.iter().copied())
    }
}

impl Policy {
    /// The record of processing activities of this policy.
    pub fn record(&self) -> Record {
        Record {
            record_format: RECORD_FORMAT,
            name: self.name.clone(),
            controller: self.controller.clone(),
            dpo: self.dpo.clone(),
            activities: self.purposes.iter().map(|p| self.activity(p)).collect(),
            processors: self
                .recipients
                .iter()
                .filter(|r| r.role == RecipientRole::Processor)
                .map(|r| self.processor(r))
                .collect(),
            security_measures: Measures {
                stated: self.security_measures.clone(),
                engine: ENGINE_MEASURES.to_vec(),
            },
        }
    }

    fn activity(&self, p: &Purpose) -> Activity {
        let recipients: Vec<&Recipient> = p
            .recipients
            .iter()
            .filter_map(|r| self.recipient(r))
            .collect();
        let categories: Vec<_> = p
            .categories
            .iter()
            .filter_map(|c| self.category(c))
            .collect();
        Activity {
            purpose: p.id.to_string(),
            description: p.description.clone(),
            legal_basis: Basis {
                code: p.basis,
                article: p.basis.article(),
            },
            subject_kinds: self
                .subjects_of(p)
                .map(|k| Described {
                    id: k.id.to_string(),
                    description: k.description.clone(),
                })
                .collect(),
            categories: categories
                .iter()
                .map(|c| CategoryEntry {
                    id: c.id.to_string(),
                    description: c.description.clone(),
                    taxonomy: c.taxonomy.to_string(),
                })
                .collect(),
            recipients: recipients
                .iter()
                .map(|r| RecipientEntry {
                    id: r.id.to_string(),
                    name: r.name.clone(),
                    role: r.role,
                    country: r.country.as_str().to_owned(),
                })
                .collect(),
            transfers: recipients
                .iter()
                .filter(|r| r.is_transfer())
                .map(|r| Transfer {
                    recipient: r.id.to_string(),
                    name: r.name.clone(),
                    country: r.country.as_str().to_owned(),
                    country_name: r.country.name(),
                    safeguard: r.safeguard,
                    safeguard_text: r.safeguard.plain(),
                })
                .collect(),
            retention: categories
                .iter()
                .map(|c| Erasure {
                    category: c.id.to_string(),
                    rule: capitalise_first(&keeping(self, c)),
                })
                .collect(),
        }
    }

    fn processor(&self, r: &Recipient) -> Processor {
        Processor {
            id: r.id.to_string(),
            name: r.name.clone(),
            country: r.country.as_str().to_owned(),
            country_name: r.country.name(),
            outside_eea: r.is_transfer(),
            safeguard: r.safeguard,
            purposes: self
                .purposes_disclosing_to(&r.id)
                .map(|p| p.id.to_string())
                .collect(),
        }
    }
}

impl Record {
    /// The record as pretty-printed JSON (the documented shape of
    /// [`Record`]).
    pub fn to_json(&self) -> Result<String, RecordError> {
        serde_json::to_string_pretty(self).map_err(|e| RecordError::Json(e.to_string()))
    }
}

/// Writing the record failed; only an internal formatting failure can
/// cause it, never the policy's content.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The CSV writer failed.
    #[error("E_RECORD_CSV: the record could not be written as CSV: {0}")]
    Csv(String),
    /// The JSON writer failed.
    #[error("E_RECORD_JSON: the record could not be written as JSON: {0}")]
    Json(String),
}

impl RecordError {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Csv(_) => "E_RECORD_CSV",
            Self::Json(_) => "E_RECORD_JSON",
        }
    }
}

fn capitalise_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
