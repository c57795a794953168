//! Running one test on every backend, and the rows the tests write.

use futures::FutureExt;
use jiff::Timestamp;
use sqlx::{Connection, PgConnection};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tutela_engine::audit::{Action, AuditChain, AuditEntry, AuditEvent, AuditHead, Outcome};
use tutela_engine::ids::{ApiKeyId, ConsentId, ObjectionId, RecordId, SubjectId, TenantId};
use tutela_engine::store::{
    ApiKeyRow, Change, ConsentRow, IdentifierRow, ObjectionRow, PolicyRow, RecordRow, Store,
    StoreError, SubjectRow, TenantRow, Write,
};
use tutela_policy::{CategoryId, PurposeId};
use tutela_store::{PgStore, SqliteStore};
use tutela_vault::MasterKey;

/// The variable naming an admin URL of a PostgreSQL to test against.
pub const PG_ENV: &str = "TUTELA_TEST_DATABASE_URL";

/// Declares, for each named `async fn(Arc<dyn Store>)` of the enclosing
/// module, a module of the same name with a `sqlite` and a `postgres` test.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::support::on_sqlite(super::$name).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::support::on_postgres(super::$name).await;
            }
        }
    )*};
}
pub(crate) use conformance;

/// Runs `test` on a fresh SQLite file.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("tutela.db"))
        .await
        .unwrap();
    test(Arc::new(store)).await;
}

/// Runs `test` on a fresh PostgreSQL database, dropped afterwards, or
/// skips (with a line saying so) when no server is configured.
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    with_pg_database(|url| async move {
        let store = PgStore::connect(&url).await.unwrap();
        test(Arc::new(store)).await;
    })
    .await;
}

