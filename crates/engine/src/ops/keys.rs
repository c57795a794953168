//! API keys: issued by admins, stored as a hash of their secret, each scoped
//! to one tenant, one role and optionally a set of purposes.

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{ApiKeyId, TenantId};
use crate::principal::{Act, Principal, Role, format_token, parse_token};
use crate::store::{ApiKeyRow, Change, StoreError, Write};
use tutela_policy::PurposeId;

/// A freshly created key. The token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The stored part.
    pub key: ApiKeyRow,
    /// `tutela.<tenant>.<secret>`: give it to the key's user.
    pub token: String,
}

/// Mints a key: a random secret shown once, stored only as its hash.
pub(crate) fn new_key(
    tenant: &TenantId,
    role: Role,
    purposes: Vec<PurposeId>,
    label: &str,
    now: jiff::Timestamp,
) -> IssuedKey {
    let secret = tutela_vault::random_secret(32);
    let key = ApiKeyRow {
        tenant: tenant.clone(),
        id: ApiKeyId::new(),
        secret_hash: tutela_vault::sha256(secret.as_bytes()),
        role: role.as_str().to_owned(),
        purposes,
        label: label.to_owned(),
        created_at: now,
        revoked_at: None,
    };
    IssuedKey {
        key,
        token: format_token(tenant, &secret),
    }
}

/// Refuses a key outside the caller's tenant or beyond its powers.
fn mint_check(
    who: &Principal,
    tenant: &TenantId,
    role: Role,
    purposes: &[PurposeId],
) -> Result<(), EngineError> {
    who.require(Act::ManageKeys)?;
    if tenant != &who.tenant {
        return Err(EngineError::OtherTenant);
    }
    who.may_manage_key(role, purposes)
}

impl Engine {
    /// Creates a key in the caller's own tenant, with at most the caller's
    /// own powers and purposes ([`Principal::may_manage_key`]). `tenant`
    /// must be the caller's: no one, the operator included, obtains a key
    /// inside another tenant (a client tenant's first admin key is issued
    /// with the tenant, by [`Engine::create_tenant_with_admin`]). A refused
    /// attempt is recorded on the caller's chain.
    pub async fn create_api_key(
        &self,
        who: &Principal,
        tenant: &TenantId,
        role: Role,
        purposes: Vec<PurposeId>,
        label: &str,
    ) -> Result<IssuedKey, EngineError> {
        let detail = format!("role={}", role.as_str());
        if let Err(err) = mint_check(who, tenant, role, &purposes) {
            return Err(self
                .refuse(who, Action::KeyCreate, None, None, detail, err)
                .await);
        }
        // Lengths and characters are checked as sent, as the API document
        // states them; the label is stored trimmed.
        let sent = label;
        let label = label.trim();
        if label.is_empty() || sent.chars().count() > 100 || sent.chars().any(char::is_control) {
            return Err(EngineError::InvalidInput {
                field: "label".into(),
                message: "must be 1 to 100 printable characters".into(),
            });
        }
        // The label names the key in every subject's access log (Art. 15),
        // so it must not be personal; an email address is the common slip
        // (with the at sign's full-width and small forms).
        if label.contains(['@', '\u{FF20}', '\u{FE6B}']) {
            return Err(EngineError::InvalidInput {
                field: "label".into(),
                message: "must not hold '@': the label is shown in access logs, so name the system or team (support-bot), never a person".into(),
            });
        }
        if let Some((i, p)) = purposes
            .iter()
            .enumerate()
            .find(|(i, p)| purposes.iter().take(*i).any(|q| q == *p))
        {
            return Err(EngineError::InvalidInput {
                field: format!("purposes[{i}]"),
                message: format!("names '{p}' again; name each purpose once"),
            });
        }
        let (_, policy) = self.current_policy(&who.tenant).await?;
        if let Some(p) = purposes.iter().find(|p| policy.purpose(p).is_none()) {
            return Err(EngineError::PurposeNotDeclared(p.to_string()));
        }
        let IssuedKey { key, token } =
            new_key(&who.tenant, role, purposes, label, self.clock.now());
        let detail = format!("key={} role={}", key.id, key.role);
        let change = Change {
            writes: vec![Write::InsertApiKey(key.clone())],
            audit: vec![self.event(who, Action::KeyCreate, None, None, detail, Outcome::Allowed)],
        };
        self.commit(&who.tenant, change).await?;
        Ok(IssuedKey { key, token })
    }

    /// Revokes one of the caller's tenant's keys at once, if that key's
    /// powers and purposes are within the caller's own. This engine refuses
    /// the key from the moment this returns; other engines sharing the
    /// database within [`AUTH_CACHE_TTL`](crate::auth_cache::AUTH_CACHE_TTL).
    pub async fn revoke_api_key(&self, who: &Principal, id: ApiKeyId) -> Result<(), EngineError> {
        who.require(Act::ManageKeys)?;
        let target = self
            .store
            .api_keys(&who.tenant)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(EngineError::KeyNotFound)?;
        let role = Role::parse(&target.role).map_err(|_| EngineError::KeyNotFound)?;
        let detail = format!("key={id}");
        if let Err(err) = who.may_manage_key(role, &target.purposes) {
            return Err(self
                .refuse(who, Action::KeyRevoke, None, None, detail, err)
                .await);
        }
        let change = Change {
            writes: vec![Write::RevokeApiKey {
                id,
                at: self.clock.now(),
            }],
            audit: vec![self.event(who, Action::KeyRevoke, None, None, detail, Outcome::Allowed)],
        };
        let committed = self.commit(&who.tenant, change).await;
        // Whatever the outcome (a lost connection may hide a commit), the
        // key is no longer trusted from the cache.
        self.auth.forget(&target.secret_hash);
        match committed {
            Err(EngineError::Storage(StoreError::Missing { .. })) => Err(EngineError::KeyNotFound),
            other => other,
        }
    }

    /// The caller's tenant's keys (hashes only).
    pub async fn api_keys(&self, who: &Principal) -> Result<Vec<ApiKeyRow>, EngineError> {
        who.require(Act::ManageKeys)?;
        Ok(self.store.api_keys(&who.tenant).await?)
    }

    /// Turns a presented token into a principal, or refuses. A key that
    /// authenticated is trusted from the engine's cache for
    /// [`AUTH_CACHE_TTL`](crate::auth_cache::AUTH_CACHE_TTL), keyed by the
    /// hash of its secret; a refusal is never cached.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, EngineError> {
        let token = parse_token(token)?;
        let hash = tutela_vault::sha256(token.secret.as_bytes());
        // Taken before the store read, so an entry never outlives the TTL
        // counted from the moment what it holds was read.
        let now = self.clock.now();
        if let Some(principal) = self.auth.get(&token.tenant, &hash, now) {
            return Ok(principal);
        }
        let generation = self.auth.generation();
        let grant = self
            .store
            .api_key_grant(&token.tenant, &hash)
            .await?
            .filter(|g| g.key.revoked_at.is_none())
            .ok_or(EngineError::Unauthenticated)?;
        let role = Role::parse(&grant.key.role).map_err(|_| EngineError::Unauthenticated)?;
        let principal = Principal::for_key(
            grant.key.tenant,
            grant.key.id,
            role,
            grant.key.purposes,
            grant.operator,
        );
        self.auth.put(hash, principal.clone(), now, generation);
        Ok(principal)
    }
}
