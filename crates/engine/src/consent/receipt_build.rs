//! Builds a [`Receipt`] from the policy a subject saw and the purpose's
//! consent ledger: pure, so the content is tested without a store or key.

use super::proof::hash_hex;
use super::receipt::{
    RECEIPT_VERSION, Receipt, ReceiptParty, ReceiptPurpose, ReceiptRecipient, StatusEvent,
};
use crate::lawful;
use crate::store::ConsentRow;
use jiff::Timestamp;
use tutela_policy::{Party, Policy, Purpose};

/// What a receipt is about: the grant, the whole ledger of the subject
/// (only the grant's purpose is used), and when it is issued.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptInput<'a> {
    /// The tenant id.
    pub tenant: &'a str,
    /// The receipt's own id.
    pub receipt_id: &'a str,
    /// The grant.
    pub grant: &'a ConsentRow,
    /// The subject's consent ledger.
    pub ledger: &'a [ConsentRow],
    /// When the receipt is issued.
    pub now: Timestamp,
}

/// The receipt for `input.grant` under `policy` (the version the subject
/// saw); `purpose` is the grant's purpose as that policy declares it.
pub fn build(policy: &Policy, purpose: &Purpose, input: ReceiptInput<'_>) -> Receipt {
    let grant = input.grant;
    Receipt {
        version: RECEIPT_VERSION.into(),
        receipt_id: input.receipt_id.into(),
        issued_at: input.now,
        tenant: input.tenant.into(),
        controller: party(&policy.controller),
        dpo: policy.dpo.as_ref().map(party),
        subject_id: grant.subject.to_string(),
        consent_id: grant.id.to_string(),
        policy_version: grant.policy_version,
        purposes: vec![receipt_purpose(policy, purpose)],
        notice_text_sha256: grant.text_hash.as_ref().map(hash_hex),
        collection_method: grant.source.clone(),
        consent_timestamp: grant.at,
        expires_at: grant.expires_at,
        status: status(input.ledger, grant, input.now).into(),
        status_history: history(input.ledger, grant, input.now),
    }
}

fn party(p: &Party) -> ReceiptParty {
    ReceiptParty {
        name: p.name.clone(),
        contact: p.email.clone(),
        address: p.address.clone(),
    }
}

fn receipt_purpose(policy: &Policy, purpose: &Purpose) -> ReceiptPurpose {
    let recipients = policy
        .recipients
        .iter()
        .filter(|r| purpose.discloses_to(&r.id))
        .map(|r| ReceiptRecipient {
            id: r.id.to_string(),
            name: r.name.clone(),
            role: r.role.to_string(),
            country: r.country.to_string(),
        })
        .collect();
    let retention = policy
        .retention
        .iter()
        .filter(|rule| rule.categories.iter().any(|c| purpose.covers(c)))
        .map(|rule| {
            // Only the categories this purpose uses: a rule may also
            // cover others the consent never reached.
            let cats: Vec<&str> = rule
                .categories
                .iter()
                .filter(|c| purpose.covers(c))
                .map(|c| c.as_str())
                .collect();
            format!(
                "{}: keep {} from {}, then {}",
                cats.join(", "),
                rule.keep,
                rule.from,
                rule.then
            )
        })
        .collect();
    ReceiptPurpose {
        id: purpose.id.to_string(),
        description: purpose.description.clone(),
        legal_basis: format!("{} (GDPR Art. 6(1)(a))", purpose.basis),
        data_categories: purpose.categories.iter().map(ToString::to_string).collect(),
        recipients,
        retention,
        consent_valid_for: purpose.consent_valid_for.as_ref().map(ToString::to_string),
    }
}

/// `active`, `withdrawn` or `expired` for the grant's purpose at `now`.
fn status(ledger: &[ConsentRow], grant: &ConsentRow, now: Timestamp) -> &'static str {
    if lawful::consent_live(ledger, &grant.purpose, now) {
        return "active";
    }
    let latest = ledger
        .iter()
        .filter(|c| c.purpose == grant.purpose && c.at <= now)
        .max_by_key(|c| c.at);
    match latest {
        Some(c) if !c.granted => "withdrawn",
        _ => "expired",
    }
}

