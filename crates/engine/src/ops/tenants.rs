//! Tenants: creation with a first policy, listing, and the policy history
//! (publishing and the version in force are in `publish`).

use super::keys::{IssuedKey, new_key};
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::principal::{Act, Principal, Role};
use crate::store::{Change, PolicyRow, StoreError, TenantRow, Write};
use tutela_policy::Policy;

pub(super) fn parse_policy(source: &str) -> Result<Policy, EngineError> {
    Policy::parse(source).map_err(EngineError::PolicyInvalid)
}

fn conflict_as(err: EngineError, conflict: EngineError) -> EngineError {
    match err {
        EngineError::Storage(StoreError::Conflict { .. }) => conflict,
        other => other,
    }
}

impl Engine {
    /// Creates a tenant with its first policy. Only operator admins may, and
    /// the operator tenant itself is created with [`Engine::bootstrap_operator`].
    pub async fn create_tenant(
        &self,
        who: &Principal,
        id: TenantId,
        name: &str,
        policy_source: &str,
    ) -> Result<TenantRow, EngineError> {
        who.require(Act::ManageTenants)?;
        let (tenant, _) = self
            .insert_tenant(who, id, name, policy_source, false, None)
            .await?;
        Ok(tenant)
    }

    /// Creates a client tenant, its first policy and its first admin key in
    /// one commit, so a tenant never exists without someone to run it.
    pub async fn create_tenant_with_admin(
        &self,
        who: &Principal,
        id: TenantId,
        name: &str,
        policy_source: &str,
    ) -> Result<(TenantRow, IssuedKey), EngineError> {
        who.require(Act::ManageTenants)?;
        let label = Some("first admin key");
        let (tenant, key) = self
            .insert_tenant(who, id, name, policy_source, false, label)
            .await?;
        key.map(|k| (tenant, k)).ok_or(EngineError::KeyNotFound)
    }

    /// Creates the deployment's operator tenant, whose admins manage the
    /// others. Done once, from the CLI.
    pub async fn bootstrap_operator(
        &self,
        id: TenantId,
        name: &str,
        policy_source: &str,
    ) -> Result<TenantRow, EngineError> {
        let who = Principal::local_admin(id.clone(), true);
        let (tenant, _) = self
            .insert_tenant(&who, id, name, policy_source, true, None)
            .await?;
        Ok(tenant)
    }

    async fn insert_tenant(
        &self,
        who: &Principal,
        id: TenantId,
        name: &str,
        policy_source: &str,
        operator: bool,
        admin_key: Option<&str>,
    ) -> Result<(TenantRow, Option<IssuedKey>), EngineError> {
        if let Some(problem) = tenant_name_problem(name) {
            return Err(EngineError::InvalidInput {
                field: "name".into(),
                message: problem.into(),
            });
        }
        let name = name.trim();
        parse_policy(policy_source)?;
        let now = self.clock.now();
        let tenant = TenantRow {
            id: id.clone(),
            name: name.to_owned(),
            operator,
            policy_version: 1,
            pending: None,
            created_at: now,
        };
        let policy = PolicyRow {
            tenant: id.clone(),
            version: 1,
            source: policy_source.to_owned(),
            published_at: now,
            effective_at: now,
        };
        let detail = format!("tenant={id} by={}", who.tenant);
        let published = "version=1".to_owned();
        let mut change = Change {
            writes: vec![
                Write::InsertTenant(tenant.clone()),
                Write::InsertPolicy(policy),
            ],
            audit: vec![
                self.event(
                    who,
                    Action::TenantCreate,
                    None,
                    None,
                    detail,
                    Outcome::Allowed,
                ),
                self.event(
                    who,
                    Action::PolicyPublish,
                    None,
                    None,
                    published,
                    Outcome::Allowed,
                ),
            ],
        };
        let issued = admin_key.map(|label| {
            let issued = new_key(&id, Role::Admin, Vec::new(), label, now);
            let detail = format!("key={} role=admin", issued.key.id);
            change.writes.push(Write::InsertApiKey(issued.key.clone()));
            change.audit.push(self.event(
                who,
                Action::KeyCreate,
                None,
                None,
                detail,
                Outcome::Allowed,
            ));
            issued
        });
        self.commit(&id, change)
            .await
            .map_err(|e| conflict_as(e, EngineError::TenantExists))?;
        Ok((tenant, issued))
    }

    /// Every tenant (operator admins only).
    pub async fn tenants(&self, who: &Principal) -> Result<Vec<TenantRow>, EngineError> {
        who.require(Act::ManageTenants)?;
        let now = self.clock.now();
        let rows = self.store.tenants().await?;
        Ok(rows.into_iter().map(|t| t.as_of(now)).collect())
    }

    /// The caller's own tenant, as it stands now.
    pub async fn tenant(&self, who: &Principal) -> Result<TenantRow, EngineError> {
        self.store
            .tenant(&who.tenant)
            .await?
            .map(|t| t.as_of(self.clock.now()))
            .ok_or(EngineError::TenantNotFound)
    }

    /// Every published version, oldest first.
    pub async fn policy_versions(&self, who: &Principal) -> Result<Vec<PolicyRow>, EngineError> {
        who.require(Act::ReadPolicy)?;
        Ok(self.store.policies(&who.tenant).await?)
    }
}

/// What is wrong with a tenant's display name, if anything: 1 to 200
/// characters, one line of visible text. It is printed in operators'
/// terminals (`tutela tenant list`) and in every notice; a name is a
/// label, not running text, so no joiner or bidi mark either, and two
/// tenants cannot look alike.
pub fn tenant_name_problem(name: &str) -> Option<&'static str> {
    let invisible = |c: char| matches!(c, '\u{00AD}' | '\u{061C}' | '\u{200C}'..='\u{200F}');
    if name.trim().is_empty() || name.chars().count() > 200 {
        Some("must be 1 to 200 characters")
    } else if name
        .chars()
        .any(|c| c.is_control() || tutela_policy::is_hidden(c) || invisible(c))
    {
        Some("must be one line of visible characters")
    } else {
        None
    }
}
