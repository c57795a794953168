//! The chain, link by link and lane by lane: what verifies, and each kind of tampering found where it is.

use super::*;
use tutela_vault::MasterKey;

fn chain() -> AuditChain {
    let master = MasterKey::from_bytes([7; 32]);
    let tenant = TenantId::parse("acme").unwrap();
    AuditChain::new(tenant, master.audit_key("acme"))
}

fn event(n: i64) -> AuditEvent {
    AuditEvent {
        at: Timestamp::from_second(1_700_000_000 + n).unwrap(),
        actor: "system".into(),
        action: if n == 0 {
            Action::TenantCreate
        } else {
            Action::RecordRead
        },
        purpose: Some("support".into()),
        subject: Some(SubjectId::new()),
        detail: format!("categories=email n={n}"),
        outcome: Outcome::Allowed,
    }
}

fn entries(chain: &AuditChain, n: i64) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    for i in 0..n {
        let prev = out.last().map(AuditEntry::head);
        out.push(chain.link(0, prev.as_ref(), &event(i)));
    }
    out
}

fn verify(
    chain: &AuditChain,
    entries: &[AuditEntry],
    head: Option<AuditHead>,
) -> Result<u64, ChainBreak> {
    let mut v = chain.verifier(head.into_iter().collect());
    for e in entries {
        v.feed(e)?;
    }
    v.finish()
}

#[test]
fn an_intact_chain_verifies() {
    let c = chain();
    let es = entries(&c, 5);
    assert_eq!(verify(&c, &es, Some(es[4].head())), Ok(5));
}

#[test]
fn an_empty_chain_is_a_deleted_chain() {
    let c = chain();
    for head in [None, Some(entries(&c, 1)[0].head())] {
        assert_eq!(
            verify(&c, &[], head).unwrap_err(),
            ChainBreak {
                lane: 0,
                seq: 1,
                reason: BreakReason::Genesis
            }
        );
    }
}

#[test]
fn a_missing_creation_entry_is_found() {
    let c = chain();
    let es = entries(&c, 3);
    let head = Some(es[2].head());
    let err = verify(&c, &es[1..], head).unwrap_err();
    assert_eq!((err.seq, err.reason), (1, BreakReason::Genesis));
    let other = c.link(0, None, &event(5));
    let err = verify(&c, std::slice::from_ref(&other), Some(other.head())).unwrap_err();
    assert_eq!((err.seq, err.reason), (1, BreakReason::Genesis));
}

#[test]
fn a_missing_head_is_found() {
    let c = chain();
    let es = entries(&c, 3);
    let err = verify(&c, &es, None).unwrap_err();
    assert_eq!((err.seq, err.reason), (3, BreakReason::HeadMissing));
}

#[test]
fn an_edit_is_found_at_its_position() {
    let c = chain();
    let mut es = entries(&c, 5);
    es[2].detail = "categories=name".into();
    let head = es[4].head();
    assert_eq!(
        verify(&c, &es, Some(head)).unwrap_err(),
        ChainBreak {
            lane: 0,
            seq: 3,
            reason: BreakReason::Mac
        }
    );
}

#[test]
fn a_deletion_is_found() {
    let c = chain();
    let mut es = entries(&c, 5);
    es.remove(1);
    let head = es[3].head();
    assert_eq!(verify(&c, &es, Some(head)).unwrap_err().seq, 2);
}

#[test]
fn a_reordering_is_found() {
    let c = chain();
    let mut es = entries(&c, 5);
    es.swap(1, 3);
    let head = es[4].head();
    assert_eq!(verify(&c, &es, Some(head)).unwrap_err().seq, 2);
}

#[test]
fn renumbered_rows_are_found() {
    let c = chain();
    let mut es = entries(&c, 5);
    es.remove(1);
    for (i, e) in es.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
    }
    let head = es[3].head();
    let err = verify(&c, &es, Some(head)).unwrap_err();
    assert_eq!(err.seq, 2);
}

#[test]
fn a_cut_tail_is_found_against_the_head() {
    let c = chain();
    let es = entries(&c, 5);
    let head = es[4].head();
    assert_eq!(
        verify(&c, &es[..3], Some(head)).unwrap_err(),
        ChainBreak {
            lane: 0,
            seq: 4,
            reason: BreakReason::Head
        }
    );
}

#[test]
fn another_tenants_key_does_not_verify() {
    let c = chain();
    let es = entries(&c, 2);
    let other = AuditChain::new(
        TenantId::parse("acme").unwrap(),
        MasterKey::from_bytes([8; 32]).audit_key("acme"),
    );
    assert_eq!(
        verify(&other, &es, Some(es[1].head())).unwrap_err().reason,
        BreakReason::Mac
    );
}

/// Lane `lane` of `n` entries, none of them a creation entry.
fn lane(chain: &AuditChain, lane: u32, n: i64) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    for i in 1..=n {
        let prev = out.last().map(AuditEntry::head);
        out.push(chain.link(lane, prev.as_ref(), &event(i)));
    }
    out
}

fn verify_lanes(
    chain: &AuditChain,
    lanes: &[&[AuditEntry]],
    heads: Vec<AuditHead>,
) -> Result<u64, ChainBreak> {
    let mut v = chain.verifier(heads);
    for e in lanes.iter().flat_map(|l| l.iter()) {
        v.feed(e)?;
    }
    v.finish()
}

#[test]
fn lanes_verify_each_against_its_own_head() {
    let c = chain();
    let zero = entries(&c, 3);
    let two = lane(&c, 2, 4);
    let heads = vec![zero[2].head(), two[3].head()];
    assert_eq!(verify_lanes(&c, &[&zero, &two], heads.clone()), Ok(7));
    // The creation entry may open any lane.
    let first = lane(&c, 1, 2);
    let create = c.link(3, None, &event(0));
    assert_eq!(
        verify_lanes(
            &c,
            &[&first, std::slice::from_ref(&create)],
            vec![first[1].head(), create.head()]
        ),
        Ok(3)
    );
    // A lane cut to nothing while its head remains is found.
    assert_eq!(
        verify_lanes(&c, &[&zero], heads).unwrap_err(),
        ChainBreak {
            lane: 2,
            seq: 1,
            reason: BreakReason::Head
        }
    );
}

#[test]
fn an_entry_moved_to_another_lane_does_not_verify() {
    let c = chain();
    let zero = entries(&c, 2);
    let mut two = lane(&c, 2, 2);
    two[0].lane = 3;
    two[1].lane = 3;
    let heads = vec![
        zero[1].head(),
        AuditHead {
            lane: 3,
            ..two[1].head()
        },
    ];
    let err = verify_lanes(&c, &[&zero, &two], heads).unwrap_err();
    assert_eq!((err.lane, err.seq, err.reason), (3, 1, BreakReason::Mac));
}

#[test]
fn a_chain_without_its_creation_entry_is_found_whatever_its_lanes() {
    let c = chain();
    let one = lane(&c, 1, 2);
    let err = verify_lanes(&c, &[&one], vec![one[1].head()]).unwrap_err();
    assert_eq!(err.reason, BreakReason::Genesis);
}
