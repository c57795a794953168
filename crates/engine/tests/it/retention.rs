//! Retention that fires on time (Art. 5(1)(e)): for each rule of the seed
//! policies, the injected clock moves across the boundary and the data is
//! readable just before and gone just after. Also: the 29 February case,
//! holds ending (Art. 17(3)(b)), anonymised aggregates with small groups
//! withheld (Recital 26), events and plans refused or audited, and a sweep
//! whose commit fails midway leaving no half-swept subject.

use crate::helpers::{TestEngine, category, code, purpose, record, spawn_engine};
use jiff::{SignedDuration, Timestamp};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::{EngineError, SweepReport};
use tutela_policy::{EventName, PlanName, SubjectKindId};

/// The seed promises as one policy: logs 90 days; install data at
/// uninstall; kudos 90 days after uninstall; free plan kudos and users after
/// one calendar year; contact form 12 months (deleted, its topic
/// anonymised); cookie consent records 13 months; invoices a year, under a
/// 10-year statutory hold.
pub const SEED_POLICY: &str = r#"
[controller]
name = "Kudos Ltd"
email = "privacy@kudos.example"
[authority]
name = "DPA"
url = "https://dpa.example"
[[subject_kind]]
id = "user"
description = "Users"
[[category]]
id = "server_log"
description = "Server logs"
taxonomy = "system.operations"
[[category]]
id = "install"
description = "Installation data"
taxonomy = "system.operations"
[[category]]
id = "kudos"
description = "Kudos"
taxonomy = "user.content"
[[category]]
id = "user_name"
description = "Name"
taxonomy = "user.name"
[[category]]
id = "contact_message"
description = "Contact form message"
taxonomy = "user.content"
[[category]]
id = "contact_topic"
description = "Contact form topic"
taxonomy = "user.content"
[[category]]
id = "cookie_choice"
description = "Cookie consent choice"
taxonomy = "user.behavior"
[[category]]
id = "invoice"
description = "Invoices"
taxonomy = "user.financial"
[[purpose]]
id = "service"
description = "Run the service"
basis = "contract"
categories = ["server_log", "install", "kudos", "user_name", "contact_message", "contact_topic", "cookie_choice", "invoice"]
[[purpose]]
id = "tax"
description = "Keep the books"
basis = "legal_obligation"
categories = ["invoice"]
[[retention]]
categories = ["server_log"]
keep = "90 days"
from = "collected"
[[retention]]
categories = ["install"]
keep = "0 days"
from = "event:tenant.uninstalled"
[[retention]]
categories = ["kudos"]
keep = "90 days"
from = "event:tenant.uninstalled"
[[retention]]
categories = ["kudos", "user_name"]
keep = "1 year"
from = "plan:free"
[[retention]]
categories = ["contact_message"]
keep = "12 months"
from = "collected"
[[retention]]
categories = ["contact_topic"]
keep = "12 months"
from = "collected"
then = "anonymise"
[[retention]]
categories = ["cookie_choice"]
keep = "13 months"
from = "collected"
[[retention]]
categories = ["invoice"]
keep = "1 year"
from = "collected"
[[hold]]
categories = ["invoice"]
law = "Commercial and tax law"
keep = "10 years"
from = "collected"
"#;

/// A tenant `kudos` on [`SEED_POLICY`] and its local admin.
pub async fn seed_tenant(t: &TestEngine) -> Principal {
    let kudos = TenantId::parse("kudos").unwrap();
    t.engine
        .create_tenant(&t.operator, kudos.clone(), "Kudos", SEED_POLICY)
        .await
        .unwrap();
    Principal::local_admin(kudos, false)
}

/// A user with one value per category given, collected now.
pub async fn user(t: &TestEngine, who: &Principal, categories: &[&str]) -> SubjectId {
    let records = categories.iter().map(|c| record(c, "v")).collect();
    t.engine
        .create_subject(
            who,
            &SubjectKindId::parse("user").unwrap(),
            &purpose("service"),
            records,
        )
        .await
        .unwrap()
}

/// How many values of `category` a read for `for_purpose` returns; 0 when
/// the subject is erased and nothing is held for that purpose.
async fn readable(
    t: &TestEngine,
    who: &Principal,
    s: SubjectId,
    c: &str,
    for_purpose: &str,
) -> usize {
    match t
        .engine
        .read_records(who, s, &purpose(for_purpose), Some(vec![category(c)]))
        .await
    {
        Ok(values) => values.len(),
        Err(EngineError::SubjectErased) => 0,
        Err(e) => panic!("{e:?}"),
    }
}

