//! [`Store`] for [`SqliteStore`]: changes go to the writer thread, reads to
//! a reader thread (`readers.rs`, `reads.rs`).

use super::SqliteStore;
use super::reads::{self, Wanted};
use super::{consent_reads, delivery_reads};
use super::{hold_reads, notice_reads, report_reads, request_reads, retention_reads, survey_reads};
use crate::error::internal;
use async_trait::async_trait;
use tutela_engine::audit::{AuditChain, AuditEntry, AuditHead};
use tutela_engine::consent::banner::Visitor;
use tutela_engine::consent::proof::hash_hex;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::death::DeathRow;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow};
use tutela_engine::ids::RequestId;
use tutela_engine::ids::{SubjectId, SurveyId, TenantId};
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
impl Store for SqliteStore {
    async fn apply_ahead(
        &self,
        tenant: &TenantId,
        change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.writer.apply(tenant, change, chain, ahead).await
    }

    /// One message to the writer, so the changes commit in one batch.
    async fn apply_all(
        &self,
        tenant: &TenantId,
        changes: Vec<(Change, Option<WriteAhead>)>,
        chain: &AuditChain,
    ) -> Vec<Result<Vec<AuditEntry>, StoreError>> {
        self.writer.apply_all(tenant, changes, chain).await
    }

    async fn scrub(&self) -> Result<(), StoreError> {
        self.writer.scrub().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if !self.writer.is_running() {
            return Err(internal("ping", "the sqlite writer has stopped"));
        }
        self.readers.run(reads::ping).await
    }

    /// Stored on the writer's connection (the readers are `query_only`),
    /// then read back.
    async fn claim_key_check(&self, value: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        self.writer.insert_key_check(*value).await?;
        self.readers.run(reads::key_check).await
    }

    /// Closes the readers, then the writer, which checkpoints the WAL into
    /// the main file and truncates it.
    async fn close(&self) -> Result<(), StoreError> {
        self.readers.close();
        self.writer.close().await
    }

    /// `VACUUM INTO` on the writer's connection (see `backup.rs`).
    async fn backup_to(&self, target: &std::path::Path) -> Result<(), StoreError> {
        self.writer.backup_to(target.to_path_buf()).await
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<TenantRow>, StoreError> {
        let id = id.clone();
        self.readers
            .run(move |c| reads::tenant(c, id.as_str()))
            .await
    }

    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        self.readers.run(reads::tenants).await
    }

