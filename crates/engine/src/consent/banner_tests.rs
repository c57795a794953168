use super::*;
use crate::ids::TenantId;

use uuid::Uuid;

const POLICY: &str = r#"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "DPA"
[[subject_kind]]
id = "visitor"
description = "Visitors"
[[category]]
id = "cookie"
description = "Cookie id"
taxonomy = "user.device.cookie_id"
[[purpose]]
id = "analytics"
description = "Counting visits"
basis = "consent"
categories = ["cookie"]
consent_valid_for = "13 months"
[[purpose]]
id = "ads"
description = "Ad partners"
basis = "consent"
categories = ["cookie"]
consent_valid_for = "13 months"
sale_or_sharing = true
[[purpose]]
id = "session"
description = "Keeping you signed in"
basis = "contract"
categories = ["cookie"]
essential = true
[[retention]]
categories = ["cookie"]
keep = "13 months"
from = "collected"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:?}"))
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn choice(purpose: &str, granted: bool, gpc: bool, when: &str) -> VisitorChoiceRow {
    VisitorChoiceRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: Uuid::new_v4(),
        visitor: Visitor::anonymous("abcdefghijklmnopqrstuv").unwrap(),
        purpose: PurposeId::parse(purpose).unwrap(),
        granted,
        gpc,
        at: at(when),
    }
}

#[test]
fn the_banner_shows_consent_and_sale_purposes_only() {
    let policy = policy();
    let ids: Vec<&str> = banner_purposes(&policy)
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["analytics", "ads"]);
}

#[test]
fn the_latest_explicit_choice_stands_without_a_signal() {
    let rows = [
        choice("analytics", true, false, "2026-01-01T00:00:00Z"),
        choice("analytics", false, false, "2026-02-01T00:00:00Z"),
        choice("ads", true, false, "2026-01-01T00:00:00Z"),
    ];
    let (states, conflicts) = fold(&policy(), &rows, at("2026-04-01T00:00:00Z"));
    assert!(!states[0].allowed && states[0].explicit == Some(false));
    assert!(states[1].allowed);
    assert!(conflicts.is_empty());
}

#[test]
fn a_gpc_signal_after_a_grant_objects_and_keeps_the_conflict_visible() {
    let rows = [
        choice("ads", true, false, "2026-01-01T00:00:00Z"),
        choice("ads", false, true, "2026-03-01T00:00:00Z"),
    ];
    let (states, conflicts) = fold(&policy(), &rows, at("2026-04-01T00:00:00Z"));
    let ads = &states[1];
    assert!(!ads.allowed);
    assert_eq!(ads.explicit, Some(true));
    assert_eq!(ads.gpc_at, Some(at("2026-03-01T00:00:00Z")));
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].granted_at, at("2026-01-01T00:00:00Z"));
}

#[test]
fn a_grant_confirmed_after_the_signal_stands() {
    let rows = [
        choice("ads", false, true, "2026-01-01T00:00:00Z"),
        choice("ads", true, false, "2026-03-01T00:00:00Z"),
    ];
    let (states, conflicts) = fold(&policy(), &rows, at("2026-04-01T00:00:00Z"));
    assert!(states[1].allowed);
    assert!(conflicts.is_empty());
}

#[test]
fn visitor_ids_are_random_looking_and_keys_round_trip() {
    for bad in [
        "",
        "short",
        &"a".repeat(65),
        "abcdefghijklmnopqrstu!",
        "abcdefghijklmnopqrs uv",
    ] {
        assert!(Visitor::anonymous(bad).is_err(), "{bad}");
    }
    let v = Visitor::anonymous("abcdefghijklmnopqrstuv").unwrap();
    assert_eq!(Visitor::from_key(&v.key()), Some(v));
    let s = Visitor::Subject(SubjectId::new());
    assert_eq!(Visitor::from_key(&s.key()), Some(s));
    assert_eq!(Visitor::from_key("x:abc"), None);
}

#[test]
fn a_banner_grant_lapses_after_thirteen_months() {
    let rows = [choice("analytics", true, false, "2026-01-31T12:00:00Z")];
    let before = fold(&policy(), &rows, at("2027-02-28T11:59:59Z")).0;
    assert!(before[0].allowed);
    assert_eq!(before[0].expires_at, Some(at("2027-02-28T12:00:00Z")));
    let after = fold(&policy(), &rows, at("2027-02-28T12:00:00Z")).0;
    assert!(
        !after[0].allowed,
        "an expired cookie consent no longer permits the purpose"
    );
    assert_eq!(after[0].explicit, Some(true), "the choice stays on record");
}
