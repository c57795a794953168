//! Policy versions with material changes: refused without enough notice,
//! stored as pending, and applied only once the clock reaches their
//! effective time; a widened consent purpose asks for consent again.

use crate::helpers::{START, category, code, purpose, spawn_engine};
use jiff::{SignedDuration, Timestamp};
use tutela_policy::EXAMPLE_POLICY;

/// The example with `external_id` added to the support purpose: material.
fn wider_support() -> String {
    let wider = EXAMPLE_POLICY.replacen(
        "categories = [\"ticket_text\", \"name\", \"email\", \"phone\"]",
        "categories = [\"ticket_text\", \"name\", \"email\", \"phone\", \"external_id\"]",
        1,
    );
    assert_ne!(wider, EXAMPLE_POLICY);
    wider
}

/// The example policy keeping support tickets 2 years instead of 1: a
/// material change touching holders of `ticket_text`.
fn longer_tickets() -> String {
    let longer = EXAMPLE_POLICY.replacen(
        "categories = [\"ticket_text\"]\nkeep = \"1 year\"",
        "categories = [\"ticket_text\"]\nkeep = \"2 years\"",
        1,
    );
    assert_ne!(longer, EXAMPLE_POLICY);
    longer
}

fn start() -> Timestamp {
    START.parse().unwrap()
}

#[tokio::test]
async fn a_material_change_without_enough_notice_is_refused_and_nothing_stored() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let entries = t.entries().await.len();
    let none = e.publish_policy(&t.dpo, &wider_support(), None).await;
    assert_eq!(code(&none), "E_EFFECTIVE_TOO_SOON");
    let earliest: Timestamp = "2026-03-31T09:00:00Z".parse().unwrap();
    assert_eq!(earliest, start() + SignedDuration::from_hours(30 * 24));
    let message = none.unwrap_err().to_string();
    assert!(message.contains(&earliest.to_string()), "{message}");
    let early = earliest - SignedDuration::from_secs(1);
    let early = e
        .publish_policy(&t.dpo, &wider_support(), Some(early))
        .await;
    assert_eq!(code(&early), "E_EFFECTIVE_TOO_SOON");
    assert_eq!(e.policy_versions(&t.dpo).await.unwrap().len(), 1);
    assert_eq!(
        t.entries().await.len(),
        entries,
        "a refusal of bad input is not audited"
    );
    let tenant = e.tenant(&t.dpo).await.unwrap();
    assert_eq!((tenant.policy_version, tenant.pending), (1, None));
}

#[tokio::test]
async fn a_material_change_applies_only_from_its_effective_time() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let support = purpose("support");
    let read_external =
        || e.read_records(&t.service, s, &support, Some(vec![category("external_id")]));
    let effective = start() + SignedDuration::from_hours(31 * 24);
    let published = e
        .publish_policy(&t.dpo, &wider_support(), Some(effective))
        .await
        .unwrap();
    assert!(published.pending);
    assert_eq!(published.row.version, 2);
    assert_eq!(published.changes[0].kind.code(), "purpose_category_added");
    let overview = e.policy_overview(&t.analyst).await.unwrap();
    assert_eq!(overview.current.0.version, 1);
    let (pending, changes) = overview.pending.unwrap();
    assert_eq!((pending.version, pending.effective_at), (2, effective));
    assert!(changes.iter().any(|c| c.material));

    assert_eq!(code(&read_external().await), "E_CATEGORY_NOT_IN_PURPOSE");
    t.clock.set(effective - SignedDuration::from_secs(1));
    assert_eq!(code(&read_external().await), "E_CATEGORY_NOT_IN_PURPOSE");
    assert_eq!(e.policy(&t.analyst, None).await.unwrap().0.version, 1);

    t.clock.set(effective);
    assert_eq!(code(&read_external().await), "ok");
    assert_eq!(e.policy(&t.analyst, None).await.unwrap().0.version, 2);
    assert!(
        e.policy_overview(&t.analyst)
            .await
            .unwrap()
            .pending
            .is_none()
    );
    let publish = t
        .entries()
        .await
        .into_iter()
        .rev()
        .find(|a| a.action == "policy.publish")
        .unwrap();
    assert!(publish.detail.contains("material=1"), "{}", publish.detail);
    assert!(publish.detail.contains("effective_at="));
}

