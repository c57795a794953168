//! [`Store`] for [`PgStore`]: changes go to the lane writers, reads to the
//! pool (`reads`).

use super::{
    PgStore, consent_reads, delivery_reads, hold_reads, notice_reads, reads, report_reads,
    request_reads, retention_reads, survey_reads,
};
use async_trait::async_trait;
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::consent::banner::Visitor;
use tutela_engine::consent::proof::hash_hex;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::death::DeathRow;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow};
use tutela_engine::ids::{RequestId, SubjectId, SurveyId, TenantId};
use tutela_engine::requests::{RequestCursor, RequestFilter, RequestRow};
use tutela_engine::store::{AggregateRow, Anchors, CandidateCursor, RecordStamp, WriteAhead};
use tutela_engine::store::{
    ApiKeyGrant, ApiKeyRow, AuditCursor, Change, HeldRecordRow, PolicyRow, RecordFilter, Store,
    StoreError, SubjectHolds, SubjectView, TenantRow,
};
use tutela_engine::survey::{
    MemberRow, MembershipRow, ParticipationRow, SealedTextRow, SurveyRow, TallyRow, TokenRow,
};
use tutela_policy::{CategoryId, EventName};

#[async_trait]
impl Store for PgStore {
    async fn apply_ahead(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.apply_change(tenant, change, chain, ahead).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.check().await
    }

    async fn claim_key_check(&self, value: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        self.insert_key_check(value).await?;
        reads::key_check(&self.pool).await
    }

    async fn close(&self) -> Result<(), StoreError> {
        self.shutdown().await
    }