pub async fn sweep(t: &TestEngine, who: &Principal) -> SweepReport {
    t.engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const TICK: SignedDuration = SignedDuration::from_micros(1);

/// Sets the clock just before `due`, sweeps and checks `c` is still there;
/// then at `due`, sweeps and checks it is gone.
async fn crosses(t: &TestEngine, who: &Principal, s: SubjectId, c: &str, due: Timestamp) {
    t.clock.set(due.checked_sub(TICK).unwrap());
    sweep(t, who).await;
    assert_eq!(
        readable(t, who, s, c, "service").await,
        1,
        "{c} before {due}"
    );
    t.clock.set(due);
    let report = sweep(t, who).await;
    assert!(report.subjects_swept >= 1, "{report:?}");
    assert_eq!(readable(t, who, s, c, "service").await, 0, "{c} at {due}");
}

#[tokio::test]
async fn logs_go_ninety_days_after_collection() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let start = t.engine.now();
    let s = user(&t, &who, &["server_log", "contact_message"]).await;
    let due = tutela_policy::CalendarSpan::days(90).after(start).unwrap();
    crosses(&t, &who, s, "server_log", due).await;
    assert_eq!(
        readable(&t, &who, s, "contact_message", "service").await,
        1,
        "the rest stays"
    );
    let entries = t.entries_of(&who.tenant).await;
    let swept: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "retention.sweep")
        .collect();
    assert_eq!(swept.len(), 1);
    assert_eq!(
        swept[0].detail,
        "deleted=1 anonymised=0 held=0 erased=false rules=0"
    );
    assert_eq!(swept[0].actor, "retention");
    t.close().await;
}

#[tokio::test]
async fn install_data_goes_at_uninstall_and_kudos_ninety_days_later() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["install", "kudos", "contact_message"]).await;
    t.clock.advance(SignedDuration::from_hours(24 * 400));
    sweep(&t, &who).await;
    assert_eq!(
        readable(&t, &who, s, "install", "service").await,
        1,
        "no uninstall yet"
    );
    assert_eq!(readable(&t, &who, s, "kudos", "service").await, 1);
    let name = EventName::parse("tenant.uninstalled").unwrap();
    t.engine.record_event(&who, &name, None).await.unwrap();
    let uninstalled = t.engine.now();
    sweep(&t, &who).await;
    assert_eq!(
        readable(&t, &who, s, "install", "service").await,
        0,
        "gone at uninstall"
    );
    assert_eq!(readable(&t, &who, s, "kudos", "service").await, 1);
    let due = tutela_policy::CalendarSpan::days(90)
        .after(uninstalled)
        .unwrap();
    crosses(&t, &who, s, "kudos", due).await;
    t.close().await;
}

#[tokio::test]
async fn free_plan_kudos_and_users_go_after_one_calendar_year_whole() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["kudos", "user_name"]).await;
    let other = user(&t, &who, &["kudos", "user_name"]).await;
    let free = PlanName::parse("free").unwrap();
    t.clock.set(at("2026-05-10T12:00:00Z"));
    t.engine.set_plan(&who, s, &free).await.unwrap();
    t.engine.set_plan(&who, other, &free).await.unwrap();
    t.clock.set(at("2026-06-01T00:00:00Z"));
    t.engine
        .set_plan(&who, other, &PlanName::parse("pro").unwrap())
        .await
        .unwrap();
    crosses(&t, &who, s, "kudos", at("2027-05-10T12:00:00Z")).await;
    let err = t
        .engine
        .read_records(&who, s, &purpose("service"), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "E_SUBJECT_ERASED",
        "nothing else kept: the user goes whole"
    );
    assert_eq!(
        readable(&t, &who, other, "user_name", "service").await,
        1,
        "upgraded"
    );
    t.close().await;
}

#[tokio::test]
async fn a_contact_form_goes_after_twelve_months_its_topic_counted_anonymously() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    t.clock.set(at("2026-01-15T10:00:00Z"));
    let mut users = Vec::new();
    for _ in 0..5 {
        users.push(
            user(
                &t,
                &who,
                &["contact_message", "contact_topic", "server_log"],
            )
            .await,
        );
    }
    t.clock.set(at("2026-02-03T10:00:00Z"));
    let lone = user(&t, &who, &["contact_topic", "cookie_choice"]).await;
    // Logs go first; the forms stay until twelve months have passed.
    t.clock.set(at("2027-01-15T09:59:59Z"));
    sweep(&t, &who).await;
    for s in &users {
        assert_eq!(
            readable(&t, &who, *s, "contact_message", "service").await,
            1
        );
        assert_eq!(readable(&t, &who, *s, "contact_topic", "service").await, 1);
    }
    t.clock.set(at("2027-01-15T10:00:00Z"));
    let report = sweep(&t, &who).await;
    assert_eq!((report.deleted, report.anonymised), (5, 5), "{report:?}");
    assert_eq!(report.subjects_erased, 5);
    for s in &users {
        assert_eq!(readable(&t, &who, *s, "contact_topic", "service").await, 0);
    }
    t.clock.set(at("2027-02-03T10:00:00Z"));
    sweep(&t, &who).await;
    assert_eq!(
        readable(&t, &who, lone, "contact_topic", "service").await,
        0
    );
    assert_eq!(
        readable(&t, &who, lone, "cookie_choice", "service").await,
        1
    );
    let aggregates = t.engine.retention_aggregates(&who).await.unwrap();
    assert_eq!(aggregates.min_group_size, 5);
    assert_eq!(aggregates.groups.len(), 1, "{aggregates:?}");
    assert_eq!(aggregates.groups[0].period, "2026-01");
    assert_eq!(aggregates.groups[0].count, 5);
    assert_eq!(
        aggregates.suppressed, 1,
        "the lone February form is withheld"
    );
    t.close().await;
}

