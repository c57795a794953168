//! Restriction (Art. 18(2)) and retention: a restricted subject's data is
//! only stored, so a sweep leaves it until the restriction is lifted.

use crate::helpers::{TestEngine, spawn_engine};
use crate::retention::{seed_tenant, sweep, user};

/// Art. 18(2): a restricted subject's data may only be stored, so a sweep
/// leaves its due records until the restriction is lifted.
#[tokio::test]
async fn a_restricted_subjects_due_records_stay_until_the_restriction_is_lifted() {
    let t = spawn_engine().await;
    let who = seed_tenant(&t).await;
    let start = t.engine.now();
    let s = user(&t, &who, &["server_log", "contact_message"]).await;
    t.engine.set_restricted(&who, s, true).await.unwrap();
    let stored = |t: &TestEngine| {
        let store = std::sync::Arc::clone(t.engine.store());
        let tenant = who.tenant.clone();
        async move {
            store
                .subject_view(&tenant, s, tutela_engine::store::RecordFilter::All)
                .await
                .unwrap()
                .map(|v| v.records.len())
        }
    };
    t.clock
        .set(tutela_policy::CalendarSpan::days(400).after(start).unwrap());
    // The forecast says what the sweep will do: keep them.
    let forecast = t.engine.retention_forecast(&who, 0).await.unwrap();
    assert!(forecast.lines.is_empty(), "{forecast:?}");
    let kept: Vec<(&str, u64)> = forecast
        .kept_restricted
        .iter()
        .map(|(c, n)| (c.as_str(), *n))
        .collect();
    assert_eq!(kept, vec![("contact_message", 1), ("server_log", 1)]);
    let report = sweep(&t, &who).await;
    assert_eq!(report.deleted, 0, "{report:?}");
    assert_eq!(
        stored(&t).await,
        Some(2),
        "restricted: stored, not disposed of"
    );
    // Lifted 400 days on, both are past their periods: the subject goes.
    t.engine.set_restricted(&who, s, false).await.unwrap();
    let forecast = t.engine.retention_forecast(&who, 0).await.unwrap();
    assert!(forecast.kept_restricted.is_empty(), "{forecast:?}");
    assert_eq!(forecast.lines.len(), 2, "{forecast:?}");
    let report = sweep(&t, &who).await;
    assert_eq!(
        (report.deleted, report.subjects_erased),
        (2, 1),
        "{report:?}"
    );
    assert_eq!(stored(&t).await, Some(0));
    t.close().await;
}
