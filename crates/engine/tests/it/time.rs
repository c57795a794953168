//! Rules about time, tested by moving the engine's `ManualClock`: nothing
//! here sleeps or reads the wall clock.

use crate::helpers::{START, code, purpose, record, spawn_engine};
use jiff::{SignedDuration, Timestamp};

#[tokio::test]
async fn consent_lapses_after_consent_valid_for_and_a_new_grant_revives_it() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let newsletter = purpose("newsletter");
    let granted = e
        .record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    // The example policy asks again after 13 calendar months.
    let expires: Timestamp = "2027-04-01T09:00:00Z".parse().unwrap();
    assert_eq!(granted.at, START.parse::<Timestamp>().unwrap());
    assert_eq!(granted.expires_at, Some(expires));

    t.clock.set(expires - SignedDuration::from_secs(1));
    let read = e.read_records(&t.service, s, &newsletter, None).await;
    assert_eq!(code(&read), "ok", "still live one second before it lapses");
    let status = e.consent_status(&t.service, s).await.unwrap();
    let news = status.iter().find(|c| c.purpose == newsletter).unwrap();
    assert!(news.live);

    t.clock.set(expires);
    let before = t.before(s).await;
    let read = e.read_records(&t.service, s, &newsletter, None).await;
    t.assert_denied_only(
        before,
        read,
        "E_CONSENT_REQUIRED",
        "record.read",
        "newsletter",
    )
    .await;
    let status = e.consent_status(&t.service, s).await.unwrap();
    let news = status.iter().find(|c| c.purpose == newsletter).unwrap();
    assert!(!news.live);
    assert_eq!(news.expires_at, Some(expires));

    t.clock.advance(SignedDuration::from_hours(24));
    e.record_consent(&t.service, s, &newsletter, true, "renewal-mail")
        .await
        .unwrap();
    let read = e.read_records(&t.service, s, &newsletter, None).await;
    assert_eq!(code(&read), "ok", "a fresh grant is live again");
    t.close().await;
}

#[tokio::test]
async fn a_withdrawal_works_from_its_instant_on() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let newsletter = purpose("newsletter");
    e.record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    t.clock.advance(SignedDuration::from_hours(1));
    e.record_consent(&t.service, s, &newsletter, false, "preference-center")
        .await
        .unwrap();
    let read = e.read_records(&t.service, s, &newsletter, None).await;
    assert_eq!(code(&read), "E_CONSENT_REQUIRED");
    let status = e.consent_status(&t.service, s).await.unwrap();
    let news = status.iter().find(|c| c.purpose == newsletter).unwrap();
    assert_eq!(
        news.granted_at,
        Some(START.parse::<Timestamp>().unwrap()),
        "the grant stays on the ledger"
    );
    assert_eq!(
        news.withdrawn_at,
        Some(START.parse::<Timestamp>().unwrap() + SignedDuration::from_hours(1))
    );
    t.close().await;
}

#[tokio::test]
async fn the_engine_stamps_every_act_with_its_clock_not_the_wall_clock() {
    let t = spawn_engine().await;
    let e = &t.engine;
    // Far from any real now, so a wall-clock read would show.
    let then: Timestamp = "2041-07-04T12:34:56.789Z".parse().unwrap();
    t.clock.set(then);
    let s = e
        .create_subject(
            &t.service,
            &tutela_policy::SubjectKindId::parse("customer").unwrap(),
            &purpose("account"),
            vec![record("email", "ada@example.com")],
        )
        .await
        .unwrap();
    let last = t.entries().await.pop().unwrap();
    assert_eq!(last.action, "subject.create");
    assert_eq!(last.at_us, then.as_microsecond());
    let report = e.subject_access(&t.dpo, s).await.unwrap();
    assert_eq!(report.created_at, then);
    assert_eq!(report.records[0].collected_at, then);
    let last = t.entries().await.pop().unwrap();
    assert_eq!(last.action, "subject.access");
    assert_eq!(last.at_us, then.as_microsecond());
    t.close().await;
}
