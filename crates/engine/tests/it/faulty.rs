//! A store that fails a chosen change midway: it delegates everything to a
//! real store, but when armed it appends to the next retention sweep's
//! change a write that cannot succeed, so the database runs the first
//! statements of the transaction and then rolls it back: a crash in the
//! middle of a subject's sweep, as the database sees it.

use async_trait::async_trait;
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tutela_engine::audit::{Action, AuditChain, AuditEntry, AuditHead};
use tutela_engine::consent::banner::Visitor;
use tutela_engine::consent::{UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::death::DeathRow;
use tutela_engine::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow};
use tutela_engine::ids::{RequestId, SubjectId, SurveyId, TenantId};
use tutela_engine::requests::{RequestCursor, RequestFilter, RequestRow};
use tutela_engine::store::*;
use tutela_engine::survey::{
    MemberRow, MembershipRow, ParticipationRow, SealedTextRow, SurveyRow, TallyRow, TokenRow,
};
use tutela_policy::{CategoryId, EventName, RecipientId};

/// The real store, and after how many more sweep changes to fail one.
pub struct Faulty {
    /// Where everything goes.
    pub inner: Arc<dyn Store>,
    /// 0: never; n: the n-th retention sweep change from now fails.
    pub fail_sweep: AtomicU32,
}

#[async_trait]
impl Store for Faulty {
    async fn apply_ahead(
        &self,
        tenant: &TenantId,
        mut change: Change,
        chain: &AuditChain,
        ahead: Option<WriteAhead>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let sweeping = change
            .audit
            .iter()
            .any(|e| e.action == Action::RetentionSweep);
        if sweeping {
            let left = self.fail_sweep.load(Ordering::SeqCst);
            if left > 0 {
                self.fail_sweep.store(left - 1, Ordering::SeqCst);
                if left == 1 {
                    // Runs after the change's other writes, then fails.
                    change.writes.push(Write::DeleteEndpoint {
                        recipient: RecipientId::parse("nobody").unwrap(),
                    });
                }
            }
        }
        self.inner.apply_ahead(tenant, change, chain, ahead).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }

    async fn claim_key_check(&self, value: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        self.inner.claim_key_check(value).await
    }

    async fn close(&self) -> Result<(), StoreError> {
        self.inner.close().await
    }

    async fn backup_to(&self, target: &std::path::Path) -> Result<(), StoreError> {
        self.inner.backup_to(target).await
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<TenantRow>, StoreError> {
        self.inner.tenant(id).await
    }

    async fn tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        self.inner.tenants().await
    }

    async fn policy(
        &self,
        tenant: &TenantId,
        version: Option<u32>,
    ) -> Result<Option<PolicyRow>, StoreError> {
        self.inner.policy(tenant, version).await
    }

    async fn policies(&self, tenant: &TenantId) -> Result<Vec<PolicyRow>, StoreError> {
        self.inner.policies(tenant).await
    }

    async fn subject_view(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        records: RecordFilter<'_>,
    ) -> Result<Option<SubjectView>, StoreError> {
        self.inner.subject_view(tenant, subject, records).await
    }

    async fn subject_by_identifier(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        blind_index: &[u8; 32],
    ) -> Result<Option<SubjectId>, StoreError> {
        self.inner
            .subject_by_identifier(tenant, category, blind_index)
            .await
    }

    async fn api_key_grant(
        &self,
        tenant: &TenantId,
        secret_hash: &[u8; 32],
    ) -> Result<Option<ApiKeyGrant>, StoreError> {
        self.inner.api_key_grant(tenant, secret_hash).await
    }

    async fn api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRow>, StoreError> {
        self.inner.api_keys(tenant).await
    }

    async fn audit_entries(
        &self,
        tenant: &TenantId,
        lane: u32,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner.audit_entries(tenant, lane, after, limit).await
    }

    async fn audit_for_subject(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner
            .audit_for_subject(tenant, subject, after, limit)
            .await
    }

    async fn audit_heads(&self, tenant: &TenantId) -> Result<Vec<AuditHead>, StoreError> {
        self.inner.audit_heads(tenant).await
    }

    async fn audit_lanes(&self, tenant: &TenantId) -> Result<Vec<u32>, StoreError> {
        self.inner.audit_lanes(tenant).await
    }

    async fn request(
        &self,
        tenant: &TenantId,
        id: RequestId,
    ) -> Result<Option<RequestRow>, StoreError> {
        self.inner.request(tenant, id).await
    }

    async fn requests(
        &self,
        tenant: &TenantId,
        filter: RequestFilter,
        after: Option<RequestCursor>,
        limit: u32,
    ) -> Result<Vec<RequestRow>, StoreError> {
        self.inner.requests(tenant, filter, after, limit).await
    }