    /// A file snapshot of a PostgreSQL database is `pg_dump`'s job; the
    /// erasure ledger makes restoring one safe (`tutela restore --replay-only`).
    async fn backup_to(&self, _target: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported {
            what: "a file backup of PostgreSQL (use pg_dump)",
        })
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<TenantRow>, StoreError> {
        reads::tenant(&self.pool, id).await
    }

    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        reads::tenants(&self.pool).await
    }

    async fn policy(
        &self,
        tenant: &TenantId,
        version: Option<u32>,
    ) -> Result<Option<PolicyRow>, StoreError> {
        reads::policy(&self.pool, tenant, version).await
    }

    async fn policies(&self, tenant: &TenantId) -> Result<Vec<PolicyRow>, StoreError> {
        reads::policies(&self.pool, tenant).await
    }

    async fn subject_view(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        records: RecordFilter<'_>,
    ) -> Result<Option<SubjectView>, StoreError> {
        reads::subject_view(&self.pool, tenant, subject, records).await
    }

    async fn subject_by_identifier(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        blind_index: &[u8; 32],
    ) -> Result<Option<SubjectId>, StoreError> {
        reads::subject_by_identifier(&self.pool, tenant, category, blind_index).await
    }

    async fn api_key_grant(
        &self,
        tenant: &TenantId,
        secret_hash: &[u8; 32],
    ) -> Result<Option<ApiKeyGrant>, StoreError> {
        reads::api_key_grant(&self.pool, tenant, secret_hash).await
    }

    async fn api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRow>, StoreError> {
        reads::api_keys(&self.pool, tenant).await
    }

    async fn audit_entries(
        &self,
        tenant: &TenantId,
        lane: u32,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        reads::audit_entries(&self.pool, tenant, lane, after, limit).await
    }

    async fn audit_for_subject(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        reads::audit_for_subject(&self.pool, tenant, subject, after, limit).await
    }

    async fn audit_heads(&self, tenant: &TenantId) -> Result<Vec<AuditHead>, StoreError> {
        reads::audit_heads(&self.pool, tenant).await
    }

    async fn request(
        &self,
        tenant: &TenantId,
        id: RequestId,
    ) -> Result<Option<RequestRow>, StoreError> {
        request_reads::request(&self.pool, tenant, id).await
    }

    async fn requests(
        &self,
        tenant: &TenantId,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<Vec<RequestRow>, StoreError> {
        request_reads::requests(&self.pool, tenant, filter, after, limit).await
    }

    async fn open_requests_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        request_reads::open_requests_of(&self.pool, tenant, subject).await
    }

    async fn directives_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        request_reads::directives_of(&self.pool, tenant, subject).await
    }

    async fn death_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<DeathRow>, StoreError> {
        request_reads::death_of(&self.pool, tenant, subject).await
    }

    async fn subject_holds(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<SubjectHolds, StoreError> {
        hold_reads::subject_holds(&self.pool, tenant, subject).await
    }

    async fn holds_due(
        &self,
        tenant: &TenantId,
        before: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<HeldRecordRow>, StoreError> {
        hold_reads::holds_due(&self.pool, tenant, before, limit).await
    }

    async fn category_held(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
    ) -> Result<bool, StoreError> {
        hold_reads::category_held(&self.pool, tenant, category.as_str()).await
    }

    async fn subject_anchors(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Anchors, StoreError> {
        retention_reads::subject_anchors(&self.pool, tenant, subject).await
    }

    async fn record_stamps(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<Vec<RecordStamp>>, StoreError> {
        retention_reads::record_stamps(&self.pool, tenant, subject).await
    }

    async fn notice_candidates(
        &self,
        tenant: &TenantId,
        version: u32,
        category: &CategoryId,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        notice_reads::notice_candidates(&self.pool, tenant, version, category, limit).await
    }

    async fn notices_sent(&self, tenant: &TenantId, version: u32) -> Result<u64, StoreError> {
        notice_reads::notices_sent(&self.pool, tenant, version).await
    }

    async fn event_recorded(
        &self,
        tenant: &TenantId,
        name: &EventName,
    ) -> Result<bool, StoreError> {
        retention_reads::event_recorded(&self.pool, tenant, name).await
    }

    async fn retention_candidates(
        &self,
        tenant: &TenantId,
        cutoff: jiff::Timestamp,
        after: Option<CandidateCursor>,
        limit: u32,
    ) -> Result<Vec<CandidateCursor>, StoreError> {
        retention_reads::retention_candidates(&self.pool, tenant, cutoff, after, limit).await
    }

    async fn claim_sweep(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
        now: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Vec<SubjectId>, StoreError> {
        retention_reads::claim_sweep(&self.pool, tenant, subjects, now, until).await
    }

    async fn release_sweep(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
        until: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        retention_reads::release_sweep(&self.pool, tenant, subjects, until).await
    }

    async fn retention_aggregates(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        retention_reads::aggregates(&self.pool, tenant).await
    }

    async fn report_subjects(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        after: Option<SubjectId>,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        report_reads::report_subjects(&self.pool, tenant, category, after, limit).await
    }

    async fn audit_lanes(&self, tenant: &TenantId) -> Result<Vec<u32>, StoreError> {
        reads::audit_lanes(&self.pool, tenant).await
    }

    async fn audit_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        reads::audit_tenants(&self.pool).await
    }

    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<EndpointRow>, StoreError> {
        delivery_reads::endpoints(&self.pool, tenant).await
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        filter: DeliveryFilter,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        delivery_reads::deliveries(&self.pool, tenant, filter, limit).await
    }

    async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        delivery_reads::claim(&self.pool, tenant, now, until, limit).await
    }

    async fn consent_text(
        &self,
        tenant: &TenantId,
        hash: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        consent_reads::consent_text(&self.pool, tenant.as_str(), &hash_hex(hash)).await
    }

    async fn unsubscribe_link(
        &self,
        tenant: &TenantId,
        token_hash: &[u8; 32],
    ) -> Result<Option<UnsubscribeLinkRow>, StoreError> {
        consent_reads::unsubscribe_link(&self.pool, tenant.as_str(), &hash_hex(token_hash)).await
    }

    async fn visitor_choices(
        &self,
        tenant: &TenantId,
        visitor: &Visitor,
    ) -> Result<Vec<VisitorChoiceRow>, StoreError> {
        consent_reads::visitor_choices(&self.pool, tenant.as_str(), &visitor.key()).await
    }

    async fn visitor_choices_before(
        &self,
        tenant: &TenantId,
        before: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        consent_reads::choices_before(&self.pool, tenant.as_str(), before, limit).await
    }

    async fn survey(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Option<SurveyRow>, StoreError> {
        survey_reads::survey(&self.pool, tenant, id).await
    }

    async fn survey_members(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<MemberRow>, StoreError> {
        survey_reads::members(&self.pool, tenant, id).await
    }

    async fn subject_memberships(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        limit: u32,
    ) -> Result<Vec<MembershipRow>, StoreError> {
        survey_reads::memberships(&self.pool, tenant, subject, limit).await
    }

    async fn survey_token(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        hash: &[u8; 32],
    ) -> Result<Option<TokenRow>, StoreError> {
        survey_reads::token(&self.pool, tenant, id, hash).await
    }

    async fn survey_tallies(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<TallyRow>, StoreError> {
        survey_reads::tallies(&self.pool, tenant, id).await
    }

    async fn survey_texts(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        limit: u32,
    ) -> Result<Vec<SealedTextRow>, StoreError> {
        survey_reads::texts(&self.pool, tenant, id, limit).await
    }

    async fn survey_participation(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<ParticipationRow>, StoreError> {
        survey_reads::participation(&self.pool, tenant, id).await
    }

    async fn settle_survey_answers(&self) -> Result<(), StoreError> {
        survey_reads::settle(&self.pool).await
    }
}