/// The purpose's ledger up to `now`, with each lapse of a grant that was
/// not withdrawn or renewed first.
fn history(ledger: &[ConsentRow], grant: &ConsentRow, now: Timestamp) -> Vec<StatusEvent> {
    let mut mine: Vec<&ConsentRow> = ledger
        .iter()
        .filter(|c| c.purpose == grant.purpose && c.at <= now)
        .collect();
    mine.sort_by_key(|c| (c.at, c.id));
    let mut out = Vec::with_capacity(mine.len() + 1);
    for (i, c) in mine.iter().enumerate() {
        out.push(StatusEvent {
            status: if c.granted { "granted" } else { "withdrawn" }.into(),
            at: c.at,
            consent_id: Some(c.id.to_string()),
        });
        let next = mine.get(i + 1).map(|n| n.at);
        if let (true, Some(exp)) = (c.granted, c.expires_at)
            && exp <= now
            && next.is_none_or(|n| exp < n)
        {
            out.push(StatusEvent {
                status: "expired".into(),
                at: exp,
                consent_id: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ConsentId, SubjectId, TenantId};
    use tutela_policy::PurposeId;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn entry(subject: SubjectId, granted: bool, when: &str, expires: Option<&str>) -> ConsentRow {
        ConsentRow {
            tenant: TenantId::parse("acme").unwrap(),
            id: ConsentId::new(),
            subject,
            purpose: PurposeId::parse("newsletter").unwrap(),
            granted,
            at: at(when),
            expires_at: expires.map(at),
            policy_version: 1,
            source: "web-form".into(),
            text_hash: Some([7; 32]),
        }
    }

    fn receipt(ledger: &[ConsentRow], now: &str) -> Receipt {
        let policy = Policy::parse(tutela_policy::EXAMPLE_POLICY).unwrap();
        let purpose = policy
            .purposes
            .iter()
            .find(|p| p.id.as_str() == "newsletter")
            .unwrap();
        let input = ReceiptInput {
            tenant: "acme",
            receipt_id: "r",
            grant: &ledger[0],
            ledger,
            now: at(now),
        };
        build(&policy, purpose, input)
    }

    fn steps(r: &Receipt) -> Vec<&str> {
        r.status_history.iter().map(|s| s.status.as_str()).collect()
    }

    #[test]
    fn a_receipt_names_controller_purpose_categories_retention_and_text() {
        let s = SubjectId::new();
        let ledger = [entry(s, true, "2026-01-01T00:00:00Z", None)];
        let r = receipt(&ledger, "2026-02-01T00:00:00Z");
        assert_eq!(r.status, "active");
        assert_eq!(r.subject_id, s.to_string());
        assert_eq!(r.notice_text_sha256, Some(hash_hex(&[7; 32])));
        assert!(!r.controller.contact.is_empty());
        let p = &r.purposes[0];
        assert_eq!(p.data_categories, ["email"]);
        assert!(p.retention.iter().any(|line| line.contains("email")));
        // A rule covering email and others names only email here: the
        // consent never reached the others.
        for line in &p.retention {
            let (cats, _) = line.split_once(':').unwrap();
            assert_eq!(cats, "email", "{line}");
        }
        assert_eq!(steps(&r), ["granted"]);
    }

    #[test]
    fn the_history_shows_a_lapse_and_a_withdrawal_in_order() {
        let s = SubjectId::new();
        let lapsed = [entry(
            s,
            true,
            "2026-01-01T00:00:00Z",
            Some("2026-03-01T00:00:00Z"),
        )];
        let r = receipt(&lapsed, "2026-04-01T00:00:00Z");
        assert_eq!(
            (r.status.as_str(), steps(&r)),
            ("expired", vec!["granted", "expired"])
        );
        let before = receipt(&lapsed, "2026-02-01T00:00:00Z");
        assert_eq!(before.status, "active");

        let withdrawn = [
            entry(
                s,
                true,
                "2026-01-01T00:00:00Z",
                Some("2026-03-01T00:00:00Z"),
            ),
            entry(s, false, "2026-02-01T00:00:00Z", None),
        ];
        let r = receipt(&withdrawn, "2026-04-01T00:00:00Z");
        assert_eq!(
            (r.status.as_str(), steps(&r)),
            ("withdrawn", vec!["granted", "withdrawn"])
        );
    }
}
