//! Reading and verifying the audit chain.

use crate::audit::{Action, AuditEntry, AuditHead, BreakReason, ChainBreak};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::principal::{Act, Principal};
use serde::Serialize;

const PAGE: u32 = 1000;

/// The result of walking a tenant's whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries that verified before the first break (all of them if intact).
    pub verified: u64,
    /// The first broken link, if any.
    pub first_break: Option<ChainBreak>,
}

impl AuditReport {
    /// True if the chain is intact.
    pub fn intact(&self) -> bool {
        self.first_break.is_none()
    }
}

impl Engine {
    /// Walks the caller's tenant's chain from the first entry and reports the
    /// first edit, deletion, reordering or cut tail.
    pub async fn verify_audit(&self, who: &Principal) -> Result<AuditReport, EngineError> {
        self.authorize(who, Act::ReadAudit, Action::AuditRead, None, None)
            .await?;
        self.walk_chain(&who.tenant).await
    }

    /// Every chain the database knows of: tenants with a tenant row, an
    /// audit head or an audit entry (operator admins only). A chain whose
    /// tenant row was deleted is still listed, so it is still verified.
    pub async fn audit_chains(&self, who: &Principal) -> Result<Vec<TenantId>, EngineError> {
        who.require(Act::ManageTenants)?;
        Ok(self.store.audit_tenants().await?)
    }

    /// Verifies any tenant's chain (operator admins only), for maintenance:
    /// as [`Engine::verify_audit`], and a chain whose tenant row is gone is
    /// broken even when its entries verify.
    pub async fn verify_audit_of(
        &self,
        who: &Principal,
        tenant: &TenantId,
    ) -> Result<AuditReport, EngineError> {
        who.require(Act::ManageTenants)?;
        let report = self.walk_chain(tenant).await?;
        if report.first_break.is_some() || self.store.tenant(tenant).await?.is_some() {
            return Ok(report);
        }
        Ok(AuditReport {
            verified: report.verified,
            first_break: Some(ChainBreak {
                lane: 0,
                seq: 1,
                reason: BreakReason::TenantMissing,
            }),
        })
    }

    /// Walks every lane of one chain in pages and checks each against its
    /// head.
    async fn walk_chain(&self, tenant: &TenantId) -> Result<AuditReport, EngineError> {
        let chain = self.chain(tenant);
        let heads = self.store.audit_heads(tenant).await?;
        let mut verifier = chain.verifier(heads);
        let mut verified = 0;
        for lane in self.store.audit_lanes(tenant).await? {
            let mut after = 0;
            loop {
                let page = self.store.audit_entries(tenant, lane, after, PAGE).await?;
                for entry in &page {
                    if let Err(b) = verifier.feed(entry) {
                        return Ok(AuditReport {
                            verified,
                            first_break: Some(b),
                        });
                    }
                    verified += 1;
                    after = entry.seq;
                }
                if page.len() < PAGE as usize {
                    break;
                }
            }
        }
        let first_break = verifier.finish().err();
        Ok(AuditReport {
            verified,
            first_break,
        })
    }

    /// A page of one lane of the caller's tenant's chain.
    pub async fn audit_entries(
        &self,
        who: &Principal,
        lane: u32,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, EngineError> {
        self.authorize(who, Act::ReadAudit, Action::AuditRead, None, None)
            .await?;
        Ok(self
            .store
            .audit_entries(&who.tenant, lane, after, limit.clamp(1, PAGE))
            .await?)
    }

    /// The lanes of the caller's tenant's chain and where each ends.
    pub async fn audit_heads(&self, who: &Principal) -> Result<Vec<AuditHead>, EngineError> {
        self.authorize(who, Act::ReadAudit, Action::AuditRead, None, None)
            .await?;
        Ok(self.store.audit_heads(&who.tenant).await?)
    }
}
