use super::*;
use tutela_vault::MasterKey;

fn receipt() -> Receipt {
    let at: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
    Receipt {
        version: RECEIPT_VERSION.into(),
        receipt_id: "r1".into(),
        issued_at: at,
        tenant: "acme".into(),
        controller: ReceiptParty {
            name: "Acme".into(),
            contact: "privacy@acme.example".into(),
            address: None,
        },
        dpo: None,
        subject_id: "00000000-0000-0000-0000-000000000001".into(),
        consent_id: "c1".into(),
        policy_version: 1,
        purposes: vec![],
        notice_text_sha256: Some("ab".repeat(32)),
        collection_method: "web-form".into(),
        consent_timestamp: at,
        expires_at: None,
        status: "active".into(),
        status_history: vec![],
    }
}

fn signed(tenant: &str) -> (String, [u8; 32], [u8; 32]) {
    let master = MasterKey::from_bytes([9; 32]);
    let key = master.receipt_key(tenant);
    let other = master.receipt_key("globex").public_key();
    let jws = sign(&receipt(), &key.public_key(), |m| key.sign(m)).unwrap();
    (jws, key.public_key(), other)
}

#[test]
fn a_signed_receipt_verifies_under_its_key_and_reads_back() {
    let (jws, key, _) = signed("acme");
    assert_eq!(verify(&jws, &key).unwrap(), receipt());
}

#[test]
fn every_tampered_byte_fails() {
    let (jws, key, _) = signed("acme");
    let bytes = jws.as_bytes();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        let Ok(text) = String::from_utf8(changed) else {
            continue;
        };
        if text == jws {
            continue;
        }
        assert!(
            verify(&text, &key).is_err(),
            "byte {i} changed and still verified"
        );
    }
}

#[test]
fn another_tenants_key_does_not_verify() {
    let (jws, _, other) = signed("acme");
    assert_eq!(verify(&jws, &other), Err(ReceiptError::BadSignature));
}

#[test]
fn malformed_receipts_are_refused() {
    let (_, key, _) = signed("acme");
    for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
        assert!(verify(bad, &key).is_err(), "{bad}");
    }
}
