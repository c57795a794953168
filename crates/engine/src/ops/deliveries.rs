//! Telling recipients (Art. 19): registering where each recipient is told,
//! queuing notices in the commit of the act they tell of, and the steps
//! the server's delivery task runs: claim what is due, record what each
//! attempt answered. Sending is the server's (it knows HTTP); the engine
//! hands it the URL and the opened signing secret.

use crate::audit::{Action, AuditEvent, Outcome};
use crate::deliveries::endpoint::EndpointUrl;
use crate::deliveries::notice::{self, Notice};
use crate::deliveries::{DeliveryFilter, DeliveryRow, EndpointRow, NoticeKind, retry};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{DeliveryId, RequestId, TenantId};
use crate::principal::{Act, Principal};
use crate::store::{Change, StoreError, Write};
use jiff::{SignedDuration, Timestamp};
use tutela_policy::RecipientId;
use tutela_vault::Zeroizing;

/// How many bytes a signing secret has.
pub const SECRET_BYTES: usize = 32;
/// The most notices one listing returns.
pub const MAX_DELIVERIES_PER_PAGE: u32 = 500;

/// A notice claimed for sending, with where and how to sign it.
pub struct Outgoing {
    /// The notice.
    pub row: DeliveryRow,
    /// Its JSON body.
    pub body: Vec<u8>,
    /// The recipient's URL and opened secret; `None` when it has no
    /// endpoint (the attempt then fails and is retried, so registering an
    /// endpoint later still delivers it).
    pub endpoint: Option<(String, Zeroizing<Vec<u8>>)>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.row.id)
            .finish_non_exhaustive()
    }
}

fn secret_aad(tenant: &TenantId, recipient: &RecipientId) -> Vec<u8> {
    format!("tutela/endpoint-secret/{tenant}/{recipient}").into_bytes()
}

impl Engine {
    /// Registers (or replaces) where `recipient` is told, and returns its
    /// new signing secret, which is shown once and kept only sealed.
    pub async fn put_endpoint(
        &self,
        who: &Principal,
        recipient: &RecipientId,
        url: EndpointUrl,
    ) -> Result<Zeroizing<Vec<u8>>, EngineError> {
        self.authorize(who, Act::ManageRecipients, Action::EndpointSet, None, None)
            .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        if policy.recipient(recipient).is_none() {
            return Err(EngineError::RecipientNotFound);
        }
        let secret = Zeroizing::new(
            tutela_vault::try_random_bytes::<SECRET_BYTES>()
                .map_err(|_| EngineError::RandomnessUnavailable)?
                .to_vec(),
        );
        let key = self.master.endpoint_secret_key(who.tenant.as_str());
        let sealed = key
            .try_seal(&secret, &secret_aad(&who.tenant, recipient))
            .map_err(|_| EngineError::RandomnessUnavailable)?;
        let row = EndpointRow {
            tenant: who.tenant.clone(),
            recipient: recipient.clone(),
            url: url.as_str().to_owned(),
            sealed_secret: sealed,
            created_at: self.clock.now(),
        };
        let detail = format!("recipient={recipient}");
        let change = Change {
            writes: vec![Write::PutEndpoint(row)],
            audit: vec![self.event(
                who,
                Action::EndpointSet,
                None,
                None,
                detail,
                Outcome::Allowed,
            )],
        };
        self.commit(&who.tenant, change).await?;
        Ok(secret)
    }

    /// The tenant's endpoints (URLs only; secrets never leave sealed).
    pub async fn endpoints(&self, who: &Principal) -> Result<Vec<EndpointRow>, EngineError> {
        self.authorize(
            who,
            Act::ManageDeliveries,
            Action::DeliveriesRead,
            None,
            None,
        )
        .await?;
        Ok(self.store.endpoints(&who.tenant).await?)
    }

    /// Removes `recipient`'s endpoint; its pending notices wait for a new one.
    pub async fn delete_endpoint(
        &self,
        who: &Principal,
        recipient: &RecipientId,
    ) -> Result<(), EngineError> {
        self.authorize(
            who,
            Act::ManageRecipients,
            Action::EndpointDelete,
            None,
            None,
        )
        .await?;
        let detail = format!("recipient={recipient}");
        let change = Change {
            writes: vec![Write::DeleteEndpoint {
                recipient: recipient.clone(),
            }],
            audit: vec![self.event(
                who,
                Action::EndpointDelete,
                None,
                None,
                detail,
                Outcome::Allowed,
            )],
        };
        match self.commit(&who.tenant, change).await {
            Err(EngineError::Storage(StoreError::Missing { .. })) => {
                Err(EngineError::EndpointNotFound)
            }
            other => other,
        }
    }

