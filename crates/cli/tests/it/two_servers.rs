//! Two `tutela serve` processes on one PostgreSQL database, with one master
//! key, serving the same tenant at once: the audited writes and reads both
//! answered all land on the tenant's chain (exactly one entry per act
//! answered, seen through either server), which `tutela audit verify` finds
//! intact, covering at least every audited act answered, and which matches
//! signed checkpoints taken before and after. The servers append on
//! different lanes of the chain, so neither waits for the other. Runs only when
//! `TUTELA_TEST_DATABASE_URL` is set.

use crate::crash::{Entries, keeps_its_promises};
use crate::deploy::Deployment;
use crate::load::{self, Endpoint, Ledger};
use crate::pg::PgDatabase;
use crate::support::temp_dir;
use std::sync::{Arc, Mutex};

/// Concurrent writers and readers, spread over both servers; readers pick
/// subjects written through either, so each server reads the other's writes.
const WRITERS: usize = 4;
const READERS: usize = 4;
/// Acknowledged writes before the load stops: counted, not timed.
const WRITES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_write_one_chain_that_verifies() {
    let Some(db) = PgDatabase::create("two servers on one PostgreSQL").await else {
        return;
    };
    let dir = temp_dir();
    let deployment = Deployment::new(dir.path(), Some(&db.url));
    deployment
        .cli(&["audit", "checkpoint", "--out", "before.json"])
        .expect_code(0);
    let first = deployment.serve().await;
    let second = deployment.serve().await;
    let endpoints = [Endpoint::of(&first), Endpoint::of(&second)];
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let running = load::start(&endpoints, &deployment.service, &ledger, WRITERS, READERS);
    running.wait_for_writes(WRITES).await;
    running.finish().await;
    for endpoint in &endpoints {
        keeps_its_promises(endpoint, &deployment, &ledger, Entries::Exactly).await;
    }
    // Neither server waited for the other's audit head: each appended to
    // lanes of its own (one per writer), and every lane verified above.
    let (status, heads) = endpoints[0]
        .get("/v1/audit/heads", &deployment.admin)
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{heads}");
    let lanes = heads["heads"].as_array().map_or(0, Vec::len);
    assert!(lanes >= 2, "both servers wrote lanes of their own: {heads}");
    for server in [first, second] {
        let logs = server.logs();
        assert!(server.stop().success(), "no clean stop\n{logs}");
    }

    let ledger = ledger.lock().unwrap();
    assert!(ledger.unexpected.is_empty(), "{:?}", ledger.unexpected);
    assert_eq!(ledger.unanswered, 0, "a request went unanswered");
    let promised = ledger.writes() + ledger.read_count();
    let (verified, run) = deployment.verify_chain(&["--against", "before.json"]);
    eprintln!(
        "two servers: {} writes acknowledged, {} reads answered, {verified} entries verified",
        ledger.writes(),
        ledger.read_count()
    );
    run.expect_output(&[&format!("{}: matches the checkpoint", deployment.tenant)]);
    assert!(
        verified >= promised,
        "{verified} entries verified, {promised} audited acts answered\n{run}"
    );

    deployment
        .cli(&["audit", "checkpoint", "--out", "after.json"])
        .expect_code(0);
    let (after, run) = deployment.verify_chain(&["--against", "after.json"]);
    run.expect_output(&[&format!("{}: matches the checkpoint", deployment.tenant)]);
    assert!(after > verified, "the checkpoint added its entry: {run}");
}
