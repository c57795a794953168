//! The engine: every operation on personal data goes through here. It owns
//! the store, the clock and the master key, and keeps parsed policies cached
//! by (tenant, version) since published versions never change, and
//! authenticated keys for a few seconds (`auth_cache`).

use crate::activity::ActivityMarks;
use crate::audit::{Action, AuditChain, AuditEvent, Outcome};
use crate::auth_cache::AuthCache;
use crate::clock::Clock;
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::ledger::ErasureLedger;
use crate::notify::{NoNotifier, Notifier};
use crate::principal::{Act, Principal};
use crate::store::{Change, RecordFilter, Store, StoreError, SubjectView, Write, in_force};
use crate::transfer::{NoTransferrer, Transferrer};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tutela_policy::{Policy, PurposeId};
use tutela_vault::MasterKey;

/// The privacy engine. Cheap to share behind an `Arc`.
pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) master: Arc<MasterKey>,
    policies: RwLock<HashMap<(TenantId, u32), Arc<Policy>>>,
    pub(crate) auth: AuthCache,
    /// Where erasures and rights exercised go before they commit, if anywhere.
    pub(crate) ledger: Option<Arc<dyn ErasureLedger>>,
    pub(crate) notifier: Arc<dyn Notifier>,
    pub(crate) transferrer: Arc<dyn Transferrer>,
    /// When this engine last marked each subject active.
    pub(crate) activity: ActivityMarks,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `store`, telling time by `clock`, with `master` wrapping
    /// every subject's data key.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, master: Arc<MasterKey>) -> Self {
        Self {
            store,
            clock,
            master,
            policies: RwLock::new(HashMap::new()),
            auth: AuthCache::default(),
            ledger: None,
            notifier: Arc::new(NoNotifier),
            transferrer: Arc::new(NoTransferrer),
            activity: ActivityMarks::default(),
        }
    }

    /// The same engine, writing every erasure to `ledger` (fsynced) before
    /// committing it, so a backup restored later can be made to forget the
    /// subject again (`replay_erasures`, Art. 17). Deployments always set
    /// one; tests that do not look at the ledger may leave it out.
    #[must_use]
    pub fn with_erasure_ledger(mut self, ledger: Arc<dyn ErasureLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// The same engine telling data subjects about their requests through
    /// `notifier` (the default refuses every message, so no code is ever
    /// silently dropped).
    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// The same engine sending transfers of portable data to other
    /// controllers (Art. 20(2)) through `transferrer` (the default sends
    /// nothing and reports the failure).
    #[must_use]
    pub fn with_transferrer(mut self, transferrer: Arc<dyn Transferrer>) -> Self {
        self.transferrer = transferrer;
        self
    }

    /// The store, for health checks.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Refuses a master key this database was not first opened with. The
    /// first call on a database stores the key's check value (see
    /// `MasterKey::check_value`, which reveals nothing about the key); every
    /// later one compares. Run it before anything else, so that a wrong key
    /// issues no API key and appends no audit entry.
    pub async fn check_master_key(&self) -> Result<(), EngineError> {
        let ours = self.master.check_value();
        let stored = self.store.claim_key_check(&ours).await?;
        if tutela_vault::constant_time_eq(&stored, &ours) {
            Ok(())
        } else {
            Err(EngineError::MasterKeyMismatch)
        }
    }

    /// The engine's notion of now.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// The audit chain of `tenant`.
    pub(crate) fn chain(&self, tenant: &TenantId) -> AuditChain {
        AuditChain::new(tenant.clone(), self.master.audit_key(tenant.as_str()))
    }

    /// Commits a change in the principal's tenant.
    pub(crate) async fn commit(
        &self,
        tenant: &TenantId,
        change: Change,
    ) -> Result<(), EngineError> {
        let ahead = self.ahead_of(tenant, &change, true);
        self.commit_with(tenant, change, ahead).await
    }

    /// [`Engine::commit`] with the ledger lines given: `None` for a replay
    /// of the ledger, which carries out lines and writes none.
    pub(crate) async fn commit_with(
        &self,
        tenant: &TenantId,
        change: Change,
        ahead: Option<crate::store::WriteAhead>,
    ) -> Result<(), EngineError> {
        let erased = erased_subjects(&change);
        self.store
            .apply_ahead(tenant, change, &self.chain(tenant), ahead)
            .await
            .map_err(from_store)?;
        self.forget_messages(&erased).await;
        Ok(())
    }

    /// Has the notifier drop what it still holds about each subject just
    /// erased. The erasure is committed already; a failure is logged with
    /// the pseudonym (never a value) for the operator to clear by hand.
    pub(crate) async fn forget_messages(&self, erased: &[SubjectId]) {
        if erased.is_empty() {
            return;
        }
        if let Err(e) = self.notifier.forget(erased).await {
            let subjects: Vec<String> = erased.iter().map(ToString::to_string).collect();
            tracing::error!(subjects = ?subjects, error = %e.0, "messages about erased subjects could not be removed");
        }
    }

    /// An audit event by `who`, stamped now.
    pub(crate) fn event(
        &self,
        who: &Principal,
        action: Action,
        purpose: Option<&str>,
        subject: Option<SubjectId>,
        detail: String,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            at: self.clock.now(),
            actor: who.actor.clone(),
            action,
            purpose: purpose.map(str::to_owned),
            subject,
            detail,
            outcome,
        }
    }

    /// Checks that `who` may do `act` (and, with `purpose`, that its key is
    /// scoped to it); a refusal goes on the audit chain as `action`, like
    /// every other refusal, so probing with a key is as visible as misuse.
    pub(crate) async fn authorize(
        &self,
        who: &Principal,
        act: Act,
        action: Action,
        purpose: Option<&PurposeId>,
        subject: Option<SubjectId>,
    ) -> Result<(), EngineError> {
        let checked = who
            .require(act)
            .and_then(|()| purpose.map_or(Ok(()), |p| who.require_purpose(p)));
        match checked {
            Ok(()) => Ok(()),
            Err(err) => {
                let named = purpose.map(PurposeId::as_str);
                Err(self
                    .refuse(who, action, named, subject, String::new(), err)
                    .await)
            }
        }
    }

    /// Puts a refusal on the record and hands the error back. Only refusals
    /// by role, key scope, policy, consent, objection or restriction are
    /// recorded; malformed requests change nothing and leave no trace.
    pub(crate) async fn refuse(
        &self,
        who: &Principal,
        action: Action,
        purpose: Option<&str>,
        subject: Option<SubjectId>,
        detail: String,
        err: EngineError,
    ) -> EngineError {
        if err.kind() != crate::error::ErrorKind::Denied {
            return err;
        }
        let event = self.event(
            who,
            action,
            purpose,
            subject,
            detail,
            Outcome::Denied(err.code()),
        );
        match self
            .commit(&who.tenant, Change::audit_only(vec![event]))
            .await
        {
            Ok(()) => err,
            Err(audit_failure) => audit_failure,
        }
    }

    /// The parsed policy `version` of `tenant`, from cache or store.
    pub(crate) async fn policy_version(
        &self,
        tenant: &TenantId,
        version: u32,
    ) -> Result<Arc<Policy>, EngineError> {
        if version == 0 {
            return Err(EngineError::NoPolicy);
        }
        let key = (tenant.clone(), version);
        if let Some(p) = self.read_cache().get(&key) {
            return Ok(Arc::clone(p));
        }
        let row = self
            .store
            .policy(tenant, Some(version))
            .await?
            .ok_or(EngineError::NoPolicy)?;
        let parsed = Policy::parse(&row.source).map_err(EngineError::PolicyInvalid)?;
        let parsed = Arc::new(parsed);
        self.policies
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, Arc::clone(&parsed));
        Ok(parsed)
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(TenantId, u32), Arc<Policy>>> {
        self.policies.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The tenant's policy in force now and its version: a version
    /// published ahead of its time takes over only at its `effective_at`.
    /// Refuses to store `categories` when the version pending for the
    /// tenant (published, not yet in force) drops one or makes it not
    /// storable: the record would be stranded when that version applies.
    /// A publication checks the records stored until then
    /// (`E_CATEGORY_IN_USE`); this keeps new ones from arriving meanwhile.
    ///
    /// Refuses them too when the pending version switches a category's
    /// `identifier` on or off (against `current`, the version in force): a
    /// record stored meanwhile would be indexed by the old setting, so
    /// lookups would miss it, or two people hold one identifier, once the
    /// new one applies. The publication refused the switch while records
    /// were stored (`E_IDENTIFIER_IN_USE`); this keeps new ones out.
    pub(crate) async fn pending_keeps_storing(
        &self,
        tenant: &TenantId,
        current: &Policy,
        pending: Option<crate::store::PendingPolicy>,
        categories: &[tutela_policy::CategoryId],
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        let Some(p) = pending.filter(|p| p.effective_at > now) else {
            return Ok(());
        };
        let next = self.policy_version(tenant, p.version).await?;
        if let Some(c) = categories
            .iter()
            .find(|c| next.category(c).is_none_or(|d| !d.storable))
        {
            return Err(EngineError::CategoryEnding(c.to_string(), p.effective_at));
        }
        let switched = |c: &&tutela_policy::CategoryId| {
            let now = current.category(c).map(|d| d.identifier);
            let then = next.category(c).map(|d| d.identifier);
            now.is_some() && then.is_some() && now != then
        };
        match categories.iter().find(switched) {
            Some(c) => Err(EngineError::IdentifierChanging(
                c.to_string(),
                p.effective_at,
            )),
            None => Ok(()),
        }
    }

    pub(crate) async fn current_policy(
        &self,
        tenant: &TenantId,
    ) -> Result<(u32, Arc<Policy>), EngineError> {
        let row = self
            .store
            .tenant(tenant)
            .await?
            .ok_or(EngineError::TenantNotFound)?;
        let version = row.version_in_force(self.clock.now());
        let policy = self.policy_version(tenant, version).await?;
        Ok((version, policy))
    }

    /// A subject's state as the store holds it, with `policy_version`
    /// settled to the version in force now. Every operation loads subjects
    /// through here, so none judges by a version not yet (or no longer) in force.
    pub(crate) async fn subject_view(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        records: RecordFilter<'_>,
    ) -> Result<Option<SubjectView>, EngineError> {
        let mut view = self.store.subject_view(tenant, subject, records).await?;
        if let Some(v) = view.as_mut() {
            v.policy_version = in_force(v.policy_version, v.pending, self.clock.now());
        }
        Ok(view)
    }
}

/// The engine's error for a store's refusal of a change: the ones a caller
/// can act on by their own code, anything else as a storage failure.
pub(crate) fn from_store(err: StoreError) -> EngineError {
    match err {
        // An erasure committed between our check and our write.
        StoreError::SubjectErased => EngineError::SubjectErased,
        StoreError::SubjectFull => EngineError::SubjectFull,
        StoreError::LedgerUnavailable(e) => EngineError::LedgerUnavailable(e),
        err => EngineError::Storage(err),
    }
}

/// The subjects a change erases.
pub(crate) fn erased_subjects(change: &Change) -> Vec<SubjectId> {
    change
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::EraseSubject { subject, .. } => Some(*subject),
            _ => None,
        })
        .collect()
}
