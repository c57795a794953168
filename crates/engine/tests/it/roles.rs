//! Who may do what: every operation tried by every role of tenant `acme`
//! (and a purpose-scoped service key), each on a fresh subject, against a
//! table written out by hand rather than derived from the code under test.

use crate::helpers::{TestEngine, code, purpose, recipient, record, spawn_engine};
use tutela_engine::EngineError;
use tutela_engine::ids::{RecordId, SubjectId, TenantId};
use tutela_engine::principal::{Principal, Role};
use tutela_policy::{CategoryId, SubjectKindId};

/// The operations the table covers.
#[derive(Debug, Clone, Copy)]
enum Op {
    ReadPolicy,
    PublishPolicy,
    ListKeys,
    CreateKey,
    CreateTenant,
    CreateSubjectAccount,
    CreateSubjectSupport,
    LookupSubject,
    WriteAccount,
    ReadAccount,
    ReadSupport,
    DiscloseSupport,
    SubjectAccess,
    AccessAnswer,
    PortableData,
    RectifyRecord,
    DeleteRecord,
    GrantNewsletter,
    ConsentStatus,
    ObjectRatings,
    ObjectAll,
    Restrict,
    Erase,
    VerifyAudit,
    AuditEntries,
}

const OK: &str = "ok";
const FORBIDDEN: &str = "E_FORBIDDEN";
const SCOPE: &str = "E_PURPOSE_OUT_OF_SCOPE";
const UNSCOPED: &str = "E_UNSCOPED_KEY_REQUIRED";

