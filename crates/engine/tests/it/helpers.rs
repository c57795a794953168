//! `spawn_engine()` and the small helpers every test module shares.

use jiff::Timestamp;
use std::sync::Arc;
use tempfile::TempDir;
use tutela_engine::audit::AuditEntry;
use tutela_engine::clock::ManualClock;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::ledger::ErasureLedger;
use tutela_engine::principal::{Principal, Role};
use tutela_engine::{AccessReport, Engine, EngineError, NewRecord, RecordSource};
use tutela_policy::{CategoryId, PurposeId, RecipientId, SubjectKindId};

/// Where every test's clock starts.
pub const START: &str = "2026-03-01T09:00:00Z";

/// The purpose the scoped service key is limited to.
pub const SCOPED_PURPOSE: &str = "support";

/// A running engine and a principal for every role of tenant `acme`.
pub struct TestEngine {
    /// The engine, on its own SQLite file.
    pub engine: Arc<Engine>,
    /// The engine's clock; move it to test rules about time.
    pub clock: Arc<ManualClock>,
    /// The client tenant running the example policy.
    pub acme: TenantId,
    /// An admin key of the operator tenant.
    pub operator: Principal,
    /// Tenant `acme`: admin, unscoped.
    pub admin: Principal,
    /// Service key, any purpose.
    pub service: Principal,
    /// DPO key.
    pub dpo: Principal,
    /// Analyst key.
    pub analyst: Principal,
    /// Service key scoped to [`SCOPED_PURPOSE`].
    pub scoped: Principal,
    /// The token of [`TestEngine::service`], for authentication tests.
    pub service_token: String,
    /// The engine's master key, for tests that write what only it can.
    pub master: Arc<tutela_vault::MasterKey>,
    _dir: TempDir,
}

/// Starts an engine with an operator tenant and a tenant `acme` running the
/// example policy, with a key for every role. Every principal comes from
/// `Engine::authenticate` on a freshly minted token, as a server would get it.
pub async fn spawn_engine() -> TestEngine {
    spawn_engine_with_ledger(None).await
}

/// [`spawn_engine`], with `ledger` (if any) receiving every erasure.
pub async fn spawn_engine_with_ledger(ledger: Option<Arc<dyn ErasureLedger>>) -> TestEngine {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("tutela.db");
    let store = tutela_store::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(START.parse::<Timestamp>().unwrap()));
    let master = Arc::new(tutela_vault::MasterKey::generate());
    let mut engine = Engine::new(store, clock.clone(), Arc::clone(&master));
    if let Some(ledger) = ledger {
        engine = engine.with_erasure_ledger(ledger);
    }
    let engine = Arc::new(engine);

    let op = TenantId::parse("operator").unwrap();
    engine
        .bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await
        .unwrap();
    let op_local = Principal::local_admin(op.clone(), true);
    let acme = TenantId::parse("acme").unwrap();
    engine
        .create_tenant(
            &op_local,
            acme.clone(),
            "Acme",
            tutela_policy::EXAMPLE_POLICY,
        )
        .await
        .unwrap();

    // Each tenant's keys are minted by its own local admin (the CLI path).
    let mint = |tenant: &TenantId, role: Role, purposes: &[&str], label: &'static str| {
        let engine = engine.clone();
        let tenant = tenant.clone();
        let purposes: Vec<PurposeId> = purposes.iter().map(|p| purpose(p)).collect();
        async move {
            let who = Principal::local_admin(tenant.clone(), tenant.as_str() == "operator");
            let token = engine
                .create_api_key(&who, &tenant, role, purposes, label)
                .await
                .unwrap()
                .token;
            let principal = engine.authenticate(&token).await.unwrap();
            (principal, token)
        }
    };
    let (operator, _) = mint(&op, Role::Admin, &[], "operator-admin").await;
    let (admin, _) = mint(&acme, Role::Admin, &[], "admin").await;
    let (service, service_token) = mint(&acme, Role::Service, &[], "service").await;
    let (dpo, _) = mint(&acme, Role::Dpo, &[], "dpo").await;
    let (analyst, _) = mint(&acme, Role::Analyst, &[], "analyst").await;
    let (scoped, _) = mint(&acme, Role::Service, &[SCOPED_PURPOSE], "scoped").await;

    TestEngine {
        engine,
        clock,
        acme,
        operator,
        admin,
        service,
        dpo,
        analyst,
        scoped,
        service_token,
        master,
        _dir: dir,
    }
}

impl TestEngine {
    /// Closes the store cleanly (final checkpoint), as every owner must.
    pub async fn close(self) {
        self.engine.store().close().await.unwrap();
    }

