//! The plan of holding records at an erasure, built with no database.

use super::*;
use jiff::Timestamp;
use tutela_engine::holds::{HeldRecordRow, HoldRow, HoldStart};
use tutela_engine::ids::{HoldId, RecordId};
use tutela_policy::{CategoryId, PurposeId};

fn tenant() -> TenantId {
    TenantId::parse("acme").unwrap()
}

fn hold() -> HoldRow {
    HoldRow {
        tenant: tenant(),
        id: HoldId::new(),
        subject: SubjectId::new(),
        law: "German tax law".into(),
        wrapped_key: vec![9; 72],
        held_at: Timestamp::from_second(100).unwrap(),
    }
}

fn held(hold: &HoldRow) -> HeldRecordRow {
    HeldRecordRow {
        tenant: tenant(),
        id: RecordId::new(),
        subject: hold.subject,
        hold: hold.id,
        category: CategoryId::parse("iban").unwrap(),
        purpose: PurposeId::parse("billing").unwrap(),
        source: "api".into(),
        ciphertext: vec![1, 2, 3],
        collected_at: Timestamp::from_second(1).unwrap(),
        ends_at: Timestamp::from_second(1_000).unwrap(),
        start: HoldStart::Collected,
    }
}

fn plan(hold: HoldRow, records: Vec<HeldRecordRow>) -> Result<Vec<Step>, StoreError> {
    let change = Change {
        writes: vec![Write::HoldRecords { hold, records }],
        audit: Vec::new(),
    };
    writes(&tenant(), &change)
}

#[test]
fn a_hold_checks_the_subject_live_then_inserts_itself_then_its_records_in_chunks() {
    let h = hold();
    let records: Vec<HeldRecordRow> = (0..150).map(|_| held(&h)).collect();
    let steps = plan(h.clone(), records).unwrap();
    assert_eq!(steps.len(), 4);
    assert_eq!(
        steps.first(),
        Some(&Step::RequireLive {
            tenant: "acme".into(),
            subject: h.subject.to_string(),
        })
    );
    let Some(Step::Exec(insert)) = steps.get(1) else {
        panic!("the hold's insert");
    };
    assert_eq!(insert.sql, sql::INSERT_HOLD);
    assert_eq!(insert.args.get(4), Some(&Value::Blob(vec![9; 72])));
    let sizes: Vec<usize> = steps
        .iter()
        .skip(2)
        .map(|s| match s {
            Step::Exec(e) => e.args.len(),
            Step::RequireLive { .. } | Step::RequireRoom { .. } => 0,
        })
        .collect();
    assert_eq!(
        sizes,
        [
            100 * sql::HELD_RECORD_COLUMNS,
            50 * sql::HELD_RECORD_COLUMNS
        ]
    );
    let Some(Step::Exec(last)) = steps.last() else {
        panic!("a records insert");
    };
    assert_eq!(
        last.args.get(sql::HELD_RECORD_COLUMNS - 1),
        Some(&Value::Text("collected".into()))
    );
}

#[test]
fn a_held_record_of_another_hold_subject_or_tenant_is_refused() {
    let h = hold();
    let mut other_hold = held(&h);
    other_hold.hold = HoldId::new();
    let mut other_subject = held(&h);
    other_subject.subject = SubjectId::new();
    let mut other_tenant = held(&h);
    other_tenant.tenant = TenantId::parse("globex").unwrap();
    for bad in [other_hold, other_subject, other_tenant] {
        assert!(plan(h.clone(), vec![held(&h), bad]).is_err());
    }
    let mut foreign = hold();
    foreign.tenant = TenantId::parse("globex").unwrap();
    assert!(plan(foreign, Vec::new()).is_err());
}
