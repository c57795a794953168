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

/// One lane's comparison with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFinding {
    /// Whose chain.
    pub tenant: TenantId,
    /// Which lane of it.
    pub lane: u32,
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

    /// A signed checkpoint of the caller's own tenant's chain (DPO, admin):
    /// every lane's head, read after the checkpoint's own entry committed,
    /// so the checkpoint covers that entry.
    pub async fn checkpoint_own(&self, who: &Principal) -> Result<Checkpoint, EngineError> {
        who.require(Act::ReadAudit)?;
        let marked = self
            .mark_checkpoint(who, &who.tenant, "scope=tenant")
            .await?;
        let points = self.lane_points(&who.tenant, Some(marked)).await?;
        Ok(self.sign(points))
    }

    /// A point per lane of `tenant`'s chain as the database holds it now.
    /// `marked` is the head the checkpoint's own entry made: the head read
    /// back for its lane is at least as far, unless the chain was cut in
    /// between, and then the point records the entry as committed.
    async fn lane_points(
        &self,
        tenant: &TenantId,
        marked: Option<AuditHead>,
    ) -> Result<Vec<ChainPoint>, EngineError> {
        let mut heads = self.store.audit_heads(tenant).await?;
        if let Some(marked) = marked {
            match heads.iter_mut().find(|h| h.lane == marked.lane) {
                Some(h) if h.seq >= marked.seq => {}
                Some(h) => *h = marked,
                None => heads.push(marked),
            }
        }
        heads.sort_by_key(|h| h.lane);
        Ok(heads
            .into_iter()
            .map(|h| ChainPoint::new(tenant, h))
            .collect())
    }

    /// A signed checkpoint of every chain the database knows of (operator
    /// admins only: the CLI). A chain whose tenant row or head is gone is
    /// recorded as it stands (or not at all, without a head), with no new
    /// entry: appending to it would fail, and `audit verify` reports it.
    pub async fn checkpoint_all(&self, who: &Principal) -> Result<Checkpoint, EngineError> {
        who.require(Act::ManageTenants)?;
        let mut points = Vec::new();
        for tenant in self.store.audit_tenants().await? {
            let has_head = !self.store.audit_heads(&tenant).await?.is_empty();
            let marked = if has_head && self.store.tenant(&tenant).await?.is_some() {
                Some(
                    self.mark_checkpoint(who, &tenant, "scope=deployment")
                        .await?,
                )
            } else {
                None
            };
            points.extend(self.lane_points(&tenant, marked).await?);
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
                lane: point.head.lane,
                seen: point.head.seq,
                verdict: self.compare_point(point).await?,
            });
        }
        Ok(findings)
    }

    async fn compare_point(&self, point: &CheckedPoint) -> Result<CheckpointVerdict, EngineError> {
        let lane = point.head.lane;
        let now = self
            .store
            .audit_heads(&point.tenant)
            .await?
            .into_iter()
            .find(|h| h.lane == lane)
            .map_or(0, |h| h.seq);
        if now < point.head.seq {
            return Ok(CheckpointVerdict::RolledBack { now });
        }
        let at = self
            .store
            .audit_entries(&point.tenant, lane, point.head.seq - 1, 1)
            .await?;
        Ok(match at.first() {
            Some(e) if e.lane == lane && e.seq == point.head.seq && e.mac == point.head.mac => {
                CheckpointVerdict::Holds
            }
            _ => CheckpointVerdict::Diverged,
        })
    }
}
