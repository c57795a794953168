//! The purpose check: may this subject's data of these categories be used for
//! this purpose, right now? Pure: it sees the policy, the subject's state and
//! the clock's instant, and nothing else. It runs before any decryption.

use crate::error::EngineError;
use crate::store::{ConsentRow, ObjectionRow};
use jiff::Timestamp;
use tutela_policy::{CategoryId, LegalBasis, Policy, Purpose, PurposeId, RecipientId};

/// What the check needs to know about a subject.
#[derive(Debug, Clone, Copy)]
pub struct SubjectState<'a> {
    /// The subject's kind, as declared in the policy (`customer`).
    pub kind: &'a str,
    /// Art. 18 restriction in force.
    pub restricted: bool,
    /// The consent ledger, in any order.
    pub consents: &'a [ConsentRow],
    /// Objections, in any order.
    pub objections: &'a [ObjectionRow],
}

impl<'a> SubjectState<'a> {
    /// The state of the subject `view` holds: its restriction and ledger.
    pub fn of(view: &'a crate::store::SubjectView) -> Self {
        Self {
            kind: &view.subject.kind,
            restricted: view.subject.restricted,
            consents: &view.consents,
            objections: &view.objections,
        }
    }
}

/// Finds a declared purpose or refuses with `E_PURPOSE_NOT_DECLARED`.
pub fn declared_purpose<'p>(
    policy: &'p Policy,
    purpose: &PurposeId,
) -> Result<&'p Purpose, EngineError> {
    policy
        .purpose(purpose)
        .ok_or_else(|| EngineError::PurposeNotDeclared(purpose.to_string()))
}

/// Refuses unless every category is declared for the purpose.
pub fn covers_all(purpose: &Purpose, categories: &[CategoryId]) -> Result<(), EngineError> {
    match categories.iter().find(|c| !purpose.covers(c)) {
        None => Ok(()),
        Some(c) => Err(EngineError::CategoryNotInPurpose {
            purpose: purpose.id.to_string(),
            category: c.to_string(),
        }),
    }
}

/// Refuses unless the recipient is declared for the purpose.
pub fn discloses_to(purpose: &Purpose, recipient: &RecipientId) -> Result<(), EngineError> {
    if purpose.discloses_to(recipient) {
        Ok(())
    } else {
        Err(EngineError::RecipientNotDeclared {
            purpose: purpose.id.to_string(),
            recipient: recipient.to_string(),
        })
    }
}

/// The check for disclosing to `recipient` for an allowed purpose: the
/// recipient is declared for it, and a transfer abroad that rests on the
/// subject's consent as its safeguard has a live consent (Art. 49(1)(a)).
pub fn may_disclose(
    policy: &Policy,
    purpose: &Purpose,
    recipient: &RecipientId,
    consents: &[ConsentRow],
    now: Timestamp,
) -> Result<(), EngineError> {
    discloses_to(purpose, recipient)?;
    let needs_consent = policy
        .recipient(recipient)
        .is_some_and(|r| r.is_transfer() && r.safeguard == tutela_policy::Safeguard::Consent);
    if needs_consent && !consent_live(consents, &purpose.id, now) {
        return Err(EngineError::ConsentRequired(purpose.id.to_string()));
    }
    Ok(())
}

/// Whether the subject's consent for `purpose` is live at `now`: the latest
/// ledger event up to `now` is a grant that has not lapsed. A withdrawal
/// counts only from its own instant, so earlier use stays lawful.
pub fn consent_live(consents: &[ConsentRow], purpose: &PurposeId, now: Timestamp) -> bool {
    live_grant(consents, purpose, now).is_some()
}

/// The grant that makes the consent for `purpose` live at `now`, if any.
pub fn live_grant<'c>(
    consents: &'c [ConsentRow],
    purpose: &PurposeId,
    now: Timestamp,
) -> Option<&'c ConsentRow> {
    consents
        .iter()
        .filter(|c| &c.purpose == purpose && c.at <= now)
        .max_by_key(|c| c.at)
        .filter(|c| c.granted && c.expires_at.is_none_or(|exp| now < exp))
}

/// Whether a consent given under policy version `version`, when the
/// purpose read `granted_under` (None: not declared then), covers this use
/// under the purpose as declared now. Consent is specific (Art. 4(11)):
/// categories and recipients the purpose gained since need a new grant;
/// what it covered then keeps working.
pub fn consent_covers(
    granted_under: Option<&Purpose>,
    version: u32,
    purpose: &Purpose,
    categories: &[CategoryId],
    recipient: Option<&RecipientId>,
) -> Result<(), EngineError> {
    let renewal = |what: String| EngineError::ConsentRenewalNeeded {
        purpose: purpose.id.to_string(),
        what,
        version,
    };
    let Some(then) = granted_under else {
        return Err(renewal("everything it uses".to_owned()));
    };
    if let Some(c) = categories.iter().find(|c| !then.covers(c)) {
        return Err(renewal(format!("category {c}")));
    }
    match recipient {
        Some(r) if !then.discloses_to(r) => Err(renewal(format!("recipient {r}"))),
        _ => Ok(()),
    }
}

