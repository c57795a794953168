use super::*;
use tutela_vault::MasterKey;

fn entry(n: u128) -> ErasureEntry {
    ErasureEntry {
        tenant: TenantId::parse("acme").unwrap(),
        subject: SubjectId(uuid::Uuid::from_u128(n)),
        at: Timestamp::from_microsecond(1_700_000_000_123_456 + i64::try_from(n).unwrap()).unwrap(),
    }
}

fn ledger(key: &LedgerKey, n: u128) -> String {
    (1..=n).map(|i| entry(i).to_line(key) + "\n").collect()
}

#[test]
fn lines_round_trip_and_hold_pseudonyms_only() {
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let text = ledger(&key, 3);
    let read = parse(&text, &key).unwrap();
    assert_eq!(read.entries, vec![entry(1), entry(2), entry(3)]);
    assert!(!read.torn_tail);
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("tutela-erasure-v1 acme 00000000-0000-0000-0000-000000000001 2023-"));
    assert_eq!(first.split(' ').count(), 5);
    assert_eq!(parse("", &key).unwrap(), LedgerContents::default());
}

#[test]
fn an_edited_line_is_named_by_its_number() {
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let text = ledger(&key, 3).replacen("-000000000002 ", "-000000000009 ", 1);
    assert_eq!(parse(&text, &key).unwrap_err().line, 2);
    let mut lines: Vec<String> = ledger(&key, 3).lines().map(str::to_owned).collect();
    let last = lines[2].pop().unwrap();
    lines[2].push(if last == '0' { '1' } else { '0' });
    let flipped = lines.join("\n") + "\n";
    assert_eq!(parse(&flipped, &key).unwrap_err().line, 3);
}

#[test]
fn a_forged_line_or_another_key_does_not_verify() {
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let other = MasterKey::from_bytes([4; 32]).erasure_ledger_key();
    let forged = ledger(&key, 1) + &entry(2).to_line(&other) + "\n";
    let err = parse(&forged, &key).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.to_string().contains("line 2"), "{err}");
    let junk = ledger(&key, 1) + "hello\n";
    assert_eq!(parse(&junk, &key).unwrap_err().line, 2);
    let blank = ledger(&key, 1) + "\n";
    assert_eq!(parse(&blank, &key).unwrap_err().line, 2);
}

#[test]
fn a_torn_last_line_is_ignored_and_reported() {
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let full = ledger(&key, 2);
    let torn = format!("{full}{}", &entry(3).to_line(&key)[..30]);
    let read = parse(&torn, &key).unwrap();
    assert_eq!(read.entries.len(), 2);
    assert!(read.torn_tail);
}

#[test]
fn rights_lines_round_trip_beside_erasures_and_an_edit_is_caught() {
    use crate::ids::{ConsentId, ObjectionId, RecordId};
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let right = |act| RightEntry {
        tenant: TenantId::parse("acme").unwrap(),
        subject: SubjectId(uuid::Uuid::from_u128(7)),
        at: Timestamp::from_microsecond(1_700_000_000_000_000).unwrap(),
        act,
    };
    let purpose = tutela_policy::PurposeId::parse("ratings").unwrap();
    let rights = vec![
        right(RightAct::RecordDeleted(RecordId::new())),
        right(RightAct::Rectified(RecordId::new(), [9; 32])),
        right(RightAct::Corrected(RecordId::new(), [8; 32])),
        right(RightAct::Objected(
            ObjectionId::new(),
            Some(purpose.clone()),
        )),
        right(RightAct::Objected(ObjectionId::new(), None)),
        right(RightAct::Withdrew(ConsentId::new(), purpose, 3)),
        right(RightAct::Restricted(true)),
        right(RightAct::Restricted(false)),
    ];
    let mut text = entry(1).to_line(&key) + "\n";
    for r in &rights {
        text.push_str(&(r.to_line(&key) + "\n"));
    }
    let read = parse(&text, &key).unwrap();
    assert_eq!(read.entries, vec![entry(1)]);
    assert_eq!(read.rights, rights);
    let edited = text.replacen("restrict on", "restrict of", 1);
    assert_eq!(parse(&edited, &key).unwrap_err().line, 8);
}

/// A `cancel` line drops the latest earlier line with the MAC it names,
/// an erasure or a right; a line written again after the cancel stands,
/// and a cancel naming nothing drops nothing.
#[test]
fn a_cancel_drops_the_latest_earlier_line_it_names() {
    let key = MasterKey::from_bytes([3; 32]).erasure_ledger_key();
    let right = RightEntry {
        tenant: TenantId::parse("acme").unwrap(),
        subject: SubjectId(uuid::Uuid::from_u128(7)),
        at: entry(7).at,
        act: RightAct::Restricted(true),
    };
    let cancel = |mac: [u8; 32]| RightEntry {
        act: RightAct::Cancelled(mac),
        ..right.clone()
    };
    let lines = [
        entry(1).to_line(&key),
        right.to_line(&key),
        entry(2).to_line(&key),
        cancel(entry(2).line_mac(&key)).to_line(&key),
        cancel(right.line_mac(&key)).to_line(&key),
        cancel([9; 32]).to_line(&key),
        entry(2).to_line(&key),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let read = parse(&text, &key).unwrap();
    assert_eq!(read.entries, vec![entry(1), entry(2)]);
    assert!(read.rights.is_empty(), "{read:?}");
    assert_eq!(read.cancelled, 2);
    let cancel_line = &lines[3];
    assert!(
        cancel_line.starts_with("tutela-right-v1 acme "),
        "{cancel_line}"
    );
    assert!(cancel_line.contains(" cancel "), "{cancel_line}");
}
