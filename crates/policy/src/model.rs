//! The validated policy: what the engine enforces and the notice renders.
//! Only `validate` builds one, so every value here already passed every
//! check; the engine can rely on references resolving and rules holding.

use serde::Serialize;

use crate::country::CountryCode;
use crate::ids::{CategoryId, PurposeId, RecipientId, SubjectKindId, TaxonomyKey};
use crate::span::CalendarSpan;
use crate::terms::{
    Anchor, Disposal, FirstHandler, LegalBasis, RecipientRole, Safeguard, Verification,
};

/// One product's privacy policy, parsed and validated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    /// The product or service the policy covers, if named.
    pub name: Option<String>,
    /// Who decides why and how the data is processed (Art. 4(7)).
    pub controller: Party,
    /// The data protection officer, if one is appointed (Art. 37).
    pub dpo: Option<Party>,
    /// The supervisory authority subjects may complain to (Art. 77).
    pub authority: Authority,
    /// Where the data is hosted, in words ("Frankfurt, Germany (EU)").
    pub hosting: Option<String>,
    /// Whether any purpose profiles people; false unless declared (Art. 13(2)(f), 22).
    pub profiling: bool,
    /// The technical and organisational security measures the controller
    /// states for the record of processing (Art. 30(1)(g), 32); the
    /// engine's own measures are added to these when the record is built.
    pub security_measures: Vec<String>,
    /// The kinds of personal data handled.
    pub categories: Vec<Category>,
    /// The kinds of people the data is about.
    pub subject_kinds: Vec<SubjectKind>,
    /// Why data is processed; every use names one.
    pub purposes: Vec<Purpose>,
    /// Who data may be disclosed to.
    pub recipients: Vec<Recipient>,
    /// When stored data is deleted or anonymised.
    pub retention: Vec<RetentionRule>,
    /// Periods a law requires data to be kept, overriding erasure.
    pub holds: Vec<StatutoryHold>,
    /// Rules for aggregated, anonymous results.
    pub anonymity: Anonymity,
    /// How data subject requests are handled.
    pub rights: Rights,
    /// How policy changes are announced (Art. 12(1), 13(3)).
    pub changes: Changes,
}

impl Policy {
    /// The category with this id, if declared.
    pub fn category(&self, id: &CategoryId) -> Option<&Category> {
        self.categories.iter().find(|c| &c.id == id)
    }

    /// The purpose with this id, if declared.
    pub fn purpose(&self, id: &PurposeId) -> Option<&Purpose> {
        self.purposes.iter().find(|p| &p.id == id)
    }

    /// The recipient with this id, if declared.
    pub fn recipient(&self, id: &RecipientId) -> Option<&Recipient> {
        self.recipients.iter().find(|r| &r.id == id)
    }

    /// The subject kind with this id, if declared.
    pub fn subject_kind(&self, id: &SubjectKindId) -> Option<&SubjectKind> {
        self.subject_kinds.iter().find(|k| &k.id == id)
    }

    /// The subject kinds a purpose processes: those it names, or every
    /// declared kind when it names none.
    pub fn subjects_of<'p>(
        &'p self,
        purpose: &'p Purpose,
    ) -> impl Iterator<Item = &'p SubjectKind> + use<'p> {
        self.subject_kinds
            .iter()
            .filter(move |k| purpose.concerns(&k.id))
    }

    /// The statutory holds that cover this category.
    pub fn holds_for<'p>(
        &'p self,
        id: &CategoryId,
    ) -> impl Iterator<Item = &'p StatutoryHold> + use<'p> {
        let id = id.clone();
        self.holds
            .iter()
            .filter(move |h| h.categories.contains(&id))
    }

    /// The retention rules that cover this category.
    pub fn retention_for<'p>(
        &'p self,
        id: &CategoryId,
    ) -> impl Iterator<Item = &'p RetentionRule> + use<'p> {
        let id = id.clone();
        self.retention
            .iter()
            .filter(move |r| r.categories.contains(&id))
    }

    /// The purposes that may use this category.
    pub fn purposes_using<'p>(
        &'p self,
        id: &CategoryId,
    ) -> impl Iterator<Item = &'p Purpose> + use<'p> {
        let id = id.clone();
        self.purposes.iter().filter(move |p| p.covers(&id))
    }

    /// The purposes that disclose to this recipient.
    pub fn purposes_disclosing_to<'p>(
        &'p self,
        id: &RecipientId,
    ) -> impl Iterator<Item = &'p Purpose> + use<'p> {
        let id = id.clone();
        self.purposes.iter().filter(move |p| p.discloses_to(&id))
    }
}

