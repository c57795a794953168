//! Each operation's own refusals (input, state, keys, authentication), as a
//! table of (what, expected code, code got), and the operations' effects.

use crate::helpers::{category, code, purpose, record, spawn_engine};
use std::sync::Arc;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Role;
use tutela_policy::SubjectKindId;

/// Asserts every row of a table at once, naming each that failed.
fn check(table: &[(&str, &str, &str)]) {
    let failures: Vec<String> = table
        .iter()
        .filter(|(_, want, got)| want != got)
        .map(|(what, want, got)| format!("{what}: expected {want}, got {got}"))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn subject_and_record_operations_refuse_bad_input_with_their_codes() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let customer = SubjectKindId::parse("customer").unwrap();
    let account = purpose("account");
    let nobody = SubjectId::new();
    let table = [
        (
            "create a subject of an undeclared kind",
            "E_UNKNOWN_SUBJECT_KIND",
            code(
                &e.create_subject(
                    &t.service,
                    &SubjectKindId::parse("robot").unwrap(),
                    &account,
                    vec![],
                )
                .await,
            ),
        ),
        (
            "create a subject with an identifier another holds",
            "E_IDENTIFIER_TAKEN",
            code(
                &e.create_subject(
                    &t.service,
                    &customer,
                    &account,
                    vec![record("email", "ada@example.com")],
                )
                .await,
            ),
        ),
        (
            "write an undeclared category",
            "E_CATEGORY_NOT_DECLARED",
            code(
                &e.write_records(&t.service, s, &account, vec![record("shoe_size", "42")])
                    .await,
            ),
        ),
        (
            "write nothing",
            "E_INVALID_INPUT",
            code(&e.write_records(&t.service, s, &account, vec![]).await),
        ),
        (
            "write a value too long",
            "E_INVALID_INPUT",
            code(
                &e.write_records(
                    &t.service,
                    s,
                    &account,
                    vec![record(
                        "name",
                        &"x".repeat(tutela_engine::MAX_VALUE_CHARS + 1),
                    )],
                )
                .await,
            ),
        ),
        (
            "read an undeclared category",
            "E_CATEGORY_NOT_DECLARED",
            code(
                &e.read_records(&t.service, s, &account, Some(vec![category("shoe_size")]))
                    .await,
            ),
        ),
        (
            "ask for more categories than the policy declares",
            "E_TOO_MANY_CATEGORIES",
            code(
                &e.read_records(&t.service, s, &account, Some(vec![category("email"); 9]))
                    .await,
            ),
        ),
        (
            "read a subject that does not exist",
            "E_SUBJECT_NOT_FOUND",
            code(&e.read_records(&t.service, nobody, &account, None).await),
        ),
        (
            "look up an identifier nobody holds",
            "E_SUBJECT_NOT_FOUND",
            code(
                &e.find_subject(&t.service, &category("email"), "bob@example.com")
                    .await,
            ),
        ),
        (
            "look up by a category that is not an identifier",
            "E_INVALID_INPUT",
            code(
                &e.find_subject(&t.service, &category("name"), "Ada Lovelace")
                    .await,
            ),
        ),
        (
            "consent to a purpose that does not rest on consent",
            "E_CONSENT_NOT_APPLICABLE",
            code(&e.record_consent(&t.service, s, &account, true, "api").await),
        ),
        (
            "consent from a source that is free text",
            "E_INVALID_INPUT",
            code(
                &e.record_consent(&t.service, s, &purpose("newsletter"), true, "ada said yes")
                    .await,
            ),
        ),
        (
            "object to a contract purpose",
            "E_OBJECTION_NOT_APPLICABLE",
            code(&e.object(&t.service, s, Some(&account)).await),
        ),
        (
            "object to an undeclared purpose",
            "E_PURPOSE_NOT_DECLARED",
            code(&e.object(&t.service, s, Some(&purpose("marketing"))).await),
        ),
        (
            "publish a policy that does not parse",
            "E_POLICY_INVALID",
            code(&e.publish_policy(&t.dpo, "name = ", None).await),
        ),
    ];
    check(&table);
    // None of it touched the subject.
    let report = e.subject_access(&t.dpo, s).await.unwrap();
    assert_eq!(report.records.len(), 3);
    assert!(report.consents.is_empty());
    assert!(report.objections.is_empty());
    t.assert_chain_intact().await;
    t.close().await;
}

