//! Consent proof, unsubscribe links and banner choices: a grant's text
//! hash reads back on the ledger, a text is kept once per tenant and hash,
//! a link is used once (a second use commits nothing), choices append and
//! read back in order, and nothing is seen from another tenant.

use crate::support::*;
use std::sync::Arc;
use tutela_engine::consent::banner::Visitor;
use tutela_engine::consent::{ConsentTextRow, UnsubscribeLinkRow, VisitorChoiceRow};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{RecordFilter, Store, StoreError, Write};
use uuid::Uuid;

conformance!(
    a_grant_keeps_its_text_hash_and_the_text_once,
    an_erasure_takes_the_texts_only_its_subject_was_shown,
    an_unsubscribe_link_use_commits_once_per_state,
    visitor_choices_append_and_read_back_in_order,
    old_choices_list_oldest_first_and_go_only_before_the_cutoff,
);

fn text_row(tenant: &TenantId, body: &str, n: i64) -> ConsentTextRow {
    ConsentTextRow {
        tenant: tenant.clone(),
        hash: tutela_vault::sha256(body.as_bytes()),
        body: body.into(),
        stored_at: at(n),
    }
}

async fn a_grant_keeps_its_text_hash_and_the_text_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let subject = setup_subject(store, &t).await;
    let text = text_row(&t, "Send me the newsletter", 1);
    let mut grant = consent_row(&t, subject.id, true, 2);
    grant.text_hash = Some(text.hash);
    apply(
        store,
        &t,
        vec![
            Write::InsertConsentText(text.clone()),
            Write::InsertConsent(grant.clone()),
        ],
    )
    .await
    .unwrap();
    // The same text again is a no-op, not a conflict.
    let again = text_row(&t, "Send me the newsletter", 9);
    apply(store, &t, vec![Write::InsertConsentText(again)])
        .await
        .unwrap();
    let body = store.consent_text(&t, &text.hash).await.unwrap();
    assert_eq!(body.as_deref(), Some("Send me the newsletter"));
    assert_eq!(store.consent_text(&other, &text.hash).await.unwrap(), None);
    let view = store
        .subject_view(&t, subject.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.consents, vec![grant]);
}

/// A text only the erased person was shown may carry their name (a form
/// that writes it into the sentence): it goes with them, while a text
/// others still live were shown stays, and the erased person's consents keep the
/// hashes. An outside probe found a name in the file after the erasure.
async fn an_erasure_takes_the_texts_only_its_subject_was_shown(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let (ada, bob) = (
        setup_subject(store, &t).await,
        setup_subject(store, &t).await,
    );
    let own = text_row(&t, "I, Ada Lovelace, want the newsletter", 1);
    let shared = text_row(&t, "Send me the newsletter", 1);
    let mut writes = vec![
        Write::InsertConsentText(own.clone()),
        Write::InsertConsentText(shared.clone()),
    ];
    for (subject, text, n) in [(&ada, &own, 2), (&ada, &shared, 3), (&bob, &shared, 4)] {
        let mut grant = consent_row(&t, subject.id, true, n);
        grant.text_hash = Some(text.hash);
        writes.push(Write::InsertConsent(grant));
    }
    apply(store, &t, writes).await.unwrap();
    let erase = Write::EraseSubject {
        subject: ada.id,
        at: at(50),
    };
    apply(store, &t, vec![erase]).await.unwrap();
    assert_eq!(store.consent_text(&t, &own.hash).await.unwrap(), None);
    assert_eq!(
        store
            .consent_text(&t, &shared.hash)
            .await
            .unwrap()
            .as_deref(),
        Some("Send me the newsletter")
    );
    let view = store
        .subject_view(&t, ada.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.consents.len(), 2, "the erased person's ledger stays");
    assert_eq!(view.consents[0].text_hash, Some(own.hash));
    // Once everyone shown the shared text is erased, it goes too (an
    // outside probe found such a text kept after both were erased).
    let erase = Write::EraseSubject {
        subject: bob.id,
        at: at(60),
    };
    apply(store, &t, vec![erase]).await.unwrap();
    assert_eq!(store.consent_text(&t, &shared.hash).await.unwrap(), None);
}

fn link_row(tenant: &TenantId, subject: SubjectId) -> UnsubscribeLinkRow {
    UnsubscribeLinkRow {
        tenant: tenant.clone(),
        token_hash: tutela_vault::sha256(b"secret"),
        subject,
        purpose: purpose("newsletter"),
        created_at: at(3),
        used_at: None,
    }
}