/// Creates a database of its own for `test`, hands it its URL, and drops
/// the database afterwards, even if the test panicked.
pub async fn with_pg_database<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let Ok(admin_url) = std::env::var(PG_ENV) else {
        eprintln!("skipped: PostgreSQL variant ({PG_ENV} is not set)");
        return;
    };
    let name = format!("tutela_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let outcome = AssertUnwindSafe(test(with_database(&admin_url, &name)))
        .catch_unwind()
        .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://h?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}

pub fn tenant(slug: &str) -> TenantId {
    TenantId::parse(slug).unwrap()
}

pub fn chain(tenant: &TenantId) -> AuditChain {
    AuditChain::new(
        tenant.clone(),
        MasterKey::from_bytes([7; 32]).audit_key(tenant.as_str()),
    )
}

/// A fixed instant `n` seconds (plus a few microseconds) after a base.
pub fn at(n: i64) -> Timestamp {
    Timestamp::from_microsecond((1_700_000_000 + n) * 1_000_000 + 123).unwrap()
}

pub fn category(name: &str) -> CategoryId {
    CategoryId::parse(name).unwrap()
}

pub fn purpose(name: &str) -> PurposeId {
    PurposeId::parse(name).unwrap()
}

pub fn event(action: Action, subject: Option<SubjectId>) -> AuditEvent {
    AuditEvent {
        at: at(0),
        actor: "system".into(),
        action,
        purpose: Some("support".into()),
        subject,
        detail: format!("action={}", action.as_str()),
        outcome: Outcome::Allowed,
    }
}

pub fn tenant_row(id: &TenantId) -> TenantRow {
    TenantRow {
        id: id.clone(),
        name: format!("{id} Ltd"),
        operator: false,
        policy_version: 0,
        pending: None,
        created_at: at(0),
    }
}

pub fn policy_row(tenant: &TenantId, version: u32) -> PolicyRow {
    PolicyRow {
        tenant: tenant.clone(),
        version,
        source: format!("# policy v{version} of {tenant}\n"),
        published_at: at(i64::from(version)),
        effective_at: at(i64::from(version)),
    }
}

pub fn subject_row(tenant: &TenantId) -> SubjectRow {
    SubjectRow {
        tenant: tenant.clone(),
        id: SubjectId::new(),
        kind: "customer".into(),
        wrapped_key: Some(vec![9; 72]),
        restricted: false,
        created_at: at(1),
        erased_at: None,
    }
}

pub fn record_row(tenant: &TenantId, subject: SubjectId, cat: &str, n: i64) -> RecordRow {
    RecordRow {
        tenant: tenant.clone(),
        id: RecordId::new(),
        subject,
        category: category(cat),
        purpose: purpose("support"),
        source: "import".into(),
        ciphertext: vec![u8::try_from(n % 256).unwrap(); 40],
        collected_at: at(10 + n),
    }
}

pub fn identifier_row(record: &RecordRow, index: [u8; 32]) -> IdentifierRow {
    IdentifierRow {
        tenant: record.tenant.clone(),
        category: record.category.clone(),
        blind_index: index,
        subject: record.subject,
        record: record.id,
    }
}

pub fn consent_row(tenant: &TenantId, subject: SubjectId, granted: bool, n: i64) -> ConsentRow {
    ConsentRow {
        tenant: tenant.clone(),
        id: ConsentId::new(),
        subject,
        purpose: purpose("newsletter"),
        granted,
        at: at(20 + n),
        expires_at: granted.then(|| at(10_000)),
        policy_version: 1,
        source: "web-form".into(),
        text_hash: None,
    }
}

pub fn objection_row(
    tenant: &TenantId,
    subject: SubjectId,
    purpose_name: Option<&str>,
    n: i64,
) -> ObjectionRow {
    ObjectionRow {
        tenant: tenant.clone(),
        id: ObjectionId::new(),
        subject,
        purpose: purpose_name.map(purpose),
        at: at(20 + n),
    }
}

pub fn api_key_row(tenant: &TenantId, hash: [u8; 32], n: i64) -> ApiKeyRow {
    ApiKeyRow {
        tenant: tenant.clone(),
        id: ApiKeyId::new(),
        secret_hash: hash,
        role: "service".into(),
        purposes: vec![purpose("support"), purpose("billing")],
        label: format!("bot-{n}"),
        created_at: at(30 + n),
        revoked_at: None,
    }
}

/// Applies `writes` with one audit event per write.
pub async fn apply(
    store: &dyn Store,
    tenant: &TenantId,
    writes: Vec<Write>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let audit = writes
        .iter()
        .map(|_| event(Action::RecordWrite, None))
        .collect();
    store
        .apply(tenant, Change { writes, audit }, &chain(tenant))
        .await
}

/// A tenant with policy version 1 in force.
pub async fn setup_tenant(store: &dyn Store, slug: &str) -> TenantId {
    let id = tenant(slug);
    let change = Change {
        writes: vec![
            Write::InsertTenant(tenant_row(&id)),
            Write::InsertPolicy(policy_row(&id, 1)),
        ],
        audit: vec![
            event(Action::TenantCreate, None),
            event(Action::PolicyPublish, None),
        ],
    };
    store.apply(&id, change, &chain(&id)).await.unwrap();
    id
}

/// A subject of `tenant`.
pub async fn setup_subject(store: &dyn Store, tenant: &TenantId) -> SubjectRow {
    let row = subject_row(tenant);
    apply(store, tenant, vec![Write::InsertSubject(row.clone())])
        .await
        .unwrap();
    row
}

/// The lane of `tenant`'s chain that changes made one after another use
/// (each goes to an idle writer, the same one), checking there is only
/// one; 0 while the chain is empty.
pub async fn lane(store: &dyn Store, tenant: &TenantId) -> u32 {
    let lanes = store.audit_lanes(tenant).await.unwrap();
    assert!(lanes.len() <= 1, "sequential changes used lanes {lanes:?}");
    lanes.first().copied().unwrap_or(0)
}

/// The head of the one lane sequential changes use (see [`lane`]).
pub async fn lane_head(store: &dyn Store, tenant: &TenantId) -> Option<AuditHead> {
    let heads = store.audit_heads(tenant).await.unwrap();
    assert!(heads.len() <= 1, "sequential changes made heads {heads:?}");
    heads.into_iter().next()
}

/// A page of the one lane sequential changes use (see [`lane`]).
pub async fn entries(
    store: &dyn Store,
    tenant: &TenantId,
    after: u64,
    limit: u32,
) -> Vec<AuditEntry> {
    let lane = lane(store, tenant).await;
    store
        .audit_entries(tenant, lane, after, limit)
        .await
        .unwrap()
}

/// Reads every lane of the chain in pages and verifies each against its
/// head; returns how many entries verified.
pub async fn verify_chain(store: &dyn Store, tenant: &TenantId) -> u64 {
    let chain = chain(tenant);
    let mut verifier = chain.verifier(store.audit_heads(tenant).await.unwrap());
    for lane in store.audit_lanes(tenant).await.unwrap() {
        let mut after = 0;
        loop {
            let page = store.audit_entries(tenant, lane, after, 7).await.unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            for entry in &page {
                verifier.feed(entry).unwrap();
            }
        }
    }
    verifier.finish().unwrap()
}
