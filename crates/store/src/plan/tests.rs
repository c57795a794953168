//! Plans built with no database: the statements, arguments and expectations each write becomes.

use super::*;
use jiff::Timestamp;
use tutela_engine::audit::AuditHead;
use tutela_engine::ids::{ApiKeyId, RecordId};
use tutela_engine::store::{ConsentRow, IdentifierRow, PolicyRow, RecordRow};
use tutela_policy::{CategoryId, PurposeId};
use uuid::Uuid;

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn record(subject: SubjectId, n: i64) -> RecordRow {
    RecordRow {
        tenant: tenant(),
        id: RecordId(Uuid::now_v7()),
        subject,
        category: CategoryId::parse("email").unwrap(),
        purpose: PurposeId::parse("account").unwrap(),
        source: "user".into(),
        ciphertext: vec![1, 2, 3],
        collected_at: Timestamp::from_second(n).unwrap(),
    }
}

fn identifier(r: &RecordRow) -> IdentifierRow {
    IdentifierRow {
        tenant: tenant(),
        category: r.category.clone(),
        blind_index: [7; 32],
        subject: r.subject,
        record: r.id,
    }
}

fn change(writes: Vec<Write>) -> Change {
    Change {
        writes,
        audit: Vec::new(),
    }
}

fn sql_of(step: &Step) -> Option<&str> {
    match step {
        Step::Exec(e) => Some(&e.sql),
        Step::RequireLive { .. } | Step::RequireRoom { .. } => None,
    }
}

#[test]
fn a_policy_insert_also_moves_the_current_version() {
    let row = PolicyRow {
        tenant: tenant(),
        version: 3,
        source: "src".into(),
        published_at: Timestamp::from_second(5).unwrap(),
        effective_at: Timestamp::from_second(5).unwrap(),
    };
    let steps = writes(&tenant(), &change(vec![Write::InsertPolicy(row.clone())])).unwrap();
    assert_eq!(steps.len(), 2);
    let Some(Step::Exec(set)) = steps.get(1) else {
        panic!("two statements");
    };
    assert_eq!(set.sql, sql::SET_POLICY_VERSION);
    let none = Value::from(None::<i64>);
    let expected = vec![Value::from("acme"), Value::Int(3), none.clone(), none];
    assert_eq!(set.args, expected);
    assert_eq!(set.names.conflict, "policy version");
    let later = PolicyRow {
        effective_at: Timestamp::from_second(50).unwrap(),
        ..row
    };
    let pending = Write::InsertPendingPolicy {
        row: later,
        in_force: 2,
    };
    let steps = writes(&tenant(), &change(vec![pending])).unwrap();
    let Some(Step::Exec(set)) = steps.get(1) else {
        panic!("two statements");
    };
    let expected = vec![
        Value::from("acme"),
        Value::Int(2),
        Value::Int(3),
        Value::Int(50_000_000),
    ];
    assert_eq!(set.args, expected, "version 2 stays in force, 3 waits");
}

#[test]
fn row_runs_check_each_subject_once_then_insert_in_chunks() {
    let a = SubjectId(Uuid::now_v7());
    let b = SubjectId(Uuid::now_v7());
    let mut run: Vec<Write> = (0..150)
        .map(|n| Write::InsertRecord(record(if n % 2 == 0 { a } else { b }, n)))
        .collect();
    let first = record(a, 999);
    run.push(Write::InsertIdentifier(identifier(&first)));
    run.push(Write::InsertRecord(first));
    let steps = writes(&tenant(), &change(run)).unwrap();
    let live = steps
        .iter()
        .filter(|s| matches!(s, Step::RequireLive { .. }))
        .count();
    assert_eq!(live, 2);
    assert!(matches!(steps.first(), Some(Step::RequireLive { .. })));
    let statements: Vec<&str> = steps.iter().filter_map(sql_of).collect();
    assert_eq!(statements.len(), 3, "100 + 51 records, then 1 identifier");
    assert!(
        statements
            .iter()
            .take(2)
            .all(|s| s.starts_with(sql::INSERT_RECORDS_INTO))
    );
    assert!(
        statements
            .get(2)
            .is_some_and(|s| s.starts_with(sql::INSERT_IDENTIFIERS_INTO))
    );
    let Some(Step::Exec(chunk)) = steps.get(2) else {
        panic!("a record insert");
    };
    assert_eq!(chunk.args.len(), 100 * 8);
}

