//! Due dates by rule and anchor, the 29 February case, the whole-subject
//! decision and the forecast.

use super::*;
use crate::ids::{EventId, RecordId, SubjectId, TenantId};
use crate::store::RecordRow;
use jiff::Timestamp;
use tutela_policy::{CategoryId, Disposal, EventName, PlanName, Policy, PurposeId};

const POLICY: &str = r#"
[controller]
name = "Kudos Ltd"
email = "privacy@kudos.example"
[authority]
name = "DPA"
url = "https://dpa.example"
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
id = "contact"
description = "Contact form"
taxonomy = "user.contact"
[[category]]
id = "ticket"
description = "Tickets"
taxonomy = "user.content"
[[subject_kind]]
id = "user"
description = "Users"
[[purpose]]
id = "service"
description = "Run the service"
basis = "contract"
categories = ["server_log", "install", "kudos", "contact", "ticket"]
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
categories = ["kudos"]
keep = "1 year"
from = "plan:free"
[[retention]]
categories = ["contact"]
keep = "12 months"
from = "collected"
then = "anonymise"
[[retention]]
categories = ["ticket"]
keep = "1 year"
from = "last_activity"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap()
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn tenant() -> TenantId {
    TenantId::parse("kudos").unwrap()
}

fn record(subject: SubjectId, category: &str, collected: &str) -> RecordRow {
    RecordRow {
        tenant: tenant(),
        id: RecordId::new(),
        subject,
        category: CategoryId::parse(category).unwrap(),
        purpose: PurposeId::parse("service").unwrap(),
        source: "api".into(),
        ciphertext: vec![1],
        collected_at: at(collected),
    }
}

fn event(name: &str, subject: Option<SubjectId>, when: &str) -> EventRow {
    EventRow {
        tenant: tenant(),
        id: EventId::new(),
        name: EventName::parse(name).unwrap(),
        subject,
        at: at(when),
    }
}

fn plan(subject: SubjectId, name: &str, since: &str) -> PlanRow {
    PlanRow {
        tenant: tenant(),
        subject,
        plan: PlanName::parse(name).unwrap(),
        since: at(since),
    }
}

fn due_of(category: &str, collected: &str, anchors: &Anchors) -> Option<Due> {
    due(
        &policy(),
        &CategoryId::parse(category).unwrap(),
        at(collected),
        anchors,
    )
}

#[test]
fn logs_fall_due_ninety_days_after_collection() {
    let d = due_of("server_log", "2026-01-01T10:00:00Z", &Anchors::default()).unwrap();
    assert_eq!(d.at, at("2026-04-01T10:00:00Z"));
    assert_eq!((d.rule, d.then), (0, Disposal::Delete));
}

#[test]
fn a_year_from_29_february_ends_on_28_february() {
    let s = SubjectId::new();
    let anchors = Anchors {
        plans: vec![plan(s, "free", "2028-02-29T08:00:00Z")],
        ..Anchors::default()
    };
    let d = due_of("kudos", "2028-01-10T00:00:00Z", &anchors).unwrap();
    assert_eq!(d.at, at("2029-02-28T08:00:00Z"));
    let d = due_of("contact", "2028-02-29T00:00:00Z", &Anchors::default()).unwrap();
    assert_eq!(d.at, at("2029-02-28T00:00:00Z"));
}

#[test]
fn an_event_that_has_not_happened_never_makes_a_record_due() {
    assert_eq!(
        due_of("install", "2026-01-01T00:00:00Z", &Anchors::default()),
        None
    );
    let uninstalled = Anchors {
        events: vec![event("tenant.uninstalled", None, "2026-03-01T12:00:00Z")],
        ..Anchors::default()
    };
    let d = due_of("install", "2026-01-01T00:00:00Z", &uninstalled).unwrap();
    assert_eq!(d.at, at("2026-03-01T12:00:00Z"), "deleted at the uninstall");
    let d = due_of("kudos", "2026-01-01T00:00:00Z", &uninstalled).unwrap();
    assert_eq!(d.at, at("2026-05-30T12:00:00Z"), "90 days after it");
}