    async fn policy(
        &self,
        tenant: &TenantId,
        version: Option<u32>,
    ) -> Result<Option<PolicyRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::policy(c, tenant.as_str(), version))
            .await
    }

    async fn policies(&self, tenant: &TenantId) -> Result<Vec<PolicyRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::policies(c, tenant.as_str()))
            .await
    }

    async fn subject_view(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        records: RecordFilter<'_>,
    ) -> Result<Option<SubjectView>, StoreError> {
        let tenant = tenant.clone();
        let wanted = match records {
            RecordFilter::None => Wanted::None,
            RecordFilter::Categories(list) => Wanted::Categories(list.to_vec()),
            RecordFilter::All => Wanted::All,
        };
        self.readers
            .run(move |c| reads::subject_view(c, tenant.as_str(), &subject.to_string(), &wanted))
            .await
    }

    async fn subject_by_identifier(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        blind_index: &[u8; 32],
    ) -> Result<Option<SubjectId>, StoreError> {
        let (tenant, category, index) = (tenant.clone(), category.clone(), *blind_index);
        self.readers
            .run(move |c| {
                reads::subject_by_identifier(c, tenant.as_str(), category.as_str(), &index)
            })
            .await
    }

    async fn api_key_grant(
        &self,
        tenant: &TenantId,
        secret_hash: &[u8; 32],
    ) -> Result<Option<ApiKeyGrant>, StoreError> {
        let (tenant, hash) = (tenant.clone(), *secret_hash);
        self.readers
            .run(move |c| reads::api_key_grant(c, tenant.as_str(), &hash))
            .await
    }

    async fn api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::api_keys(c, tenant.as_str()))
            .await
    }

    async fn audit_entries(
        &self,
        tenant: &TenantId,
        lane: u32,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::audit_entries(c, tenant.as_str(), lane, after, limit))
            .await
    }

    async fn audit_for_subject(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| {
                reads::audit_for_subject(c, tenant.as_str(), &subject.to_string(), after, limit)
            })
            .await
    }

    async fn audit_heads(&self, tenant: &TenantId) -> Result<Vec<AuditHead>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::audit_heads(c, tenant.as_str()))
            .await
    }

    async fn request(
        &self,
        tenant: &TenantId,
        id: RequestId,
    ) -> Result<Option<RequestRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| request_reads::request(c, tenant.as_str(), &id.to_string()))
            .await
    }

    async fn requests(
        &self,
        tenant: &TenantId,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| request_reads::requests(c, tenant.as_str(), filter, after, limit))
            .await
    }

    async fn open_requests_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| request_reads::open_requests_of(c, tenant.as_str(), &subject.to_string()))
            .await
    }

    async fn directives_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| request_reads::directives_of(c, tenant.as_str(), &subject.to_string()))
            .await
    }

    async fn death_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<DeathRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| request_reads::death_of(c, tenant.as_str(), &subject.to_string()))
            .await
    }

    async fn subject_holds(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<SubjectHolds, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| hold_reads::subject_holds(c, tenant.as_str(), &subject.to_string()))
            .await
    }

    async fn holds_due(
        &self,
        tenant: &TenantId,
        before: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<HeldRecordRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| hold_reads::holds_due(c, tenant.as_str(), before, limit))
            .await
    }

    async fn category_held(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
    ) -> Result<bool, StoreError> {
        let (tenant, category) = (tenant.clone(), category.to_string());
        self.readers
            .run(move |c| hold_reads::category_held(c, tenant.as_str(), &category))
            .await
    }

    async fn subject_anchors(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Anchors, StoreError> {
        let tenant = tenant.clone();
        let subject = subject.to_string();
        self.readers
            .run(move |c| retention_reads::subject_anchors(c, tenant.as_str(), &subject))
            .await
    }

    async fn record_stamps(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<Vec<RecordStamp>>, StoreError> {
        let tenant = tenant.clone();
        let subject = subject.to_string();
        self.readers
            .run(move |c| retention_reads::record_stamps(c, tenant.as_str(), &subject))
            .await
    }

    /// One reader job for the whole group: one hand-off, one warm cache.
    async fn record_stamps_of(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
    ) -> Result<Vec<Option<Vec<RecordStamp>>>, StoreError> {
        let tenant = tenant.clone();
        let subjects: Vec<String> = subjects.iter().map(ToString::to_string).collect();
        self.readers
            .run(move |c| {
                subjects
                    .iter()
                    .map(|s| retention_reads::record_stamps(c, tenant.as_str(), s))
                    .collect()
            })
            .await
    }

    async fn notice_candidates(
        &self,
        tenant: &TenantId,
        version: u32,
        category: &CategoryId,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        let tenant = tenant.clone();
        let category = category.clone();
        self.readers
            .run(move |c| {
                notice_reads::notice_candidates(
                    c,
                    tenant.as_str(),
                    version,
                    category.as_str(),
                    limit,
                )
            })
            .await
    }

    async fn notices_sent(&self, tenant: &TenantId, version: u32) -> Result<u64, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| notice_reads::notices_sent(c, tenant.as_str(), version))
            .await
    }

    async fn event_recorded(
        &self,
        tenant: &TenantId,
        name: &EventName,
    ) -> Result<bool, StoreError> {
        let tenant = tenant.clone();
        let name = name.clone();
        self.readers
            .run(move |c| retention_reads::event_recorded(c, tenant.as_str(), name.as_str()))
            .await
    }

    async fn retention_candidates(
        &self,
        tenant: &TenantId,
        cutoff: jiff::Timestamp,
        after: Option<CandidateCursor>,
        limit: u32,
    ) -> Result<Vec<CandidateCursor>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| {
                retention_reads::retention_candidates(c, tenant.as_str(), cutoff, after, limit)
            })
            .await
    }

    async fn claim_sweep(
        &self,
        _tenant: &TenantId,
        subjects: &[SubjectId],
        _now: jiff::Timestamp,
        _until: jiff::Timestamp,
    ) -> Result<Vec<SubjectId>, StoreError> {
        // One writer serialises every change, and each subject's sweep
        // applies only while its records are there: nothing to lease.
        Ok(subjects.to_vec())
    }

    async fn retention_aggregates(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| retention_reads::aggregates(c, tenant.as_str()))
            .await
    }

    async fn report_subjects(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        after: Option<SubjectId>,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        let tenant = tenant.clone();
        let category = category.clone();
        let after = after.map(|s| s.to_string()).unwrap_or_default();
        self.readers
            .run(move |c| {
                report_reads::report_subjects(c, tenant.as_str(), category.as_str(), &after, limit)
            })
            .await
    }

    async fn audit_lanes(&self, tenant: &TenantId) -> Result<Vec<u32>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| reads::audit_lanes(c, tenant.as_str()))
            .await
    }

    async fn audit_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        self.readers.run(reads::audit_tenants).await
    }

    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<EndpointRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| delivery_reads::endpoints(c, tenant.as_str()))
            .await
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        filter: DeliveryFilter,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| delivery_reads::deliveries(c, tenant.as_str(), filter, limit))
            .await
    }

    /// On the writer's connection, between two batches.
    async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.writer
            .claim_deliveries(tenant, now, until, limit)
            .await
    }

    async fn consent_text(
        &self,
        tenant: &TenantId,
        hash: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        let (tenant, hash) = (tenant.clone(), hash_hex(hash));
        self.readers
            .run(move |c| consent_reads::consent_text(c, tenant.as_str(), &hash))
            .await
    }

    async fn unsubscribe_link(
        &self,
        tenant: &TenantId,
        token_hash: &[u8; 32],
    ) -> Result<Option<UnsubscribeLinkRow>, StoreError> {
        let (tenant, hash) = (tenant.clone(), hash_hex(token_hash));
        self.readers
            .run(move |c| consent_reads::unsubscribe_link(c, tenant.as_str(), &hash))
            .await
    }

    async fn visitor_choices(
        &self,
        tenant: &TenantId,
        visitor: &Visitor,
    ) -> Result<Vec<VisitorChoiceRow>, StoreError> {
        let (tenant, key) = (tenant.clone(), visitor.key());
        self.readers
            .run(move |c| consent_reads::visitor_choices(c, tenant.as_str(), &key))
            .await
    }

    async fn visitor_choices_before(
        &self,
        tenant: &TenantId,
        before: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        let tenant = tenant.clone();
        self.readers
            .run(move |c| consent_reads::choices_before(c, tenant.as_str(), before, limit))
            .await
    }

    async fn survey(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Option<SurveyRow>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.readers
            .run(move |c| survey_reads::survey(c, &tenant, &id))
            .await
    }

    async fn survey_members(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.readers
            .run(move |c| survey_reads::members(c, tenant.as_str(), &id))
            .await
    }

    async fn subject_memberships(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        limit: u32,
    ) -> Result<Vec<MembershipRow>, StoreError> {
        let (tenant, subject) = (tenant.clone(), subject.to_string());
        self.readers
            .run(move |c| survey_reads::memberships(c, tenant.as_str(), &subject, limit))
            .await
    }

    async fn survey_token(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        hash: &[u8; 32],
    ) -> Result<Option<TokenRow>, StoreError> {
        let (tenant, id, hash) = (tenant.clone(), id.to_string(), *hash);
        self.readers
            .run(move |c| survey_reads::token(c, tenant.as_str(), &id, &hash))
            .await
    }

    async fn survey_tallies(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<TallyRow>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.readers
            .run(move |c| survey_reads::tallies(c, tenant.as_str(), &id))
            .await
    }

    async fn survey_texts(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        limit: u32,
    ) -> Result<Vec<SealedTextRow>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.readers
            .run(move |c| survey_reads::texts(c, tenant.as_str(), &id, limit))
            .await
    }

    async fn survey_participation(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<ParticipationRow>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.to_string());
        self.readers
            .run(move |c| survey_reads::participation(c, tenant.as_str(), &id))
            .await
    }
}
