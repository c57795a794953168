//! Concurrent load through the HTTP API, and a ledger of what the servers
//! promised: every write they acknowledged (2xx with ids) and every
//! purpose-checked read they answered (2xx). Writers create subjects with an
//! email and then add a name; readers read acknowledged subjects for the
//! `account` purpose and check that each value acknowledged before the read
//! was sent is in the answer. A worker stops when told to, or at its first
//! request that gets no answer (the server is gone).

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The purpose every write and read names (the example policy's `account`
/// covers both categories written).
pub const PURPOSE: &str = "account";

/// The audited actions the load performs, as the chain names them.
pub const ACTIONS: [&str; 3] = ["subject.create", "record.write", "record.read"];

/// Where requests go: a server's base URL and a client for it.
#[derive(Clone)]
pub struct Endpoint {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client with a timeout, so a hung request fails the test.
    pub http: reqwest::Client,
}

impl Endpoint {
    /// The endpoint of a running server.
    pub fn of(server: &crate::support::Server) -> Self {
        Self {
            base: server.base.clone(),
            http: server.http.clone(),
        }
    }

    /// Sends a request; None when no answer came (the server is gone).
    async fn send(&self, req: reqwest::RequestBuilder) -> Option<(u16, Value)> {
        let resp = req.send().await.ok()?;
        let status = resp.status().as_u16();
        let text = resp.text().await.ok()?;
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// POSTs `body` with `token`.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
        let req = self.http.post(format!("{}{path}", self.base));
        self.send(req.bearer_auth(token).json(body)).await
    }

    /// GETs `path` with `token`.
    pub async fn get(&self, path: &str, token: &str) -> Option<(u16, Value)> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req.bearer_auth(token)).await
    }
}

/// What the servers promised, accumulated over every run of a test.
#[derive(Default, Debug)]
pub struct Ledger {
    /// Acknowledged values by subject: (category, value).
    pub written: BTreeMap<String, BTreeSet<(String, String)>>,
    /// Subjects whose creation was acknowledged, in order.
    pub subjects: Vec<String>,
    /// Acknowledged `record.write`s (the name added after creation) by subject.
    pub record_writes: BTreeMap<String, u64>,
    /// Answered purpose-checked reads by subject.
    pub reads: BTreeMap<String, u64>,
    /// Answers that are not what a valid request should get.
    pub unexpected: Vec<String>,
    /// Requests that got no answer (in flight, or sent after a kill).
    pub unanswered: u64,
}

impl Ledger {
    /// Acknowledged writes: subject creations plus records added.
    pub fn writes(&self) -> u64 {
        self.subjects.len() as u64 + self.record_writes.values().sum::<u64>()
    }

    /// Answered reads.
    pub fn read_count(&self) -> u64 {
        self.reads.values().sum()
    }

    /// The audited acts answered, as (action, subject) with their number.
    pub fn audited_acts(&self) -> BTreeMap<(String, String), u64> {
        let created = self.subjects.iter().map(|s| (ACTIONS[0], s, 1));
        let written = self.record_writes.iter().map(|(s, n)| (ACTIONS[1], s, *n));
        let read = self.reads.iter().map(|(s, n)| (ACTIONS[2], s, *n));
        created
            .chain(written)
            .chain(read)
            .map(|(action, subject, n)| ((action.to_owned(), subject.clone()), n))
            .collect()
    }
}

/// Shared between the workers of one run.
struct Shared {
    ledger: Arc<Mutex<Ledger>>,
    stop: AtomicBool,
    acked: watch::Sender<usize>,
    service: String,
    tag: String,
    turn: AtomicUsize,
    in_flight: AtomicUsize,
}

/// Workers running against one or more servers.
pub struct Running {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

/// Starts `writers` and `readers` workers, spread over `targets` in turn,
/// all recording into `ledger` with the tenant's `service` key.
pub fn start(
    targets: &[Endpoint],
    service: &str,
    ledger: &Arc<Mutex<Ledger>>,
    writers: usize,
    readers: usize,
) -> Running {
    let shared = Arc::new(Shared {
        ledger: Arc::clone(ledger),
        stop: AtomicBool::new(false),
        acked: watch::Sender::new(0),
        service: service.to_owned(),
        tag: crate::support::random_tag()[..8].to_owned(),
        turn: AtomicUsize::new(0),
        in_flight: AtomicUsize::new(0),
    });
    let mut workers = Vec::new();
    for w in 0..writers {
        let target = targets[w % targets.len()].clone();
        workers.push(tokio::spawn(write_loop(target, Arc::clone(&shared), w)));
    }
    for r in 0..readers {
        let target = targets[(r + 1) % targets.len()].clone();
        workers.push(tokio::spawn(read_loop(target, Arc::clone(&shared))));
    }
    Running { shared, workers }
}

impl Running {
    /// Waits until this run has `n` acknowledged writes (at most a minute).
    pub async fn wait_for_writes(&self, n: usize) {
        let mut acked = self.shared.acked.subscribe();
        let limit = Duration::from_secs(60);
        // Decided in one statement, so the watch's borrow is released at
        // once: held on, it would block the writers.
        let reached = matches!(
            tokio::time::timeout(limit, acked.wait_for(|a| *a >= n)).await,
            Ok(Ok(_))
        );
        let seen = *self.shared.acked.borrow();
        assert!(
            reached,
            "only {seen} of {n} writes acknowledged in time: {:?}",
            self.shared.ledger.lock().unwrap().unexpected
        );
    }

