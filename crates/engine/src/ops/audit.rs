//! Reading and verifying the audit chain.

use crate::audit::{AuditEntry, ChainBreak};
use crate::engine::Engine;
use crate::error::EngineError;
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
        who.require(Act::ReadAudit)?;
        let chain = self.chain(&who.tenant);
        let head = self.store.audit_head(&who.tenant).await?;
        let mut verifier = chain.verifier();
        let mut after = 0;
        let mut verified = 0;
        loop {
            let page = self.store.audit_entries(&who.tenant, after, PAGE).await?;
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
        match verifier.finish(head) {
            Ok(n) => Ok(AuditReport {
                verified: n,
                first_break: None,
            }),
            Err(b) => Ok(AuditReport {
                verified,
                first_break: Some(b),
            }),
        }
    }

    /// A page of the caller's tenant's chain.
    pub async fn audit_entries(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, EngineError> {
        who.require(Act::ReadAudit)?;
        Ok(self
            .store
            .audit_entries(&who.tenant, after, limit.clamp(1, PAGE))
            .await?)
    }
}
