//! The erasure ledger seen from the engine: every erasure reaches it before
//! it commits (and is not committed if it cannot), a refused one never
//! does, and a replay erases again, exactly once, what a restored database
//! still holds, writing no line of its own.

use crate::helpers::*;
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use tutela_engine::deliveries::DeliveryFilter;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::ledger::{ErasureEntry, ErasureLedger};
use tutela_engine::{Engine, ReplayReport};

/// A ledger in memory; `broken` makes every append fail.
#[derive(Default)]
pub struct MemoryLedger {
    text: Mutex<String>,
    broken: bool,
}

#[async_trait]
impl ErasureLedger for MemoryLedger {
    fn append(&self, lines: &str) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other("disk full"));
        }
        let mut text = self.text.lock().unwrap();
        text.push_str(lines);
        text.push('\n');
        Ok(())
    }

    async fn read(&self) -> std::io::Result<String> {
        Ok(self.text.lock().unwrap().clone())
    }
}

impl MemoryLedger {
    fn push(&self, line: &str) {
        let mut text = self.text.lock().unwrap();
        text.push_str(line);
        text.push('\n');
    }
}

/// An engine whose erasures and rights go to `ledger`.
pub async fn with_ledger(ledger: &Arc<MemoryLedger>) -> TestEngine {
    let shared: Arc<dyn ErasureLedger> = ledger.clone();
    spawn_engine_with_ledger(Some(shared)).await
}

async fn replay(engine: &Engine) -> ReplayReport {
    engine.replay_erasures().await.unwrap()
}

#[tokio::test]
async fn an_erasure_is_on_the_ledger_by_pseudonym_before_it_commits() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let s = t.customer("ada@example.com").await;
    t.engine.erase_subject(&t.dpo, s).await.unwrap();
    let read = t.engine.read_erasure_ledger().await.unwrap();
    assert_eq!(read.entries.len(), 1);
    assert_eq!(
        (read.entries[0].subject, &read.entries[0].tenant),
        (s, &t.acme)
    );
    assert_eq!(read.entries[0].at, t.engine.now());
    let text = ledger.read().await.unwrap();
    assert!(
        !text.contains("ada@example.com") && !text.contains("Ada"),
        "{text}"
    );
    // Nothing is left for a replay on the live database.
    let report = replay(&t.engine).await;
    assert_eq!((report.replayed, report.already_erased), (0, 1));
    t.close().await;
}

#[tokio::test]
async fn an_erasure_the_ledger_cannot_record_is_not_committed() {
    let ledger = Arc::new(MemoryLedger {
        broken: true,
        ..MemoryLedger::default()
    });
    let t = with_ledger(&ledger).await;
    let s = t.customer("ada@example.com").await;
    let before = t.entries().await.len();
    let erased = t.engine.erase_subject(&t.dpo, s).await;
    assert_eq!(code(&erased), "E_LEDGER_UNAVAILABLE");
    assert_eq!(t.entries().await.len(), before, "no erasure on the chain");
    let report = t.engine.subject_access(&t.dpo, s).await.unwrap();
    assert_eq!(report.records.len(), 3, "nothing was erased");
    t.close().await;
}

