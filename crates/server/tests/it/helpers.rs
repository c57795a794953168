//! `spawn_app()` and small request helpers shared by every test module.

use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tutela_engine::Engine;
use tutela_engine::clock::ManualClock;
use tutela_engine::deliveries::endpoint::Transport;
use tutela_engine::ids::TenantId;
use tutela_engine::notify::MemoryNotifier;
use tutela_engine::principal::{Principal, Role};
use tutela_policy::PurposeId;
use tutela_server::AppState;

/// The purpose the scoped service key is limited to.
pub const SCOPED_PURPOSE: &str = "support";

/// A running server and everything a test needs to drive it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The separate metrics listener, `http://127.0.0.1:<port>`.
    pub metrics_base: String,
    /// A client without default headers.
    pub client: reqwest::Client,
    /// The engine's clock; move it to test rules about time.
    pub clock: Arc<ManualClock>,
    /// The SQLite file.
    pub db_path: PathBuf,
    /// The engine behind the server, for driving background work (the
    /// delivery task is off in tests unless a test runs a pass).
    pub engine: Arc<Engine>,
    /// Every message sent to data subjects (verification codes, ...).
    pub notes: Arc<MemoryNotifier>,
    /// Operator tenant admin.
    pub operator: String,
    /// Tenant `acme` keys by role.
    pub admin: String,
    /// Service key, any purpose.
    pub service: String,
    /// DPO key.
    pub dpo: String,
    /// Analyst key.
    pub analyst: String,
    /// Service key scoped to [`SCOPED_PURPOSE`].
    pub scoped: String,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a server with an operator tenant and a tenant `acme` running the
/// example policy, with a key for every role.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Transport::AllowLoopbackHttp).await
}

/// [`spawn_app`] with recipient endpoints and transfers held to
/// `transport`: [`Transport::HttpsOnly`] is production's rule.
pub async fn spawn_app_with(transport: Transport) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("tutela.db");
    let store = tutela_store::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(
        "2026-03-01T09:00:00Z".parse::<Timestamp>().unwrap(),
    ));
    let master = Arc::new(tutela_vault::MasterKey::generate());
    let notes = Arc::new(MemoryNotifier::default());
    let transfers = tutela_server::transfers::HttpsTransferrer::new(transport).unwrap();
    let engine = Arc::new(
        Engine::new(store, clock.clone(), master)
            .with_notifier(notes.clone())
            .with_transferrer(Arc::new(transfers)),
    );

    let op = TenantId::parse("operator").unwrap();
    engine
        .bootstrap_operator(op.clone(), "Operator", tutela_policy::OPERATOR_POLICY)
        .await
        .unwrap();
    let op_admin = Principal::local_admin(op.clone(), true);
    // Each tenant's keys are minted by its own local admin (the CLI path, on
    // the tenant's own chain): the operator cannot mint inside a client tenant.
    let key = |tenant: TenantId, role: Role, purposes: Vec<PurposeId>, label: &'static str| {
        let engine = engine.clone();
        let who = Principal::local_admin(tenant.clone(), tenant.as_str() == "operator");
        async move {
            engine
                .create_api_key(&who, &tenant, role, purposes, label)
                .await
                .unwrap()
                .token
        }
    };
    let operator = key(op.clone(), Role::Admin, vec![], "operator-admin").await;

    let acme = TenantId::parse("acme").unwrap();
    engine
        .create_tenant(
            &op_admin,
            acme.clone(),
            "Acme",
            tutela_policy::EXAMPLE_POLICY,
        )
        .await
        .unwrap();
    let admin = key(acme.clone(), Role::Admin, vec![], "admin").await;
    let service = key(acme.clone(), Role::Service, vec![], "service").await;
    let dpo = key(acme.clone(), Role::Dpo, vec![], "dpo").await;
    let analyst = key(acme.clone(), Role::Analyst, vec![], "analyst").await;
    let scoped = key(
        acme,
        Role::Service,
        vec![PurposeId::parse(SCOPED_PURPOSE).unwrap()],
        "scoped",
    )
    .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    // Test-only: plain HTTP to a loopback receiver is allowed, as the
    // `insecure_loopback_endpoints` config flag allows; production refuses it.
    let state = AppState::new(engine.clone()).with_endpoint_transport(transport);
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_base = format!("http://{}", metrics.local_addr().unwrap());
    let metrics_state = state.clone();
    tokio::spawn(async move {
        // Stops with the runtime at the end of the test.
        tutela_server::serve_metrics(metrics, metrics_state, std::future::pending())
            .await
            .unwrap();
    });
    tokio::spawn(async move {
        tutela_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    TestApp {
        base,
        metrics_base,
        client: reqwest::Client::new(),
        clock,
        db_path,
        engine,
        notes,
        operator,
        admin,
        service,
        dpo,
        analyst,
        scoped,
        shutdown: Some(tx),
        _dir: dir,
    }
}

/// A response read whole: status, headers and body.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts an error answer with this status and code; returns the body.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "body: {}", self.text);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            self.text
        );
        body
    }

    /// Asserts this status; returns the JSON body (or null when empty).
    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        if self.text.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