#[test]
fn an_event_before_the_collection_does_not_start_the_period() {
    let anchors = Anchors {
        events: vec![
            event("tenant.uninstalled", None, "2026-01-01T00:00:00Z"),
            event("tenant.uninstalled", None, "2026-06-01T00:00:00Z"),
        ],
        ..Anchors::default()
    };
    let d = due_of("install", "2026-02-01T00:00:00Z", &anchors).unwrap();
    assert_eq!(d.at, at("2026-06-01T00:00:00Z"));
    let never = Anchors {
        events: vec![event("tenant.uninstalled", None, "2026-01-01T00:00:00Z")],
        ..Anchors::default()
    };
    assert_eq!(due_of("install", "2026-02-01T00:00:00Z", &never), None);
}

#[test]
fn a_plan_rule_holds_only_while_the_subject_is_on_that_plan() {
    let s = SubjectId::new();
    let on_free = Anchors {
        plans: vec![plan(s, "free", "2026-01-01T00:00:00Z")],
        ..Anchors::default()
    };
    let d = due_of("kudos", "2026-03-01T00:00:00Z", &on_free).unwrap();
    assert_eq!(d.at, at("2027-03-01T00:00:00Z"), "from the later of both");
    assert_eq!(d.rule, 3);
    let upgraded = Anchors {
        plans: vec![
            plan(s, "free", "2026-01-01T00:00:00Z"),
            plan(s, "pro", "2026-02-01T00:00:00Z"),
        ],
        ..Anchors::default()
    };
    assert_eq!(due_of("kudos", "2026-03-01T00:00:00Z", &upgraded), None);
}

#[test]
fn the_rule_ending_first_wins() {
    let s = SubjectId::new();
    let both = Anchors {
        events: vec![event("tenant.uninstalled", Some(s), "2026-06-01T00:00:00Z")],
        plans: vec![plan(s, "free", "2026-01-01T00:00:00Z")],
        ..Anchors::default()
    };
    let d = due_of("kudos", "2026-01-01T00:00:00Z", &both).unwrap();
    assert_eq!((d.rule, d.at), (2, at("2026-08-30T00:00:00Z")));
}

#[test]
fn last_activity_counts_from_the_mark_plus_its_granularity() {
    let anchors = Anchors {
        last_activity: Some(at("2026-05-01T00:00:00Z")),
        ..Anchors::default()
    };
    let d = due_of("ticket", "2026-01-01T00:00:00Z", &anchors).unwrap();
    assert_eq!(d.at, at("2027-05-02T00:00:00Z"), "never a day early");
    let unmarked = due_of("ticket", "2026-01-01T00:00:00Z", &Anchors::default()).unwrap();
    assert_eq!(unmarked.at, at("2027-01-01T00:00:00Z"));
}

#[test]
fn a_category_without_a_rule_is_never_due() {
    let mut p = policy();
    p.retention.clear();
    let anchors = Anchors::default();
    let c = CategoryId::parse("server_log").unwrap();
    assert_eq!(due(&p, &c, at("2000-01-01T00:00:00Z"), &anchors), None);
    assert_eq!(candidate_cutoff(&p, at("2026-01-01T00:00:00Z")), None);
}

#[test]
fn the_candidate_cutoff_never_misses_a_due_record() {
    let p = policy();
    let now = at("2026-03-31T00:00:00Z");
    let cutoff = candidate_cutoff(&p, now).unwrap();
    assert!(cutoff <= now);
    // The shortest rule keeps nothing past an event: every record collected
    // up to now may be due, so the cutoff is now itself.
    assert!(cutoff >= at("2026-03-30T23:59:59Z"));
    let mut logs_only = p.clone();
    logs_only.retention.truncate(1);
    let cutoff = candidate_cutoff(&logs_only, now).unwrap();
    let collected = at("2025-12-31T00:00:00Z");
    let d = due(
        &logs_only,
        &CategoryId::parse("server_log").unwrap(),
        collected,
        &Anchors::default(),
    )
    .unwrap();
    assert!(d.at <= now && collected < cutoff);
    assert!(cutoff < at("2026-01-15T00:00:00Z"), "{cutoff}");
}

