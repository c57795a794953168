//! The storage contract. The engine speaks only to this trait; the
//! `tutela-store` crate implements it for SQLite and PostgreSQL, and one
//! conformance suite holds both to it.
//!
//! Every row carries its tenant and every method takes one: no method reads
//! across tenants. Writes arrive as a [`Change`], applied atomically together
//! with the audit entries that describe it, so an act and its record in the
//! audit chain are committed together or not at all.

mod change;
mod rows;

use crate::audit::{AuditChain, AuditEntry, AuditEvent, AuditHead};
use crate::consent::banner::Visitor;
use crate::consent::{ConsentTextRow, UnsubscribeLinkRow, VisitorChoiceRow};
use crate::death::DeathRow;
pub use crate::deliveries::{AttemptOutcome, DeliveryFilter, DeliveryRow, EndpointRow};
pub use crate::holds::{HeldRecordRow, HoldRow, SubjectHolds};
use crate::ids::{
    ApiKeyId, DeliveryId, HoldId, RecordId, RequestId, SubjectId, SurveyId, TenantId,
};
pub use crate::ledger::WriteAhead;
use crate::requests::RequestRow;
pub use crate::requests::{RequestCursor, RequestFilter};
pub use crate::retention::{Anchors, EventRow, PlanRow, RecordStamp};
pub use crate::survey::SurveyWrite;
use crate::survey::{
    MemberRow, MembershipRow, ParticipationRow, SealedTextRow, SurveyRow, TallyRow, TokenRow,
};
use async_trait::async_trait;
pub use change::{Change, MAX_CHOICES_DELETED, Write};
use jiff::Timestamp;
pub use rows::{
    AggregateRow, ApiKeyGrant, ApiKeyRow, CandidateCursor, ConsentRow, IdentifierRow, ObjectionRow,
    PendingPolicy, PolicyRow, RecordRow, SubjectRow, TenantRow, in_force,
};
use tutela_policy::{CategoryId, EventName, RecipientId};

/// What a read for a purpose needs about one subject, fetched together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectView {
    /// The tenant's policy version in force; the store gives the one in
    /// force at the last publication and `pending`, and the engine settles
    /// it by its clock before anyone reads it.
    pub policy_version: u32,
    /// The tenant's pending version, if any.
    pub pending: Option<PendingPolicy>,
    /// The subject row.
    pub subject: SubjectRow,
    /// The whole consent ledger, oldest first.
    pub consents: Vec<ConsentRow>,
    /// Every objection, oldest first.
    pub objections: Vec<ObjectionRow>,
    /// The records of the categories asked for, oldest first.
    pub records: Vec<RecordRow>,
}

/// Where a page of [`Store::audit_for_subject`] ended: the last entry's
/// time, lane and position. Entries about one subject are ordered by time,
/// then lane, then position, which is the order acts happened in as far as
/// the chain can tell (lanes are ordered by time only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AuditCursor {
    /// The entry's time, µs since the Unix epoch.
    pub at_us: i64,
    /// Its lane.
    pub lane: u32,
    /// Its position in the lane.
    pub seq: u64,
}

impl AuditCursor {
    /// The cursor just past `entry`.
    pub fn after(entry: &AuditEntry) -> Self {
        Self {
            at_us: entry.at_us,
            lane: entry.lane,
            seq: entry.seq,
        }
    }
}

