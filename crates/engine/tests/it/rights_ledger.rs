//! A restore does not undo rights exercised after the backup: a record
//! deleted (Art. 17) or rectified (Art. 16), an objection (Art. 21), a
//! consent withdrawn (Art. 7(3)) and a restriction (Art. 18) are written
//! ahead on the ledger, and replaying it into the backup's database brings
//! each back to what the person asked for, once.

use crate::erasure_ledger::{MemoryLedger, with_ledger};
use crate::helpers::*;
use std::sync::Arc;
use tutela_engine::deliveries::DeliveryFilter;
use tutela_engine::ledger::ErasureLedger;
use tutela_engine::store::RecordFilter;
use tutela_engine::{Engine, RightsReplayReport};

/// An engine on a copy of `t`'s database taken now, sharing its master
/// key, clock and ledger: what a restore of a backup taken now opens.
async fn backup_engine(
    t: &TestEngine,
    ledger: &Arc<MemoryLedger>,
    dir: &tempfile::TempDir,
) -> Engine {
    let file = dir.path().join("backup.db");
    t.engine.store().backup_to(&file).await.unwrap();
    let store = tutela_store::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let shared: Arc<dyn ErasureLedger> = ledger.clone();
    Engine::new(store, t.clock.clone(), Arc::clone(&t.master)).with_erasure_ledger(shared)
}

#[tokio::test]
async fn a_restore_replays_every_right_exercised_after_the_backup_once() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let newsletter = purpose("newsletter");
    e.record_consent(&t.service, s, &newsletter, true, "signup-form")
        .await
        .unwrap();
    let view = view_of(e, &t.acme, s).await;
    let id_of = |c: &str| {
        view.records
            .iter()
            .find(|r| r.category.as_str() == c)
            .unwrap()
            .id
    };
    let (email, name) = (id_of("email"), id_of("name"));

    // The backup, then the person's rights, each on the ledger.
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    t.clock.advance(jiff::SignedDuration::from_hours(1));
    e.delete_record(&t.dpo, s, name).await.unwrap();
    e.rectify_record(&t.dpo, s, email, "ada@lovelace.example")
        .await
        .unwrap();
    e.object(&t.dpo, s, Some(&purpose("ratings")))
        .await
        .unwrap();
    e.record_consent(&t.service, s, &newsletter, false, "settings")
        .await
        .unwrap();
    e.set_restricted(&t.dpo, s, true).await.unwrap();
    let text = ledger.read().await.unwrap();
    assert!(
        !text.contains("ada@") && !text.contains("Ada"),
        "no value on the ledger: {text}"
    );

    let notices_before = kinds_of_notices(&restored, &t, s).await;
    let report = restored.replay_rights().await.unwrap();
    assert_eq!(
        report,
        RightsReplayReport {
            entries: 5,
            records_deleted: 2,
            stale_rectified: 1,
            objections: 1,
            withdrawals: 1,
            restrictions: 1,
            skipped_subjects: 0,
            kept_held: 0,
        }
    );
    let back = view_of(&restored, &t.acme, s).await;
    let categories: Vec<&str> = back.records.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(
        categories,
        ["ticket_text"],
        "the deleted name and the stale email are gone"
    );
    assert!(back.subject.restricted);
    assert_eq!(back.objections.len(), 1);
    assert!(
        back.consents.iter().any(|c| !c.granted),
        "the withdrawal is back on the consent ledger"
    );
    let found = restored
        .find_subject(&t.admin, &category("email"), "ada@example.com")
        .await;
    assert!(
        found.is_err(),
        "the wrong email no longer finds the person: {found:?}"
    );
    // The recipients are told again (Art. 19): the notices queued with the
    // original acts were in the database the restore replaced. An outside
    // probe found none queued after a restore.
    let mut queued = kinds_of_notices(&restored, &t, s).await;
    for kind in notices_before {
        let at = queued.iter().position(|k| *k == kind).unwrap();
        queued.remove(at);
    }
    queued.sort_unstable();
    queued.dedup();
    assert_eq!(queued, ["record.deleted", "subject.restricted"]);
    // The restore is on the chain, where the rollback is.
    assert_eq!(restored.record_restore("from=backup").await.unwrap(), 2);
    let chain = restored
        .store()
        .audit_entries(&t.acme, 0, 0, 10_000)
        .await
        .unwrap();
    let last = chain.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("audit.restore", "cli")
    );
    let again = restored.replay_rights().await.unwrap();
    assert_eq!(
        (
            again.records_deleted,
            again.objections,
            again.withdrawals,
            again.restrictions
        ),
        (0, 0, 0, 0),
        "idempotent"
    );
    restored.store().close().await.unwrap();
    t.close().await;
}

