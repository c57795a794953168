//! Banner choices do not outlive the banner's keep period (Art. 5(1)(e)):
//! an anonymous visitor id is an online identifier (Recital 30), and its
//! choices were kept for ever. The clock moves across the boundary: a
//! choice is there at the end of its period and gone after the next sweep
//! just past it, while a later choice stays.

use crate::helpers::{TestEngine, spawn_engine};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use tutela_engine::consent::banner::Visitor;
use tutela_engine::ids::TenantId;
use tutela_engine::principal::Principal;
use tutela_policy::{CalendarSpan, PurposeId};

/// A banner with two consent purposes; `valid` is each one's
/// `consent_valid_for` line (empty: none declared).
fn policy(analytics_valid: &str, ads_valid: &str) -> String {
    format!(
        r#"
[controller]
name = "Shop Ltd"
email = "privacy@shop.example"
[authority]
name = "DPA"
url = "https://dpa.example"
[[subject_kind]]
id = "visitor"
description = "Website visitors"
[[category]]
id = "page_views"
description = "Pages viewed"
taxonomy = "user.behavior"
[[purpose]]
id = "analytics"
description = "Count page views"
basis = "consent"
categories = ["page_views"]
{analytics_valid}
[[purpose]]
id = "ads"
description = "Show ads"
basis = "consent"
categories = ["page_views"]
{ads_valid}
"#
    )
}

async fn tenant(t: &TestEngine, policy: &str) -> Principal {
    let shop = TenantId::parse("shop").unwrap();
    t.engine
        .create_tenant(&t.operator, shop.clone(), "Shop", policy)
        .await
        .unwrap();
    Principal::local_admin(shop, false)
}

fn visitor(id: &str) -> Visitor {
    Visitor::anonymous(id).unwrap()
}

async fn choose(t: &TestEngine, who: &Principal, v: &Visitor) {
    let choices = BTreeMap::from([(PurposeId::parse("analytics").unwrap(), true)]);
    t.engine
        .set_visitor_choices(who, v.clone(), &choices, false)
        .await
        .unwrap();
}

async fn stored(t: &TestEngine, who: &Principal, v: &Visitor) -> usize {
    t.engine
        .store()
        .visitor_choices(&who.tenant, v)
        .await
        .unwrap()
        .len()
}

/// Sweeps at `at` and returns how many banner choices went.
async fn sweep_at(t: &TestEngine, who: &Principal, at: Timestamp) -> u64 {
    t.clock.set(at);
    t.engine
        .sweep_tenant(&who.tenant, &|_| {})
        .await
        .unwrap()
        .banner_choices
}

/// Checks the boundary `keep` after the first choice, with a second
/// visitor choosing half way through.
async fn kept_exactly(policy_text: &str, keep: CalendarSpan) {
    let t = spawn_engine().await;
    let who = tenant(&t, policy_text).await;
    let (early, late) = (
        visitor("early-visitor-0123456789"),
        visitor("later-visitor-0123456789"),
    );
    let start = t.engine.now();
    choose(&t, &who, &early).await;
    t.clock.set(CalendarSpan::months(6).after(start).unwrap());
    choose(&t, &who, &late).await;
    let end = keep.after(start).unwrap();
    assert_eq!(sweep_at(&t, &who, end).await, 0);
    assert_eq!(stored(&t, &who, &early).await, 1, "kept to the end");
    let after = end + SignedDuration::from_secs(1);
    assert_eq!(sweep_at(&t, &who, after).await, 1);
    assert_eq!(stored(&t, &who, &early).await, 0, "gone just after");
    assert_eq!(stored(&t, &who, &late).await, 1, "a later choice stays");
    // The banner asks the first visitor again; nothing else changed.
    let view = t.engine.visitor_choices(&who, &early).await.unwrap();
    assert!(view.choices.iter().all(|c| c.explicit.is_none()));
    assert_eq!(sweep_at(&t, &who, after).await, 0, "idempotent");
    t.close().await;
}

#[tokio::test]
async fn a_choice_is_kept_as_long_as_the_longest_consent_it_can_hold() {
    let text = policy(
        "consent_valid_for = \"6 months\"",
        "consent_valid_for = \"13 months\"",
    );
    kept_exactly(&text, CalendarSpan::months(13)).await;
}

#[tokio::test]
async fn without_a_declared_period_a_choice_is_kept_13_months() {
    kept_exactly(&policy("", ""), tutela_engine::BANNER_KEEP_DEFAULT).await;
}

#[tokio::test]
async fn each_deletion_is_audited_with_its_count_only() {
    let t = spawn_engine().await;
    let who = tenant(&t, &policy("consent_valid_for = \"1 month\"", "")).await;
    let v = visitor("some-visitor-0123456789ab");
    let start = t.engine.now();
    choose(&t, &who, &v).await;
    choose(&t, &who, &v).await;
    // The longer of 1 month and none declared (13 months) is 1 month: a
    // purpose without a period on a banner with one is a refusal or a
    // signal, which the declared period outlives no less.
    let later = CalendarSpan::months(1).after(start).unwrap() + SignedDuration::from_secs(1);
    assert_eq!(sweep_at(&t, &who, later).await, 2);
    let store = t.engine.store();
    let mut entries = Vec::new();
    for lane in store.audit_lanes(&who.tenant).await.unwrap() {
        entries.extend(
            store
                .audit_entries(&who.tenant, lane, 0, 10_000)
                .await
                .unwrap(),
        );
    }
    entries.sort_by_key(|e| e.at_us);
    let last = entries.last().unwrap();
    assert_eq!(last.action.as_str(), "retention.sweep");
    assert_eq!(last.detail, "banner_choices=2");
    assert_eq!(last.subject, None, "no visitor id on the chain");
    t.close().await;
}
