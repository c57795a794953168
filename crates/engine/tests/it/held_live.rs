//! Records of a LIVE subject that a retention sweep moved under a statutory
//! hold (Art. 17(3)(b), 18(1)): readable for the hold's legal-obligation
//! purpose only, listed in the subject's access answer (Art. 15(1)), kept
//! exactly once when the subject is erased later, and erased by the sweep
//! when the hold ends, whether the subject is erased or still live.

use crate::helpers::{TestEngine, category, purpose, record};
use crate::retention::seed_tenant;
use jiff::{SignedDuration, Timestamp};
use tutela_engine::EngineError;
use tutela_engine::holds::HoldStart;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_engine::{PlainRecord, SweepReport};
use tutela_policy::SubjectKindId;

const TICK: SignedDuration = SignedDuration::from_micros(1);
const LAW: &str = "Commercial and tax law";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn sweep(t: &TestEngine, who: &Principal) -> SweepReport {
    t.engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap()
}

/// A user collected on 2026-03-01 with an invoice (due after a year, held
/// ten years from collection) and a name (not due), swept on 2027-03-01:
/// the invoice is held, the subject stays live.
async fn live_with_held_invoice(t: &TestEngine, who: &Principal) -> SubjectId {
    t.clock.set(at("2026-03-01T00:00:00Z"));
    let s = t
        .engine
        .create_subject(
            who,
            &SubjectKindId::parse("user").unwrap(),
            &purpose("service"),
            vec![
                record("invoice", "INV-2026-001"),
                record("user_name", "Ada"),
            ],
        )
        .await
        .unwrap();
    t.clock.set(at("2027-03-01T00:00:00Z"));
    let report = sweep(t, who).await;
    assert_eq!(
        (report.held, report.subjects_swept, report.subjects_erased),
        (1, 1, 0),
        "{report:?}"
    );
    s
}

async fn read(
    t: &TestEngine,
    who: &Principal,
    s: SubjectId,
    for_purpose: &str,
    categories: Option<&[&str]>,
) -> Result<Vec<PlainRecord>, EngineError> {
    let categories = categories.map(|c| c.iter().map(|c| category(c)).collect());
    t.engine
        .read_records(who, s, &purpose(for_purpose), categories)
        .await
}

fn values(records: &[PlainRecord]) -> Vec<&str> {
    records.iter().map(|r| r.value.as_str()).collect()
}

async fn last_detail(t: &TestEngine, who: &Principal) -> String {
    let entries = t.entries_of(&who.tenant).await;
    entries
        .iter()
        .max_by_key(|e| e.at_us)
        .unwrap()
        .detail
        .clone()
}

#[tokio::test]
async fn a_held_invoice_of_a_live_subject_is_read_for_the_law_listed_then_erased_once() {
    let t = crate::helpers::spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = live_with_held_invoice(&t, &who).await;

    // The legal-obligation purpose sees it, asked for or not.
    let got = read(&t, &who, s, "tax", Some(&["invoice"])).await.unwrap();
    assert_eq!(values(&got), ["INV-2026-001"]);
    assert_eq!(got[0].collected_for.as_str(), "service");
    assert_eq!(
        last_detail(&t, &who).await,
        "categories=invoice count=1 held=1"
    );
    let got = read(&t, &who, s, "tax", None).await.unwrap();
    assert_eq!(values(&got), ["INV-2026-001"]);

    // Every other purpose sees the live data only (Art. 18(1)).
    let got = read(&t, &who, s, "service", Some(&["invoice"]))
        .await
        .unwrap();
    assert!(got.is_empty(), "{got:?}");
    let got = read(&t, &who, s, "service", None).await.unwrap();
    assert_eq!(values(&got), ["Ada"]);
    assert_eq!(
        last_detail(&t, &who).await,
        "categories=server_log,install,kudos,user_name,contact_message,contact_topic,\
         cookie_choice,invoice count=1"
    );

    // The access answer lists it with its law and end (Art. 15(1)).
    let answer = t.engine.access_answer(&who, s).await.unwrap();
    assert!(answer.erased_at.is_none());
    let mut listed = values(&answer.records);
    listed.sort_unstable();
    assert_eq!(listed, ["Ada", "INV-2026-001"]);
    assert_eq!(answer.held.len(), 1);
    let note = &answer.held[0];
    assert_eq!(note.category.as_str(), "invoice");
    assert_eq!(note.law, LAW);
    assert_eq!(note.counted_from, HoldStart::Collected);
    let ends = at("2036-03-01T00:00:00Z");
    assert_eq!(note.ends_at, ends);
    let held_record = answer.records.iter().find(|r| r.id == note.record);
    assert_eq!(held_record.unwrap().value, "INV-2026-001");
    let md = tutela_engine::answer::access_markdown(&answer);
    assert!(md.contains("until 2036-03-01"), "{md}");

    // Erasing the subject keeps exactly the one held copy.
    t.engine.erase_subject(&who, s).await.unwrap();
    let holds = t
        .engine
        .store()
        .subject_holds(&who.tenant, s)
        .await
        .unwrap();
    assert_eq!((holds.holds.len(), holds.records.len()), (1, 1));
    let got = read(&t, &who, s, "tax", None).await.unwrap();
    assert_eq!(values(&got), ["INV-2026-001"]);
    let answer = t.engine.access_answer(&who, s).await.unwrap();
    assert!(answer.erased_at.is_some());
    assert_eq!(values(&answer.records), ["INV-2026-001"]);
    assert_eq!(answer.held.len(), 1);

    // Kept to the last moment of the hold, erased by the sweep at its end.
    t.clock.set(ends.checked_sub(TICK).unwrap());
    assert_eq!(sweep(&t, &who).await.hold_ended, 0);
    assert_eq!(read(&t, &who, s, "tax", None).await.unwrap().len(), 1);
    t.clock.set(ends);
    assert_eq!(sweep(&t, &who).await.hold_ended, 1);
    let gone = read(&t, &who, s, "tax", None).await;
    assert!(matches!(gone, Err(EngineError::SubjectErased)), "{gone:?}");
    let holds = t
        .engine
        .store()
        .subject_holds(&who.tenant, s)
        .await
        .unwrap();
    assert!(holds.holds.is_empty() && holds.records.is_empty());
    let chain = t.engine.verify_audit(&who).await.unwrap();
    assert!(chain.intact(), "{chain:?}");
    t.close().await;
}

