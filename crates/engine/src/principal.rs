//! Who is asking: an API key's tenant, role and purpose scope, and what each
//! role may do. Tokens are `tutela.<tenant>.<secret>`; only a SHA-256 of the
//! secret is stored.

use crate::error::EngineError;
use crate::ids::{ApiKeyId, TenantId};
use serde::{Deserialize, Serialize};
use tutela_policy::PurposeId;

/// What a key is for. Roles are coarse on purpose; purposes narrow them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the tenant: keys, policy, everything a DPO and a service can do.
    Admin,
    /// A product's backend: writes records, reads them for its purposes.
    Service,
    /// The data protection officer: policy, audit, subjects' rights.
    Dpo,
    /// Sees policy and aggregates, never a personal value.
    Analyst,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Service => "service",
            Self::Dpo => "dpo",
            Self::Analyst => "analyst",
        }
    }

    /// Parses a stored or requested role name.
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        match text {
            "admin" => Ok(Self::Admin),
            "service" => Ok(Self::Service),
            "dpo" => Ok(Self::Dpo),
            "analyst" => Ok(Self::Analyst),
            _ => Err(EngineError::InvalidInput {
                field: "role".into(),
                message: "must be one of admin, service, dpo, analyst".into(),
            }),
        }
    }

    /// Whether this role may do `act`.
    pub fn allows(self, act: Act) -> bool {
        use Act::*;
        match self {
            Self::Admin => true,
            Self::Service => matches!(
                act,
                ReadPolicy
                    | CreateSubject
                    | LookupSubject
                    | WriteRecords
                    | ReadForPurpose
                    | Disclose
                    | ManageConsent
                    | RecordObjection
                    | FileRequest
                    | RecordEvents
                    | ManageSurveys
                    | ReadSurveyResults
            ),
            Self::Dpo => matches!(
                act,
                ReadPolicy
                    | PublishPolicy
                    | LookupSubject
                    | SubjectAccess
                    | ManageConsent
                    | RecordObjection
                    | Restrict
                    | Rectify
                    | Erase
                    | ReadAudit
                    | FileRequest
                    | ManageRequests
                    | ManageDeliveries
                    | ReadRetention
                    | ReadSurveyResults
            ),
            Self::Analyst => matches!(act, ReadPolicy | ReadRetention | ReadSurveyResults),
        }
    }
}

/// The acts roles are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Create tenants (operator admins only).
    ManageTenants,
    /// Create and revoke API keys.
    ManageKeys,
    /// Publish a policy version.
    PublishPolicy,
    /// Read the policy and notice.
    ReadPolicy,
    /// Create subjects.
    CreateSubject,
    /// Find a subject by identifier.
    LookupSubject,
    /// Write records.
    WriteRecords,
    /// Read records for a purpose.
    ReadForPurpose,
    /// Disclose records to a recipient.
    Disclose,
    /// The subject's own access to everything held.
    SubjectAccess,
    /// Grant or withdraw consent on a subject's behalf.
    ManageConsent,
    /// Record an objection.
    RecordObjection,
    /// Set or lift restriction.
    Restrict,
    /// Correct or delete one record of a subject (Art. 16). A right's
    /// fulfilment across every purpose, so not a service's: a service
    /// corrects its own data by writing a new record for its purpose.
    Rectify,
    /// Erase a subject.
    Erase,
    /// Read and verify the audit chain.
    ReadAudit,
    /// File a data subject request (a product on behalf of its user, or staff).
    FileRequest,
    /// Work data subject requests: verify, extend, refuse, fulfil, list.
    ManageRequests,
    /// Register or remove the endpoints recipients are notified at (Art. 19).
    ManageRecipients,
    /// List recipients' endpoints and the notices sent to them, and send a
    /// failed notice again (Art. 19).
    ManageDeliveries,
    /// Record lifecycle events and plan changes, which start retention
    /// periods: a product's backend reports them.
    RecordEvents,
    /// Read the retention forecast and anonymised aggregates: counts only,
    /// never a value or a pseudonym.
    ReadRetention,
    /// Create, open (issue tokens for) and close anonymous surveys.
    ManageSurveys,
    /// Read survey results: suppressed aggregates only, never an answer
    /// tied to anyone.
    ReadSurveyResults,
}