#[test]
fn subject_writes_read_the_subject_state_first() {
    let subject = SubjectId(Uuid::now_v7());
    let consent = ConsentRow {
        tenant: tenant(),
        id: tutela_engine::ids::ConsentId(Uuid::now_v7()),
        subject,
        purpose: PurposeId::parse("news").unwrap(),
        granted: true,
        at: Timestamp::from_second(1).unwrap(),
        expires_at: None,
        policy_version: 1,
        source: "form".into(),
        text_hash: None,
    };
    let steps = writes(&tenant(), &change(vec![Write::InsertConsent(consent)])).unwrap();
    assert_eq!(
        steps.first(),
        Some(&Step::RequireLive {
            tenant: "acme".into(),
            subject: subject.to_string()
        })
    );
    let restrict = Write::SetRestricted {
        subject,
        restricted: true,
    };
    let steps = writes(&tenant(), &change(vec![restrict])).unwrap();
    let Some(Step::Exec(set)) = steps.first() else {
        panic!("one statement");
    };
    assert_eq!(
        set.expect,
        Expect::LiveSubject {
            tenant: "acme".into(),
            subject: subject.to_string()
        }
    );
    assert_eq!(set.args.get(2), Some(&Value::Bool(true)));
}

#[test]
fn updates_that_must_hit_a_row_say_what_is_missing() {
    let subject = SubjectId(Uuid::now_v7());
    let at = Timestamp::from_second(9).unwrap();
    let steps = writes(
        &tenant(),
        &change(vec![
            Write::EraseSubject { subject, at },
            Write::RevokeApiKey {
                id: ApiKeyId(Uuid::now_v7()),
                at,
            },
        ]),
    )
    .unwrap();
    let expects: Vec<&Expect> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Exec(e) => Some(&e.expect),
            Step::RequireLive { .. } | Step::RequireRoom { .. } => None,
        })
        .collect();
    let live = Expect::LiveSubject {
        tenant: "acme".into(),
        subject: subject.to_string(),
    };
    // The row is locked first (no two erasures deadlock), then erased.
    assert_eq!(sql_of(&steps[0]), Some(sql::LOCK_LIVE_SUBJECT));
    assert_eq!(
        expects,
        vec![
            &live,
            &live,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Any,
            &Expect::Row("api key")
        ]
    );
}

#[test]
fn rows_of_another_tenant_are_refused() {
    let mut r = record(SubjectId(Uuid::now_v7()), 1);
    r.tenant = TenantId::parse("other").unwrap();
    assert!(writes(&tenant(), &change(vec![Write::InsertRecord(r)])).is_err());
}

#[test]
fn the_head_moves_with_its_sequence_and_mac() {
    let step = head(
        &tenant(),
        &AuditHead {
            lane: 0,
            seq: 4,
            mac: [9; 32],
        },
        2,
    )
    .unwrap();
    let Step::Exec(e) = step else {
        panic!("a statement");
    };
    assert_eq!(e.sql, sql::MOVE_AUDIT_HEAD);
    assert_eq!(e.args.get(1), Some(&Value::Int(0)));
    assert_eq!(e.args.get(2), Some(&Value::Int(4)));
    assert_eq!(e.args.get(3), Some(&Value::Blob(vec![9; 32])));
    assert_eq!(e.args.get(4), Some(&Value::Int(2)), "moved only from 2");
    assert_eq!(e.expect, Expect::HeadUnmoved);
}

fn rectify_write(blind_index: Option<[u8; 32]>) -> (SubjectId, RecordId, Write) {
    let subject = SubjectId(Uuid::now_v7());
    let record = RecordId(Uuid::now_v7());
    let write = Write::RectifyRecord {
        subject,
        record,
        category: CategoryId::parse("email").unwrap(),
        ciphertext: vec![4, 5, 6],
        blind_index,
        value_mac: [0; 32],
    };
    (subject, record, write)
}

