//! Plans of request writes: the insert checks the subject is live, the
//! update applies only at the version read.

use super::*;
use tutela_engine::ids::RequestId;
use tutela_engine::requests::code::CodeState;
use tutela_engine::requests::{KindTag, RequestRow, RequestState};
use tutela_policy::FirstHandler;

fn row() -> RequestRow {
    let at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    RequestRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: RequestId::new(),
        subject: SubjectId::new(),
        kind: KindTag::Erasure,
        purpose: None,
        directive: None,
        sealed_detail: None,
        detail_digest: None,
        state: RequestState::Received,
        received_at: at,
        due_at: at,
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
        version: 2,
    }
}

fn plan(write: Write) -> Vec<Step> {
    let change = Change {
        writes: vec![write],
        audit: Vec::new(),
    };
    writes(&TenantId::parse("acme").unwrap(), &change).unwrap()
}

fn sql_of(step: &Step) -> &str {
    match step {
        Step::Exec(e) => &e.sql,
        other => panic!("a statement, not {other:?}"),
    }
}

/// A request opened as new locks its subject, checks it is live, checks
/// no open request asks the same, then inserts; one filed as a duplicate
/// only checks and inserts.
#[test]
fn filing_requires_a_live_subject_and_binds_every_column() {
    let r = row();
    let steps = plan(Write::InsertRequest(r.clone()));
    assert_eq!(sql_of(&steps[0]), sql::LOCK_SUBJECT_FOR_FILING);
    assert!(
        matches!(&steps[1], Step::RequireLive { subject, .. } if *subject == r.subject.to_string())
    );
    assert_eq!(sql_of(&steps[2]), sql::NO_OPEN_SAME_ASK);
    let Step::Exec(insert) = &steps[3] else {
        panic!("an insert")
    };
    assert_eq!(insert.sql, sql::INSERT_REQUEST);
    assert_eq!(insert.args.len(), 33);
    assert_eq!(insert.args[8], Value::Text("received".into()));
    let mut duplicate = r;
    duplicate.state = tutela_engine::requests::RequestState::Duplicate;
    let steps = plan(Write::InsertRequest(duplicate));
    assert!(matches!(&steps[0], Step::RequireLive { .. }));
    assert_eq!(sql_of(&steps[1]), sql::INSERT_REQUEST);
    assert_eq!(steps.len(), 2);
}

#[test]
fn an_update_applies_only_at_the_version_read() {
    let r = row();
    let steps = plan(Write::UpdateRequest {
        row: r.clone(),
        expected_version: 1,
    });
    assert_eq!(steps.len(), 2);
    let Step::Exec(update) = &steps[0] else {
        panic!("an update")
    };
    assert_eq!(update.sql, sql::UPDATE_REQUEST);
    assert_eq!(update.args.len(), 34);
    assert_eq!(update.args[32], Value::Int(2), "the new version");
    assert_eq!(update.args[33], Value::Int(1), "the version read");
    assert_eq!(update.expect, Expect::Row("request"));
    // Then the free text goes again if the subject is erased.
    let Step::Exec(clear) = &steps[1] else {
        panic!("the clearing update")
    };
    assert_eq!(clear.sql, sql::CLEAR_NOTES_IF_ERASED);
    assert_eq!(clear.args.get(1), Some(&Value::Text(r.id.to_string())));
}

#[test]
fn a_request_of_another_tenant_is_refused() {
    let mut r = row();
    r.tenant = TenantId::parse("beta").unwrap();
    let change = Change {
        writes: vec![Write::InsertRequest(r)],
        audit: Vec::new(),
    };
    assert!(writes(&TenantId::parse("acme").unwrap(), &change).is_err());
}