async fn an_unsubscribe_link_use_commits_once_per_state(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let subject = setup_subject(store, &t).await;
    let link = link_row(&t, subject.id);
    apply(store, &t, vec![Write::InsertUnsubscribeLink(link.clone())])
        .await
        .unwrap();
    let got = store.unsubscribe_link(&t, &link.token_hash).await.unwrap();
    assert_eq!(got, Some(link.clone()));
    assert_eq!(
        store
            .unsubscribe_link(&other, &link.token_hash)
            .await
            .unwrap(),
        None
    );

    let use_it = |n, seen: Option<i64>| Write::UseUnsubscribeLink {
        token_hash: link.token_hash,
        at: at(n),
        seen: seen.map(at),
    };
    let withdrawal = consent_row(&t, subject.id, false, 4);
    apply(
        store,
        &t,
        vec![Write::InsertConsent(withdrawal.clone()), use_it(4, None)],
    )
    .await
    .unwrap();
    // A use planned on the state another use changed meanwhile commits
    // nothing of its change.
    let late = consent_row(&t, subject.id, false, 5);
    let err = apply(store, &t, vec![Write::InsertConsent(late), use_it(5, None)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    let got = store.unsubscribe_link(&t, &link.token_hash).await.unwrap();
    assert_eq!(got.unwrap().used_at, Some(at(4)));
    // A later use, planned on the last one, is taken (a link works again
    // after the person signed up again).
    apply(store, &t, vec![use_it(6, Some(4))]).await.unwrap();
    let got = store.unsubscribe_link(&t, &link.token_hash).await.unwrap();
    assert_eq!(got.unwrap().used_at, Some(at(6)));
    let view = store
        .subject_view(&t, subject.id, RecordFilter::None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.consents, vec![withdrawal]);
}

fn choice_row(
    tenant: &TenantId,
    visitor: &Visitor,
    granted: bool,
    gpc: bool,
    n: i64,
) -> VisitorChoiceRow {
    VisitorChoiceRow {
        tenant: tenant.clone(),
        id: Uuid::new_v4(),
        visitor: visitor.clone(),
        purpose: purpose("analytics"),
        granted,
        gpc,
        at: at(n),
    }
}

async fn visitor_choices_append_and_read_back_in_order(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let visitor = Visitor::anonymous("Zx3_kQ9-rT5vB8nM2pL7wY").unwrap();
    let someone = Visitor::Subject(SubjectId::new());
    let rows = vec![
        choice_row(&t, &visitor, true, false, 1),
        choice_row(&t, &someone, true, false, 1),
    ];
    apply(store, &t, vec![Write::InsertVisitorChoices(rows.clone())])
        .await
        .unwrap();
    let later = choice_row(&t, &visitor, false, true, 2);
    apply(
        store,
        &t,
        vec![Write::InsertVisitorChoices(vec![later.clone()])],
    )
    .await
    .unwrap();
    let got = store.visitor_choices(&t, &visitor).await.unwrap();
    assert_eq!(got, vec![rows[0].clone(), later]);
    assert_eq!(
        store.visitor_choices(&t, &someone).await.unwrap(),
        vec![rows[1].clone()]
    );
    assert!(
        store
            .visitor_choices(&other, &visitor)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A retention sweep's reads and deletes of banner choices: the tenant's
/// choices made before the cutoff, oldest first, in pages; a delete by id
/// removes only those before its own cutoff, and only the tenant's.
async fn old_choices_list_oldest_first_and_go_only_before_the_cutoff(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let t = setup_tenant(store, "acme").await;
    let other = setup_tenant(store, "globex").await;
    let visitor = Visitor::anonymous("Zx3_kQ9-rT5vB8nM2pL7wY").unwrap();
    let rows: Vec<_> = (1..=4)
        .map(|n| choice_row(&t, &visitor, true, false, n))
        .collect();
    apply(store, &t, vec![Write::InsertVisitorChoices(rows.clone())])
        .await
        .unwrap();
    let theirs = choice_row(&other, &visitor, true, false, 1);
    apply(
        store,
        &other,
        vec![Write::InsertVisitorChoices(vec![theirs])],
    )
    .await
    .unwrap();
    let ids = |rows: &[VisitorChoiceRow]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    assert!(
        store
            .visitor_choices_before(&t, at(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.visitor_choices_before(&t, at(4), 2).await.unwrap(),
        ids(&rows[..2])
    );
    let before_four = store.visitor_choices_before(&t, at(4), 10).await.unwrap();
    assert_eq!(before_four, ids(&rows[..3]));
    // Named with a later row's id, only the rows before the cutoff go.
    let mut named = before_four.clone();
    named.push(rows[3].id);
    let before = at(4);
    apply(
        store,
        &t,
        vec![Write::DeleteVisitorChoices { before, ids: named }],
    )
    .await
    .unwrap();
    assert_eq!(
        store.visitor_choices(&t, &visitor).await.unwrap(),
        vec![rows[3].clone()]
    );
    assert_eq!(
        store.visitor_choices(&other, &visitor).await.unwrap().len(),
        1
    );
}