impl Act {
    /// Every act, so a role's powers can be compared with another's.
    pub const ALL: [Self; 24] = [
        Self::ManageTenants,
        Self::ManageKeys,
        Self::PublishPolicy,
        Self::ReadPolicy,
        Self::CreateSubject,
        Self::LookupSubject,
        Self::WriteRecords,
        Self::ReadForPurpose,
        Self::Disclose,
        Self::SubjectAccess,
        Self::ManageConsent,
        Self::RecordObjection,
        Self::Restrict,
        Self::Rectify,
        Self::Erase,
        Self::ReadAudit,
        Self::FileRequest,
        Self::ManageRequests,
        Self::ManageRecipients,
        Self::ManageDeliveries,
        Self::RecordEvents,
        Self::ReadRetention,
        Self::ManageSurveys,
        Self::ReadSurveyResults,
    ];

    /// True for acts that are not tied to one purpose: they reach a
    /// subject's data (or the whole tenant) across every purpose, so a key
    /// narrowed to some purposes must not do them.
    pub fn needs_unscoped_key(self) -> bool {
        matches!(
            self,
            Self::ManageTenants
                | Self::PublishPolicy
                | Self::SubjectAccess
                | Self::Restrict
                | Self::Rectify
                | Self::Erase
                | Self::ReadAudit
                | Self::FileRequest
                | Self::ManageRequests
                | Self::ManageRecipients
                | Self::ManageDeliveries
                // An event or a plan change starts retention periods of
                // categories under every purpose, not one.
                | Self::RecordEvents
                // The forecast and the aggregates count records of every
                // category, not only those of the key's purposes.
                | Self::ReadRetention
        )
    }

    /// A phrase for error messages ("may not <act>").
    pub fn describe(self) -> &'static str {
        match self {
            Self::ManageTenants => "manage tenants",
            Self::ManageKeys => "manage API keys",
            Self::PublishPolicy => "publish a policy",
            Self::ReadPolicy => "read the policy",
            Self::CreateSubject => "create subjects",
            Self::LookupSubject => "look up subjects",
            Self::WriteRecords => "write records",
            Self::ReadForPurpose => "read records",
            Self::Disclose => "disclose records",
            Self::SubjectAccess => "answer a subject's access request",
            Self::ManageConsent => "manage consent",
            Self::RecordObjection => "record objections",
            Self::Restrict => "restrict processing",
            Self::Rectify => "rectify a subject's records",
            Self::Erase => "erase subjects",
            Self::ReadAudit => "read the audit chain",
            Self::FileRequest => "file data subject requests",
            Self::ManageRequests => "work data subject requests",
            Self::ManageRecipients => "manage recipients' notice endpoints",
            Self::ManageDeliveries => "list recipients' endpoints or notices, or resend a notice",
            Self::RecordEvents => "record lifecycle events and plan changes",
            Self::ReadRetention => "read the retention forecast or aggregates",
            Self::ManageSurveys => "manage surveys",
            Self::ReadSurveyResults => "read survey results",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant every act of this caller is confined to.
    pub tenant: TenantId,
    /// How the caller appears in the audit chain (`key:<id>`, `cli`).
    pub actor: String,
    /// The key's role.
    pub role: Role,
    /// Purposes the caller may read for; empty means any its role allows.
    pub purposes: Vec<PurposeId>,
    /// True when the tenant is the deployment's operator.
    pub operator: bool,
}

impl Principal {
    /// The local administrator acting through the CLI on the database.
    pub fn local_admin(tenant: TenantId, operator: bool) -> Self {
        Self {
            tenant,
            actor: "cli".into(),
            role: Role::Admin,
            purposes: Vec::new(),
            operator,
        }
    }

    /// A caller holding API key `id`.
    pub fn for_key(
        tenant: TenantId,
        id: ApiKeyId,
        role: Role,
        purposes: Vec<PurposeId>,
        operator: bool,
    ) -> Self {
        Self {
            tenant,
            actor: format!("key:{id}"),
            role,
            purposes,
            operator,
        }
    }

    /// Refuses unless the role allows `act` (tenant management also needs
    /// the operator tenant) and, for an act not tied to one purpose, the key
    /// has no purpose scope.
    pub fn require(&self, act: Act) -> Result<(), EngineError> {
        let allowed = self.role.allows(act) && (act != Act::ManageTenants || self.operator);
        if !allowed {
            return Err(EngineError::Forbidden {
                role: self.role.as_str(),
                action: act.describe(),
            });
        }
        if act.needs_unscoped_key() {
            self.require_unscoped(act.describe())?;
        }
        Ok(())
    }