#[tokio::test]
async fn a_cookie_choice_goes_after_thirteen_months() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    t.clock.set(at("2026-01-31T08:00:00Z"));
    let s = user(&t, &who, &["cookie_choice", "contact_message"]).await;
    crosses(&t, &who, s, "cookie_choice", at("2027-02-28T08:00:00Z")).await;
    t.close().await;
}

#[tokio::test]
async fn a_year_from_29_february_ends_on_28_february() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    t.clock.set(at("2028-02-29T06:30:00Z"));
    let s = user(
        &t,
        &who,
        &["contact_message", "server_log", "cookie_choice"],
    )
    .await;
    crosses(&t, &who, s, "contact_message", at("2029-02-28T06:30:00Z")).await;
    t.close().await;
}

#[tokio::test]
async fn an_invoice_due_under_a_ten_year_hold_is_held_then_erased() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    t.clock.set(at("2026-03-01T00:00:00Z"));
    let s = user(&t, &who, &["invoice"]).await;
    t.clock.set(at("2027-02-20T00:00:00Z"));
    let forecast = t.engine.retention_forecast(&who, 30).await.unwrap();
    let lines: Vec<(String, &str, tutela_engine::retention::Fate)> = forecast
        .lines
        .iter()
        .map(|l| (l.date.to_string(), l.category.as_str(), l.then))
        .collect();
    assert_eq!(
        lines,
        vec![(
            "2027-03-01".to_owned(),
            "invoice",
            tutela_engine::retention::Fate::Hold
        )],
        "the forecast says held, not deleted"
    );
    t.clock.set(at("2027-03-01T00:00:00Z"));
    let report = sweep(&t, &who).await;
    assert_eq!((report.held, report.subjects_erased), (1, 1), "{report:?}");
    assert_eq!(report.deleted, 0, "moved under the hold, not deleted");
    assert_eq!(readable(&t, &who, s, "invoice", "service").await, 0);
    let ends = at("2036-03-01T00:00:00Z");
    t.clock.set(ends.checked_sub(TICK).unwrap());
    sweep(&t, &who).await;
    assert_eq!(
        readable(&t, &who, s, "invoice", "tax").await,
        1,
        "kept for the law"
    );
    t.clock.set(ends);
    let report = sweep(&t, &who).await;
    assert_eq!(report.hold_ended, 1, "{report:?}");
    assert_eq!(
        readable(&t, &who, s, "invoice", "tax").await,
        0,
        "gone when the hold ends"
    );
    assert!(
        t.engine
            .store()
            .subject_holds(&who.tenant, s)
            .await
            .unwrap()
            .holds
            .is_empty()
    );
    let again = sweep(&t, &who).await;
    assert_eq!(again.hold_ended, 0, "idempotent");
    t.close().await;
}

#[tokio::test]
async fn the_forecast_counts_what_will_go_and_changes_nothing() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["server_log", "contact_message"]).await;
    t.clock.advance(SignedDuration::from_hours(24 * 80));
    let forecast = t.engine.retention_forecast(&who, 30).await.unwrap();
    assert_eq!(forecast.lines.len(), 1, "{forecast:?}");
    let line = &forecast.lines[0];
    assert_eq!((line.category.as_str(), line.count), ("server_log", 1));
    assert_eq!(line.rule_text, "90 days from collected");
    assert_eq!(readable(&t, &who, s, "server_log", "service").await, 1);
    let none = t.engine.retention_forecast(&who, 5).await.unwrap();
    assert!(none.lines.is_empty());
    let too_far = t.engine.retention_forecast(&who, 4000).await;
    assert_eq!(code(&too_far), "E_INVALID_INPUT");
    t.close().await;
}

