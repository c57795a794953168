//! A subject's recorded death and the directive it applies. The GDPR does
//! not apply to the data of deceased persons (Recital 27); national law
//! may let a person direct what happens to their data after death (for
//! instance France's Loi Informatique et Libertés, art. 85). A directive is
//! a request of kind `directive`, registered by fulfilling it; a later one
//! supersedes an earlier one; recording the death applies the latest, in
//! the same commit. Pure: which directive applies and what it does.

use crate::ids::{RequestId, SubjectId, TenantId};
use crate::requests::{DirectiveTag, KindTag, Reason, RequestRow, RequestState};
use jiff::Timestamp;
use serde::Serialize;

/// What recording the death did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// No directive was registered: the data is kept as the policy says.
    None,
    /// The directive said keep: the data is kept as the policy says.
    Keep,
    /// The directive said erase: the subject was erased (statutory holds
    /// kept, recipients told), as an erasure request does.
    Erase,
    /// The directive named a person: the access answer is available for
    /// them through the directive's answer.
    HandTo,
}

impl Applied {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Keep => "keep",
            Self::Erase => "erase",
            Self::HandTo => "hand_to",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::None, Self::Keep, Self::Erase, Self::HandTo]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

/// A recorded death, as stored: ids and names only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeathRow {
    /// Whose subject.
    pub tenant: TenantId,
    /// Who died (pseudonym).
    pub subject: SubjectId,
    /// When the death was recorded.
    pub recorded_at: Timestamp,
    /// The directive applied, if one was registered.
    pub directive: Option<RequestId>,
    /// What was done.
    pub applied: Applied,
    /// Staff's note (how the death was learnt of, ...).
    pub note: Option<Reason>,
}

/// The registered directive in force among `rows`: the latest fulfilled
/// directive request (by fulfilment time, then id); earlier ones are
/// superseded.
pub fn directive_in_force(rows: &[RequestRow]) -> Option<&RequestRow> {
    rows.iter()
        .filter(|r| r.kind == KindTag::Directive && r.state == RequestState::Fulfilled)
        .max_by_key(|r| (r.fulfilled_at, r.id))
}

/// What a death applies given the directive in force.
pub fn to_apply(directive: Option<&RequestRow>) -> Applied {
    match directive.and_then(|r| r.directive) {
        None => Applied::None,
        Some(DirectiveTag::Keep) => Applied::Keep,
        Some(DirectiveTag::Erase) => Applied::Erase,
        Some(DirectiveTag::HandTo) => Applied::HandTo,
    }
}

/// Whether the directive `id` is the one a recorded death handed data
/// over under.
pub fn hands_over(death: &DeathRow, id: RequestId) -> bool {
    death.applied == Applied::HandTo && death.directive == Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::{Directive, RequestKind};

    fn directive(which: Directive, fulfilled: Option<&str>) -> RequestRow {
        let mut row =
            crate::requests::sample_row(&RequestKind::Directive(which), RequestState::Received);
        if let Some(at) = fulfilled {
            row.state = RequestState::Fulfilled;
            row.fulfilled_at = Some(at.parse().unwrap());
        } else {
            row.state = RequestState::Verified;
        }
        row
    }

    #[test]
    fn the_latest_registered_directive_is_in_force() {
        let rows = vec![
            directive(Directive::Erase, Some("2027-01-01T00:00:00Z")),
            directive(Directive::Keep, Some("2027-02-01T00:00:00Z")),
            directive(Directive::Erase, None),
        ];
        let in_force = directive_in_force(&rows).unwrap();
        assert_eq!(in_force.id, rows[1].id);
        assert_eq!(to_apply(Some(in_force)), Applied::Keep);
        assert_eq!(to_apply(None), Applied::None);
        assert!(directive_in_force(&rows[2..]).is_none(), "not registered");
    }

    #[test]
    fn only_the_applied_hand_to_directive_hands_data_over() {
        let id = RequestId::new();
        let mut death = DeathRow {
            tenant: TenantId::parse("acme").unwrap(),
            subject: SubjectId::new(),
            recorded_at: "2027-03-01T00:00:00Z".parse().unwrap(),
            directive: Some(id),
            applied: Applied::HandTo,
            note: None,
        };
        assert!(hands_over(&death, id));
        assert!(!hands_over(&death, RequestId::new()), "superseded");
        death.applied = Applied::Keep;
        assert!(!hands_over(&death, id));
        for a in [
            Applied::None,
            Applied::Keep,
            Applied::Erase,
            Applied::HandTo,
        ] {
            assert_eq!(Applied::parse(a.as_str()), Some(a));
        }
    }
}