#[tokio::test]
async fn replay_erases_what_the_database_still_holds_once_and_keeps_what_is_held() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let e = &t.engine;
    // A subject with data under a statutory hold whose erasure (as the
    // ledger says) succeeded after this database was backed up: a restore.
    let s = t.customer("ada@example.com").await;
    e.write_records(
        &t.service,
        s,
        &purpose("billing"),
        vec![record("iban", "DE89370400440532013000")],
    )
    .await
    .unwrap();
    let key = t.master.erasure_ledger_key();
    let line = |tenant: &str, subject: SubjectId| {
        ErasureEntry {
            tenant: TenantId::parse(tenant).unwrap(),
            subject,
            at: e.now(),
        }
        .to_line(&key)
    };
    ledger.push(&line("acme", s));
    ledger.push(&line("acme", s));
    ledger.push(&line("acme", SubjectId::new()));
    ledger.push(&line("nobody", SubjectId::new()));
    let before = ledger.read().await.unwrap();

    let report = replay(e).await;
    assert_eq!(
        ledger.read().await.unwrap(),
        before,
        "a replay carries out lines, it writes none"
    );
    assert_eq!(
        report,
        ReplayReport {
            entries: 4,
            replayed: 1,
            already_erased: 0,
            absent: 2,
            torn_tail: false,
            not_in_ledger: 0,
        }
    );
    let entries = t.entries().await;
    let last = entries.iter().max_by_key(|x| x.at_us).unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor.as_str(),
            last.detail.as_str()
        ),
        ("subject.erase", "cli", "replay=ledger")
    );
    assert_eq!(last.subject, Some(s.to_string()));
    // Erased as the original was: the held record is kept, nothing else.
    let report = e.subject_access(&t.dpo, s).await.unwrap();
    assert!(report.erased_at.is_some());
    let held: Vec<&str> = report.records.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(held, ["iban"]);
    // Its recipients are told (Art. 19): the notices queued with the
    // original erasure were in the database the restore replaced.
    let erased_notices = e
        .store()
        .deliveries(&t.acme, DeliveryFilter::default(), 500)
        .await
        .unwrap()
        .iter()
        .filter(|d| d.subject == s && d.kind.as_str() == "subject.erased")
        .count();
    assert!(
        erased_notices > 0,
        "the replayed erasure queues its notices"
    );
    let again = replay(e).await;
    assert_eq!((again.replayed, again.already_erased), (0, 1));
    t.assert_chain_intact().await;
    t.close().await;
}

#[tokio::test]
async fn a_tampered_ledger_replays_nothing() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let s = t.customer("ada@example.com").await;
    let forged = ErasureEntry {
        tenant: t.acme.clone(),
        subject: s,
        at: t.engine.now(),
    }
    .to_line(&tutela_vault::MasterKey::generate().erasure_ledger_key());
    ledger.push(&forged);
    let replayed = t.engine.replay_erasures().await;
    assert_eq!(code(&replayed), "E_LEDGER_TAMPERED");
    let message = replayed.unwrap_err().to_string();
    assert!(message.contains("line 1"), "{message}");
    assert_eq!(
        t.engine
            .subject_access(&t.dpo, s)
            .await
            .unwrap()
            .records
            .len(),
        3
    );
    t.close().await;
}

/// A sweep's whole-subject erasure that the store refuses (here a write
/// that cannot succeed, as a racing write would make
/// `RequireNoRecordsLeft` fail) commits nothing and leaves no erasure
/// line: a restore would otherwise erase a subject that is still live.
/// The next sweep erases it, and its line stands.
#[tokio::test]
async fn a_refused_sweep_erasure_leaves_no_erasure_on_the_ledger() {
    use crate::faulty::Faulty;
    use crate::retention::{seed_tenant, user};
    use std::sync::atomic::AtomicU32;
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let start = t.engine.now();
    let s = user(&t, &who, &["server_log"]).await;
    let ledger = Arc::new(MemoryLedger::default());
    let shared: Arc<dyn ErasureLedger> = ledger.clone();
    let faulty = Arc::new(Faulty {
        inner: Arc::clone(t.engine.store()),
        fail_sweep: AtomicU32::new(1),
    });
    let engine =
        Engine::new(faulty, t.clock.clone(), Arc::clone(&t.master)).with_erasure_ledger(shared);
    t.clock
        .set(tutela_policy::CalendarSpan::days(90).after(start).unwrap());
    let first = engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!((first.subjects_erased, first.skipped), (0, 1), "{first:?}");
    assert_eq!(
        ledger.read().await.unwrap(),
        "",
        "no line, not even a cancel"
    );
    let second = engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!(second.subjects_erased, 1, "{second:?}");
    let read = engine.read_erasure_ledger().await.unwrap();
    let erased: Vec<_> = read.entries.iter().map(|e| e.subject).collect();
    assert_eq!(erased, vec![s]);
    t.close().await;
}
