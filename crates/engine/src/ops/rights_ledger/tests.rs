use super::*;
use crate::ids::{ConsentId, ObjectionId};
use tutela_policy::PurposeId;

/// The cheap test a commit runs first and the lines it writes agree:
/// no right is skipped, and a grant or an insert writes no line.
#[test]
fn the_quick_test_and_the_lines_agree() {
    let tenant = TenantId::parse("acme").unwrap();
    let subject = SubjectId::new();
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let consent = |granted| {
        Write::InsertConsent(ConsentRow {
            tenant: tenant.clone(),
            id: ConsentId::new(),
            subject,
            purpose: PurposeId::parse("newsletter").unwrap(),
            granted,
            at,
            expires_at: None,
            policy_version: 1,
            source: "form".into(),
            text_hash: None,
        })
    };
    let writes = vec![
        Write::DeleteRecord {
            subject,
            record: RecordId::new(),
        },
        Write::InsertObjection(ObjectionRow {
            tenant: tenant.clone(),
            id: ObjectionId::new(),
            subject,
            purpose: None,
            at,
        }),
        consent(false),
        consent(true),
        Write::SetRestricted {
            subject,
            restricted: true,
        },
        Write::TouchActivity { subject, at },
    ];
    let change = Change {
        writes,
        audit: Vec::new(),
    };
    let lines = rights_entries(&tenant, &change, at);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        change
            .writes
            .iter()
            .filter(|w| exercises_a_right(w))
            .count(),
        lines.len()
    );
}

/// A `correct` line keeps the record when the record holds the value
/// it names, and deletes it otherwise; an older `rectify` line is
/// still compared on the sealed value, as it was written.
#[test]
fn corrections_are_compared_on_the_value_and_old_lines_on_the_seal() {
    use crate::store::{RecordRow, SubjectRow};
    let tenant = TenantId::parse("acme").unwrap();
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let subject = SubjectId::new();
    let record = RecordRow {
        tenant: tenant.clone(),
        id: RecordId::new(),
        subject,
        category: tutela_policy::CategoryId::parse("email").unwrap(),
        purpose: PurposeId::parse("account").unwrap(),
        source: "form".into(),
        ciphertext: b"sealed-now".to_vec(),
        collected_at: at,
    };
    let view = SubjectView {
        policy_version: 1,
        pending: None,
        subject: SubjectRow {
            tenant: tenant.clone(),
            id: subject,
            kind: "customer".into(),
            wrapped_key: None,
            restricted: false,
            created_at: at,
            erased_at: None,
        },
        consents: Vec::new(),
        objections: Vec::new(),
        records: vec![record.clone()],
    };
    let key = tutela_vault::MasterKey::from_bytes([5; 32]).erasure_ledger_key();
    let line = |act| RightEntry {
        tenant: tenant.clone(),
        subject,
        at,
        act,
    };
    let holds_seven = |_: &RecordRow, mac: &[u8; 32]| *mac == [7; 32];
    let deleted = |act| {
        let entry = line(act);
        replay_writes(&view, &[&entry], &key, &holds_seven, &BTreeSet::new())
            .1
            .records_deleted
    };
    assert_eq!(deleted(RightAct::Corrected(record.id, [7; 32])), 0);
    assert_eq!(deleted(RightAct::Corrected(record.id, [6; 32])), 1);
    let same_seal = key.mac(&record.ciphertext);
    assert_eq!(deleted(RightAct::Rectified(record.id, same_seal)), 0);
    assert_eq!(deleted(RightAct::Rectified(record.id, [6; 32])), 1);
    // A record the replaced database holds under a hold is kept.
    let entry = line(RightAct::RecordDeleted(record.id));
    let held = BTreeSet::from([record.id]);
    let (writes, report) = replay_writes(&view, &[&entry], &key, &holds_seven, &held);
    assert!(writes.is_empty(), "{writes:?}");
    assert_eq!((report.records_deleted, report.kept_held), (0, 1));
}