impl TestApp {
    /// Sends a request with an optional token and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap(),
        }
    }

    /// `GET /metrics` on the separate metrics listener, without a token.
    pub async fn metrics(&self) -> Reply {
        let res = self
            .client
            .get(format!("{}/metrics", self.metrics_base))
            .send()
            .await
            .unwrap();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap(),
        }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    /// PUT JSON with a token.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Publishes `source` (material changes included) and moves the clock
    /// to when it takes effect: the example's 30-day notice period ahead.
    pub async fn publish_in_force(&self, source: &str) -> Value {
        let at = tutela_policy::CalendarSpan::days(30)
            .after(tutela_engine::clock::Clock::now(self.clock.as_ref()))
            .unwrap();
        let body = serde_json::json!({"source": source, "effective_at": at.to_string()});
        let published = self.put("/v1/policy", &self.admin, body).await.ok(201);
        self.clock.set(at);
        published
    }

    /// DELETE with a token.
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    /// Sends raw bytes with the given content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap(),
        }
    }

    /// Moves the clock forward by `hours`.
    pub fn advance_hours(&self, hours: i64) {
        self.clock.advance(SignedDuration::from_hours(hours));
    }

    /// Every entry of acme's audit chain (read with the DPO key).
    pub async fn audit(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .get(&format!("/v1/audit?after={after}&limit=1000"), &self.dpo)
                .await
                .ok(200);
            let entries = page["entries"].as_array().unwrap().clone();
            if entries.is_empty() {
                return all;
            }
            after = entries.last().unwrap()["seq"].as_u64().unwrap();
            all.extend(entries);
        }
    }

    /// The number of entries on acme's audit chain. Reading it adds none.
    pub async fn audit_len(&self) -> usize {
        self.audit().await.len()
    }

    /// The last entry on acme's audit chain.
    pub async fn last_audit(&self) -> Value {
        self.audit().await.pop().unwrap()
    }

    /// Asserts acme's chain still verifies.
    pub async fn assert_chain_intact(&self) {
        let report = self.get("/v1/audit/verify", &self.dpo).await.ok(200);
        assert_eq!(report["intact"], true, "{report}");
        assert!(report["first_break"].is_null());
    }

    /// Creates a subject with the given kind, purpose and records; returns its id.
    pub async fn subject(&self, kind: &str, purpose: &str, records: Value) -> String {
        let body = json!({"kind": kind, "purpose": purpose, "records": records});
        let reply = self.post("/v1/subjects", &self.service, body).await;
        reply.ok(201)["id"].as_str().unwrap().to_owned()
    }

    /// Reads a subject's records for a purpose with `token`.
    pub async fn read(&self, token: &str, subject: &str, purpose: &str) -> Reply {
        self.get(
            &format!("/v1/subjects/{subject}/records?purpose={purpose}"),
            token,
        )
        .await
    }
}