    /// How many requests are sent and not yet answered, right now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Tells the workers to stop after their current request and waits.
    pub async fn finish(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for worker in self.workers {
            worker.await.unwrap();
        }
    }
}

async fn write_loop(target: Endpoint, shared: Arc<Shared>, w: usize) {
    for i in 0.. {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let email = format!("w{w}-{i}-{}@crash.example", shared.tag);
        let body = json!({
            "kind": "customer",
            "purpose": PURPOSE,
            "records": [{"category": "email", "value": email}],
        });
        let created = tracked(&shared, target.post("/v1/subjects", &shared.service, &body));
        let Some(created) = created.await else {
            shared.ledger.lock().unwrap().unanswered += 1;
            return;
        };
        let Some(id) = acknowledged(&shared, created, 201, |v| v["id"].as_str()) else {
            continue;
        };
        record(&shared, |l| {
            l.subjects.push(id.clone());
            l.written
                .entry(id.clone())
                .or_default()
                .insert(("email".into(), email));
        });
        let name = format!("Name {w} {i} {}", shared.tag);
        let body = json!({
            "purpose": PURPOSE,
            "records": [{"category": "name", "value": name}],
        });
        let path = format!("/v1/subjects/{id}/records");
        let Some(added) = tracked(&shared, target.post(&path, &shared.service, &body)).await else {
            shared.ledger.lock().unwrap().unanswered += 1;
            return;
        };
        if acknowledged(&shared, added, 201, |v| v["ids"][0].as_str()).is_some() {
            record(&shared, |l| {
                *l.record_writes.entry(id.clone()).or_default() += 1;
                l.written
                    .entry(id.clone())
                    .or_default()
                    .insert(("name".into(), name));
            });
        }
    }
}

/// Runs a request, counted as in flight until it is answered or fails.
async fn tracked<T>(shared: &Shared, request: impl Future<Output = T>) -> T {
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let outcome = request.await;
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    outcome
}

/// The id in an answer with the `expected` status; anything else is noted
/// as unexpected.
fn acknowledged(
    shared: &Shared,
    (status, body): (u16, Value),
    expected: u16,
    id: impl Fn(&Value) -> Option<&str>,
) -> Option<String> {
    match id(&body) {
        Some(id) if status == expected => Some(id.to_owned()),
        _ => {
            let note = format!("write answered {status}: {body}");
            shared.ledger.lock().unwrap().unexpected.push(note);
            None
        }
    }
}

/// Records an acknowledged write in the ledger and wakes whoever waits.
fn record(shared: &Shared, add: impl FnOnce(&mut Ledger)) {
    add(&mut shared.ledger.lock().unwrap());
    shared.acked.send_modify(|n| *n += 1);
}

async fn read_loop(target: Endpoint, shared: Arc<Shared>) {
    let mut acked = shared.acked.subscribe();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Some((subject, expected)) = pick(&shared) else {
            // Nothing acknowledged yet: wait for the first write.
            if acked.changed().await.is_err() {
                return;
            }
            continue;
        };
        let path = format!("/v1/subjects/{subject}/records?purpose={PURPOSE}");
        let Some((status, body)) = tracked(&shared, target.get(&path, &shared.service)).await
        else {
            shared.ledger.lock().unwrap().unanswered += 1;
            return;
        };
        let mut ledger = shared.ledger.lock().unwrap();
        if status != 200 {
            ledger
                .unexpected
                .push(format!("read answered {status}: {body}"));
            continue;
        }
        *ledger.reads.entry(subject.clone()).or_default() += 1;
        let got = values(&body);
        for missing in expected.difference(&got) {
            ledger.unexpected.push(format!(
                "a read of {subject} lacks acknowledged {missing:?}"
            ));
        }
    }
}

/// A subject to read, spread over those acknowledged so far, with the
/// values acknowledged for it before the read is sent.
fn pick(shared: &Shared) -> Option<(String, BTreeSet<(String, String)>)> {
    let ledger = shared.ledger.lock().unwrap();
    let n = ledger.subjects.len();
    if n == 0 {
        return None;
    }
    let turn = shared.turn.fetch_add(1, Ordering::Relaxed);
    // Recent subjects most often (a write racing its read), older ones too.
    let index = if turn.is_multiple_of(2) {
        n - 1 - (turn / 2) % n.min(8)
    } else {
        (turn * 7919) % n
    };
    let subject = ledger.subjects[index].clone();
    let expected = ledger.written.get(&subject).cloned().unwrap_or_default();
    Some((subject, expected))
}

/// The (category, value) pairs of a read's answer.
pub fn values(body: &Value) -> BTreeSet<(String, String)> {
    body["records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["category"].as_str()?.into(), r["value"].as_str()?.into())))
        .collect()
}
