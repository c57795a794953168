//! The engine's errors. Each has a stable code that clients can rely on and
//! a message that helps a caller fix the request; causes from storage or
//! crypto stay in the source chain for logs and never reach clients.

use crate::requests::RequestError;
use crate::store::StoreError;
use tutela_policy::Diagnostic;

/// Everything an engine operation can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A field of the request is malformed.
    #[error("{field}: {message}")]
    InvalidInput {
        /// The field, as the caller named it.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A policy did not pass validation.
    #[error("the policy has {} problem(s)", .0.len())]
    PolicyInvalid(Vec<Diagnostic>),
    /// A version's `effective_at` is earlier than allowed: a material
    /// change waits the notice period of the version in force.
    #[error("effective_at: {}", too_soon(*.earliest, *.material))]
    EffectiveTooSoon {
        /// The earliest time allowed.
        earliest: jiff::Timestamp,
        /// Whether the version changes something material (then the
        /// notice period applies); otherwise only the past is refused.
        material: bool,
    },
    /// The purpose's scope widened since the subject's consent: what the
    /// consent did not cover needs a new one (Art. 4(11), 7).
    #[error(
        "purpose '{purpose}' now covers {what}, which the subject's consent (given under policy version {version}) did not; ask for consent again"
    )]
    ConsentRenewalNeeded {
        /// The purpose.
        purpose: String,
        /// What the consent does not cover (`category phone`).
        what: String,
        /// The version the consent was given under.
        version: u32,
    },
    /// The notifier did not deliver a policy notice; those told before it
    /// are recorded, so running again resumes.
    #[error(
        "a policy notice could not be delivered; the subjects told so far are recorded, run again to resume"
    )]
    NoticeUndelivered,
    /// The tenant has no published policy yet.
    #[error("this tenant has no policy yet; publish one first")]
    NoPolicy,
    /// A policy version was asked for by number and there is none such.
    #[error("policy version {version} does not exist; GET /v1/policy/versions lists them")]
    PolicyVersionNotFound {
        /// The number asked for.
        version: u32,
    },
    /// No such tenant.
    #[error("tenant not found")]
    TenantNotFound,
    /// A tenant with that id exists.
    #[error("a tenant with that id already exists")]
    TenantExists,
    /// No such subject in this tenant.
    #[error("subject not found")]
    SubjectNotFound,
    /// The subject was erased; nothing about it can be read or written.
    #[error("the subject was erased")]
    SubjectErased,
    /// The purpose names whose data it processes, and not this subject's
    /// kind.
    #[error("purpose '{purpose}' does not concern subjects of kind '{kind}'")]
    SubjectKindNotInPurpose {
        /// The purpose.
        purpose: String,
        /// The subject's kind.
        kind: String,
    },
    /// The write would take the subject past what one subject may hold.
    #[error(
        "a subject holds at most {} records and {} MiB of sealed values; delete records it no longer needs first",
        crate::MAX_RECORDS_PER_SUBJECT,
        crate::MAX_SEALED_BYTES_PER_SUBJECT / (1024 * 1024)
    )]
    SubjectFull,
    /// The subject kind is not declared in the policy.
    #[error("subject kind '{0}' is not declared in the policy")]
    UnknownSubjectKind(String),
    /// Another subject already holds that identifier.
    #[error("another subject already has this {0}")]
    IdentifierTaken(String),
    /// No valid credentials.
    #[error("missing or invalid API key")]
    Unauthenticated,
    /// The key's role does not allow this.
    #[error("a key with role '{role}' may not {action}")]
    Forbidden {
        /// The key's role.
        role: &'static str,
        /// What it tried.
        action: &'static str,
    },
    /// The key is scoped to other purposes.
    #[error("this key is not scoped to purpose '{0}'")]
    PurposeOutOfScope(String),
    /// A new policy version would drop a data category that still holds
    /// stored records: they would be left with no purpose and no
    /// retention rule (Art. 5(1)(b), (e)).
    #[error(
        "category '{0}' still holds stored records; delete or erase them (or keep the category storable, with a retention rule to end them) before publishing a policy that drops it or makes it not storable; records kept under a statutory hold stay until the hold ends"
    )]
    CategoryInUse(String),
    /// A new policy version would narrow or shorten the statutory hold
    /// under which records of a category are kept: the notice would no
    /// longer name the law they are kept for, or a shorter period than the
    /// one they are held to (Art. 13, 17(3)(b), 30).
    #[error(
        "records of category '{0}' are kept under a statutory hold; keep a hold covering the category, no shorter, until they have ended"
    )]
    HoldInUse(String),
    /// A new policy version would turn `identifier` on or off for a
    /// category that holds stored records: turned on, the records already
    /// stored were never indexed, so lookups miss them and another subject
    /// could claim the same value; turned off, records written meanwhile
    /// are not indexed, and turning it back on leaves two people with one
    /// identifier, found as one (Art. 5(1)(d), 15, 17).
    #[error(
        "category '{0}' still holds stored records; its `identifier` setting cannot change while it does: delete or erase them first, or declare a new category for the identifier"
    )]
    IdentifierInUse(String),
    /// A record of a category that the policy version pending for the
    /// tenant drops or makes not storable: once that version applied, the
    /// record would be left with no purpose or rule (Art. 5(1)(e)).
    #[error(
        "category '{0}' is dropped or no longer stored by the policy version pending from {1}; it cannot be stored now"
    )]
    CategoryEnding(String, jiff::Timestamp),
    /// A record of a category whose `identifier` setting the pending
    /// version switches: stored now, it would be indexed by the old
    /// setting once the new one applies (Art. 5(1)(d)).
    #[error(
        "category '{0}' becomes or stops being an identifier with the policy version pending from {1}; it cannot be stored until then"
    )]
    IdentifierChanging(String, jiff::Timestamp),
    /// A purpose-scoped key named a data category none of its purposes
    /// covers (a lookup by an identifier it has no purpose to use).
    #[error("no purpose this key is scoped to covers data category '{0}'")]
    CategoryOutOfScope(String),
    /// The purpose is not in the policy.
    #[error("purpose '{0}' is not declared in the policy")]
    PurposeNotDeclared(String),
    /// The category is not in the policy.
    #[error("data category '{0}' is not declared in the policy")]
    CategoryNotDeclared(String),
    /// No retention rule or hold of the policy counts from this event.
    #[error(
        "event '{0}' is not declared by any retention rule or hold of the policy (from = \"event:<name>\")"
    )]
    EventNotDeclared(String),
    /// The category is declared as never stored.
    #[error("data category '{0}' is declared as not storable")]
    CategoryNotStorable(String),
    /// A check in passing named a category that is stored: read it for the
    /// purpose instead.
    #[error(
        "data category '{0}' is stored; checks in passing are for categories declared `storable = false`"
    )]
    CategoryStored(String),
    /// The purpose does not cover that category.
    #[error("purpose '{purpose}' does not cover data category '{category}'")]
    CategoryNotInPurpose {
        /// The purpose named.
        purpose: String,
        /// The category asked for.
        category: String,
    },
    /// The recipient is not declared for that purpose.
    #[error("recipient '{recipient}' is not declared for purpose '{purpose}'")]
    RecipientNotDeclared {
        /// The purpose named.
        purpose: String,
        /// The recipient asked for.
        recipient: String,
    },
    /// The purpose rests on consent and the subject has no live consent.
    #[error("purpose '{0}' needs the subject's consent, and there is no live consent")]
    ConsentRequired(String),
    /// Consent was given or withdrawn for a purpose that does not rest on it.
    #[error("purpose '{0}' does not rest on consent")]
    ConsentNotApplicable(String),
    /// The subject objected to this processing.
    #[error("the subject objected to processing for purpose '{0}'")]
    Objected(String),
    /// An objection names a purpose it cannot apply to.
    #[error(
        "purpose '{0}' rests on neither legitimate interests, a public task nor direct marketing, so it cannot be objected to; withdraw consent instead where it applies"
    )]
    ObjectionNotApplicable(String),
    /// The subject's processing is restricted.
    #[error(
        "processing of this subject's data is restricted; only the subject's own access is allowed"
    )]
    Restricted,
    /// No such API key.
    #[error("API key not found")]
    KeyNotFound,
    /// The subject has no record with that id.
    #[error("record not found")]
    RecordNotFound,
    /// The policy declares no recipient with that id.
    #[error("recipient: the policy declares no recipient with this id")]
    RecipientNotFound,
    /// The recipient has no notice endpoint.
    #[error("this recipient has no endpoint")]
    EndpointNotFound,
    /// No notice of this tenant with that id was given up on: only a
    /// failed notice can be sent again (a pending one is still tried).
    #[error("no failed notice to a recipient has this id")]
    FailedDeliveryNotFound,
    /// An identifier (used to find the subject) would become empty or
    /// whitespace only, which finds no one and clashes with nothing.
    #[error("{field}: an identifier cannot be empty or only whitespace")]
    BlankIdentifier {
        /// The field, as the caller named it.
        field: String,
    },
    /// One write gives the same identifier twice (as it is compared: case
    /// and surrounding spaces aside); it would clash with itself.
    #[error("{field}: repeats the identifier of {first}")]
    RepeatedIdentifier {
        /// The later field, as the caller named it.
        field: String,
        /// The earlier one.
        first: String,
    },
    /// Sealed data did not open: a corrupt or moved row, or a wrong master key.
    #[error("stored data could not be decrypted")]
    Unreadable,
    // Input limits (Art. 32 robustness): kept together for easy merging.
    /// A read or disclosure names more categories than it may.
    #[error(
        "categories: {asked} names given, at most {max} allowed; name each declared category once"
    )]
    TooManyCategories {
        /// How many names were given, duplicates included.
        asked: usize,
        /// The most allowed.
        max: usize,
    },
    /// An answer could not be rendered (a writer into memory failed).
    #[error("the answer could not be rendered")]
    Render,
    /// The operating system gave no randomness for a secret.
    #[error("no randomness available")]
    RandomnessUnavailable,
    /// The database failed.
    #[error("storage failure")]
    Storage(#[from] StoreError),
    // Authorization boundaries (operator/tenant, purpose scope).
    /// A key may only be made inside the caller's own tenant; a client
    /// tenant's first admin key comes with its creation, and the operator
    /// never obtains a key inside an existing client tenant.
    #[error(
        "a key can only be created in the caller's own tenant (the `tenant` field, if given, must name it); a client tenant's first admin key is issued with the tenant"
    )]
    OtherTenant,
    /// The act is not tied to one purpose, so a purpose-scoped key may not do it.
    #[error("a purpose-scoped key may not {0}; use a key without a purpose scope")]
    UnscopedKeyRequired(&'static str),
    /// A key may only create or revoke keys within its own powers and purposes.
    #[error("a key may only create or revoke keys within its own role and purposes: {0}")]
    KeyBeyondScope(&'static str),
    // Storage guarantees.
    /// The master key is not the one this database was first opened with:
    /// nothing may be written under it (API keys, audit entries).
    #[error(
        "the master key does not match this database: the database was created with another master key; start with that key (master_key_file or TUTELA_MASTER_KEY), or point database_url at the database of this key"
    )]
    MasterKeyMismatch,
    /// The erasure ledger could not be written or read; a change whose
    /// ledger lines cannot be made durable is not committed.
    #[error("the erasure ledger is unavailable")]
    LedgerUnavailable(#[source] std::io::Error),
    /// A line of the erasure ledger fails its check: it was edited, forged
    /// or written under another master key. Nothing is replayed from it.
    #[error("{0}; the ledger cannot be trusted, so nothing was replayed")]
    LedgerTampered(crate::ledger::LedgerLineError),
    // Data subject requests.
    /// A data subject request step was refused (see [`RequestError`]).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A consent proof, receipt, unsubscribe or banner step was refused.
    #[error(transparent)]
    Consent(#[from] crate::consent::ConsentError),
    /// A report or export refused (reporting purpose, export recipient).
    #[error(transparent)]
    Report(#[from] crate::reports::ReportError),
    /// A survey step was refused (see [`crate::survey::SurveyError`]).
    #[error(transparent)]
    Survey(#[from] crate::survey::SurveyError),
}

impl EngineError {
    /// The stable code, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "E_INVALID_INPUT",
            Self::PolicyInvalid(_) => "E_POLICY_INVALID",
            Self::NoPolicy => "E_NO_POLICY",
            Self::PolicyVersionNotFound { .. } => "E_POLICY_VERSION_NOT_FOUND",
            Self::EffectiveTooSoon { .. } => "E_EFFECTIVE_TOO_SOON",
            Self::NoticeUndelivered => "E_NOTICE_UNDELIVERED",
            Self::ConsentRenewalNeeded { .. } => "E_CONSENT_RENEWAL_NEEDED",
            Self::TenantNotFound => "E_TENANT_NOT_FOUND",
            Self::TenantExists => "E_TENANT_EXISTS",
            Self::SubjectNotFound => "E_SUBJECT_NOT_FOUND",
            Self::SubjectErased => "E_SUBJECT_ERASED",
            Self::SubjectFull => "E_SUBJECT_FULL",
            Self::SubjectKindNotInPurpose { .. } => "E_SUBJECT_KIND_NOT_IN_PURPOSE",
            Self::UnknownSubjectKind(_) => "E_UNKNOWN_SUBJECT_KIND",
            Self::IdentifierTaken(_) => "E_IDENTIFIER_TAKEN",
            Self::Unauthenticated => "E_UNAUTHENTICATED",
            Self::Forbidden { .. } => "E_FORBIDDEN",
            Self::PurposeOutOfScope(_) => "E_PURPOSE_OUT_OF_SCOPE",
            Self::CategoryOutOfScope(_) => "E_CATEGORY_OUT_OF_SCOPE",
            Self::CategoryInUse(_) => "E_CATEGORY_IN_USE",
            Self::HoldInUse(_) => "E_HOLD_IN_USE",
            Self::IdentifierInUse(_) => "E_IDENTIFIER_IN_USE",
            Self::CategoryEnding(..) => "E_CATEGORY_ENDING",
            Self::IdentifierChanging(..) => "E_IDENTIFIER_CHANGING",
            Self::PurposeNotDeclared(_) => "E_PURPOSE_NOT_DECLARED",
            Self::CategoryNotDeclared(_) => "E_CATEGORY_NOT_DECLARED",
            Self::EventNotDeclared(_) => "E_EVENT_NOT_DECLARED",
            Self::CategoryNotStorable(_) => "E_CATEGORY_NOT_STORABLE",
            Self::CategoryStored(_) => "E_CATEGORY_STORED",
            Self::CategoryNotInPurpose { .. } => "E_CATEGORY_NOT_IN_PURPOSE",
            Self::RecipientNotDeclared { .. } => "E_RECIPIENT_NOT_DECLARED",
            Self::ConsentRequired(_) => "E_CONSENT_REQUIRED",
            Self::ConsentNotApplicable(_) => "E_CONSENT_NOT_APPLICABLE",
            Self::Objected(_) => "E_OBJECTED",
            Self::ObjectionNotApplicable(_) => "E_OBJECTION_NOT_APPLICABLE",
            Self::Restricted => "E_SUBJECT_RESTRICTED",
            Self::KeyNotFound => "E_KEY_NOT_FOUND",
            Self::RecordNotFound => "E_RECORD_NOT_FOUND",
            Self::RecipientNotFound => "E_RECIPIENT_NOT_FOUND",
            Self::EndpointNotFound => "E_ENDPOINT_NOT_FOUND",
            Self::FailedDeliveryNotFound => "E_FAILED_DELIVERY_NOT_FOUND",
            Self::BlankIdentifier { .. } | Self::RepeatedIdentifier { .. } => "E_INVALID_FIELD",
            Self::Unreadable => "E_UNREADABLE",
            Self::TooManyCategories { .. } => "E_TOO_MANY_CATEGORIES",
            Self::Storage(_) => "E_STORAGE",
            Self::Render => "E_RENDER",
            Self::RandomnessUnavailable => "E_RANDOMNESS_UNAVAILABLE",
            Self::OtherTenant => "E_OTHER_TENANT",
            Self::UnscopedKeyRequired(_) => "E_UNSCOPED_KEY_REQUIRED",
            Self::KeyBeyondScope(_) => "E_KEY_BEYOND_SCOPE",
            Self::MasterKeyMismatch => "E_MASTER_KEY_MISMATCH",
            Self::LedgerUnavailable(_) => "E_LEDGER_UNAVAILABLE",
            Self::LedgerTampered(_) => "E_LEDGER_TAMPERED",
            Self::Request(e) => e.code(),
            Self::Consent(e) => e.code(),
            Self::Report(e) => e.code(),
            Self::Survey(e) => e.code(),
        }
    }

    /// What kind of answer this is, so the HTTP layer can pick a status
    /// without knowing every variant.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput { .. }
            | Self::PolicyInvalid(_)
            | Self::UnknownSubjectKind(_)
            | Self::CategoryNotDeclared(_)
            | Self::EventNotDeclared(_)
            | Self::CategoryNotStorable(_)
            | Self::CategoryStored(_)
            | Self::ConsentNotApplicable(_)
            | Self::ObjectionNotApplicable(_)
            | Self::TooManyCategories { .. } => ErrorKind::BadRequest,
            Self::BlankIdentifier { .. }
            | Self::RepeatedIdentifier { .. }
            | Self::EffectiveTooSoon { .. } => ErrorKind::InvalidField,
            Self::NoPolicy
            | Self::PolicyVersionNotFound { .. }
            | Self::TenantNotFound
            | Self::SubjectNotFound
            | Self::KeyNotFound
            | Self::RecordNotFound
            | Self::RecipientNotFound
            | Self::EndpointNotFound
            | Self::FailedDeliveryNotFound => ErrorKind::NotFound,
            Self::TenantExists
            | Self::IdentifierTaken(_)
            | Self::SubjectErased
            | Self::SubjectFull
            | Self::CategoryInUse(_)
            | Self::HoldInUse(_)
            | Self::IdentifierInUse(_)
            | Self::CategoryEnding(..)
            | Self::IdentifierChanging(..) => ErrorKind::Conflict,
            Self::Unauthenticated => ErrorKind::Unauthenticated,
            Self::Forbidden { .. }
            | Self::PurposeOutOfScope(_)
            | Self::CategoryOutOfScope(_)
            | Self::PurposeNotDeclared(_)
            | Self::CategoryNotInPurpose { .. }
            | Self::SubjectKindNotInPurpose { .. }
            | Self::RecipientNotDeclared { .. }
            | Self::ConsentRequired(_)
            | Self::ConsentRenewalNeeded { .. }
            | Self::Objected(_)
            | Self::Restricted => ErrorKind::Denied,
            Self::OtherTenant | Self::UnscopedKeyRequired(_) | Self::KeyBeyondScope(_) => {
                ErrorKind::Denied
            }
            Self::Unreadable | Self::Storage(_) | Self::Render | Self::RandomnessUnavailable => {
                ErrorKind::Internal
            }
            Self::MasterKeyMismatch | Self::LedgerTampered(_) => ErrorKind::Internal,
            Self::LedgerUnavailable(_) => ErrorKind::Unavailable,
            Self::NoticeUndelivered => ErrorKind::BadGateway,
            Self::Request(e) => e.kind(),
            Self::Consent(e) => e.kind(),
            Self::Report(e) => e.kind(),
            Self::Survey(e) => e.kind(),
        }
    }
}