    async fn open_requests_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        self.inner.open_requests_of(tenant, subject).await
    }

    async fn subject_holds(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<SubjectHolds, StoreError> {
        self.inner.subject_holds(tenant, subject).await
    }

    async fn holds_due(
        &self,
        tenant: &TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<HeldRecordRow>, StoreError> {
        self.inner.holds_due(tenant, before, limit).await
    }

    async fn category_held(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
    ) -> Result<bool, StoreError> {
        self.inner.category_held(tenant, category).await
    }

    async fn subject_anchors(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Anchors, StoreError> {
        self.inner.subject_anchors(tenant, subject).await
    }

    async fn record_stamps(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<Vec<RecordStamp>>, StoreError> {
        self.inner.record_stamps(tenant, subject).await
    }

    async fn notice_candidates(
        &self,
        tenant: &TenantId,
        version: u32,
        category: &CategoryId,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        self.inner
            .notice_candidates(tenant, version, category, limit)
            .await
    }

    async fn notices_sent(&self, tenant: &TenantId, version: u32) -> Result<u64, StoreError> {
        self.inner.notices_sent(tenant, version).await
    }

    async fn event_recorded(
        &self,
        tenant: &TenantId,
        name: &EventName,
    ) -> Result<bool, StoreError> {
        self.inner.event_recorded(tenant, name).await
    }

    async fn retention_candidates(
        &self,
        tenant: &TenantId,
        cutoff: Timestamp,
        after: Option<CandidateCursor>,
        limit: u32,
    ) -> Result<Vec<CandidateCursor>, StoreError> {
        self.inner
            .retention_candidates(tenant, cutoff, after, limit)
            .await
    }

    async fn claim_sweep(
        &self,
        tenant: &TenantId,
        subjects: &[SubjectId],
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SubjectId>, StoreError> {
        self.inner.claim_sweep(tenant, subjects, now, until).await
    }

    async fn retention_aggregates(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<AggregateRow>, StoreError> {
        self.inner.retention_aggregates(tenant).await
    }

    async fn report_subjects(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
        after: Option<SubjectId>,
        limit: u32,
    ) -> Result<Vec<SubjectId>, StoreError> {
        self.inner
            .report_subjects(tenant, category, after, limit)
            .await
    }

    async fn audit_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        self.inner.audit_tenants().await
    }

    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<EndpointRow>, StoreError> {
        self.inner.endpoints(tenant).await
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        filter: DeliveryFilter,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.inner.deliveries(tenant, filter, limit).await
    }

    async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        self.inner.claim_deliveries(tenant, now, until, limit).await
    }

    async fn directives_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Vec<RequestRow>, StoreError> {
        self.inner.directives_of(tenant, subject).await
    }

    async fn death_of(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<Option<DeathRow>, StoreError> {
        self.inner.death_of(tenant, subject).await
    }

    async fn consent_text(
        &self,
        tenant: &TenantId,
        hash: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        self.inner.consent_text(tenant, hash).await
    }

    async fn unsubscribe_link(
        &self,
        tenant: &TenantId,
        token_hash: &[u8; 32],
    ) -> Result<Option<UnsubscribeLinkRow>, StoreError> {
        self.inner.unsubscribe_link(tenant, token_hash).await
    }

    async fn visitor_choices(
        &self,
        tenant: &TenantId,
        visitor: &Visitor,
    ) -> Result<Vec<VisitorChoiceRow>, StoreError> {
        self.inner.visitor_choices(tenant, visitor).await
    }

    async fn visitor_choices_before(
        &self,
        tenant: &TenantId,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<uuid::Uuid>, StoreError> {
        self.inner
            .visitor_choices_before(tenant, before, limit)
            .await
    }

    async fn survey(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Option<SurveyRow>, StoreError> {
        self.inner.survey(tenant, id).await
    }

    async fn survey_members(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<MemberRow>, StoreError> {
        self.inner.survey_members(tenant, id).await
    }

    async fn subject_memberships(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        limit: u32,
    ) -> Result<Vec<MembershipRow>, StoreError> {
        self.inner.subject_memberships(tenant, subject, limit).await
    }

    async fn survey_token(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        hash: &[u8; 32],
    ) -> Result<Option<TokenRow>, StoreError> {
        self.inner.survey_token(tenant, id, hash).await
    }

    async fn survey_tallies(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<TallyRow>, StoreError> {
        self.inner.survey_tallies(tenant, id).await
    }

    async fn survey_texts(
        &self,
        tenant: &TenantId,
        id: SurveyId,
        limit: u32,
    ) -> Result<Vec<SealedTextRow>, StoreError> {
        self.inner.survey_texts(tenant, id, limit).await
    }

    async fn survey_participation(
        &self,
        tenant: &TenantId,
        id: SurveyId,
    ) -> Result<Vec<ParticipationRow>, StoreError> {
        self.inner.survey_participation(tenant, id).await
    }

    async fn settle_survey_answers(&self) -> Result<(), StoreError> {
        self.inner.settle_survey_answers().await
    }
}