    /// The tenant's notices, newest first, as filtered.
    pub async fn deliveries(
        &self,
        who: &Principal,
        filter: DeliveryFilter,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, EngineError> {
        self.authorize(
            who,
            Act::ManageDeliveries,
            Action::DeliveriesRead,
            None,
            None,
        )
        .await?;
        let limit = limit.clamp(1, MAX_DELIVERIES_PER_PAGE);
        Ok(self.store.deliveries(&who.tenant, filter, limit).await?)
    }

    /// The notice writes an act adds to its own change: one per recipient
    /// of the categories it touched, under the subject's policy version.
    pub(crate) async fn notice_writes(
        &self,
        tenant: &TenantId,
        policy_version: u32,
        notice: &Notice,
    ) -> Result<Vec<Write>, EngineError> {
        let policy = self.policy_version(tenant, policy_version).await?;
        let rows = notice::deliveries(&policy, tenant, notice, self.clock.now());
        Ok(rows.into_iter().map(Write::InsertDelivery).collect())
    }

    /// The notices (Art. 19) of an act on the whole subject (a restriction
    /// set or lifted): every recipient of every purpose covering any
    /// category the subject holds.
    pub(crate) async fn subject_notices(
        &self,
        tenant: &crate::ids::TenantId,
        view: &crate::store::SubjectView,
        kind: NoticeKind,
    ) -> Result<Vec<Write>, EngineError> {
        let categories = view.records.iter().map(|r| r.category.clone()).collect();
        self.whole_subject_notices(tenant, view, kind, categories)
            .await
    }

    /// The notices (Art. 19) of the subject's erasure at `at`: every
    /// recipient of every purpose covering a category the erasure takes.
    /// Records a statutory hold keeps (Art. 17(3)(b)) are not erased, so
    /// their categories are named only where another record of the same
    /// category goes: a recipient is not told that something it was sent
    /// is gone while it is still kept.
    pub(crate) async fn erasure_notices(
        &self,
        tenant: &crate::ids::TenantId,
        view: &crate::store::SubjectView,
        at: Timestamp,
    ) -> Result<Vec<Write>, EngineError> {
        let policy = self.policy_version(tenant, view.policy_version).await?;
        let held: Vec<_> = crate::holds::plan_holds(&policy, &view.records, at)
            .iter()
            .map(|p| p.record.id)
            .collect();
        let erased = view
            .records
            .iter()
            .filter(|r| !held.contains(&r.id))
            .map(|r| r.category.clone())
            .collect();
        self.whole_subject_notices(tenant, view, NoticeKind::SubjectErased, erased)
            .await
    }

    /// One notice of `kind` about the whole subject, naming `categories`,
    /// to each recipient they were sent to.
    async fn whole_subject_notices(
        &self,
        tenant: &crate::ids::TenantId,
        view: &crate::store::SubjectView,
        kind: NoticeKind,
        categories: Vec<tutela_policy::CategoryId>,
    ) -> Result<Vec<Write>, EngineError> {
        let notice = Notice {
            kind,
            subject: view.subject.id,
            record: None,
            categories,
        };
        self.notice_writes(tenant, view.policy_version, &notice)
            .await
    }

    /// Claims up to `limit` of the tenant's due notices for `lease`, with
    /// what sending each needs.
    pub async fn claim_deliveries(
        &self,
        tenant: &TenantId,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Outgoing>, EngineError> {
        let now = self.clock.now();
        let until = now.checked_add(lease).unwrap_or(now);
        let rows = self
            .store
            .claim_deliveries(tenant, now, until, limit)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let endpoints = self.store.endpoints(tenant).await?;
        let key = self.master.endpoint_secret_key(tenant.as_str());
        Ok(rows
            .into_iter()
            .map(|row| {
                let endpoint = endpoints
                    .iter()
                    .find(|e| e.recipient == row.recipient)
                    .and_then(|e| {
                        let aad = secret_aad(tenant, &e.recipient);
                        let secret = key.open(&e.sealed_secret, &aad).ok()?;
                        Some((e.url.clone(), secret))
                    });
                Outgoing {
                    body: notice::payload(&row),
                    row,
                    endpoint,
                }
            })
            .collect())
    }

    /// Puts a notice given up on (`failed`, after every attempt) back to be
    /// sent at the next delivery pass, its attempts counted afresh: once the
    /// recipient's endpoint is fixed, Art. 19 is met after all. Audited as
    /// `delivery.retry`.
    pub async fn retry_delivery(&self, who: &Principal, id: DeliveryId) -> Result<(), EngineError> {
        self.authorize(
            who,
            Act::ManageDeliveries,
            Action::DeliveryRetry,
            None,
            None,
        )
        .await?;
        let event = self.event(
            who,
            Action::DeliveryRetry,
            None,
            None,
            format!("delivery={id}"),
            Outcome::Allowed,
        );
        let change = Change {
            writes: vec![Write::RetryDelivery {
                id,
                at: self.clock.now(),
            }],
            audit: vec![event],
        };
        match self.commit(&who.tenant, change).await {
            Err(EngineError::Storage(StoreError::Missing {
                what: "failed delivery",
            })) => Err(EngineError::FailedDeliveryNotFound),
            other => other,
        }
    }

    /// Records what an attempt answered (`status` 0: no answer) and puts
    /// it on the audit chain: delivered, retried later, or given up.
    pub async fn finish_delivery(
        &self,
        row: &DeliveryRow,
        status: u16,
    ) -> Result<crate::deliveries::AttemptOutcome, EngineError> {
        let outcome = retry::outcome(row, status, self.clock.now());
        let detail = format!(
            "delivery={} recipient={} status={status} state={} attempts={}",
            row.id,
            row.recipient,
            outcome.state.as_str(),
            outcome.attempts
        );
        let event = AuditEvent {
            at: self.clock.now(),
            actor: "system".into(),
            action: Action::DeliveryAttempt,
            purpose: None,
            subject: Some(row.subject),
            detail,
            outcome: Outcome::Allowed,
        };
        let change = Change {
            writes: vec![Write::FinishDelivery(outcome)],
            audit: vec![event],
        };
        self.commit(&row.tenant, change).await?;
        Ok(outcome)
    }
}

/// Names `request` on every notice of `change`, so recipients and the
/// request's page can tell which request the act fulfilled.
pub(crate) fn stamp_request(change: &mut Change, request: RequestId) {
    for write in &mut change.writes {
        if let Write::InsertDelivery(row) = write {
            row.request = Some(request);
        }
    }
}

impl Engine {
    /// The tenants whose notices the delivery task works through: every
    /// tenant (ids only). Each claim then reads one tenant alone.
    pub async fn delivery_tenants(&self) -> Result<Vec<TenantId>, EngineError> {
        Ok(self
            .store
            .tenants()
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect())
    }
}