#[tokio::test]
async fn subjects_are_written_found_read_and_erased() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let found = e
        .find_subject(&t.service, &category("email"), "ada@example.com")
        .await
        .unwrap();
    assert_eq!(found, s);
    e.write_records(
        &t.service,
        s,
        &purpose("account"),
        vec![record("phone", "+49 30 1234567")],
    )
    .await
    .unwrap();
    let read = e
        .read_records(&t.service, s, &purpose("account"), None)
        .await
        .unwrap();
    let mut values: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
    values.sort_unstable();
    assert_eq!(
        values,
        ["+49 30 1234567", "Ada Lovelace", "ada@example.com"]
    );
    assert!(read.iter().all(|r| r.collected_for.as_str() == "account"));

    e.erase_subject(&t.dpo, s).await.unwrap();
    let table = [
        (
            "read after erasure",
            "E_SUBJECT_ERASED",
            code(
                &e.read_records(&t.service, s, &purpose("account"), None)
                    .await,
            ),
        ),
        (
            "write after erasure",
            "E_SUBJECT_ERASED",
            code(
                &e.write_records(
                    &t.service,
                    s,
                    &purpose("account"),
                    vec![record("name", "A")],
                )
                .await,
            ),
        ),
        (
            "subject access after erasure",
            "E_SUBJECT_ERASED",
            code(&e.subject_access(&t.dpo, s).await),
        ),
        (
            "erase twice",
            "E_SUBJECT_ERASED",
            code(&e.erase_subject(&t.dpo, s).await),
        ),
        (
            "look up the erased identifier",
            "E_SUBJECT_NOT_FOUND",
            code(
                &e.find_subject(&t.service, &category("email"), "ada@example.com")
                    .await,
            ),
        ),
    ];
    check(&table);
    // The identifier is free again.
    let again = e
        .create_subject(
            &t.service,
            &SubjectKindId::parse("customer").unwrap(),
            &purpose("account"),
            vec![record("email", "ada@example.com")],
        )
        .await
        .unwrap();
    assert_ne!(again, s);
    t.assert_chain_intact().await;
    t.close().await;
}