#[tokio::test]
async fn an_editorial_change_applies_at_once_and_replaces_a_pending_one() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let effective = start() + SignedDuration::from_hours(40 * 24);
    e.publish_policy(&t.dpo, &wider_support(), Some(effective))
        .await
        .unwrap();
    let reworded = EXAMPLE_POLICY.replacen(
        "Answer your support requests",
        "Answer what you ask our support",
        1,
    );
    let published = e.publish_policy(&t.dpo, &reworded, None).await.unwrap();
    assert!(!published.pending);
    assert_eq!(published.row.version, 3);
    let tenant = e.tenant(&t.dpo).await.unwrap();
    assert_eq!((tenant.policy_version, tenant.pending), (3, None));
    t.clock.set(effective);
    assert_eq!(
        e.policy(&t.analyst, None).await.unwrap().0.version,
        3,
        "the replaced version never applies"
    );
}

#[tokio::test]
async fn a_widened_consent_purpose_refuses_the_new_scope_until_consent_is_renewed() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let newsletter = purpose("newsletter");
    e.record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    let wider = EXAMPLE_POLICY.replacen(
        "basis = \"consent\"\ncategories = [\"email\"]",
        "basis = \"consent\"\ncategories = [\"email\", \"name\"]",
        1,
    );
    assert_ne!(wider, EXAMPLE_POLICY);
    let effective = start() + SignedDuration::from_hours(30 * 24);
    let published = e
        .publish_policy(&t.dpo, &wider, Some(effective))
        .await
        .unwrap();
    let kinds: Vec<&str> = published.changes.iter().map(|c| c.kind.code()).collect();
    assert!(kinds.contains(&"consent_scope_widened"), "{kinds:?}");
    t.clock.set(effective);
    let read =
        |c: &'static str| e.read_records(&t.service, s, &newsletter, Some(vec![category(c)]));
    assert_eq!(
        code(&read("email").await),
        "ok",
        "the old scope keeps working"
    );
    let before = t.before(s).await;
    let name = read("name").await;
    t.assert_denied_only(
        before,
        name,
        "E_CONSENT_RENEWAL_NEEDED",
        "record.read",
        "newsletter",
    )
    .await;
    // The banner says what a read of the purpose does: not allowed until
    // renewed (it showed allowed before the fix).
    let banner = || async {
        let visitor = tutela_engine::consent::banner::Visitor::Subject(s);
        let choices = e.visitor_choices(&t.service, &visitor).await.unwrap();
        choices
            .choices
            .iter()
            .find(|c| c.purpose == newsletter)
            .unwrap()
            .allowed
    };
    assert!(!banner().await, "the banner asks for the renewed consent");
    // The person allows it on the banner: that renews the consent.
    let allow = std::collections::BTreeMap::from([(newsletter.clone(), true)]);
    e.set_visitor_choices(
        &t.service,
        tutela_engine::consent::banner::Visitor::Subject(s),
        &allow,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        code(&read("name").await),
        "ok",
        "a grant under the new version covers it"
    );
    assert!(banner().await);
}