/// A person or organisation with contact details: the controller or DPO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Party {
    /// Full name.
    pub name: String,
    /// Where subjects write to.
    pub email: String,
    /// Postal address, if given.
    pub address: Option<String>,
}

/// The supervisory authority subjects may complain to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Authority {
    /// Its official name.
    pub name: String,
    /// Its website.
    pub url: Option<String>,
    /// Its email address.
    pub email: Option<String>,
}

/// A kind of personal data, declared once and referred to by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Category {
    /// How purposes and rules refer to it.
    pub id: CategoryId,
    /// What it is, in plain words, for the notice.
    pub description: String,
    /// Its place in a shared taxonomy (`user.contact.email`).
    pub taxonomy: TaxonomyKey,
    /// Used to find a subject: stored only as a keyed hash plus ciphertext.
    pub identifier: bool,
    /// False when the data may be processed in passing but never stored.
    pub storable: bool,
}

/// A kind of data subject (customers, agents, ...), for the record of
/// processing and the notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectKind {
    /// How records refer to it.
    pub id: SubjectKindId,
    /// Who they are, in plain words.
    pub description: String,
}

/// One reason for processing, with its single legal basis and the only
/// categories and recipients it may use (Art. 5(1)(b), 6(1)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Purpose {
    /// How reads and disclosures name it.
    pub id: PurposeId,
    /// What it is for, in plain words.
    pub description: String,
    /// The one lawful ground it rests on.
    pub basis: LegalBasis,
    /// The categories it may read or collect.
    pub categories: Vec<CategoryId>,
    /// The recipients it may disclose to.
    pub recipients: Vec<RecipientId>,
    /// Whose data it processes, for the record of processing (Art.
    /// 30(1)(c)); empty when the policy does not say, which means every
    /// declared subject kind.
    pub subject_kinds: Vec<SubjectKindId>,
    /// Sends advertising to the subject; objection always stops it.
    pub direct_marketing: bool,
    /// Evaluates personal aspects of the subject (Art. 4(4)).
    pub profiling: bool,
    /// Needed to provide the service at all.
    pub essential: bool,
    /// How long a consent lasts before it must be asked again (Art. 7).
    pub consent_valid_for: Option<CalendarSpan>,
    /// Direct marketing to existing customers without prior consent
    /// (ePrivacy Art. 13(2)): legitimate interest only, with a one-click
    /// way out in every message (Art. 21(2)-(3)).
    pub soft_opt_in: bool,
    /// Sells or shares data (CCPA/CPRA): a Global Privacy Control signal
    /// objects to it (Art. 21(5)).
    pub sale_or_sharing: bool,
    /// Aggregate reports over identified data (counts, rankings, team
    /// totals) may be made for it; everyone whose data it may not use
    /// right now (objection, withdrawn consent, restriction, erasure) is
    /// left out of every report.
    pub reporting: bool,
    /// Recipients that may receive the purpose's anonymised aggregate
    /// export (Recital 26, Art. 89) and nothing else: listing one here
    /// discloses no personal data to it. Only on a reporting purpose.
    pub export_to: Vec<RecipientId>,
}

impl Purpose {
    /// Whether the purpose may use this category.
    pub fn covers(&self, c: &CategoryId) -> bool {
        self.categories.contains(c)
    }