#[tokio::test]
async fn keys_are_minted_within_the_callers_powers_and_revocation_is_immediate() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let narrow_token = e
        .create_api_key(
            &t.admin,
            &t.acme,
            Role::Admin,
            vec![purpose("support")],
            "narrow",
        )
        .await
        .unwrap()
        .token;
    let narrow = e.authenticate(&narrow_token).await.unwrap();
    assert_eq!(narrow.purposes, vec![purpose("support")]);
    let operator = TenantId::parse("operator").unwrap();
    let table = [
        (
            "mint in another tenant",
            "E_OTHER_TENANT",
            code(
                &e.create_api_key(&t.admin, &operator, Role::Analyst, vec![], "x")
                    .await,
            ),
        ),
        (
            "the operator mints inside a client tenant",
            "E_OTHER_TENANT",
            code(
                &e.create_api_key(&t.operator, &t.acme, Role::Admin, vec![], "x")
                    .await,
            ),
        ),
        (
            "a scoped admin mints an unscoped key",
            "E_KEY_BEYOND_SCOPE",
            code(
                &e.create_api_key(&narrow, &t.acme, Role::Service, vec![], "x")
                    .await,
            ),
        ),
        (
            "a scoped admin mints outside its purposes",
            "E_KEY_BEYOND_SCOPE",
            code(
                &e.create_api_key(
                    &narrow,
                    &t.acme,
                    Role::Service,
                    vec![purpose("billing")],
                    "x",
                )
                .await,
            ),
        ),
        (
            "a scoped admin mints within its purposes",
            "ok",
            code(
                &e.create_api_key(
                    &narrow,
                    &t.acme,
                    Role::Service,
                    vec![purpose("support")],
                    "x",
                )
                .await,
            ),
        ),
        (
            "scope a key to an undeclared purpose",
            "E_PURPOSE_NOT_DECLARED",
            code(
                &e.create_api_key(
                    &t.admin,
                    &t.acme,
                    Role::Service,
                    vec![purpose("marketing")],
                    "x",
                )
                .await,
            ),
        ),
        (
            "an empty label",
            "E_INVALID_INPUT",
            code(
                &e.create_api_key(&t.admin, &t.acme, Role::Service, vec![], "  ")
                    .await,
            ),
        ),
        (
            "authenticate with garbage",
            "E_UNAUTHENTICATED",
            code(&e.authenticate("tutela.acme.nope").await),
        ),
        (
            "authenticate with an unknown secret",
            "E_UNAUTHENTICATED",
            code(
                &e.authenticate(&format!("tutela.acme.{}", "a".repeat(43)))
                    .await,
            ),
        ),
        (
            "authenticate with acme's secret under another tenant",
            "E_UNAUTHENTICATED",
            code(
                &e.authenticate(
                    &t.service_token
                        .replacen("tutela.acme.", "tutela.operator.", 1),
                )
                .await,
            ),
        ),
    ];
    check(&table);

    let denied: Vec<_> = t
        .entries()
        .await
        .into_iter()
        .filter(|x| x.action == "key.create" && x.outcome.starts_with("denied:"))
        .map(|x| x.outcome)
        .collect();
    assert_eq!(
        denied,
        [
            "denied:E_OTHER_TENANT",
            "denied:E_KEY_BEYOND_SCOPE",
            "denied:E_KEY_BEYOND_SCOPE"
        ],
        "refused mints on acme's chain"
    );

    let service_id = t.service.actor.strip_prefix("key:").unwrap();
    let key = e
        .api_keys(&t.admin)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.id.to_string() == service_id)
        .unwrap();
    assert_eq!(code(&e.authenticate(&t.service_token).await), "ok");
    e.revoke_api_key(&t.admin, key.id).await.unwrap();
    assert_eq!(
        code(&e.authenticate(&t.service_token).await),
        "E_UNAUTHENTICATED"
    );
    t.close().await;
}

#[tokio::test]
async fn a_published_policy_applies_from_then_on() {
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    assert_eq!(e.tenant(&t.dpo).await.unwrap().policy_version, 1);
    let support = purpose("support");
    let email_for_support =
        || e.read_records(&t.service, s, &support, Some(vec![category("email")]));
    assert_eq!(code(&email_for_support().await), "ok");
    let narrower = tutela_policy::EXAMPLE_POLICY.replace(
        "categories = [\"ticket_text\", \"name\", \"email\", \"phone\"]",
        "categories = [\"ticket_text\", \"name\", \"phone\"]",
    );
    assert_ne!(narrower, tutela_policy::EXAMPLE_POLICY, "the edit applied");
    let row = e.publish_policy(&t.dpo, &narrower, None).await.unwrap().row;
    assert_eq!(row.version, 2);
    let versions = e.policy_versions(&t.analyst).await.unwrap();
    assert_eq!(versions.len(), 2);
    let (current, parsed) = e.policy(&t.analyst, None).await.unwrap();
    assert_eq!(current.version, 2);
    assert!(
        !parsed
            .purpose(&purpose("support"))
            .unwrap()
            .covers(&category("email"))
    );
    // Every act from now on is checked against version 2.
    assert_eq!(
        code(&email_for_support().await),
        "E_CATEGORY_NOT_IN_PURPOSE"
    );
    t.close().await;
}