#[tokio::test]
async fn affected_subjects_are_told_once_in_pages() {
    use std::sync::Arc;
    use tutela_engine::Engine;
    use tutela_engine::notify::{MemoryNotifier, MessageKind};
    let t = spawn_engine().await;
    let notes = Arc::new(MemoryNotifier::default());
    let e = Engine::new(
        Arc::clone(t.engine.store()),
        t.clock.clone(),
        Arc::clone(&t.master),
    )
    .with_notifier(notes.clone());
    let ada = t.customer("ada@example.com").await;
    let bob = t.customer("bob@example.com").await;
    let only_email = e
        .create_subject(
            &t.admin,
            &tutela_policy::SubjectKindId::parse("customer").unwrap(),
            &purpose("account"),
            vec![crate::helpers::record("email", "carl@example.com")],
        )
        .await
        .unwrap();
    let idle = e.notify_policy_change(&t.dpo, 10).await.unwrap();
    assert_eq!((idle.version, idle.done), (0, true), "nothing pending");
    let effective = start() + SignedDuration::from_hours(31 * 24);
    e.publish_policy(&t.dpo, &longer_tickets(), Some(effective))
        .await
        .unwrap();

    let first = e.notify_policy_change(&t.dpo, 1).await.unwrap();
    assert_eq!(
        (first.version, first.sent_now, first.sent_total, first.done),
        (2, 1, 1, false)
    );
    let second = e.notify_policy_change(&t.dpo, 10).await.unwrap();
    assert_eq!(
        (second.sent_now, second.sent_total, second.done),
        (1, 2, true)
    );
    let again = e.notify_policy_change(&t.dpo, 10).await.unwrap();
    assert_eq!(
        (again.sent_now, again.sent_total, again.done),
        (0, 2, true),
        "never twice"
    );

    let messages = notes.messages();
    let mut told: Vec<_> = messages.iter().map(|m| m.subject).collect();
    told.sort();
    let mut expected = vec![ada, bob];
    expected.sort();
    assert_eq!(told, expected, "only subjects with ticket_text records");
    assert!(!told.contains(&only_email));
    let m = &messages[0];
    assert_eq!(m.kind, MessageKind::PolicyChange);
    assert_eq!(m.handler_contact, "privacy@acme.example", "whom to ask");
    let notice = m.policy.as_ref().unwrap();
    assert_eq!((notice.version, notice.effective_at), (2, effective));
    assert!(
        notice.changes[0].contains("ticket_text is now kept 2 years"),
        "{:?}",
        notice.changes
    );
    let json = serde_json::to_string(m).unwrap();
    assert!(
        !json.contains("ada@example.com") && !json.contains("Ada"),
        "{json}"
    );
    let audit = t.entries().await;
    let notify: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "policy.notify")
        .collect();
    assert_eq!(notify.len(), 2);
    assert_eq!(notify[0].detail, "version=2 told=1");
}

/// Delivers the first `allowed` messages, then fails every one after.
#[derive(Debug, Default)]
struct FailsAfter {
    allowed: std::sync::atomic::AtomicUsize,
    sent: std::sync::Mutex<Vec<tutela_engine::ids::SubjectId>>,
}

#[async_trait::async_trait]
impl tutela_engine::notify::Notifier for FailsAfter {
    async fn send(
        &self,
        message: &tutela_engine::notify::Message,
    ) -> Result<(), tutela_engine::notify::NotifyError> {
        use std::sync::atomic::Ordering;
        let left = self.allowed.load(Ordering::SeqCst);
        if left == 0 {
            return Err(tutela_engine::notify::NotifyError("mailer down".into()));
        }
        self.allowed.store(left - 1, Ordering::SeqCst);
        self.sent.lock().unwrap().push(message.subject);
        Ok(())
    }
}

/// A notice run stopped by a failing notifier keeps who was told: the
/// next run tells only the rest, nobody twice; an erased subject is never
/// told (Art. 13(3), Art. 17).
#[tokio::test]
async fn a_stopped_notice_run_resumes_without_repeats_and_skips_the_erased() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use tutela_engine::{Engine, EngineError};
    let t = spawn_engine().await;
    let notes = Arc::new(FailsAfter::default());
    notes.allowed.store(1, Ordering::SeqCst);
    let e = Engine::new(
        Arc::clone(t.engine.store()),
        t.clock.clone(),
        Arc::clone(&t.master),
    )
    .with_notifier(notes.clone());
    let ada = t.customer("ada@example.com").await;
    let bob = t.customer("bob@example.com").await;
    let erased = t.customer("eve@example.com").await;
    e.erase_subject(&t.dpo, erased).await.unwrap();
    let effective = start() + SignedDuration::from_hours(31 * 24);
    e.publish_policy(&t.dpo, &longer_tickets(), Some(effective))
        .await
        .unwrap();

    let stopped = e.notify_policy_change(&t.dpo, 10).await;
    assert!(
        matches!(stopped, Err(EngineError::NoticeUndelivered)),
        "{stopped:?}"
    );
    assert_eq!(
        notes.sent.lock().unwrap().len(),
        1,
        "one told before the failure"
    );

    notes.allowed.store(10, Ordering::SeqCst);
    let resumed = e.notify_policy_change(&t.dpo, 10).await.unwrap();
    assert_eq!(
        (resumed.sent_now, resumed.sent_total, resumed.done),
        (1, 2, true),
        "only the one not yet told"
    );
    let mut told = notes.sent.lock().unwrap().clone();
    told.sort();
    let mut expected = vec![ada, bob];
    expected.sort();
    assert_eq!(told, expected, "each once; the erased subject never");
}