    /// A customer created by the admin for `account` with an email and a
    /// name, with a support ticket written for `support`.
    pub async fn customer(&self, email: &str) -> SubjectId {
        let subject = self
            .engine
            .create_subject(
                &self.admin,
                &SubjectKindId::parse("customer").unwrap(),
                &purpose("account"),
                vec![record("email", email), record("name", "Ada Lovelace")],
            )
            .await
            .unwrap();
        self.engine
            .write_records(
                &self.admin,
                subject,
                &purpose("support"),
                vec![record("ticket_text", "my invoice is wrong")],
            )
            .await
            .unwrap();
        subject
    }

    /// Every entry of acme's chain, read as the DPO, lane by lane.
    pub async fn entries(&self) -> Vec<AuditEntry> {
        let mut all = Vec::new();
        for head in self.engine.audit_heads(&self.dpo).await.unwrap() {
            let mut after = 0;
            loop {
                let page = self
                    .engine
                    .audit_entries(&self.dpo, head.lane, after, 1000)
                    .await
                    .unwrap();
                let done = page.len() < 1000;
                after = page.last().map_or(after, |e| e.seq);
                all.extend(page);
                if done {
                    break;
                }
            }
        }
        all
    }

    /// Every entry of another tenant's chain, read as its local admin.
    pub async fn entries_of(&self, tenant: &TenantId) -> Vec<AuditEntry> {
        let who = Principal::local_admin(tenant.clone(), false);
        let mut all = Vec::new();
        for head in self.engine.audit_heads(&who).await.unwrap() {
            let page = self
                .engine
                .audit_entries(&who, head.lane, 0, 100_000)
                .await
                .unwrap();
            all.extend(page);
        }
        all
    }

    /// Everything held about `subject`, as the DPO sees it, in a form two
    /// snapshots can be compared in. Appends an access entry to the chain.
    pub async fn snapshot(&self, subject: SubjectId) -> String {
        let report: AccessReport = self
            .engine
            .subject_access(&self.dpo, subject)
            .await
            .unwrap();
        format!("{report:?}")
    }

    /// Asserts the chain is intact.
    pub async fn assert_chain_intact(&self) {
        let report = self.engine.verify_audit(&self.dpo).await.unwrap();
        assert!(report.intact(), "{report:?}");
    }
}

/// A purpose id.
pub fn purpose(id: &str) -> PurposeId {
    PurposeId::parse(id).unwrap()
}

/// A category id.
pub fn category(id: &str) -> CategoryId {
    CategoryId::parse(id).unwrap()
}

/// A recipient id.
pub fn recipient(id: &str) -> RecipientId {
    RecipientId::parse(id).unwrap()
}

/// A value to store, from the API.
pub fn record(category_id: &str, value: &str) -> NewRecord {
    NewRecord {
        category: category(category_id),
        value: value.to_owned(),
        source: RecordSource::parse("api", "source").unwrap(),
    }
}

/// The code of a result: `"ok"` or the error's stable code.
pub fn code<T>(result: &Result<T, EngineError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// What a refusal must leave as it was: the subject's whole state and the
/// chain so far.
pub struct Before {
    subject: SubjectId,
    state: String,
    entries: Vec<AuditEntry>,
}

impl TestEngine {
    /// Takes the state a refusal must not change.
    pub async fn before(&self, subject: SubjectId) -> Before {
        let state = self.snapshot(subject).await;
        let entries = self.entries().await;
        Before {
            subject,
            state,
            entries,
        }
    }

    /// Asserts that `result` is the refusal `expected`, that exactly one
    /// entry was appended to the chain (this act, denied with that code, on
    /// this subject) and that nothing else changed. Returns the entry.
    pub async fn assert_denied_only<T: std::fmt::Debug>(
        &self,
        before: Before,
        result: Result<T, EngineError>,
        expected: &str,
        action: &str,
        purpose: &str,
    ) -> AuditEntry {
        assert_eq!(code(&result), expected, "{result:?}");
        let entries = self.entries().await;
        assert_eq!(
            entries.len(),
            before.entries.len() + 1,
            "exactly one entry must be appended for the refusal"
        );
        assert_eq!(
            entries[..before.entries.len()],
            before.entries[..],
            "earlier entries changed"
        );
        let last = entries.last().unwrap().clone();
        assert_eq!(last.outcome, format!("denied:{expected}"));
        assert_eq!(last.action, action);
        assert_eq!(last.purpose.as_deref(), Some(purpose));
        assert_eq!(last.subject, Some(before.subject.to_string()));
        assert_eq!(
            self.snapshot(before.subject).await,
            before.state,
            "the refusal changed the subject"
        );
        self.assert_chain_intact().await;
        last
    }
}