#[test]
fn rectifying_an_identifier_swaps_its_index_after_the_live_check() {
    let (subject, record, write) = rectify_write(Some([3; 32]));
    let steps = writes(&tenant(), &change(vec![write])).unwrap();
    assert_eq!(steps.len(), 5);
    assert!(matches!(
        steps.first(),
        Some(Step::RequireLive { subject: s, .. }) if *s == subject.to_string()
    ));
    assert!(
        matches!(
            steps.get(2),
            Some(Step::RequireRoom { subject: s, .. }) if *s == subject.to_string()
        ),
        "the new value must fit what one subject may hold"
    );
    let sqls: Vec<Option<&str>> = steps.iter().map(sql_of).collect();
    let insert = sql::insert_rows(sql::INSERT_IDENTIFIERS_INTO, 5, 1);
    assert_eq!(
        sqls,
        vec![
            None,
            Some(sql::RECTIFY_RECORD),
            None,
            Some(sql::DELETE_RECORD_IDENTIFIER),
            Some(insert.as_str())
        ]
    );
    let Some(Step::Exec(update)) = steps.get(1) else {
        panic!("an update");
    };
    assert_eq!(
        update.expect,
        Expect::Row("record"),
        "a missing record fails"
    );
    assert_eq!(
        update.args,
        vec![
            Value::Text("acme".into()),
            Value::Text(record.to_string()),
            Value::Text(subject.to_string()),
            Value::Blob(vec![4, 5, 6]),
        ]
    );
    let Some(Step::Exec(index)) = steps.get(4) else {
        panic!("an insert");
    };
    assert_eq!(index.args.get(2), Some(&Value::Blob(vec![3; 32])));
    assert_eq!(
        index.names.conflict, "identifier",
        "a clash names the identifier"
    );
}

#[test]
fn rectifying_a_plain_value_inserts_no_index() {
    let (_, _, write) = rectify_write(None);
    let steps = writes(&tenant(), &change(vec![write])).unwrap();
    let sqls: Vec<Option<&str>> = steps.iter().map(sql_of).collect();
    assert_eq!(
        sqls,
        vec![
            None,
            Some(sql::RECTIFY_RECORD),
            None,
            Some(sql::DELETE_RECORD_IDENTIFIER)
        ]
    );
}

#[test]
fn deleting_several_records_of_a_subject_is_one_bounded_statement_hitting_each() {
    let subject = SubjectId(Uuid::now_v7());
    let deletes: Vec<Write> = (0..sql::MAX_IDS_PER_IN + 1)
        .map(|_| Write::DeleteRecord {
            subject,
            record: RecordId(Uuid::now_v7()),
        })
        .collect();
    let steps = writes(&tenant(), &change(deletes)).unwrap();
    let live = steps
        .iter()
        .filter(|s| matches!(s, Step::RequireLive { .. }))
        .count();
    assert_eq!(live, 1, "one live check for the subject");
    let counts: Vec<Expect> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Exec(e) if e.sql.starts_with(sql::DELETE_RECORDS_IN) => Some(e.expect.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            Expect::Rows {
                what: "record",
                count: sql::MAX_IDS_PER_IN as u64
            },
            Expect::Rows {
                what: "record",
                count: 1
            }
        ]
    );
    assert_eq!(
        steps.len(),
        5,
        "live check, then identifiers and records per chunk"
    );
}

#[test]
fn deleting_a_record_drops_its_index_and_must_hit_the_record() {
    let subject = SubjectId(Uuid::now_v7());
    let record = RecordId(Uuid::now_v7());
    let steps = writes(
        &tenant(),
        &change(vec![Write::DeleteRecord { subject, record }]),
    )
    .unwrap();
    let sqls: Vec<Option<&str>> = steps.iter().map(sql_of).collect();
    assert_eq!(
        sqls,
        vec![
            None,
            Some(sql::DELETE_RECORD_IDENTIFIER),
            Some(sql::DELETE_RECORD)
        ]
    );
    let Some(Step::Exec(delete)) = steps.last() else {
        panic!("a delete");
    };
    assert_eq!(delete.expect, Expect::Row("record"));
    assert_eq!(delete.args.get(2), Some(&Value::Text(subject.to_string())));
}