/// Whether an objection in force at `now` stops `purpose`. Objections to a
/// purpose stop it when it rests on legitimate interests or a public task,
/// or profiles; any objection at all stops direct marketing (Art. 21(2)).
///
/// `granted` is when the live consent of a consent-based purpose was
/// given: an objection made before it does not stop that purpose, since
/// the grant is the person's later and more specific choice (a newsletter
/// confirmed after a Global Privacy Control signal or an unsubscribe
/// objected to other marketing). An objection at or after the grant
/// stops it as before.
pub fn objected(
    objections: &[ObjectionRow],
    purpose: &Purpose,
    now: Timestamp,
    granted: Option<Timestamp>,
) -> bool {
    let in_force = objections
        .iter()
        .filter(|o| o.at <= now && granted.is_none_or(|g| o.at >= g));
    if purpose.direct_marketing {
        return in_force.count() > 0;
    }
    if !(purpose.basis.objectable() || purpose.profiling) {
        return false;
    }
    let mut in_force = in_force;
    in_force.any(|o| o.purpose.as_ref().is_none_or(|p| p == &purpose.id))
}

/// Whether the legal basis of `purpose` holds for this subject at `now`,
/// ignoring restriction (which writes and reads treat differently).
pub fn basis_holds(
    purpose: &Purpose,
    state: &SubjectState<'_>,
    now: Timestamp,
) -> Result<(), EngineError> {
    let granted = match purpose.basis {
        LegalBasis::Consent => match live_grant(state.consents, &purpose.id, now) {
            Some(grant) => Some(grant.at),
            None => return Err(EngineError::ConsentRequired(purpose.id.to_string())),
        },
        _ => None,
    };
    if objected(state.objections, purpose, now, granted) {
        return Err(EngineError::Objected(purpose.id.to_string()));
    }
    Ok(())
}

/// Refuses a purpose that names whose data it processes
/// (`subject_kinds`) without this subject's kind: the notice and the
/// record of processing (Art. 13(1)(c), 30(1)(c)) say the purpose concerns
/// those people only.
pub fn concerns(purpose: &Purpose, kind: &str) -> Result<(), EngineError> {
    if purpose.subject_kinds.is_empty() || purpose.subject_kinds.iter().any(|k| k.as_str() == kind)
    {
        Ok(())
    } else {
        Err(EngineError::SubjectKindNotInPurpose {
            purpose: purpose.id.to_string(),
            kind: kind.to_owned(),
        })
    }
}

/// The whole check for using (reading, disclosing) data: purpose declared,
/// the subject's kind among those it concerns, categories covered, subject
/// not restricted, basis holding.
pub fn may_use<'p>(
    policy: &'p Policy,
    state: &SubjectState<'_>,
    purpose: &PurposeId,
    categories: &[CategoryId],
    now: Timestamp,
) -> Result<&'p Purpose, EngineError> {
    let declared = declared_purpose(policy, purpose)?;
    concerns(declared, state.kind)?;
    covers_all(declared, categories)?;
    if state.restricted {
        return Err(EngineError::Restricted);
    }
    basis_holds(declared, state, now)?;
    Ok(declared)
}

/// The check for collecting data: every category declared and storable, the
/// purpose declared and covering them, subject not restricted, basis holding.
pub fn may_collect<'p>(
    policy: &'p Policy,
    state: &SubjectState<'_>,
    purpose: &PurposeId,
    categories: &[CategoryId],
    now: Timestamp,
) -> Result<&'p Purpose, EngineError> {
    for c in categories {
        let declared = policy
            .category(c)
            .ok_or_else(|| EngineError::CategoryNotDeclared(c.to_string()))?;
        if !declared.storable {
            return Err(EngineError::CategoryNotStorable(c.to_string()));
        }
    }
    may_use(policy, state, purpose, categories, now)
}

/// The check for processing data of a category declared `storable =
/// false` in passing, without storing it: the category declared and not
/// storable (stored data is read for a purpose instead), then the whole
/// use check, then, with a recipient, the disclosure check.
pub fn may_process_in_passing<'p>(
    policy: &'p Policy,
    state: &SubjectState<'_>,
    purpose: &PurposeId,
    category: &CategoryId,
    recipient: Option<&RecipientId>,
    now: Timestamp,
) -> Result<&'p Purpose, EngineError> {
    let declared = policy
        .category(category)
        .ok_or_else(|| EngineError::CategoryNotDeclared(category.to_string()))?;
    if declared.storable {
        return Err(EngineError::CategoryStored(category.to_string()));
    }
    let used = may_use(policy, state, purpose, std::slice::from_ref(category), now)?;
    if let Some(r) = recipient {
        may_disclose(policy, used, r, state.consents, now)?;
    }
    Ok(used)
}

#[cfg(test)]
mod tests;