    /// Refuses a purpose-scoped key: what it tries (`what`, a phrase that
    /// follows "may not") reaches beyond any one purpose.
    pub fn require_unscoped(&self, what: &'static str) -> Result<(), EngineError> {
        if self.purposes.is_empty() {
            Ok(())
        } else {
            Err(EngineError::UnscopedKeyRequired(what))
        }
    }

    /// Refuses unless a key with `role` and `purposes` (empty: unscoped) is
    /// within this caller's own powers: every act the role allows, this
    /// caller's role allows too, and its purposes are a non-empty subset of
    /// this caller's scope when this caller has one. The one rule for
    /// creating and for revoking keys, so a key can never hand out, or take
    /// away, more than it has.
    pub fn may_manage_key(&self, role: Role, purposes: &[PurposeId]) -> Result<(), EngineError> {
        self.require(Act::ManageKeys)?;
        if Act::ALL
            .iter()
            .any(|act| role.allows(*act) && !self.role.allows(*act))
        {
            return Err(EngineError::KeyBeyondScope(
                "its role allows acts the caller's role does not",
            ));
        }
        if self.purposes.is_empty() {
            return Ok(());
        }
        if purposes.is_empty() {
            return Err(EngineError::KeyBeyondScope(
                "a purpose-scoped key may only create or revoke keys scoped to some of its own purposes",
            ));
        }
        if purposes.iter().any(|p| !self.purposes.contains(p)) {
            return Err(EngineError::KeyBeyondScope(
                "purposes lists a purpose outside the caller's scope",
            ));
        }
        Ok(())
    }

    /// Refuses unless the key's purpose scope includes `purpose`.
    pub fn require_purpose(&self, purpose: &PurposeId) -> Result<(), EngineError> {
        if self.purposes.is_empty() || self.purposes.contains(purpose) {
            Ok(())
        } else {
            Err(EngineError::PurposeOutOfScope(purpose.to_string()))
        }
    }
}

/// The parts of a presented token.
#[derive(Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The tenant named in the token.
    pub tenant: TenantId,
    /// The secret part (never logged).
    pub secret: &'a str,
}

/// Splits `tutela.<tenant>.<secret>`; anything else is unauthenticated.
pub fn parse_token(text: &str) -> Result<Token<'_>, EngineError> {
    let rest = text
        .strip_prefix("tutela.")
        .ok_or(EngineError::Unauthenticated)?;
    let (tenant, secret) = rest.split_once('.').ok_or(EngineError::Unauthenticated)?;
    let tenant = TenantId::parse(tenant).map_err(|_| EngineError::Unauthenticated)?;
    if secret.len() < 32 || secret.len() > 128 {
        return Err(EngineError::Unauthenticated);
    }
    Ok(Token { tenant, secret })
}

