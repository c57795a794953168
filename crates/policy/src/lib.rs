//! The Tutela policy model: a product's privacy policy, written once as a
//! TOML file, parsed into a [`Policy`] that the engine enforces and from
//! which the privacy notice is rendered.
//!
//! Pure: no I/O, no async, no clock. Everything here is a function of the
//! text it is given. [`check`] reports every problem in a policy with a
//! stable code, line, column and hint; [`Policy::parse`] gives the policy
//! or its errors; [`Policy::render_notice`] writes the notice (Markdown or
//! HTML) and [`Policy::record`] the record of processing (Art. 30).

mod country;
mod diagnostics;
mod diff;
pub mod fides;
mod ids;
mod model;
mod raw;
mod record;
mod render;
mod shape;
mod span;
mod suggest;
mod terms;
mod validate;

pub use country::{CountryCode, CountryError};
pub use diagnostics::{Diagnostic, Severity};
pub use diff::{Change, ChangeKind, diff, has_material};
pub use ids::{
    CategoryId, EventName, IdError, IdKind, MAX_ID_LEN, MAX_TAXONOMY_LEN, PlanName, PurposeId,
    RecipientId, SubjectKindId, TaxonomyKey,
};
pub use model::{
    Anonymity, Authority, Category, Changes, Noise, Party, Policy, Purpose, Recipient,
    RetentionRule, Rights, StatutoryHold, SubjectKind,
};
pub use record::csv::{ACTIVITY_HEADER, PROCESSOR_HEADER, RecordTable, guard_cell};
pub use record::{
    Activity, Basis, CategoryEntry, Described, ENGINE_MEASURES, Erasure, Measures, Processor,
    RECORD_FORMAT, RecipientEntry, Record, RecordError, Transfer,
};
pub use render::{NoticeFormat, RenderError};
pub use shape::is_hidden;
pub use span::{CalendarSpan, SPAN_FORMS, SpanError};
pub use terms::{
    ANCHOR_FORMS, Anchor, AnchorError, ChoiceError, Disposal, FirstHandler, LegalBasis,
    RecipientRole, Safeguard, Verification,
};
pub use validate::{Checked, check};

/// A complete, commented policy for a small support-desk SaaS: the
/// teaching example `tutela init` writes, and a fixture for tests.
pub const EXAMPLE_POLICY: &str = include_str!("../policies/example.toml");

/// The operator's own policy, covering the client accounts it holds as
/// controller (Art. 13(1)(a)).
pub const OPERATOR_POLICY: &str = include_str!("../policies/operator.toml");
