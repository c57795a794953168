//! Data subject requests: the row round-trips, updates apply only at the
//! version read, and the queue lists by effective due date with its
//! filters and keyset cursor, inside one tenant only.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::death::{Applied, DeathRow};
use tutela_engine::ids::{RequestId, SubjectId, TenantId};
use tutela_engine::requests::code::CodeState;
use tutela_engine::requests::{
    ASKED_MEANWHILE, DirectiveTag, Fee, KindTag, Reason, RequestCursor, RequestFilter, RequestRow,
    RequestState, VerifiedBy,
};
use tutela_engine::store::{Store, StoreError, Write};
use tutela_policy::FirstHandler;

conformance!(
    a_request_round_trips_and_updates_only_at_its_version,
    the_queue_lists_by_due_date_with_filters_and_a_cursor,
    a_request_needs_a_live_subject,
    a_death_is_recorded_once_with_the_directive_it_applied,
    a_second_open_request_asking_the_same_is_refused,
    racing_filings_of_the_same_ask_open_once,
);

fn request_row(tenant: &TenantId, subject: SubjectId, due: i64) -> RequestRow {
    RequestRow {
        tenant: tenant.clone(),
        id: RequestId::new(),
        subject,
        kind: KindTag::Access,
        purpose: None,
        directive: None,
        sealed_detail: None,
        detail_digest: None,
        state: RequestState::Received,
        received_at: at(1),
        due_at: at(due),
        extended_due_at: None,
        extension_reason: None,
        refusal_reason: None,
        fee: None,
        handler: FirstHandler::Controller,
        handler_contact: "privacy@acme.example".into(),
        duplicate_of: None,
        verified_at: None,
        verified_by: None,
        verification_note: None,
        code: CodeState::default(),
        fulfilled_at: None,
        closed_at: None,
        closed_note: None,
        version: 1,
    }
}

fn reason(text: &str) -> Reason {
    Reason::parse("note", text).unwrap()
}

async fn a_request_round_trips_and_updates_only_at_its_version(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    let mut row = request_row(&t, subject.id, 100);
    row.kind = KindTag::Directive;
    row.directive = Some(DirectiveTag::HandTo);
    row.purpose = Some(purpose("ratings"));
    row.sealed_detail = Some(vec![1, 2, 3]);
    row.detail_digest = Some([7; 32]);
    row.duplicate_of = Some(RequestId::new());
    apply(store, &t, vec![Write::InsertRequest(row.clone())])
        .await
        .unwrap();
    assert_eq!(store.request(&t, row.id).await.unwrap(), Some(row.clone()));

    let mut next = row.clone();
    next.state = RequestState::Verified;
    next.extended_due_at = Some(at(200));
    next.extension_reason = Some(reason("many systems"));
    next.fee = Some(Fee::parse(1500, "EUR", "second copy").unwrap());
    next.verified_at = Some(at(5));
    next.verified_by = Some(VerifiedBy::Document);
    next.verification_note = Some(reason("passport"));
    next.code = CodeState {
        hash: Some([9; 32]),
        expires_at: Some(at(6)),
        attempts: 2,
        sent: 3,
        last_sent_at: Some(at(4)),
    };
    next.closed_note = Some(reason("done"));
    next.version = 2;
    let update = Write::UpdateRequest {
        row: next.clone(),
        expected_version: 1,
    };
    apply(store, &t, vec![update.clone()]).await.unwrap();
    assert_eq!(store.request(&t, row.id).await.unwrap(), Some(next.clone()));
    let stale = apply(store, &t, vec![update]).await.unwrap_err();
    assert!(
        matches!(stale, StoreError::Missing { what: "request" }),
        "{stale:?}"
    );
    let other = setup_tenant(store, "beta").await;
    assert_eq!(store.request(&other, row.id).await.unwrap(), None);
}