/// Coarse classes of [`EngineError`], mapped to HTTP statuses by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or names something undeclared (400/422).
    BadRequest,
    /// One named field holds a value that cannot be accepted (422).
    InvalidField,
    /// The thing asked for is not there (404).
    NotFound,
    /// It clashes with what exists (409).
    Conflict,
    /// No valid credentials (401).
    Unauthenticated,
    /// The policy, a consent, an objection, a restriction or the key's scope
    /// forbids it (403). Such refusals are on the audit chain.
    Denied,
    /// A field is missing, empty or malformed (422).
    Unprocessable,
    /// Too many tries: wait or start over (429).
    TooManyRequests,
    /// Another party Tutela had to reach failed (502): retry later.
    BadGateway,
    /// Something this server needs is out of order, nothing was changed
    /// (503): retry later, the operator is told in the logs.
    Unavailable,
    /// Our fault (500); details are in the logs only.
    Internal,
}

/// Why an `effective_at` is too soon, and what to give instead.
fn too_soon(earliest: jiff::Timestamp, material: bool) -> String {
    if material {
        format!(
            "the version has material changes, so it may take effect no sooner than {earliest} (the notice period of the version in force after now); give an effective_at at or after it"
        )
    } else {
        format!(
            "a version cannot take effect in the past; give an effective_at at or after {earliest}, or none to apply it now"
        )
    }
}