/// Expected code per caller: admin, service, dpo, analyst, scoped service.
const TABLE: &[(Op, [&str; 5])] = &[
    (Op::ReadPolicy, [OK, OK, OK, OK, OK]),
    (Op::PublishPolicy, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (
        Op::ListKeys,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    ),
    (
        Op::CreateKey,
        [OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    ),
    // Only the operator's admins manage tenants.
    (
        Op::CreateTenant,
        [FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    ),
    (
        Op::CreateSubjectAccount,
        [OK, OK, FORBIDDEN, FORBIDDEN, SCOPE],
    ),
    (Op::CreateSubjectSupport, [OK, OK, FORBIDDEN, FORBIDDEN, OK]),
    (Op::LookupSubject, [OK, OK, OK, FORBIDDEN, OK]),
    (Op::WriteAccount, [OK, OK, FORBIDDEN, FORBIDDEN, SCOPE]),
    (Op::ReadAccount, [OK, OK, FORBIDDEN, FORBIDDEN, SCOPE]),
    (Op::ReadSupport, [OK, OK, FORBIDDEN, FORBIDDEN, OK]),
    (Op::DiscloseSupport, [OK, OK, FORBIDDEN, FORBIDDEN, OK]),
    (Op::SubjectAccess, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::AccessAnswer, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::PortableData, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::RectifyRecord, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::DeleteRecord, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::GrantNewsletter, [OK, OK, OK, FORBIDDEN, SCOPE]),
    (Op::ConsentStatus, [OK, OK, OK, FORBIDDEN, OK]),
    (Op::ObjectRatings, [OK, OK, OK, FORBIDDEN, SCOPE]),
    (Op::ObjectAll, [OK, OK, OK, FORBIDDEN, UNSCOPED]),
    (Op::Restrict, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::Erase, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::VerifyAudit, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
    (Op::AuditEntries, [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN]),
];

/// Runs `op` as `who` on `subject` (created for this case alone) and
/// returns its code. `n` keeps identifiers and tenant ids distinct.
async fn run(
    t: &TestEngine,
    who: &Principal,
    op: Op,
    subject: SubjectId,
    n: usize,
) -> &'static str {
    let e = &t.engine;
    let customer = SubjectKindId::parse("customer").unwrap();
    match op {
        Op::ReadPolicy => code(&e.policy(who, None).await),
        Op::PublishPolicy => code(
            &e.publish_policy(who, tutela_policy::EXAMPLE_POLICY, None)
                .await,
        ),
        Op::ListKeys => code(&e.api_keys(who).await),
        Op::CreateKey => code(
            &e.create_api_key(who, &t.acme, Role::Analyst, vec![], "made in a test")
                .await,
        ),
        Op::CreateTenant => {
            let id = TenantId::parse(&format!("tenant-{n}")).unwrap();
            code(
                &e.create_tenant(who, id, "Other", tutela_policy::EXAMPLE_POLICY)
                    .await,
            )
        }
        Op::CreateSubjectAccount => code(
            &e.create_subject(
                who,
                &customer,
                &purpose("account"),
                vec![record("email", &format!("new{n}@example.com"))],
            )
            .await,
        ),
        Op::CreateSubjectSupport => code(
            &e.create_subject(
                who,
                &customer,
                &purpose("support"),
                vec![record("ticket_text", "hello")],
            )
            .await,
        ),
        Op::LookupSubject => {
            let found = e
                .find_subject(
                    who,
                    &CategoryId::parse("email").unwrap(),
                    &format!("case{n}@example.com"),
                )
                .await;
            if let Ok(found) = &found {
                assert_eq!(*found, subject, "lookup found another subject");
            }
            code(&found)
        }
        Op::WriteAccount => code(
            &e.write_records(
                who,
                subject,
                &purpose("account"),
                vec![record("phone", "+49 30 1234567")],
            )
            .await,
        ),
        Op::ReadAccount => {
            let read = e
                .read_records(who, subject, &purpose("account"), None)
                .await;
            if let Ok(records) = &read {
                assert!(
                    records
                        .iter()
                        .any(|r| r.value == format!("case{n}@example.com")),
                    "{records:?}"
                );
            }
            code(&read)
        }
        Op::ReadSupport => {
            let read = e
                .read_records(who, subject, &purpose("support"), None)
                .await;
            if let Ok(records) = &read {
                assert!(
                    records.iter().any(|r| r.value == "my invoice is wrong"),
                    "{records:?}"
                );
            }
            code(&read)
        }
        Op::DiscloseSupport => code(
            &e.disclose(
                who,
                subject,
                &purpose("support"),
                &recipient("helpdesk"),
                None,
            )
            .await,
        ),
        Op::SubjectAccess => code(&e.subject_access(who, subject).await),
        Op::AccessAnswer => code(&e.access_answer(who, subject).await),
        Op::PortableData => code(&e.portable_data(who, subject).await),
        Op::RectifyRecord => {
            let record = ticket(t, subject).await;
            code(&e.rectify_record(who, subject, record, "corrected").await)
        }
        Op::DeleteRecord => code(
            &e.delete_record(who, subject, ticket(t, subject).await)
                .await,
        ),
        Op::GrantNewsletter => code(
            &e.record_consent(who, subject, &purpose("newsletter"), true, "signup-form")
                .await,
        ),
        Op::ConsentStatus => code(&e.consent_status(who, subject).await),
        Op::ObjectRatings => code(&e.object(who, subject, Some(&purpose("ratings"))).await),
        Op::ObjectAll => code(&e.object(who, subject, None).await),
        Op::Restrict => code(&e.set_restricted(who, subject, true).await),
        Op::Erase => code(&e.erase_subject(who, subject).await),
        Op::VerifyAudit => code(&e.verify_audit(who).await),
        Op::AuditEntries => code(&e.audit_entries(who, 0, 0, 10).await),
    }
}

/// The id of the subject's ticket record, read by the local admin.
async fn ticket(t: &TestEngine, subject: SubjectId) -> RecordId {
    let local = Principal::local_admin(t.acme.clone(), false);
    let access = t.engine.subject_access(&local, subject).await.unwrap();
    access
        .records
        .iter()
        .find(|r| r.category.as_str() == "ticket_text")
        .map(|r| r.id)
        .unwrap()
}

#[tokio::test]
async fn every_role_is_allowed_or_refused_each_operation_as_the_table_says() {
    let t = spawn_engine().await;
    let callers = [
        ("admin", t.admin.clone()),
        ("service", t.service.clone()),
        ("dpo", t.dpo.clone()),
        ("analyst", t.analyst.clone()),
        ("scoped", t.scoped.clone()),
    ];
    let mut n = 0;
    let mut failures = Vec::new();
    for (op, expected) in TABLE {
        for ((name, who), want) in callers.iter().zip(expected) {
            n += 1;
            let subject = t.customer(&format!("case{n}@example.com")).await;
            let got = run(&t, who, *op, subject, n).await;
            if got != *want {
                failures.push(format!("{op:?} as {name}: expected {want}, got {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    t.assert_chain_intact().await;
    t.close().await;
}

#[tokio::test]
async fn only_the_operator_admin_creates_tenants() {
    let t = spawn_engine().await;
    let id = TenantId::parse("globex").unwrap();
    let refused = t
        .engine
        .create_tenant(
            &t.admin,
            id.clone(),
            "Globex",
            tutela_policy::EXAMPLE_POLICY,
        )
        .await;
    assert_eq!(code(&refused), "E_FORBIDDEN");
    let (tenant, key) = t
        .engine
        .create_tenant_with_admin(
            &t.operator,
            id.clone(),
            "Globex",
            tutela_policy::EXAMPLE_POLICY,
        )
        .await
        .unwrap();
    assert_eq!(tenant.id, id);
    let globex_admin = t.engine.authenticate(&key.token).await.unwrap();
    assert_eq!(globex_admin.tenant, id);
    assert_eq!(globex_admin.role, Role::Admin);
    assert!(!globex_admin.operator);
    let again = t
        .engine
        .create_tenant(&t.operator, id, "Globex", tutela_policy::EXAMPLE_POLICY)
        .await;
    assert_eq!(code(&again), "E_TENANT_EXISTS");
    t.close().await;
}

#[tokio::test]
async fn a_role_refusal_on_a_read_is_on_the_chain() {
    let t = spawn_engine().await;
    let subject = t.customer("ada@example.com").await;
    let before = t.entries().await.len();
    let refused = t
        .engine
        .read_records(&t.analyst, subject, &purpose("account"), None)
        .await;
    assert_eq!(code(&refused), "E_FORBIDDEN");
    let entries = t.entries().await;
    assert_eq!(entries.len(), before + 1);
    let last = entries.last().unwrap();
    assert_eq!(last.action, "record.read");
    assert_eq!(last.outcome, "denied:E_FORBIDDEN");
    assert_eq!(last.actor, t.analyst.actor);
    t.close().await;
}

/// A refused act: its audit action, the code expected, the purpose named,
/// and what the engine answered.
type Refusal = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Result<(), EngineError>,
);

/// Every refusal by role or key scope is on the chain, not only those of
/// reads: an erasure, an access, a restriction, a write or a subject
/// created by a key that may not is as visible as a refused read.
#[tokio::test]
async fn refusals_by_role_or_scope_of_any_act_are_on_the_chain() {
    let t = spawn_engine().await;
    let subject = t.customer("ada@example.com").await;
    let kind = SubjectKindId::parse("customer").unwrap();
    let outside = purpose("account");
    let before = t.entries().await.len();
    let cases: Vec<Refusal> = vec![
        (
            "subject.erase",
            "E_FORBIDDEN",
            None,
            t.engine.erase_subject(&t.service, subject).await,
        ),
        (
            "subject.access",
            "E_FORBIDDEN",
            None,
            t.engine.subject_access(&t.service, subject).await.map(drop),
        ),
        (
            "subject.export",
            "E_FORBIDDEN",
            None,
            t.engine.portable_data(&t.analyst, subject).await.map(drop),
        ),
        (
            "record.rectify",
            "E_FORBIDDEN",
            None,
            t.engine
                .rectify_record(&t.service, subject, RecordId::new(), "Ada King")
                .await,
        ),
        (
            "record.delete",
            "E_FORBIDDEN",
            None,
            t.engine
                .delete_record(&t.scoped, subject, RecordId::new())
                .await,
        ),
        (
            "restriction.set",
            "E_FORBIDDEN",
            None,
            t.engine.set_restricted(&t.analyst, subject, true).await,
        ),
        (
            "record.write",
            "E_PURPOSE_OUT_OF_SCOPE",
            Some("account"),
            t.engine
                .write_records(&t.scoped, subject, &outside, vec![record("name", "Ada")])
                .await
                .map(drop),
        ),
        (
            "subject.create",
            "E_FORBIDDEN",
            Some("account"),
            t.engine
                .create_subject(&t.analyst, &kind, &outside, Vec::new())
                .await
                .map(drop),
        ),
    ];
    let appended: Vec<_> = t.entries().await.split_off(before);
    assert_eq!(appended.len(), cases.len(), "one denied entry per refusal");
    for ((action, expected, purpose, result), entry) in cases.into_iter().zip(&appended) {
        assert_eq!(code(&result), expected, "{action}");
        assert_eq!(entry.action, action);
        assert_eq!(entry.outcome, format!("denied:{expected}"), "{action}");
        assert_eq!(entry.purpose.as_deref(), purpose, "{action}");
        assert_eq!(
            entry.subject.is_some(),
            action != "subject.create",
            "{action}"
        );
    }
    let access = t.engine.subject_access(&t.dpo, subject).await.unwrap();
    assert!(!access.restricted, "a refused restriction changed nothing");
    assert_eq!(access.records.len(), 3, "no record was written or erased");
    t.assert_chain_intact().await;
    t.close().await;
}
