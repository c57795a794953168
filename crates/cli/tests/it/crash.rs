//! kill -9 under load: a server killed while writes and purpose-checked
//! reads are in flight loses nothing it promised. After each kill and
//! restart on the same database, every acknowledged write reads back with
//! its value, every answered read has its `record.read` entry on the audit
//! chain, and `tutela audit verify` finds the chain intact; several kill
//! cycles run on one database, so the chain also verifies across restarts.
//! On SQLite always; on PostgreSQL when `TUTELA_TEST_DATABASE_URL` is set.

use crate::deploy::Deployment;
use crate::load::{self, ACTIONS, Endpoint, Ledger, PURPOSE};
use crate::pg::PgDatabase;
use crate::support::temp_dir;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Kill cycles on one database.
const CYCLES: usize = 3;
/// Concurrent writers and readers.
const WRITERS: usize = 4;
const READERS: usize = 4;
/// Acknowledged writes before each kill: the work is counted, not timed.
const WRITES_PER_CYCLE: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_sqlite_kill_9_under_load_loses_no_acknowledged_write_or_read_entry() {
    let dir = temp_dir();
    let deployment = Deployment::new(dir.path(), None);
    kill_cycles(&deployment).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_postgres_kill_9_under_load_loses_no_acknowledged_write_or_read_entry() {
    let Some(db) = PgDatabase::create("crash test on PostgreSQL").await else {
        return;
    };
    let dir = temp_dir();
    let deployment = Deployment::new(dir.path(), Some(&db.url));
    kill_cycles(&deployment).await;
}

/// Runs the load, kills the server once enough writes are acknowledged,
/// verifies the chain while the server is down, restarts it and checks
/// every promise; [`CYCLES`] times, then a clean stop and a last check.
async fn kill_cycles(deployment: &Deployment) {
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut in_flight_at_kills = 0;
    for _ in 0..CYCLES {
        let server = deployment.serve().await;
        let endpoint = Endpoint::of(&server);
        keeps_its_promises(&endpoint, deployment, &ledger, Entries::AtLeast).await;
        let running = load::start(
            std::slice::from_ref(&endpoint),
            &deployment.service,
            &ledger,
            WRITERS,
            READERS,
        );
        running.wait_for_writes(WRITES_PER_CYCLE).await;
        // Sent and unanswered just before the kill, so cut off by it unless
        // answered in between: the kill lands under load.
        in_flight_at_kills += running.in_flight();
        server.kill();
        running.finish().await;
        // Every chain of the database, read by the CLI from what the killed
        // server left on disk.
        deployment
            .cli(&["audit", "verify"])
            .expect_code(0)
            .expect_output(&[&format!("{}: intact (", deployment.tenant)]);
    }
    let server = deployment.serve().await;
    let endpoint = Endpoint::of(&server);
    keeps_its_promises(&endpoint, deployment, &ledger, Entries::AtLeast).await;
    let logs = server.logs();
    assert!(server.stop().success(), "no clean stop\n{logs}");
    let (verified, _) = deployment.verify_chain(&[]);
    let ledger = ledger.lock().unwrap();
    assert!(ledger.unexpected.is_empty(), "{:?}", ledger.unexpected);
    let promised = ledger.writes() + ledger.read_count();
    eprintln!(
        "{CYCLES} kills: {} writes acknowledged, {} reads answered, \
         {in_flight_at_kills} requests in flight at the kills, \
         {} requests unanswered, {verified} entries verified",
        ledger.writes(),
        ledger.read_count(),
        ledger.unanswered
    );
    assert!(in_flight_at_kills > 0, "no kill landed under load");
    assert!(
        verified >= promised,
        "{verified} entries verified, {promised} audited acts answered"
    );
    assert!(
        ledger.subjects.len() >= CYCLES * WRITES_PER_CYCLE / 2,
        "{ledger:?}"
    );
}

/// How the chain's entries must match the ledger's audited acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entries {
    /// At least one entry per act: requests cut off by a kill may have
    /// committed their act (and its entry) without an answer.
    AtLeast,
    /// One entry per act and no other: every request was answered.
    Exactly,
}