/// Builds the token handed to the key's owner, once.
pub fn format_token(tenant: &TenantId, secret: &str) -> String {
    format!("tutela.{tenant}.{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        let tenant = TenantId::parse("acme").unwrap();
        let secret = "a".repeat(43);
        let token = format_token(&tenant, &secret);
        let parsed = parse_token(&token).unwrap();
        assert_eq!(parsed.tenant, tenant);
        assert_eq!(parsed.secret, secret);
        for bad in [
            "",
            "tutela.",
            "tutela.acme",
            "tutela.ACME.x",
            "bearer.acme.x",
            "tutela.acme.short",
        ] {
            assert!(parse_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_are_least_privilege() {
        assert!(Role::Service.allows(Act::ReadForPurpose));
        assert!(!Role::Service.allows(Act::ReadAudit));
        assert!(!Role::Service.allows(Act::SubjectAccess));
        assert!(!Role::Dpo.allows(Act::ReadForPurpose));
        assert!(Role::Dpo.allows(Act::SubjectAccess));
        assert!(Role::Dpo.allows(Act::Rectify));
        assert!(!Role::Service.allows(Act::Rectify));
        assert!(!Role::Analyst.allows(Act::Rectify));
        assert!(!Role::Analyst.allows(Act::WriteRecords));
        let p = Principal::local_admin(TenantId::parse("acme").unwrap(), false);
        assert!(p.require(Act::ManageTenants).is_err());
        assert!(p.require(Act::ManageKeys).is_ok());
    }

    fn scoped(role: Role, purposes: &[&str]) -> Principal {
        Principal::for_key(
            TenantId::parse("acme").unwrap(),
            ApiKeyId::new(),
            role,
            purposes
                .iter()
                .map(|p| PurposeId::parse(p).unwrap())
                .collect(),
            false,
        )
    }

    fn ids(purposes: &[&str]) -> Vec<PurposeId> {
        purposes
            .iter()
            .map(|p| PurposeId::parse(p).unwrap())
            .collect()
    }

    #[test]
    fn acts_across_purposes_need_an_unscoped_key() {
        let dpo = scoped(Role::Dpo, &["support"]);
        for act in [
            Act::SubjectAccess,
            Act::PublishPolicy,
            Act::Erase,
            Act::Restrict,
            Act::Rectify,
            Act::ReadAudit,
        ] {
            assert!(
                matches!(dpo.require(act), Err(EngineError::UnscopedKeyRequired(_))),
                "{act:?}"
            );
            assert!(scoped(Role::Dpo, &[]).require(act).is_ok(), "{act:?}");
        }
        assert!(dpo.require(Act::ManageConsent).is_ok());
        assert!(dpo.require(Act::LookupSubject).is_ok());
        let operator = Principal::for_key(
            TenantId::parse("operator").unwrap(),
            ApiKeyId::new(),
            Role::Admin,
            ids(&["support"]),
            true,
        );
        assert!(operator.require(Act::ManageTenants).is_err());
    }

    #[test]
    fn a_key_manages_only_keys_within_its_own_powers_and_purposes() {
        let admin = scoped(Role::Admin, &[]);
        for role in [Role::Admin, Role::Service, Role::Dpo, Role::Analyst] {
            assert!(admin.may_manage_key(role, &[]).is_ok(), "{role:?}");
        }
        let narrow = scoped(Role::Admin, &["support", "billing"]);
        assert!(
            narrow
                .may_manage_key(Role::Service, &ids(&["support"]))
                .is_ok()
        );
        assert!(
            narrow
                .may_manage_key(Role::Admin, &ids(&["support", "billing"]))
                .is_ok()
        );
        for (role, purposes) in [
            (Role::Admin, ids(&[])),
            (Role::Service, ids(&[])),
            (Role::Service, ids(&["support", "account"])),
            (Role::Dpo, ids(&["newsletter"])),
        ] {
            assert!(
                matches!(
                    narrow.may_manage_key(role, &purposes),
                    Err(EngineError::KeyBeyondScope(_))
                ),
                "{role:?} {purposes:?}"
            );
        }
        // Only admins manage keys at all; the role rule still holds for any
        // role that might one day.
        assert!(matches!(
            scoped(Role::Dpo, &[]).may_manage_key(Role::Analyst, &[]),
            Err(EngineError::Forbidden { .. })
        ));
        assert!(Act::ALL.iter().all(|a| Role::Admin.allows(*a)));
        assert!(
            Act::ALL
                .iter()
                .any(|a| Role::Service.allows(*a) && !Role::Dpo.allows(*a))
        );
    }

    #[test]
    fn products_file_requests_and_only_staff_work_them() {
        assert!(Role::Service.allows(Act::FileRequest));
        assert!(!Role::Service.allows(Act::ManageRequests));
        for role in [Role::Dpo, Role::Admin] {
            assert!(role.allows(Act::FileRequest) && role.allows(Act::ManageRequests));
        }
        assert!(!Role::Analyst.allows(Act::FileRequest));
        assert!(!Role::Analyst.allows(Act::ManageRequests));
        assert!(Act::FileRequest.needs_unscoped_key() && Act::ManageRequests.needs_unscoped_key());
    }

    #[test]
    fn only_admins_manage_recipient_endpoints() {
        assert!(Role::Admin.allows(Act::ManageRecipients));
        for role in [Role::Service, Role::Dpo, Role::Analyst] {
            assert!(!role.allows(Act::ManageRecipients));
        }
        assert!(Act::ManageRecipients.needs_unscoped_key());
    }

    #[test]
    fn purpose_scope_narrows_a_key() {
        let support = PurposeId::parse("support").unwrap();
        let newsletter = PurposeId::parse("newsletter").unwrap();
        let p = Principal::for_key(
            TenantId::parse("acme").unwrap(),
            ApiKeyId::new(),
            Role::Service,
            vec![support.clone()],
            false,
        );
        assert!(p.require_purpose(&support).is_ok());
        assert!(matches!(
            p.require_purpose(&newsletter),
            Err(EngineError::PurposeOutOfScope(_))
        ));
    }
}