#[tokio::test]
async fn a_hold_ending_while_the_subject_lives_erases_the_held_copy_only() {
    let t = crate::helpers::spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = live_with_held_invoice(&t, &who).await;
    t.clock.set(at("2036-03-01T00:00:00Z"));
    let report = sweep(&t, &who).await;
    assert_eq!(
        (report.hold_ended, report.subjects_erased),
        (1, 0),
        "{report:?}"
    );
    let got = read(&t, &who, s, "tax", None).await.unwrap();
    assert!(got.is_empty(), "{got:?}");
    let answer = t.engine.access_answer(&who, s).await.unwrap();
    assert_eq!(values(&answer.records), ["Ada"]);
    assert!(answer.held.is_empty());
    let holds = t
        .engine
        .store()
        .subject_holds(&who.tenant, s)
        .await
        .unwrap();
    assert!(holds.holds.is_empty() && holds.records.is_empty());
    t.close().await;
}

/// Art. 17(3)(b), 5(1)(e): a hold the policy has lengthened since the
/// record was held keeps it to the new end. The sweep that finds its
/// stored end come moves the end instead of erasing it, and erases it at
/// the new end.
#[tokio::test]
async fn a_hold_lengthened_since_keeps_the_record_to_its_new_end() {
    let t = crate::helpers::spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = live_with_held_invoice(&t, &who).await;
    // The law now asks for twelve years: a material change, published
    // with its notice period.
    let longer = crate::retention::SEED_POLICY.replace(
        "law = \"Commercial and tax law\"\nkeep = \"10 years\"",
        "law = \"Commercial and tax law\"\nkeep = \"12 years\"",
    );
    assert_ne!(longer, crate::retention::SEED_POLICY);
    t.engine
        .publish_policy(&who, &longer, Some(at("2027-06-01T00:00:00Z")))
        .await
        .unwrap();

    // The forecast says what the sweep will do: nothing ends in 2036.
    t.clock.set(at("2036-02-01T00:00:00Z"));
    let forecast = t.engine.retention_forecast(&who, 60).await.unwrap();
    assert!(
        forecast.holds_ending.is_empty(),
        "{:?}",
        forecast.holds_ending
    );

    t.clock.set(at("2036-03-01T00:00:00Z"));
    let report = sweep(&t, &who).await;
    assert_eq!(
        (report.hold_ended, report.hold_extended),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(
        values(&read(&t, &who, s, "tax", None).await.unwrap()),
        ["INV-2026-001"],
        "still kept for the law"
    );
    let ends = at("2038-03-01T00:00:00Z");
    let held = t
        .engine
        .store()
        .subject_holds(&who.tenant, s)
        .await
        .unwrap();
    assert_eq!(held.records[0].ends_at, ends);
    let again = sweep(&t, &who).await;
    assert_eq!((again.hold_ended, again.hold_extended), (0, 0));

    t.clock
        .set(ends.checked_sub(SignedDuration::from_hours(24)).unwrap());
    let forecast = t.engine.retention_forecast(&who, 2).await.unwrap();
    assert_eq!(forecast.holds_ending.values().sum::<u64>(), 1);
    t.clock.set(ends);
    let report = sweep(&t, &who).await;
    assert_eq!((report.hold_ended, report.hold_extended), (1, 0));
    assert!(read(&t, &who, s, "tax", None).await.unwrap().is_empty());
    t.close().await;
}