/// A verification code the notifier could not deliver is `502
/// E_NOTIFY_FAILED` and does not count: the request's sends and its
/// one-a-minute limit are as before, and the failed send is audited.
#[tokio::test]
async fn an_undelivered_code_is_not_counted_as_sent() {
    // The test engine has no notifier: every message fails.
    let t = spawn_engine().await;
    let e = &t.engine;
    let s = t.customer("ada@example.com").await;
    let filed = e
        .file_request(&t.dpo, s, tutela_engine::requests::RequestKind::Access)
        .await
        .unwrap();
    let id = filed.row.id;
    for _ in 0..2 {
        let sent = e.send_request_code(&t.dpo, id).await;
        assert_eq!(code(&sent), "E_NOTIFY_FAILED");
        assert_eq!(
            sent.unwrap_err().kind(),
            tutela_engine::error::ErrorKind::BadGateway
        );
    }
    let row = e.request(&t.dpo, id).await.unwrap();
    assert_eq!(
        (row.code.sent, row.code.hash, row.code.last_sent_at),
        (0, None, None),
        "no code counts as sent"
    );
    let last = t.entries().await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("request.code", "denied:E_NOTIFY_FAILED")
    );
}

/// The same request filed eight times at once (a double-clicked form):
/// one opens, the others are linked to it as duplicates, never run twice.
#[tokio::test]
async fn racing_filings_of_one_ask_open_one_request() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let filings = (0..8).map(|_| {
        let engine = Arc::clone(&t.engine);
        let dpo = t.dpo.clone();
        tokio::spawn(async move {
            engine
                .file_request(&dpo, s, tutela_engine::requests::RequestKind::Erasure)
                .await
        })
    });
    let filed: Vec<_> = futures::future::join_all(filings)
        .await
        .into_iter()
        .map(|f| f.unwrap().unwrap())
        .collect();
    let opened: Vec<_> = filed.iter().filter(|f| !f.duplicate).collect();
    assert_eq!(opened.len(), 1, "{filed:?}");
    let first = opened[0].row.id;
    for f in filed.iter().filter(|f| f.duplicate) {
        assert_eq!(f.row.duplicate_of, Some(first));
    }
    t.close().await;
}

/// An erasure request fulfilled eight times at once erases once; the
/// others lost a race on the request and are told so
/// (`E_REQUEST_CHANGED`), not that the subject is erased.
#[tokio::test]
async fn racing_fulfilments_of_an_erasure_lose_on_the_request() {
    let t = spawn_engine().await;
    let s = t.customer("ada@example.com").await;
    let filed = t
        .engine
        .file_request(&t.dpo, s, tutela_engine::requests::RequestKind::Erasure)
        .await
        .unwrap();
    let id = filed.row.id;
    let note = tutela_engine::requests::Reason::parse("note", "seen").unwrap();
    t.engine
        .verify_request_manually(
            &t.dpo,
            id,
            tutela_engine::requests::VerifiedBy::Manual,
            note,
        )
        .await
        .unwrap();
    let tries = (0..8).map(|_| {
        let engine = Arc::clone(&t.engine);
        let dpo = t.dpo.clone();
        tokio::spawn(async move { engine.fulfil_request(&dpo, id, None).await })
    });
    let mut codes: Vec<String> = futures::future::join_all(tries)
        .await
        .into_iter()
        .map(|r| match r.unwrap() {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.code().to_owned(),
        })
        .collect();
    codes.sort();
    let won = codes.iter().filter(|c| *c == "ok").count();
    assert_eq!(won, 1, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c == "ok" || c == "E_REQUEST_CHANGED" || c == "E_INVALID_TRANSITION"),
        "{codes:?}"
    );
    t.close().await;
}
