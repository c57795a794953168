//! A website's cookie and tracking banner (Art. 7, ePrivacy Art. 5(3)) and
//! the Global Privacy Control signal (`Sec-GPC: 1`), honoured as an
//! objection (Art. 21(5)) and as the CCPA/CPRA opt-out preference signal
//! for every purpose marked `sale_or_sharing` or `direct_marketing`.
//!
//! Choices are appended, never overwritten: [`fold`] reads them back as
//! the choice in force per purpose, and keeps a conflict between an
//! explicit grant and a later GPC signal visible instead of hiding either.

use crate::ids::SubjectId;
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{LegalBasis, Policy, Purpose, PurposeId};

use super::VisitorChoiceRow;

/// The shortest anonymous visitor id accepted: 22 base64url characters
/// carry 132 bits, so ids drawn at random do not collide or get guessed.
pub const MIN_VISITOR_ID: usize = 22;
/// The longest anonymous visitor id accepted.
pub const MAX_VISITOR_ID: usize = 64;

/// Who made a banner choice: an anonymous visitor (a random id the website
/// keeps in its cookie) or a subject the tenant already knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Visitor {
    /// A random id, 22 to 64 of `A-Z a-z 0-9 _ -`.
    Anonymous(String),
    /// A known subject.
    Subject(SubjectId),
}

impl Visitor {
    /// Parses an anonymous visitor id; the message names the field.
    pub fn anonymous(id: &str) -> Result<Self, String> {
        let shaped = (MIN_VISITOR_ID..=MAX_VISITOR_ID).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if shaped {
            Ok(Self::Anonymous(id.to_owned()))
        } else {
            Err("visitor_id: expected 22 to 64 of A-Z, a-z, 0-9, '_' or '-' (a random id)".into())
        }
    }

    /// The stored key: `v:<id>` or `s:<uuid>`.
    pub fn key(&self) -> String {
        match self {
            Self::Anonymous(id) => format!("v:{id}"),
            Self::Subject(id) => format!("s:{id}"),
        }
    }

    /// Reads a stored key back.
    pub fn from_key(key: &str) -> Option<Self> {
        match key.split_once(':')? {
            ("v", id) => Self::anonymous(id).ok(),
            ("s", id) => SubjectId::parse(id).ok().map(Self::Subject),
            _ => None,
        }
    }
}

/// Whether a purpose appears on the banner: it rests on consent, or it
/// sells, shares or markets directly (so it can be objected to there).
pub fn on_banner(purpose: &Purpose) -> bool {
    (purpose.basis == LegalBasis::Consent && !purpose.essential) || gpc_applies(purpose)
}

/// Whether a `Sec-GPC: 1` signal objects to this purpose.
pub fn gpc_applies(purpose: &Purpose) -> bool {
    purpose.sale_or_sharing || purpose.direct_marketing
}

/// The purposes a banner shows, in policy order.
pub fn banner_purposes(policy: &Policy) -> Vec<&Purpose> {
    policy.purposes.iter().filter(|p| on_banner(p)).collect()
}

/// A choice as read back, per banner purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceState {
    /// The purpose.
    pub purpose: PurposeId,
    /// Whether processing for it may go ahead now. For an anonymous
    /// visitor: an explicit grant not overridden by a GPC signal. For a
    /// known subject: the purpose check's answer on the subject's ledger
    /// (its banner choices are recorded there as consents).
    pub allowed: bool,
    /// The latest explicit choice (true: agreed), if any.
    pub explicit: Option<bool>,
    /// When it was made.
    pub explicit_at: Option<Timestamp>,
    /// When an explicit grant lapses under the purpose's
    /// `consent_valid_for` (a cookie consent is asked again after it).
    pub expires_at: Option<Timestamp>,
    /// When a GPC signal last objected to this purpose, if ever.
    pub gpc_at: Option<Timestamp>,
}

/// An explicit grant that a GPC signal contradicts: both stay on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The purpose.
    pub purpose: PurposeId,
    /// When the explicit grant was made.
    pub granted_at: Timestamp,
    /// When the GPC signal objected.
    pub gpc_at: Timestamp,
    /// What is done meanwhile: the signal wins until the visitor confirms
    /// the grant without sending it.
    pub resolution: &'static str,
}

/// The choices in force at `now` for each banner purpose, and the
/// conflicts. A grant lapses after the purpose's `consent_valid_for`.
pub fn fold(
    policy: &Policy,
    rows: &[VisitorChoiceRow],
    now: Timestamp,
) -> (Vec<ChoiceState>, Vec<Conflict>) {
    let mut states = Vec::new();
    let mut conflicts = Vec::new();
    for purpose in banner_purposes(policy) {
        let mine = rows.iter().filter(|r| r.purpose == purpose.id);
        let explicit = mine.clone().filter(|r| !r.gpc).max_by_key(|r| (r.at, r.id));
        let gpc = mine.filter(|r| r.gpc).map(|r| r.at).max();
        let expires_at = explicit
            .filter(|r| r.granted)
            .and_then(|r| purpose.consent_valid_for.as_ref()?.after(r.at).ok());
        let granted = explicit.is_some_and(|r| r.granted) && expires_at.is_none_or(|e| now < e);
        // A grant made after the last signal, without the signal, stands.
        let overridden = match (explicit, gpc) {
            (Some(e), Some(g)) => e.granted && g >= e.at,
            _ => false,
        };
        if let (true, Some(e), Some(g)) = (overridden, explicit, gpc) {
            conflicts.push(Conflict {
                purpose: purpose.id.clone(),
                granted_at: e.at,
                gpc_at: g,
                resolution: "objection: the GPC signal is honoured until the grant is confirmed without it",
            });
        }
        states.push(ChoiceState {
            purpose: purpose.id.clone(),
            allowed: granted && !overridden,
            explicit: explicit.map(|r| r.granted),
            explicit_at: explicit.map(|r| r.at),
            expires_at,
            gpc_at: gpc,
        });
    }
    (states, conflicts)
}

#[cfg(test)]
#[path = "banner_tests.rs"]
mod tests;