#[tokio::test]
async fn an_undeclared_event_is_refused_and_events_and_plans_are_audited() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["kudos"]).await;
    let typo = EventName::parse("tenant.uninstall").unwrap();
    let before = t.entries_of(&who.tenant).await.len();
    assert_eq!(
        code(&t.engine.record_event(&who, &typo, None).await),
        "E_EVENT_NOT_DECLARED"
    );
    assert_eq!(
        t.entries_of(&who.tenant).await.len(),
        before,
        "bad input changes nothing"
    );
    let name = EventName::parse("tenant.uninstalled").unwrap();
    t.engine.record_event(&who, &name, Some(s)).await.unwrap();
    t.engine
        .set_plan(&who, s, &PlanName::parse("free").unwrap())
        .await
        .unwrap();
    let missing = t
        .engine
        .set_plan(&who, SubjectId::new(), &PlanName::parse("free").unwrap())
        .await;
    assert_eq!(code(&missing), "E_SUBJECT_NOT_FOUND");
    let entries = t.entries_of(&who.tenant).await;
    let event = entries.iter().find(|e| e.action == "event.record").unwrap();
    assert!(
        event.detail.starts_with("event=tenant.uninstalled id="),
        "{}",
        event.detail
    );
    assert_eq!(event.subject, Some(s.to_string()));
    let plan = entries.iter().find(|e| e.action == "subject.plan").unwrap();
    assert_eq!(plan.detail, "plan=free");
    let anchors = t
        .engine
        .store()
        .subject_anchors(&who.tenant, s)
        .await
        .unwrap();
    assert_eq!(anchors.events.len(), 1);
    assert_eq!(anchors.plans.len(), 1);
    assert!(anchors.last_activity.is_some(), "creation marks activity");
    // An erasure takes the subject's events, plans and mark with it.
    t.engine.erase_subject(&who, s).await.unwrap();
    let anchors = t
        .engine
        .store()
        .subject_anchors(&who.tenant, s)
        .await
        .unwrap();
    assert_eq!(anchors, Default::default());
    t.close().await;
}

#[tokio::test]
async fn reads_mark_last_activity_at_most_once_a_day() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["kudos"]).await;
    let created = t.engine.now();
    let mark = || async {
        t.engine
            .store()
            .subject_anchors(&who.tenant, s)
            .await
            .unwrap()
            .last_activity
    };
    assert_eq!(mark().await, Some(created));
    t.clock.advance(SignedDuration::from_hours(3));
    readable(&t, &who, s, "kudos", "service").await;
    assert_eq!(
        mark().await,
        Some(created),
        "a read within the day writes nothing"
    );
    t.clock.advance(SignedDuration::from_hours(22));
    readable(&t, &who, s, "kudos", "service").await;
    assert_eq!(mark().await, Some(t.engine.now()), "a day later it moves");
    t.close().await;
}

#[tokio::test]
async fn a_sweep_failing_midway_leaves_no_half_swept_subject_and_the_next_finishes() {
    use crate::faulty::Faulty;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tutela_engine::Engine;
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let start = t.engine.now();
    let mut users = Vec::new();
    for _ in 0..3 {
        users.push(user(&t, &who, &["server_log", "server_log", "contact_message"]).await);
    }
    let faulty = Arc::new(Faulty {
        inner: Arc::clone(t.engine.store()),
        fail_sweep: AtomicU32::new(2),
    });
    let engine = Engine::new(faulty.clone(), t.clock.clone(), Arc::clone(&t.master));
    t.clock
        .set(tutela_policy::CalendarSpan::days(90).after(start).unwrap());
    let first = engine.sweep_tenant(&who.tenant, &|_| {}).await;
    let swept = t.entries_of(&who.tenant).await;
    let count = |entries: &[tutela_engine::audit::AuditEntry]| {
        entries
            .iter()
            .filter(|e| e.action == "retention.sweep")
            .count()
    };
    assert_eq!(count(&swept), 2, "{first:?}");
    // What is stored, counted in the store: a due record is unreadable
    // whether or not a sweep has deleted it.
    let stamps = t
        .engine
        .store()
        .record_stamps_of(&who.tenant, &users)
        .await
        .unwrap();
    let logs: Vec<usize> = stamps
        .iter()
        .map(|s| {
            s.as_ref()
                .unwrap()
                .iter()
                .filter(|r| r.category.as_str() == "server_log")
                .count()
        })
        .collect();
    // One subject kept both logs (its change rolled back whole); the
    // others lost both; none lost one.
    let mut sorted = logs.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![0, 0, 2], "{logs:?}");
    assert_eq!(faulty.fail_sweep.load(Ordering::SeqCst), 0);
    let second = engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!(
        (second.subjects_swept, second.deleted),
        (1, 2),
        "{second:?}"
    );
    for s in &users {
        assert_eq!(readable(&t, &who, *s, "server_log", "service").await, 0);
        assert_eq!(
            readable(&t, &who, *s, "contact_message", "service").await,
            1
        );
    }
    assert_eq!(
        count(&t.entries_of(&who.tenant).await),
        3,
        "one entry per subject swept"
    );
    let idle = engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!(idle.subjects_swept, 0, "idempotent");
    t.close().await;
}