async fn the_queue_lists_by_due_date_with_filters_and_a_cursor(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    // Four asks: one subject has at most one open request per ask.
    let mut late = request_row(&t, subject.id, 300);
    late.kind = KindTag::Portability;
    let early = request_row(&t, subject.id, 100);
    let mut done = request_row(&t, subject.id, 50);
    done.state = RequestState::Fulfilled;
    let mut extended = request_row(&t, subject.id, 90);
    extended.kind = KindTag::Erasure;
    extended.extended_due_at = Some(at(400));
    let writes = [&late, &early, &done, &extended]
        .into_iter()
        .map(|r| Write::InsertRequest(r.clone()))
        .collect();
    apply(store, &t, writes).await.unwrap();

    let ids = |rows: Vec<RequestRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = store
        .requests(&t, RequestFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(ids(all), [done.id, early.id, late.id, extended.id]);
    let overdue = RequestFilter {
        due_before: Some(at(350)),
        ..RequestFilter::default()
    };
    let listed = store.requests(&t, overdue, None, 10).await.unwrap();
    assert_eq!(ids(listed), [early.id, late.id], "open and past due only");
    let fulfilled = RequestFilter {
        state: Some(RequestState::Fulfilled),
        ..RequestFilter::default()
    };
    let listed = store.requests(&t, fulfilled, None, 10).await.unwrap();
    assert_eq!(ids(listed), [done.id]);
    let first = store
        .requests(&t, RequestFilter::default(), None, 2)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let cursor = RequestCursor {
        due: last.effective_due_at(),
        id: last.id,
    };
    let rest = store
        .requests(&t, RequestFilter::default(), Some(cursor), 10)
        .await
        .unwrap();
    assert_eq!(ids(rest), [late.id, extended.id]);

    // One kind; one subject (another subject's request is left out), with
    // the kind and the cursor as well.
    let second = setup_subject(store, &t).await;
    let theirs = request_row(&t, second.id, 95);
    apply(store, &t, vec![Write::InsertRequest(theirs.clone())])
        .await
        .unwrap();
    let erasures = RequestFilter {
        kind: Some(KindTag::Erasure),
        ..RequestFilter::default()
    };
    let listed = store.requests(&t, erasures, None, 10).await.unwrap();
    assert_eq!(ids(listed), [extended.id]);
    let of_subject = RequestFilter {
        subject: Some(subject.id),
        ..RequestFilter::default()
    };
    let listed = store.requests(&t, of_subject, None, 10).await.unwrap();
    assert_eq!(ids(listed), [done.id, early.id, late.id, extended.id]);
    let of_second = RequestFilter {
        subject: Some(second.id),
        ..RequestFilter::default()
    };
    let listed = store.requests(&t, of_second, None, 10).await.unwrap();
    assert_eq!(ids(listed), [theirs.id]);
    let page = store.requests(&t, of_subject, None, 2).await.unwrap();
    let after = RequestCursor {
        due: page.last().unwrap().effective_due_at(),
        id: page.last().unwrap().id,
    };
    let listed = store
        .requests(&t, of_subject, Some(after), 10)
        .await
        .unwrap();
    assert_eq!(ids(listed), [late.id, extended.id]);
    let portability_of_subject = RequestFilter {
        subject: Some(subject.id),
        kind: Some(KindTag::Portability),
        ..RequestFilter::default()
    };
    let listed = store
        .requests(&t, portability_of_subject, None, 10)
        .await
        .unwrap();
    assert_eq!(ids(listed), [late.id]);
    let open = store.open_requests_of(&t, subject.id).await.unwrap();
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|r| r.state.is_open()));
    let other = setup_tenant(store, "beta").await;
    assert!(
        store
            .requests(&other, RequestFilter::default(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .open_requests_of(&other, subject.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_request_needs_a_live_subject(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let missing = request_row(&t, SubjectId::new(), 100);
    let err = apply(store, &t, vec![Write::InsertRequest(missing)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what: "subject" }),
        "{err:?}"
    );
    let subject = setup_subject(store, &t).await;
    apply(
        store,
        &t,
        vec![Write::EraseSubject {
            subject: subject.id,
            at: at(2),
        }],
    )
    .await
    .unwrap();
    let err = apply(
        store,
        &t,
        vec![Write::InsertRequest(request_row(&t, subject.id, 100))],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::SubjectErased), "{err:?}");
    // An access request about what a hold keeps needs the subject to
    // exist, not to be live.
    let about_held = request_row(&t, subject.id, 100);
    apply(
        store,
        &t,
        vec![Write::InsertRequestAboutHeld(about_held.clone())],
    )
    .await
    .unwrap();
    assert_eq!(
        store.request(&t, about_held.id).await.unwrap(),
        Some(about_held)
    );
    let nobody = request_row(&t, SubjectId::new(), 100);
    let err = apply(store, &t, vec![Write::InsertRequestAboutHeld(nobody)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
}

async fn a_death_is_recorded_once_with_the_directive_it_applied(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    let mut registered = request_row(&t, subject.id, 100);
    registered.kind = KindTag::Directive;
    registered.directive = Some(DirectiveTag::Erase);
    registered.state = RequestState::Fulfilled;
    registered.fulfilled_at = Some(at(5));
    let mut pending = request_row(&t, subject.id, 100);
    pending.kind = KindTag::Directive;
    pending.directive = Some(DirectiveTag::Keep);
    let writes = vec![
        Write::InsertRequest(registered.clone()),
        Write::InsertRequest(pending),
        Write::InsertRequest(request_row(&t, subject.id, 100)),
    ];
    apply(store, &t, writes).await.unwrap();
    let directives = store.directives_of(&t, subject.id).await.unwrap();
    assert_eq!(
        directives,
        vec![registered.clone()],
        "registered directives only"
    );
    assert!(store.death_of(&t, subject.id).await.unwrap().is_none());
    let death = DeathRow {
        tenant: t.clone(),
        subject: subject.id,
        recorded_at: at(9),
        directive: Some(registered.id),
        applied: Applied::Erase,
        note: Some(reason("certificate seen")),
    };
    let erase = Write::EraseSubject {
        subject: subject.id,
        at: at(9),
    };
    apply(store, &t, vec![Write::RecordDeath(death.clone()), erase])
        .await
        .unwrap();
    // The death stays recorded; staff's note went with the subject.
    let kept = DeathRow {
        note: Some(reason("[erased with the subject]")),
        ..death.clone()
    };
    assert_eq!(store.death_of(&t, subject.id).await.unwrap(), Some(kept));
    let other = setup_tenant(store, "globex").await;
    assert!(store.death_of(&other, subject.id).await.unwrap().is_none());
    // Once: a second record is a conflict (and, the subject being erased
    // now, refused before it).
    let err = apply(store, &t, vec![Write::RecordDeath(death)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SubjectErased), "{err:?}");
    let living = setup_subject(store, &t).await;
    let death = DeathRow {
        tenant: t.clone(),
        subject: living.id,
        recorded_at: at(10),
        directive: None,
        applied: Applied::None,
        note: None,
    };
    apply(store, &t, vec![Write::RecordDeath(death.clone())])
        .await
        .unwrap();
    let err = apply(store, &t, vec![Write::RecordDeath(death)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "death" }),
        "{err:?}"
    );
}

/// A request opened as new checks inside its commit that no open request
/// of the subject asks the same (kind, purpose, directive, detail): a
/// second fails as `Missing { what: ASKED_MEANWHILE }`, for the engine to
/// link it as a duplicate. Other asks, duplicates and closed ones do not
/// count.
async fn a_second_open_request_asking_the_same_is_refused(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let subject = setup_subject(store, &t).await;
    let first = request_row(&t, subject.id, 100);
    apply(store, &t, vec![Write::InsertRequest(first.clone())])
        .await
        .unwrap();
    let again = request_row(&t, subject.id, 100);
    let err = apply(store, &t, vec![Write::InsertRequest(again.clone())])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Missing { what } if what == ASKED_MEANWHILE),
        "{err:?}"
    );
    assert_eq!(
        store.request(&t, again.id).await.unwrap(),
        None,
        "nothing written"
    );
    let mut linked = request_row(&t, subject.id, 100);
    linked.state = RequestState::Duplicate;
    linked.duplicate_of = Some(first.id);
    let mut objection = request_row(&t, subject.id, 100);
    objection.kind = KindTag::Objection;
    objection.purpose = Some(purpose("ratings"));
    let mut other_purpose = objection.clone();
    other_purpose.id = RequestId::new();
    other_purpose.purpose = Some(purpose("newsletter"));
    apply(
        store,
        &t,
        vec![
            Write::InsertRequest(linked),
            Write::InsertRequest(objection),
            Write::InsertRequest(other_purpose),
        ],
    )
    .await
    .unwrap();
    let mut closed = first.clone();
    closed.state = RequestState::Fulfilled;
    closed.version = 2;
    let update = Write::UpdateRequest {
        row: closed,
        expected_version: 1,
    };
    apply(store, &t, vec![update]).await.unwrap();
    apply(store, &t, vec![Write::InsertRequest(again)])
        .await
        .unwrap();
}

/// Eight filings of one ask at once, each its own commit (on PostgreSQL
/// on its own connection): exactly one opens.
async fn racing_filings_of_the_same_ask_open_once(store: Arc<dyn Store>) {
    let t = setup_tenant(store.as_ref(), "acme").await;
    let subject = setup_subject(store.as_ref(), &t).await;
    let tries = (0..8).map(|_| {
        let store = Arc::clone(&store);
        let row = request_row(&t, subject.id, 100);
        let t = t.clone();
        tokio::spawn(
            async move { apply(store.as_ref(), &t, vec![Write::InsertRequest(row)]).await },
        )
    });
    let mut opened = 0;
    for outcome in futures::future::join_all(tries).await {
        match outcome.unwrap() {
            Ok(_) => opened += 1,
            Err(StoreError::Missing { what }) if what == ASKED_MEANWHILE => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(opened, 1);
}