/// Which records a [`Store::subject_view`] should bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFilter<'a> {
    /// No records: only the subject's state.
    None,
    /// Records of these categories.
    Categories(&'a [CategoryId]),
    /// Every record.
    All,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already exists (tenant id, identifier, policy version, ...).
    #[error("{what} already exists")]
    Conflict {
        /// Which kind of thing clashed.
        what: &'static str,
    },
    /// A write referred to a row that is not there.
    #[error("{what} not found")]
    Missing {
        /// Which kind of thing was missing.
        what: &'static str,
    },
    /// A write about a subject found it erased, checked inside the writing
    /// transaction; nothing of the change was committed.
    #[error("the subject was erased")]
    SubjectErased,
    /// Records written or rectified would take a subject past what one
    /// subject may hold ([`MAX_RECORDS_PER_SUBJECT`](crate::MAX_RECORDS_PER_SUBJECT),
    /// [`MAX_SEALED_BYTES_PER_SUBJECT`](crate::MAX_SEALED_BYTES_PER_SUBJECT)),
    /// checked inside the writing transaction; nothing was committed.
    #[error("the subject holds as much as one subject may")]
    SubjectFull,
    /// The change's ledger lines could not be made durable, so nothing of
    /// it was committed (see [`WriteAhead`]).
    #[error("the erasure ledger could not be written")]
    LedgerUnavailable(#[source] std::io::Error),
    /// The operation is not offered by this backend (a file backup of
    /// PostgreSQL, which `pg_dump` does).
    #[error("{what} is not supported by this store")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },
    /// The database failed; the cause is for logs, never for clients.
    #[error("storage failure")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Persistence for the engine. Implementations must be safe to share between
/// tasks and, on PostgreSQL, between several server processes.
#[async_trait]
pub trait Store: Send + Sync {
    /// Applies a change atomically. The audit events are linked onto one
    /// lane of the tenant's chain with `chain` inside the same transaction
    /// (the store holds that lane exclusively while it links, inserts and
    /// moves the lane's head). Returns the audit entries as committed.
    async fn apply(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.apply_ahead(tenant, change, chain, None).await
    }

    /// [`Store::apply`], with the change's ledger lines: appended with
    /// [`WriteAhead::append_all`] inside the change's transaction, after
    /// all of it applied and before the commit (see [`WriteAhead`]). A
    /// refused change appends nothing; a failed append commits nothing
    /// ([`StoreError::LedgerUnavailable`]).
    async fn apply_ahead(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Applies several changes of one tenant, each atomically and on its
    /// own (one failing leaves the others), each with its ledger lines as
    /// [`Store::apply_ahead`] does, answered in order. A store may commit
    /// them in one transaction, each in its own savepoint, so a batch job
    /// such as a retention sweep pays one sync per group instead of one
    /// per change; by default they are applied concurrently.
    async fn apply_all(
        &self,
        tenant: &TenantId,
        changes: Vec<(Change, Option<WriteAhead>)>,
        chain: &AuditChain,
    ) -> Vec<Result<Vec<AuditEntry>, StoreError>> {
        futures::future::join_all(
            changes
                .into_iter()
                .map(|(change, ahead)| self.apply_ahead(tenant, change, chain, ahead)),
        )
        .await
    }

    /// Is the database reachable and migrated?
    async fn ping(&self) -> Result<(), StoreError>;

    /// Makes values removed by [`Store::apply_all`] changes unreadable in
    /// every file the store writes. `apply` does this before it returns;
    /// `apply_all` may leave it to this call, which a batch job (a sweep)
    /// makes once at its end. On SQLite, the truncating WAL checkpoint
    /// those changes skipped. A no-op where nothing waits.
    async fn scrub(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Stores `value` as the database's master-key check value unless one
    /// is stored already, and returns the stored one (the first caller's,
    /// if several race). The engine compares it with its own key's.
    async fn claim_key_check(&self, value: &[u8; 32]) -> Result<Vec<u8>, StoreError>;

    /// Ends the use of the store at a clean stop: commits what is queued and
    /// leaves the database complete at rest (on SQLite, the write-ahead log
    /// checkpointed into the main file and truncated, so the main file alone
    /// is the database). Later calls fail. A no-op where there is nothing to
    /// flush.
    async fn close(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes a consistent snapshot of the whole database to a new file
    /// at `target` (created 0600 on unix; an existing file is refused with
    /// `Conflict` and left untouched) while the store stays in use. On
    /// SQLite the snapshot is `VACUUM INTO`, which rebuilds the database
    /// from its live rows, so pages freed by an erasure are not copied.
    /// PostgreSQL answers `Unsupported`: `pg_dump` is its tool.
    async fn backup_to(&self, target: &std::path::Path) -> Result<(), StoreError>;

    /// One tenant.
    async fn tenant(&self, id: &TenantId) -> Result<Option<TenantRow>, StoreError>;
    /// All tenants, by id.
    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError>;

    /// A policy version; `None` asks for the current one.
    async fn policy(
        &self,
        tenant: &TenantId,
        version: Option<u32>,
    ) -> Result<Option<PolicyRow>, StoreError>;
    /// Every published version, oldest first.
    async fn policies(&self, tenant: &TenantId) -> Result<Vec<PolicyRow>, StoreError>;

    /// One subject's state and, as filtered, records.
    async fn subject_view(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        records: RecordFilter<'_>,
    ) -> Result<Option<SubjectView>, StoreError>;
    /// The subject an identifier's blind index points at.
    async fn subject_by_identifier(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        blind_index: &[u8; 32],
    ) -> Result<Option<SubjectId>, StoreError>;

    /// An API key by the hash of its secret together with its tenant's
    /// operator flag, in one statement (the one read per request that
    /// authentication costs when the engine's cache misses). `None` when
    /// the tenant has no such key.
    async fn api_key_grant(
        &self,
        tenant: &TenantId,
        secret_hash: &[u8; 32],
    ) -> Result<Option<ApiKeyGrant>, StoreError>;
    /// The tenant's API keys, oldest first.
    async fn api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRow>, StoreError>;

    /// Entries of one lane of the chain with `seq > after`, in order, at
    /// most `limit`.
    async fn audit_entries(
        &self,
        tenant: &TenantId,
        lane: u32,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// The tenant's audit entries naming `subject`, across every lane,
    /// ordered by (time, lane, position), those after `after` (from the
    /// start with `None`), at most `limit`. Served by an index on
    /// (tenant, subject), so its cost follows the subject's entries, not
    /// the size of the chain: the subject's access log (Art. 15).
    async fn audit_for_subject(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// The recorded head (last committed position and MAC) of each lane of
    /// the tenant's chain that has one, by lane.
    async fn audit_heads(&self, tenant: &TenantId) -> Result<Vec<AuditHead>, StoreError>;
    /// Every lane of the tenant's chain with a recorded head or an entry,
    /// ascending: `audit verify` walks them all, so a lane whose head row
    /// was deleted is still checked.
    async fn audit_lanes(&self, tenant: &TenantId) -> Result<Vec<u32>, StoreError>;

    /// One data subject request.
    async fn request(
        &self,
        tenant: &TenantId,
        id: RequestId,
    ) -> Result<Option<RequestRow>, StoreError>;
    /// A page of requests by effective due date then id, after `after`,
    /// at most `limit` (the engine bounds it).
    async fn requests(
        &self,
        tenant: &TenantId,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<Vec<RequestRow>, StoreError>;
    /// The subject's open (received or verified) requests, oldest first.
    async fn open_requests_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError>;
    /// The subject's registered (fulfilled) directives for after death,
    /// in any order.
    async fn directives_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError>;
    /// The subject's recorded death, if any.
    async fn death_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<DeathRow>, StoreError>;

    /// The holds on a subject's data and their records, oldest first
    /// (empty for a subject with none): an erased subject's, or a live
    /// subject's records a retention sweep moved under a hold.
    async fn subject_holds(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<SubjectHolds, StoreError>;
    /// The tenant's held records whose hold ends before `before`, by end
    /// then record id, at most `limit`: what the retention sweep erases.
    async fn holds_due(
        &self,
        tenant: &TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<HeldRecordRow>, StoreError>;

    /// Whether the tenant holds records of `category` under a statutory
    /// hold (an erased subject's, or records a sweep moved under one): a
    /// policy version may not drop such a category while they stay.
    async fn category_held(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
    ) -> Result<bool, StoreError>;

    /// What one subject's retention periods count from: its events and
    /// the tenant's, its plan history and its last-activity mark.
    async fn subject_anchors(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Anchors, StoreError>;
    /// A live subject's records as stamps (id, category, collection time;
    /// no ciphertext), in one read; `None` when the subject is erased,
    /// gone, or restricted (Art. 18(2): its data may only be stored, so a
    /// sweep leaves it until the restriction is lifted). What a retention
    /// sweep decides on before it loads more.
    async fn record_stamps(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<Vec<RecordStamp>>, StoreError>;
    /// [`record_stamps`](Store::record_stamps) of several subjects (a
    /// sweep's group, a few), in order. A store may read them all in one
    /// trip to the database; by default they are read concurrently.
    async fn record_stamps_of(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
    ) -> Result<Vec<Option<Vec<RecordStamp>>>, StoreError> {
        futures::future::try_join_all(
            subjects
                .iter()
                .map(|subject| self.record_stamps(tenant, *subject)),
        )
        .await
    }
    /// Whether the tenant has recorded an event of this name, for
    /// anyone: a rule counted from an event never recorded cannot be due.
    async fn event_recorded(&self, tenant: &TenantId, name: &EventName)
    -> Result<bool, StoreError>;
    /// A page of the records collected at or before `cutoff`, by
    /// (collection time, subject) after `after`, at most `limit`, as
    /// cursors: the retention sweep's candidates (the `records_by_age`
    /// index serves it in order). A subject appears once per record.
    async fn retention_candidates(
        &self,
        tenant: &TenantId,
        cutoff: Timestamp,
        after: Option<CandidateCursor>,
        limit: u32,
    ) -> Result<Vec<CandidateCursor>, StoreError>;
    /// Claims, of `subjects`, those no other sweeper holds, leasing them
    /// until `until` (a lease lapsed by `now` is free again), and returns
    /// them. On PostgreSQL the subjects' rows are locked with
    /// `FOR UPDATE SKIP LOCKED`, so concurrent claimers on any servers skip
    /// each other's; SQLite, whose one writer serialises every change,
    /// returns the live ones as they are. Correctness never rests on the
    /// claim: a sweep's change applies only while its records are there.
    async fn claim_sweep(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SubjectId>, StoreError>;
    /// Ends the leases [`Store::claim_sweep`] took until `until` on
    /// `subjects`, once the sweeper is done with them, so another sweep
    /// need not wait for them to lapse. A no-op where nothing is leased.
    async fn release_sweep(
        &self,
        _tenant: &TenantId,
        _subjects: &[SubjectId],
        _until: Timestamp,
    ) -> Result<(), StoreError> {
        Ok(())
    }
    /// The tenant's anonymised aggregate counts, by category and period.
    async fn retention_aggregates(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<AggregateRow>, StoreError>;

    /// A page of the subjects holding at least one record of `category`,
    /// ordered by id (in the backend's text order), those after `after`
    /// (from the start with `None`), at most `limit`: what a report pages
    /// through, so a large tenant is read a bounded page at a time. Erased
    /// subjects hold no records, so none is returned.
    async fn report_subjects(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        after: Option<SubjectId>,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError>;

    /// Every tenant id that has a tenant row, an audit head or an audit
    /// entry, sorted. An operator-only maintenance query: besides listing
    /// tenants, the one read that spans tenants. It returns ids only, never
    /// a tenant's data, so `audit verify` can find a chain whose tenant row
    /// (or head) was deleted.
    async fn audit_tenants(&self) -> Result<Vec<TenantId>, StoreError>;

    /// The tenant's recipient endpoints, by recipient id.
    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<EndpointRow>, StoreError>;
    /// The tenant's notices as filtered, newest first, at most `limit`.
    async fn deliveries(
        &self,
        tenant: &TenantId,
        filter: DeliveryFilter,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// Claims at most `limit` of the tenant's pending notices due at `now`
    /// whose claim (if any) has lapsed, setting `claimed_until = until`,
    /// and returns them. Two claimers, on any servers, never get the same
    /// notice while its claim holds: PostgreSQL locks the rows with
    /// `FOR UPDATE SKIP LOCKED`, SQLite claims on its one writer.
    async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError>;

    /// The consent text stored under `hash`, if any.
    async fn consent_text(
        &self,
        tenant: &TenantId,
        hash: &[u8; 32],
    ) -> Result<Option<String>, StoreError>;
    /// The unsubscribe link stored under `token_hash`, if any.
    async fn unsubscribe_link(
        &self,
        tenant: &TenantId,
        token_hash: &[u8; 32],
    ) -> Result<Option<UnsubscribeLinkRow>, StoreError>;
    /// Up to `limit` live subjects with stored records of `category` not
    /// yet told of policy `version`, by id: the next page of a notice run
    /// (Art. 13(3)). Told subjects drop out, so a run resumes by asking again.
    async fn notice_candidates(
        &self,
        tenant: &TenantId,
        version: u32,
        category: &CategoryId,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError>;
    /// How many subjects were told of policy `version`.
    async fn notices_sent(&self, tenant: &TenantId, version: u32) -> Result<u64, StoreError>;
    /// One survey.
    async fn survey(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Option<SurveyRow>, StoreError>;
    /// A survey's members (bounded by the survey's own limit).
    async fn survey_members(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<MemberRow>, StoreError>;
    /// The surveys `subject` is a member of, newest first, at most
    /// `limit`: for their access answer.
    async fn subject_memberships(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        limit: u32,
    ) -> Result<Vec<MembershipRow>, StoreError>;
    /// The unspent token of a survey under `hash`, if any.
    async fn survey_token(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        hash: &[u8; 32],
    ) -> Result<Option<TokenRow>, StoreError>;
    /// A survey's numeric answers counted per team, period, question and
    /// value: the one grouped statement results come from.
    async fn survey_tallies(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<TallyRow>, StoreError>;
    /// A survey's sealed free-text answers, at most `limit`.
    async fn survey_texts(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        limit: u32,
    ) -> Result<Vec<SealedTextRow>, StoreError>;
    /// Tokens issued and unspent per team.
    async fn survey_participation(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<ParticipationRow>, StoreError>;
    /// Rewrites stored answers in the order of their random keys, so their
    /// physical order says nothing of when they came: a no-op on SQLite
    /// (`WITHOUT ROWID` keeps key order), `CLUSTER` on PostgreSQL.
    async fn settle_survey_answers(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// A visitor's banner choices, oldest first.
    async fn visitor_choices(
        &self,
        tenant: &TenantId,
        visitor: &Visitor,
    ) -> Result<Vec<VisitorChoiceRow>, StoreError>;

    /// The ids of up to `limit` of the tenant's banner choices made before
    /// `before`, oldest first: what a retention sweep deletes next.
    async fn visitor_choices_before(
        &self,
        tenant: &TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<uuid::Uuid>, StoreError>;
}
