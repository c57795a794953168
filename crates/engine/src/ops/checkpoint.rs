//! Taking signed checkpoints of the audit chains and comparing the chains
//! with one taken earlier (see [`crate::checkpoint`]). Taking one is itself
//! an act on the record: each chain checkpointed gets an `audit.checkpoint`
//! entry, and the checkpoint covers that entry.

use crate::audit::{Action, AuditHead, Outcome, to_hex};
use crate::checkpoint::{ChainPoint, CheckedPoint, Checkpoint, CheckpointError};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::principal::{Act, Principal};
use crate::store::Change;

/// How a chain compares with a checkpoint taken earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointVerdict {
    /// The entry at the checkpoint's position is still the one it saw.
    Holds,
    /// The chain is shorter now: `now` entries, the checkpoint saw more.
    RolledBack {
        /// The chain's length now.
        now: u64,
    },
    /// The entry at the checkpoint's position has another MAC.
    Diverged,
}

/// One chain's comparison with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFinding {
    /// Whose chain.
    pub tenant: TenantId,
    /// The length the checkpoint saw.
    pub seen: u64,
    /// What the database holds now.
    pub verdict: CheckpointVerdict,
}

impl Engine {
    /// The deployment's checkpoint public key (not secret).
    pub fn checkpoint_public_key(&self) -> [u8; 32] {
        self.master.checkpoint_key().public_key()
    }

    /// A signed checkpoint of the caller's own tenant's chain (DPO, admin).
    pub async fn checkpoint_own(&self, who: &Principal) -> Result<Checkpoint, EngineError> {
        who.require(Act::ReadAudit)?;
        let head = self
            .mark_checkpoint(who, &who.tenant, "scope=tenant")
            .await?;
        Ok(self.sign(vec![ChainPoint::new(&who.tenant, head)]))
    }

    /// A signed checkpoint of every chain the database knows of (operator
    /// admins only: the CLI). A chain whose tenant row or head is gone is
    /// recorded as it stands (or not at all, without a head), with no new
    /// entry: appending to it would fail, and `audit verify` reports it.
    pub async fn checkpoint_all(&self, who: &Principal) -> Result<Checkpoint, EngineError> {
        who.require(Act::ManageTenants)?;
        let mut points = Vec::new();
        for tenant in self.store.audit_tenants().await? {
            let mut head = self.store.audit_head(&tenant).await?;
            if head.is_some() && self.store.tenant(&tenant).await?.is_some() {
                head = Some(
                    self.mark_checkpoint(who, &tenant, "scope=deployment")
                        .await?,
                );
            }
            points.extend(head.map(|h| ChainPoint::new(&tenant, h)));
        }
        Ok(self.sign(points))
    }

    /// Appends the `audit.checkpoint` entry; the head it made.
    async fn mark_checkpoint(
        &self,
        who: &Principal,
        tenant: &TenantId,
        detail: &str,
    ) -> Result<AuditHead, EngineError> {
        let event = self.event(
            who,
            Action::AuditCheckpoint,
            None,
            None,
            detail.to_owned(),
            Outcome::Allowed,
        );
        let chain = self.chain(tenant);
        let entries = self
            .store
            .apply(tenant, Change::audit_only(vec![event]), &chain)
            .await?;
        entries
            .last()
            .map(crate::audit::AuditEntry::head)
            .ok_or(EngineError::Unreadable)
    }

    fn sign(&self, chains: Vec<ChainPoint>) -> Checkpoint {
        let key = self.master.checkpoint_key();
        let mut checkpoint = Checkpoint::unsigned(self.clock.now(), key.public_key(), chains);
        // The points were built from valid tenant ids and heads: encoding
        // cannot fail, and an empty signature would be refused anyway.
        if let Ok(message) = checkpoint.signed_bytes() {
            checkpoint.signature = to_hex(&key.sign(&message));
        }
        checkpoint
    }

    /// Checks a checkpoint's signature against this deployment's key.
    pub fn open_checkpoint(
        &self,
        checkpoint: &Checkpoint,
    ) -> Result<Vec<CheckedPoint>, CheckpointError> {
        checkpoint.open(&self.checkpoint_public_key())
    }

    /// Compares each chain a checkpoint covers with the database now
    /// (operator admins only: the CLI). The checkpoint must have been
    /// opened with [`Engine::open_checkpoint`].
    pub async fn compare_checkpoint(
        &self,
        who: &Principal,
        points: &[CheckedPoint],
    ) -> Result<Vec<CheckpointFinding>, EngineError> {
        who.require(Act::ManageTenants)?;
        let mut findings = Vec::with_capacity(points.len());
        for point in points {
            findings.push(CheckpointFinding {
                tenant: point.tenant.clone(),
                seen: point.head.seq,
                verdict: self.compare_point(point).await?,
            });
        }
        Ok(findings)
    }

    async fn compare_point(&self, point: &CheckedPoint) -> Result<CheckpointVerdict, EngineError> {
        let now = self
            .store
            .audit_head(&point.tenant)
            .await?
            .map_or(0, |h| h.seq);
        if now < point.head.seq {
            return Ok(CheckpointVerdict::RolledBack { now });
        }
        let at = self
            .store
            .audit_entries(&point.tenant, point.head.seq - 1, 1)
            .await?;
        Ok(match at.first() {
            Some(e) if e.seq == point.head.seq && e.mac == point.head.mac => {
                CheckpointVerdict::Holds
            }
            _ => CheckpointVerdict::Diverged,
        })
    }
}