/// The kinds of the notices to recipients queued about `s`.
async fn kinds_of_notices(
    engine: &Engine,
    t: &TestEngine,
    s: tutela_engine::ids::SubjectId,
) -> Vec<&'static str> {
    engine
        .store()
        .deliveries(&t.acme, DeliveryFilter::default(), 500)
        .await
        .unwrap()
        .iter()
        .filter(|d| d.subject == s)
        .map(|d| d.kind.as_str())
        .collect()
}

/// On the live database the ledger's rights lines change nothing: the
/// backup was not older than them.
#[tokio::test]
async fn replaying_rights_on_the_live_database_does_nothing() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let s = t.customer("ada@example.com").await;
    let view = view_of(&t.engine, &t.acme, s).await;
    let email = view.records[0].id;
    t.engine
        .rectify_record(&t.dpo, s, email, "ada@lovelace.example")
        .await
        .unwrap();
    t.engine.set_restricted(&t.dpo, s, true).await.unwrap();
    t.engine.set_restricted(&t.dpo, s, false).await.unwrap();
    let report = t.engine.replay_rights().await.unwrap();
    assert_eq!(report.entries, 3);
    assert_eq!(
        (report.records_deleted, report.restrictions),
        (0, 0),
        "{report:?}"
    );
    t.close().await;
}

/// A rectification the store refuses (the new value is another person's
/// identifier) commits nothing and leaves no line on the ledger at all
/// (the store appends a change's lines only once its checks passed, so a
/// crash cannot leave one behind either): a replay, on the live database
/// or into a backup, leaves the record's correct value alone. Before, it
/// deleted it as "rectified after the backup" (found by an outside probe),
/// and then, when a crash came between the refusal and its `cancel` line.
#[tokio::test]
async fn a_refused_rectification_is_not_replayed() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let ada = t.customer("ada@example.com").await;
    t.customer("bob@example.com").await;
    let email_of = |view: &tutela_engine::store::SubjectView| {
        view.records
            .iter()
            .find(|r| r.category.as_str() == "email")
            .map(|r| (r.id, r.ciphertext.clone()))
    };
    let view = view_of(&t.engine, &t.acme, ada).await;
    let (email, sealed) = email_of(&view).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    let refused = t
        .engine
        .rectify_record(&t.dpo, ada, email, "bob@example.com")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "E_IDENTIFIER_TAKEN");
    assert_eq!(
        ledger.read().await.unwrap(),
        "",
        "no line, not even a cancel"
    );
    for engine in [&t.engine, &restored] {
        let report = engine.replay_rights().await.unwrap();
        assert_eq!(report.records_deleted, 0, "{report:?}");
        let view = view_of(engine, &t.acme, ada).await;
        assert_eq!(email_of(&view), Some((email, sealed.clone())));
    }
    // A rectification that commits is still replayed into the backup.
    t.engine
        .rectify_record(&t.dpo, ada, email, "ada@lovelace.example")
        .await
        .unwrap();
    let report = restored.replay_rights().await.unwrap();
    assert_eq!(report.stale_rectified, 1, "{report:?}");
    restored.store().close().await.unwrap();
    t.close().await;
}

/// A record a sweep deleted under a rule counting from a lifecycle event
/// stays deleted after a restore: the backup holds neither the event nor
/// the deletion, so without the sweep's line on the ledger the record
/// would never fall due again (found by an outside probe). A rule counting
/// from the collection needs no line: the backup makes it due again.
#[tokio::test]
async fn a_record_swept_after_an_event_stays_deleted_after_a_restore() {
    use crate::retention::{seed_tenant, user};
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["install", "kudos"]).await;
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    let uninstalled = tutela_policy::EventName::parse("tenant.uninstalled").unwrap();
    t.engine
        .record_event(&who, &uninstalled, None)
        .await
        .unwrap();
    let swept = t.engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!(swept.deleted, 1, "{swept:?}");
    let report = restored.replay_rights().await.unwrap();
    assert_eq!(report.records_deleted, 1, "{report:?}");
    let view = view_of(&restored, &who.tenant, s).await;
    let kept: Vec<&str> = view.records.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(kept, vec!["kudos"]);
    t.close().await;
}

