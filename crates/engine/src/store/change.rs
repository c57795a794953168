//! The unit of work a store commits: each [`Write`] of a [`Change`] and
//! the audit events that describe it, all or nothing.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One write inside a [`Change`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Create a tenant (fails with `Conflict` if the id exists).
    InsertTenant(TenantRow),
    /// Publish a policy version and make it the tenant's current one
    /// (fails with `Conflict` if that version exists).
    InsertPolicy(PolicyRow),
    /// Publish a policy version that applies from its `effective_at`:
    /// `in_force` stays the current one until then, and the version
    /// replaces any pending one (fails with `Conflict` if it exists).
    InsertPendingPolicy {
        /// The version, with its effective time.
        row: PolicyRow,
        /// The version in force meanwhile.
        in_force: u32,
    },
    /// Record that a subject was told of a policy version (a second
    /// record of the same is ignored, so a resumed run never fails on it).
    InsertPolicyNotice {
        /// The version announced.
        version: u32,
        /// Who was told.
        subject: SubjectId,
        /// When.
        at: Timestamp,
    },
    /// Create a subject.
    InsertSubject(SubjectRow),
    /// Add an identifier (fails with `Conflict` if the tenant already has the
    /// same category and blind index).
    InsertIdentifier(IdentifierRow),
    /// Add a record.
    InsertRecord(RecordRow),
    /// Append to a consent ledger.
    InsertConsent(ConsentRow),
    /// Record an objection.
    InsertObjection(ObjectionRow),
    /// Keep a consent text, once per tenant and hash (a text already
    /// stored is left as it is).
    InsertConsentText(ConsentTextRow),
    /// Keep an unsubscribe link's hash (the subject must be live).
    InsertUnsubscribeLink(UnsubscribeLinkRow),
    /// Mark an unsubscribe link used at `at`, only if its last use is
    /// still `seen` (compare and set): of two uses racing from the same
    /// state, one commits its change and the other nothing.
    UseUnsubscribeLink {
        /// The link's hash.
        token_hash: [u8; 32],
        /// When.
        at: Timestamp,
        /// The last use the change was planned on (`None`: never used).
        seen: Option<Timestamp>,
    },
    /// Append a website visitor's banner choices.
    InsertVisitorChoices(Vec<VisitorChoiceRow>),
    /// Delete banner choices past the banner's keep period (a retention
    /// sweep), by id, at most [`MAX_CHOICES_DELETED`] per write; only those
    /// made before `before` go, whatever ids are named.
    DeleteVisitorChoices {
        /// The cutoff the sweep computed.
        before: Timestamp,
        /// The choices' ids.
        ids: Vec<uuid::Uuid>,
    },
    /// Set or lift a subject's restriction.
    SetRestricted {
        /// Which subject.
        subject: SubjectId,
        /// The new state.
        restricted: bool,
    },
    /// Keep records of a subject about to be erased under a statutory hold
    /// (Art. 17(3)(b)): store the hold with its wrapped key and the records
    /// sealed again under it. The subject must be live; an erasure puts
    /// this before its [`Write::EraseSubject`] in the same change, so two
    /// erasures racing each other hold the records once.
    HoldRecords {
        /// The hold.
        hold: HoldRow,
        /// Its records, each the subject's own record id.
        records: Vec<HeldRecordRow>,
    },
    /// Crypto-shred a subject: drop its wrapped key, records and identifiers,
    /// and mark it erased.
    EraseSubject {
        /// Which subject.
        subject: SubjectId,
        /// When.
        at: Timestamp,
    },
    /// Replace one record's sealed value (Art. 16 rectification); the
    /// record keeps its id, category, purpose, source and collection time.
    /// The record's identifier row, if any, is removed, and `blind_index`
    /// (for an identifier category) inserted in its place in the same
    /// commit, so the subject is found under the new value only. Fails with
    /// `Missing { what: "record" }` if the subject has no such record and
    /// `Conflict { what: "identifier" }` if another subject holds the new
    /// identifier.
    RectifyRecord {
        /// Whose record.
        subject: SubjectId,
        /// Which record.
        record: RecordId,
        /// Its category (the identifier row names it).
        category: CategoryId,
        /// The new value sealed under the subject's key with a fresh nonce.
        ciphertext: Vec<u8>,
        /// The new value's blind index, for an identifier category.
        blind_index: Option<[u8; 32]>,
        /// `DataKey::value_mac` of the new value, for the erasure ledger
        /// (the store does not keep it).
        value_mac: [u8; 32],
    },
    /// Delete one record and its identifier row, if any. Fails with
    /// `Missing { what: "record" }` if the subject has no such record.
    DeleteRecord {
        /// Whose record.
        subject: SubjectId,
        /// Which record.
        record: RecordId,
    },
    /// Store a new API key.
    InsertApiKey(ApiKeyRow),
    /// Revoke an API key.
    RevokeApiKey {
        /// Which key.
        id: ApiKeyId,
        /// When.
        at: Timestamp,
    },
    /// Fails the change as `Missing { what: "record" }` if the subject
    /// still holds any record: a retention sweep erasing a subject whole
    /// decided that nothing else would be kept, and a write racing it may
    /// have added a record since. The sweep then skips the subject and the
    /// next one decides again.
    RequireNoRecordsLeft {
        /// Whose records.
        subject: SubjectId,
    },
    /// File a data subject request (the subject must be live).
    InsertRequest(RequestRow),
    /// File an access request about an erased subject whose records a
    /// statutory hold still keeps (the subject must exist; it is not live).
    InsertRequestAboutHeld(RequestRow),
    /// Replace a request's mutable fields, only if it is still at
    /// `expected_version` (else `Missing { what: "request" }`, and nothing
    /// of the change is committed): two staff acting on one request at once
    /// never both succeed, so nothing is done twice. `row.version` is the
    /// new version.
    UpdateRequest {
        /// The request as it should be.
        row: RequestRow,
        /// The version it was read at.
        expected_version: u32,
    },
    /// Record a subject's death (the subject must be live). Fails with
    /// `Conflict { what: "death" }` if one is already recorded, so two
    /// staff recording it at once apply the directive once.
    RecordDeath(DeathRow),
    /// Queue a notice to a recipient (Art. 19), in the commit of the act
    /// it tells of, so a crash never loses it.
    InsertDelivery(DeliveryRow),
    /// Record an attempt's outcome and release the claim. Fails with
    /// `Missing { what: "delivery" }` unless the notice is still pending.
    FinishDelivery(AttemptOutcome),
    /// Put a notice given up on back to be sent from `at`, its attempts
    /// counted afresh. Fails with `Missing { what: "failed delivery" }`
    /// unless the notice is there and failed.
    RetryDelivery {
        /// The notice.
        id: DeliveryId,
        /// When it is due again.
        at: Timestamp,
    },
    /// Register or replace a recipient's notice endpoint.
    PutEndpoint(EndpointRow),
    /// Remove a recipient's notice endpoint. Fails with
    /// `Missing { what: "endpoint" }` if there is none.
    DeleteEndpoint {
        /// Which recipient.
        recipient: RecipientId,
    },
    /// Record a lifecycle event (a subject's must be live).
    InsertEvent(EventRow),
    /// Move a live subject to a plan (fails with `Conflict` if it already
    /// moved at that same instant).
    InsertPlan(PlanRow),
    /// Mark a subject active at `at`; the stored mark only moves forward.
    TouchActivity {
        /// Which subject.
        subject: SubjectId,
        /// When it was active.
        at: Timestamp,
    },
    /// Add anonymised records to the tenant's aggregate counts (Recital 26):
    /// a category, a collection month and a count, no identifier.
    AddAggregate(AggregateRow),
    /// A survey's write (see [`SurveyWrite`]).
    Survey(SurveyWrite),
    /// Erase one held record whose hold ended (Art. 17(3)(b) no longer
    /// applies), and its hold with the hold's key once it keeps nothing.
    /// Fails with `Missing { what: "held record" }` if it is gone already,
    /// so two sweepers never erase it twice.
    DeleteHeldRecord {
        /// Which record.
        record: RecordId,
        /// Its hold.
        hold: HoldId,
    },
    /// Keep a held record until `ends_at`, later than its stored end (the
    /// hold was lengthened since). Moves the end only forward.
    ExtendHeldRecord {
        /// Which record.
        record: RecordId,
        /// Its hold.
        hold: HoldId,
        /// The new end.
        ends_at: Timestamp,
    },
}

/// The most banner choices one [`Write::DeleteVisitorChoices`] names.
pub const MAX_CHOICES_DELETED: usize = 100;

/// An atomic unit of work: the writes and the audit events describing them.
/// Either all of it is committed, audit entries included, or none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Applied in order.
    pub writes: Vec<Write>,
    /// Appended to the tenant's audit chain, in order, after the writes.
    pub audit: Vec<AuditEvent>,
}

impl Change {
    /// A change that only appends audit events (reads and denials).
    pub fn audit_only(events: Vec<AuditEvent>) -> Self {
        Self {
            writes: Vec::new(),
            audit: events,
        }
    }
}