/// Checks, through the API of a running server, everything the ledger
/// holds: the chain has an entry for every acknowledged write and every
/// answered read (as `entries` says), it verifies, and every acknowledged
/// value reads back (those reads are answered reads too, checked the next
/// time).
pub async fn keeps_its_promises(
    endpoint: &Endpoint,
    deployment: &Deployment,
    ledger: &Arc<Mutex<Ledger>>,
    entries: Entries,
) {
    let found = allowed_by_subject(&chain_entries(endpoint, &deployment.admin).await);
    let (expected, unanswered) = {
        let ledger = ledger.lock().unwrap();
        (ledger.audited_acts(), ledger.unanswered)
    };
    if entries == Entries::Exactly {
        assert_eq!(
            found, expected,
            "the chain's entries against the acts answered"
        );
    }
    // No entry without a request: beyond the acts answered, at most one per
    // request that got no answer.
    let (on_chain, answered) = (found.values().sum::<u64>(), expected.values().sum::<u64>());
    assert!(
        on_chain <= answered + unanswered,
        "{on_chain} entries, {answered} acts answered, {unanswered} requests unanswered"
    );
    for (act, promised) in &expected {
        let on_chain = found.get(act).copied().unwrap_or(0);
        assert!(
            on_chain >= *promised,
            "{promised} answered {act:?}, {on_chain} on the chain"
        );
    }
    let (status, verified) = endpoint
        .get("/v1/audit/verify", &deployment.admin)
        .await
        .expect("the server answers");
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["intact"], true, "{verified}");
    reads_back(endpoint, &deployment.service, ledger).await;
}

/// Every acknowledged value is read back for the purpose; each answer goes
/// into the ledger as an answered read.
async fn reads_back(endpoint: &Endpoint, service: &str, ledger: &Arc<Mutex<Ledger>>) {
    let written = ledger.lock().unwrap().written.clone();
    for (subject, expected) in written {
        let path = format!("/v1/subjects/{subject}/records?purpose={PURPOSE}");
        let (status, body) = endpoint.get(&path, service).await.expect("an answer");
        assert_eq!(status, 200, "{subject}: {body}");
        let got = load::values(&body);
        let lost: Vec<_> = expected.difference(&got).collect();
        assert!(
            lost.is_empty(),
            "acknowledged values of {subject} lost: {lost:?}"
        );
        *ledger.lock().unwrap().reads.entry(subject).or_default() += 1;
    }
}

/// The caller's tenant's whole chain: every lane `GET /v1/audit/heads`
/// names, each read through `GET /v1/audit` page by page.
pub async fn chain_entries(endpoint: &Endpoint, admin: &str) -> Vec<Value> {
    let (status, heads) = endpoint
        .get("/v1/audit/heads", admin)
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{heads}");
    let lanes: Vec<u64> = heads["heads"]
        .as_array()
        .map(|h| h.iter().filter_map(|h| h["lane"].as_u64()).collect())
        .unwrap_or_default();
    let mut entries: Vec<Value> = Vec::new();
    for lane in lanes {
        let mut after = 0;
        loop {
            let path = format!("/v1/audit?lane={lane}&after={after}&limit=1000");
            let (status, page) = endpoint.get(&path, admin).await.expect("an answer");
            assert_eq!(status, 200, "{page}");
            let page = page["entries"].as_array().cloned().unwrap_or_default();
            let last = page.last().and_then(|e| e["seq"].as_u64());
            entries.extend(page);
            match last {
                Some(seq) if seq > after => after = seq,
                _ => break,
            }
        }
    }
    entries
}

/// How many allowed entries naming [`PURPOSE`] each (action, subject) has,
/// for the actions the load performs.
pub fn allowed_by_subject(entries: &[Value]) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for e in entries {
        if e["outcome"] != "allowed" || e["purpose"] != PURPOSE {
            continue;
        }
        let (Some(action), Some(subject)) = (e["action"].as_str(), e["subject"].as_str()) else {
            continue;
        };
        if !ACTIONS.contains(&action) {
            continue;
        }
        *counts
            .entry((action.to_owned(), subject.to_owned()))
            .or_default() += 1;
    }
    counts
}