    /// Whether the purpose processes data of this kind of subject; a
    /// purpose that names none processes every kind.
    pub fn concerns(&self, k: &SubjectKindId) -> bool {
        self.subject_kinds.is_empty() || self.subject_kinds.contains(k)
    }

    /// Whether the purpose may disclose to this recipient.
    pub fn discloses_to(&self, r: &RecipientId) -> bool {
        self.recipients.contains(r)
    }

    /// Whether the purpose's anonymised export may go to this recipient.
    pub fn exports_to(&self, r: &RecipientId) -> bool {
        self.reporting && self.export_to.contains(r)
    }
}

/// Someone data may be disclosed to, where they are, and what makes a
/// transfer to them lawful.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// How disclosures name it.
    pub id: RecipientId,
    /// Its name, for the notice.
    pub name: String,
    /// What it is to the controller.
    pub role: RecipientRole,
    /// Where it receives the data.
    pub country: CountryCode,
    /// What makes a transfer abroad lawful.
    pub safeguard: Safeguard,
}

impl Recipient {
    /// Whether sending data to it leaves the EEA.
    pub fn is_transfer(&self) -> bool {
        !self.country.in_eea()
    }
}

/// Stored data of these categories is disposed of `keep` after `from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    /// The categories it applies to.
    pub categories: Vec<CategoryId>,
    /// How long the data is kept.
    pub keep: CalendarSpan,
    /// When the period starts.
    pub from: Anchor,
    /// What happens at the end.
    pub then: Disposal,
}

/// A law requires these categories to be kept for `keep` after `from`;
/// erasure waits and the data is restricted meanwhile (Art. 17(3)(b)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatutoryHold {
    /// The categories it applies to.
    pub categories: Vec<CategoryId>,
    /// The law, in words ("German commercial and tax law").
    pub law: String,
    /// How long the law requires the data to be kept.
    pub keep: CalendarSpan,
    /// When the period starts.
    pub from: Anchor,
}

/// Rules for anonymous, aggregated results (Recital 26: groups small enough to single someone out are withheld).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anonymity {
    /// Results for a smaller group are withheld.
    pub min_group_size: u32,
    /// Noise added to published survey figures, if any
    /// (`noise = "laplace"`, `epsilon`, `budget`).
    pub noise: Option<Noise>,
}

impl Default for Anonymity {
    fn default() -> Self {
        Self {
            min_group_size: 5,
            noise: None,
        }
    }
}

/// Discrete Laplace noise on published survey figures (differential
/// privacy): each read of a survey's results spends `epsilon` of the
/// survey's `budget`, and a read past the budget is refused. Kept in
/// thousandths, so the policy model stays exact and comparable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Noise {
    /// ε spent by one read, in thousandths (1.0 is 1000).
    pub epsilon_millis: u32,
    /// The most ε a survey's reads may spend in all, in thousandths.
    pub budget_millis: u32,
}

/// How data subject requests are answered (Art. 12).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rights {
    /// The answer is due this long after receipt; at most one month.
    pub answer_within: CalendarSpan,
    /// The most the deadline may be extended by; at most two months.
    pub extension: CalendarSpan,
    /// How the subject's identity is checked first.
    pub verification: Verification,
    /// Who receives requests first.
    pub first_handler: FirstHandler,
}

impl Default for Rights {
    fn default() -> Self {
        Self {
            answer_within: CalendarSpan::months(1),
            extension: CalendarSpan::months(2),
            verification: Verification::Email,
            first_handler: FirstHandler::Controller,
        }
    }
}

/// How changes to the policy are announced: a material change may apply
/// only once subjects have had `notice_period` to read about it
/// (Art. 13(3); transparency, Art. 12(1)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The least time between publishing a material change and applying
    /// it; zero lets it apply at once.
    pub notice_period: CalendarSpan,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            notice_period: CalendarSpan::days(30),
        }
    }
}