#[test]
fn a_subject_whose_every_record_is_due_is_erased_whole() {
    let p = policy();
    let s = SubjectId::new();
    let records = vec![
        record(s, "server_log", "2026-01-01T00:00:00Z"),
        record(s, "contact", "2026-01-01T00:00:00Z"),
    ];
    let anchors = Anchors::default();
    let before = plan_subject(&p, &records, &anchors, at("2026-03-31T23:59:59Z"));
    assert!(before.is_empty());
    let logs = plan_subject(&p, &records, &anchors, at("2026-04-01T00:00:00Z"));
    assert_eq!(logs.due.len(), 1);
    assert!(!logs.whole_subject, "the contact form stays");
    let all = plan_subject(&p, &records, &anchors, at("2027-01-01T00:00:00Z"));
    assert_eq!(all.due.len(), 2);
    assert!(all.whole_subject);
    assert_eq!(all.due[1].1.then, Disposal::Anonymise);
}

#[test]
fn the_forecast_counts_by_day_category_and_rule() {
    let p = policy();
    let s = SubjectId::new();
    let records = vec![
        record(s, "server_log", "2026-01-01T00:00:00Z"),
        record(s, "server_log", "2026-01-01T05:00:00Z"),
        record(s, "server_log", "2025-01-01T05:00:00Z"),
        record(s, "contact", "2026-01-01T00:00:00Z"),
    ];
    let mut tally = ForecastTally::default();
    let now = at("2026-03-15T00:00:00Z");
    let until = at("2026-04-15T00:00:00Z");
    tally.add_subject(&p, &records, &Anchors::default(), false, now, until);
    let (lines, restricted) = tally.finish();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(restricted.is_empty());
    assert_eq!(lines[0].date.to_string(), "2026-03-15", "overdue is today");
    assert_eq!((lines[0].count, lines[0].then), (1, Fate::Delete));
    assert_eq!(lines[1].date.to_string(), "2026-04-01");
    assert_eq!((lines[1].count, lines[1].rule), (2, 0));
    assert_eq!(month_of(at("2026-01-31T23:59:59Z")), "2026-01");
}

/// The sweep moves a due record a statutory hold still covers under the
/// hold, and leaves a restricted subject's records alone: the forecast
/// says so instead of "delete".
#[test]
fn the_forecast_says_held_and_restricted_records_do_not_go() {
    let text = format!(
        "{POLICY}\n[[purpose]]\nid = \"books\"\ndescription = \"Bookkeeping\"\nbasis = \"legal_obligation\"\n\
         categories = [\"contact\"]\n[[hold]]\ncategories = [\"contact\"]\nlaw = \"Tax law\"\n\
         keep = \"2 years\"\nfrom = \"collected\"\n"
    );
    let p = Policy::parse(&text).unwrap();
    let s = SubjectId::new();
    let records = vec![
        // Due 2027-01-01; its hold runs to 2028-01-01: held.
        record(s, "contact", "2026-01-01T00:00:00Z"),
        // Due long ago, and its hold ended too: anonymised as the rule says.
        record(s, "contact", "2023-01-01T00:00:00Z"),
    ];
    let now = at("2026-12-20T00:00:00Z");
    let until = at("2027-01-15T00:00:00Z");
    let mut tally = ForecastTally::default();
    tally.add_subject(&p, &records, &Anchors::default(), false, now, until);
    let (lines, _) = tally.finish();
    let fates: Vec<(String, Fate, u64)> = lines
        .iter()
        .map(|l| (l.date.to_string(), l.then, l.count))
        .collect();
    assert_eq!(
        fates,
        vec![
            ("2026-12-20".to_owned(), Fate::Anonymise, 1),
            ("2027-01-01".to_owned(), Fate::Hold, 1)
        ]
    );
    let mut tally = ForecastTally::default();
    tally.add_subject(&p, &records, &Anchors::default(), true, now, until);
    let (lines, restricted) = tally.finish();
    assert!(lines.is_empty(), "{lines:?}");
    assert_eq!(
        restricted.get(&CategoryId::parse("contact").unwrap()),
        Some(&2)
    );
}
