//! A Fides manifest as YAML holds it: the `system`, `dataset` and
//! `data_subject` resources of fideslang's model, with the fields Tutela
//! reads or writes (field names as in fideslang's pydantic models). Other
//! resources and fields in a manifest are ignored on import.
//!
//! Facts of a Tutela policy that fideslang has no field for travel in the
//! system's `meta.tutela` map ([`Extras`]); fideslang allows any map there.

use serde::{Deserialize, Serialize};

/// A whole manifest file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Applications that process data, with their privacy declarations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<System>,
    /// Stored data described field by field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset: Vec<Dataset>,
    /// Custom data subjects, beyond fideslang's default ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_subject: Vec<DataSubject>,
}

/// A fideslang `System`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct System {
    /// Its key.
    pub fides_key: String,
    /// Its human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organisation it belongs to.
    #[serde(default = "default_organization")]
    pub organization_fides_key: String,
    /// "Service", "Application", ...; required by fideslang.
    #[serde(default)]
    pub system_type: String,
    /// The legal name of the business (the controller).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// The legal address of the business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_address: Option<String>,
    /// The official privacy contact address or DPO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<String>,
    /// Controller, Processor or Sub-Processor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responsibility: Vec<String>,
    /// Whether it profiles people.
    #[serde(default)]
    pub uses_profiling: bool,
    /// Whether it transfers data to other countries.
    #[serde(default)]
    pub does_international_transfers: bool,
    /// The transfer safeguards ("SCCs", "Adequacy Decision", ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis_for_transfers: Vec<String>,
    /// The datasets it uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset_references: Vec<String>,
    /// What it does with personal data, one declaration per use.
    #[serde(default)]
    pub privacy_declarations: Vec<Declaration>,
    /// Free-form extra information; Tutela keeps its own facts under `tutela`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

fn default_organization() -> String {
    "default_organization".to_owned()
}

/// A fideslang `PrivacyDeclaration`: one use of data by a system.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    /// Its name; Tutela writes the purpose id here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The data categories used.
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// The data use (`essential.service`, `marketing.communications.email`).
    pub data_use: String,
    /// Whose data it is.
    #[serde(default)]
    pub data_subjects: Vec<String>,
    /// The datasets it uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_references: Option<Vec<String>>,
    /// Whether a notice may override the legal basis; Tutela fixes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexible_legal_basis_for_processing: Option<bool>,
    /// "Consent", "Contract", "Legal obligations", ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis_for_processing: Option<String>,
    /// How long data is kept, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_period: Option<String>,
    /// Whether data goes to third parties.
    #[serde(default)]
    pub data_shared_with_third_parties: bool,
    /// Who the third parties are, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_parties: Option<String>,
    /// The data categories shared with third parties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_categories: Vec<String>,
}

/// A fideslang `Dataset`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Its key.
    pub fides_key: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organisation it belongs to.
    #[serde(default = "default_organization")]
    pub organization_fides_key: String,
    /// Categories of the whole dataset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_categories: Vec<String>,
    /// Its tables or collections.
    #[serde(default)]
    pub collections: Vec<Collection>,
}

/// A collection (table) in a dataset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    /// Its name.
    pub name: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Categories of the whole collection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_categories: Vec<String>,
    /// Its fields.
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// A field of a collection; may nest further fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its data categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_categories: Vec<String>,
    /// Nested fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

/// A custom fideslang `DataSubject`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSubject {
    /// Its key.
    pub fides_key: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organisation it belongs to.
    #[serde(default = "default_organization")]
    pub organization_fides_key: String,
}

/// A system's `meta` map; only the `tutela` entry is read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The facts of a Tutela policy fideslang has no field for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tutela: Option<Extras>,
}

/// The facts of a Tutela policy that fideslang cannot hold, written as the
/// policy file writes them, so an exported policy imports back unchanged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Extras {
    /// The product name (the notice's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the data is hosted, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting: Option<String>,
    /// The controller's contact email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_email: Option<String>,
    /// The data protection officer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo: Option<PartyFacts>,
    /// The supervisory authority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<AuthorityFacts>,
    /// The categories, in policy order, with their storage flags.
    #[serde(default)]
    pub categories: Vec<CategoryFacts>,
    /// The subject kinds, in policy order.
    #[serde(default)]
    pub subject_kinds: Vec<SubjectFacts>,
    /// The purposes, in policy order.
    #[serde(default)]
    pub purposes: Vec<PurposeFacts>,
    /// The recipients.
    #[serde(default)]
    pub recipients: Vec<RecipientFacts>,
    /// The retention rules.
    #[serde(default)]
    pub retention: Vec<RuleFacts>,
    /// The statutory holds.
    #[serde(default)]
    pub holds: Vec<HoldFacts>,
    /// The smallest group an aggregate is shown for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_group_size: Option<u32>,
    /// How requests are answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<RightsFacts>,
    /// The security measures the controller states (Art. 30(1)(g)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_measures: Vec<String>,
    /// The least time between publishing a material change and applying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_period: Option<String>,
}

/// A person or organisation with contact details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartyFacts {
    /// Full name.
    pub name: String,
    /// Contact email.
    pub email: String,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// The supervisory authority.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorityFacts {
    /// Official name.
    pub name: String,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A category's id and the storage flags fideslang lacks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryFacts {
    /// The category id (the dataset field name).
    pub id: String,
    /// Used to find a subject.
    #[serde(default)]
    pub identifier: bool,
    /// Stored at all.
    #[serde(default = "yes")]
    pub storable: bool,
}

fn yes() -> bool {
    true
}

/// A subject kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SubjectFacts {
    /// Its id (the data subject key).
    pub id: String,
    /// Who they are.
    pub description: String,
}

/// A purpose's facts beyond its data use and legal basis.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PurposeFacts {
    /// Its id (the declaration name).
    pub id: String,
    /// What it is for.
    pub description: String,
    /// The category ids it may use.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The recipient ids it may disclose to.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Sends advertising.
    #[serde(default)]
    pub direct_marketing: bool,
    /// Profiles people.
    #[serde(default)]
    pub profiling: bool,
    /// Needed for the service.
    #[serde(default)]
    pub essential: bool,
    /// How long consent lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_valid_for: Option<String>,
    /// Soft opt-in marketing.
    #[serde(default)]
    pub soft_opt_in: bool,
    /// Sells or shares data.
    #[serde(default)]
    pub sale_or_sharing: bool,
    /// The subject kinds it processes; empty for every declared kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_kinds: Vec<String>,
    /// Used for aggregate reports people may opt out of.
    #[serde(default)]
    pub reporting: bool,
    /// Recipients of the anonymised export only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

/// A recipient, as the policy file writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecipientFacts {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// processor, controller or authority.
    pub role: String,
    /// ISO country code.
    pub country: String,
    /// Transfer safeguard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguard: Option<String>,
}

/// A retention rule, as the policy file writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleFacts {
    /// Category ids.
    pub categories: Vec<String>,
    /// Period.
    pub keep: String,
    /// Anchor.
    pub from: String,
    /// delete or anonymise.
    pub then: String,
}

/// A statutory hold, as the policy file writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldFacts {
    /// Category ids.
    pub categories: Vec<String>,
    /// The law.
    pub law: String,
    /// Period.
    pub keep: String,
    /// Anchor.
    pub from: String,
}

/// The `[rights]` settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RightsFacts {
    /// Answer deadline.
    pub answer_within: String,
    /// Longest extension.
    pub extension: String,
    /// Identity check.
    pub verification: String,
    /// Who receives requests first.
    pub first_handler: String,
}