#[tokio::test]
async fn publishing_the_latest_text_again_stores_nothing() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let entries = t.entries().await.len();
    let again = e
        .publish_policy(&t.dpo, EXAMPLE_POLICY, None)
        .await
        .unwrap();
    assert!(again.unchanged && !again.pending);
    assert_eq!(again.row.version, 1);
    assert!(again.changes.is_empty());
    assert_eq!(e.policy_versions(&t.dpo).await.unwrap().len(), 1);
    assert_eq!(t.entries().await.len(), entries, "nothing happened");

    // The same for a pending version, asked again with or without its time.
    let effective = start() + SignedDuration::from_hours(40 * 24);
    e.publish_policy(&t.dpo, &wider_support(), Some(effective))
        .await
        .unwrap();
    for asked in [None, Some(effective)] {
        let again = e
            .publish_policy(&t.dpo, &wider_support(), asked)
            .await
            .unwrap();
        assert!(again.unchanged && again.pending);
        assert_eq!((again.row.version, again.row.effective_at), (2, effective));
    }
    assert_eq!(e.policy_versions(&t.dpo).await.unwrap().len(), 2);

    // Another time for the pending text is a new version replacing it.
    let later = effective + SignedDuration::from_hours(24);
    let moved = e
        .publish_policy(&t.dpo, &wider_support(), Some(later))
        .await
        .unwrap();
    assert!(!moved.unchanged && moved.pending);
    assert_eq!(moved.row.version, 3);

    // The text in force while another waits withdraws the pending change.
    let back = e
        .publish_policy(&t.dpo, EXAMPLE_POLICY, None)
        .await
        .unwrap();
    assert!(!back.unchanged && !back.pending);
    assert_eq!(back.row.version, 4);
    let tenant = e.tenant(&t.dpo).await.unwrap();
    assert_eq!((tenant.policy_version, tenant.pending), (4, None));
}

#[tokio::test]
async fn publications_racing_on_one_tenant_each_succeed() {
    let t = spawn_engine().await;
    let e = std::sync::Arc::clone(&t.engine);
    let reworded = |n: usize| {
        EXAMPLE_POLICY.replacen(
            "Answer your support requests",
            &format!("Answer your support requests, take {n}"),
            1,
        )
    };
    // Two deploys of one text at once: one version, the others unchanged.
    let same = reworded(0);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (e, dpo, text) = (std::sync::Arc::clone(&e), t.dpo.clone(), same.clone());
            tokio::spawn(async move { e.publish_policy(&dpo, &text, None).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let published = task.await.unwrap().unwrap();
        created += usize::from(!published.unchanged);
        assert_eq!(published.row.version, 2);
    }
    assert_eq!(created, 1);
    // Different texts at once: each its own version.
    let tasks: Vec<_> = (1..5)
        .map(|n| {
            let (e, dpo, text) = (std::sync::Arc::clone(&e), t.dpo.clone(), reworded(n));
            tokio::spawn(async move { e.publish_policy(&dpo, &text, None).await })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.unwrap().unwrap().unchanged);
    }
    assert_eq!(e.policy_versions(&t.dpo).await.unwrap().len(), 6);
}