/// A value corrected and then corrected back to what the backup holds, or
/// "corrected" to the value it already had, is kept by a restore: the
/// ledger keeps a MAC of the value under the subject's own key, and the
/// replay opens the backup's record to compare. Before, it compared sealed
/// values, which a fresh nonce makes differ every time, and deleted the
/// correct value (found by outside probes).
#[tokio::test]
async fn a_value_corrected_back_to_the_backups_is_kept_by_a_restore() {
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let ada = t.customer("ada@example.com").await;
    let bob = t.customer("bob@example.com").await;
    let carol = t.customer("carol@example.com").await;
    let (ada_email, bob_email, carol_email) = (
        email_of(&t.engine, &t.acme, ada).await.unwrap(),
        email_of(&t.engine, &t.acme, bob).await.unwrap(),
        email_of(&t.engine, &t.acme, carol).await.unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    let rectify = |s, r, v: &'static str| t.engine.rectify_record(&t.dpo, s, r, v);
    rectify(ada, ada_email, "ada@lovelace.example")
        .await
        .unwrap();
    rectify(ada, ada_email, "ada@example.com").await.unwrap();
    rectify(bob, bob_email, "bob@example.com").await.unwrap();
    rectify(carol, carol_email, "carol@new.example")
        .await
        .unwrap();
    let text = ledger.read().await.unwrap();
    assert_eq!(text.matches(" correct ").count(), 4, "{text}");
    assert!(!text.contains("example.com"), "no value on the ledger");
    let report = restored.replay_rights().await.unwrap();
    assert_eq!(
        (report.records_deleted, report.stale_rectified),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(email_of(&restored, &t.acme, ada).await, Some(ada_email));
    assert_eq!(email_of(&restored, &t.acme, bob).await, Some(bob_email));
    assert_eq!(
        email_of(&restored, &t.acme, carol).await,
        None,
        "carol's old value"
    );
    t.close().await;
}

/// The id of the subject's email record, if it has one.
async fn email_of(
    engine: &Engine,
    tenant: &tutela_engine::ids::TenantId,
    s: tutela_engine::ids::SubjectId,
) -> Option<tutela_engine::ids::RecordId> {
    let view = view_of(engine, tenant, s).await;
    view.records
        .iter()
        .find(|r| r.category.as_str() == "email")
        .map(|r| r.id)
}

/// A due record a sweep moves under a statutory hold, under a policy whose
/// sweeps put their deletions on the ledger, gets no line: a restore would
/// otherwise delete the backup's live copy, the only one the law requires
/// keeping, since the hold is not in that backup (found by an outside
/// probe). The restore keeps it (live again, as the backup had it).
#[tokio::test]
async fn a_record_a_sweep_held_is_not_deleted_by_a_restore() {
    use crate::retention::{seed_tenant, user};
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["invoice", "kudos"]).await;
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 400));
    let swept = t.engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    assert_eq!((swept.held, swept.deleted), (1, 0), "{swept:?}");
    let text = ledger.read().await.unwrap();
    assert!(!text.contains("delete-record"), "{text}");
    let report = restored.replay_rights().await.unwrap();
    assert_eq!(report.records_deleted, 0, "{report:?}");
    let view = view_of(&restored, &who.tenant, s).await;
    let mut kept: Vec<&str> = view.records.iter().map(|r| r.category.as_str()).collect();
    kept.sort_unstable();
    assert_eq!(kept, vec!["invoice", "kudos"]);
    t.close().await;
}

/// A ledger that says to delete a record the replaced database keeps under
/// a statutory hold (an intermediate version wrote such a line when a
/// sweep moved a due record under its hold) is not obeyed for that record:
/// the backup's copy is the one the law requires keeping (found by an
/// outside probe, on a ledger written before the fix).
#[tokio::test]
async fn a_line_deleting_a_record_the_replaced_database_holds_is_not_carried_out() {
    use crate::retention::{seed_tenant, user};
    use tutela_engine::ledger::{RightAct, RightEntry};
    let ledger = Arc::new(MemoryLedger::default());
    let t = with_ledger(&ledger).await;
    let who = seed_tenant(&t).await;
    let s = user(&t, &who, &["invoice", "kudos"]).await;
    let view = view_of(&t.engine, &who.tenant, s).await;
    let invoice = view
        .records
        .iter()
        .find(|r| r.category.as_str() == "invoice")
        .unwrap()
        .id;
    let dir = tempfile::tempdir().unwrap();
    let restored = backup_engine(&t, &ledger, &dir).await;
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 400));
    t.engine.sweep_tenant(&who.tenant, &|_| {}).await.unwrap();
    let far = t.engine.now() + jiff::SignedDuration::from_hours(24 * 365 * 20);
    let held: std::collections::BTreeSet<_> = t
        .engine
        .store()
        .holds_due(&who.tenant, far, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert!(held.contains(&invoice), "the sweep held it");
    let bad = RightEntry {
        tenant: who.tenant.clone(),
        subject: s,
        at: t.engine.now(),
        act: RightAct::RecordDeleted(invoice),
    };
    ledger
        .append(&bad.to_line(&t.master.erasure_ledger_key()))
        .unwrap();
    let report = restored.replay_rights_keeping(&held).await.unwrap();
    assert_eq!(
        (report.kept_held, report.records_deleted),
        (1, 0),
        "{report:?}"
    );
    let back = view_of(&restored, &who.tenant, s).await;
    assert!(back.records.iter().any(|r| r.id == invoice), "kept");
    t.close().await;
}

/// The subject's view in `engine`'s database, records and all.
async fn view_of(
    engine: &Engine,
    tenant: &tutela_engine::ids::TenantId,
    s: tutela_engine::ids::SubjectId,
) -> tutela_engine::store::SubjectView {
    engine
        .store()
        .subject_view(tenant, s, RecordFilter::All)
        .await
        .unwrap()
        .unwrap()
}
