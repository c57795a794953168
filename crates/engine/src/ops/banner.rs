//! A website's cookie and tracking banner: the purposes to show, choices
//! stored against an anonymous visitor id or a subject, read back with the
//! Global Privacy Control signal honoured and conflicts kept visible
//! (Art. 7, Art. 21(5); see [`crate::consent::banner`]).

use crate::audit::{Action, Outcome};
use crate::consent::banner::{self, ChoiceState, Conflict, Visitor};
use crate::consent::{ConsentError, VisitorChoiceRow};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::lawful::{self, SubjectState};

use crate::principal::{Act, Principal};
use crate::store::{Change, RecordFilter, Write};
use std::collections::BTreeMap;
use tutela_policy::{LegalBasis, Purpose, PurposeId};
use uuid::Uuid;

/// A visitor's choices as read back: one state per banner purpose, and
/// every explicit grant a GPC signal contradicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorChoices {
    /// Per banner purpose, in policy order.
    pub choices: Vec<ChoiceState>,
    /// Grants contradicted by a later GPC signal.
    pub conflicts: Vec<Conflict>,
}

impl Engine {
    /// The purposes a banner shows, from the policy in force.
    pub async fn banner(&self, who: &Principal) -> Result<Vec<Purpose>, EngineError> {
        let (_, policy) = self.policy(who, None).await?;
        Ok(banner::banner_purposes(&policy)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Stores `choices` (purpose → agreed) for `visitor`, each a banner
    /// purpose; with `gpc` (a `Sec-GPC: 1` header) also a GPC objection to
    /// every banner purpose marked `sale_or_sharing` or `direct_marketing`,
    /// and for a subject an objection on its ledger where one applies.
    /// Nothing is stored when any purpose is refused.
    pub async fn set_visitor_choices(
        &self,
        who: &Principal,
        visitor: Visitor,
        choices: &BTreeMap<PurposeId, bool>,
        gpc: bool,
    ) -> Result<VisitorChoices, EngineError> {
        who.require(Act::ManageConsent)?;
        let (_, policy) = self.policy(who, None).await?;
        let shown = banner::banner_purposes(&policy);
        for purpose in choices.keys() {
            if !shown.iter().any(|p| &p.id == purpose) {
                return Err(ConsentError::NotABannerPurpose(purpose.to_string()).into());
            }
            who.require_purpose(purpose)?;
        }
        let now = self.clock.now();
        let row = |purpose: &PurposeId, granted: bool, gpc: bool| VisitorChoiceRow {
            tenant: who.tenant.clone(),
            id: Uuid::new_v4(),
            visitor: visitor.clone(),
            purpose: purpose.clone(),
            granted,
            gpc,
            at: now,
        };
        let mut rows: Vec<VisitorChoiceRow> =
            choices.iter().map(|(p, g)| row(p, *g, false)).collect();
        let signalled: Vec<&Purpose> = shown
            .iter()
            .copied()
            .filter(|p| gpc && banner::gpc_applies(p))
            .collect();
        rows.extend(signalled.iter().map(|p| row(&p.id, false, true)));
        let mut change = Change::default();
        if let Visitor::Subject(subject) = &visitor {
            let view = self.live_subject(who, *subject, RecordFilter::None).await?;
            // A known subject's banner choice is its consent: it goes on the
            // ledger the purpose check reads (Art. 7), so what the banner
            // says and what the engine does cannot differ.
            for (purpose, desired, source) in ledger_moves(&shown, choices, gpc) {
                let live = lawful::consent_live(&view.consents, purpose, now);
                // An "allow" also renews a live consent a later version's
                // wider purpose no longer covers, as a read demands.
                let renew =
                    desired && live && self.needs_renewal(&who.tenant, &view, purpose).await?;
                if live != desired || renew {
                    let (_, c) = self
                        .plan_consent(who, *subject, purpose, desired, source)
                        .await?;
                    change.writes.extend(c.writes);
                    change.audit.extend(c.audit);
                }
            }
            // On legitimate interest or a public task the signal is an
            // objection (Art. 21(1), (3)). On consent it is the withdrawal
            // above (Art. 7(3)), not an objection: a grant the person
            // later confirms without the signal is a new consent and
            // stands, as it does for an anonymous visitor.
            for p in &signalled {
                if p.basis.objectable() {
                    let (_, objection) = self.plan_objection(who, *subject, Some(&p.id)).await?;
                    change.writes.extend(objection.writes);
                    change.audit.extend(objection.audit);
                }
            }
        }
        let subject = match &visitor {
            Visitor::Subject(s) => Some(*s),
            Visitor::Anonymous(_) => None,
        };
        change.writes.push(Write::InsertVisitorChoices(rows));
        change.audit.push(self.event(
            who,
            Action::BannerChoice,
            None,
            subject,
            format!("choices={} gpc={}", choices.len(), u8::from(gpc)),
            Outcome::Allowed,
        ));
        self.commit(&who.tenant, change).await?;
        self.visitor_choices(who, &visitor).await
    }

    /// Whether the subject's live consent to `purpose` was given under an
    /// earlier version whose purpose covered less than it does now.
    async fn needs_renewal(
        &self,
        tenant: &crate::ids::TenantId,
        view: &crate::store::SubjectView,
        purpose: &PurposeId,
    ) -> Result<bool, EngineError> {
        let theirs = self.policy_version(tenant, view.policy_version).await?;
        let categories = theirs
            .purpose(purpose)
            .map(|p| p.categories.clone())
            .unwrap_or_default();
        Ok(self
            .check_consent_scope(tenant, view, &theirs, purpose, &categories, None)
            .await
            .is_err())
    }

    /// A visitor's choices in force per banner purpose, and conflicts; for
    /// a purpose-scoped key, those of its purposes only.
    pub async fn visitor_choices(
        &self,
        who: &Principal,
        visitor: &Visitor,
    ) -> Result<VisitorChoices, EngineError> {
        who.require(Act::ManageConsent)?;
        let (_, policy) = self.policy(who, None).await?;
        let mut rows = self.store.visitor_choices(&who.tenant, visitor).await?;
        let now = self.clock.now();
        if let Visitor::Subject(subject) = visitor {
            // A known subject's consents are choices too, however given
            // (the consent API, a request, an unsubscribe link): a grant a
            // GPC signal ended shows as a conflict, and `explicit` says
            // what the ledger says.
            let view = self.live_subject(who, *subject, RecordFilter::None).await?;
            rows.extend(ledger_choices(&who.tenant, visitor, &view.consents));
        }
        let (mut choices, mut conflicts) = banner::fold(&policy, &rows, now);
        // A purpose-scoped key sees its own purposes only, as with consents.
        choices.retain(|c| who.require_purpose(&c.purpose).is_ok());
        conflicts.retain(|c| who.require_purpose(&c.purpose).is_ok());
        if let Visitor::Subject(subject) = visitor {
            // For a known subject, `allowed` is the purpose check's own
            // answer on its ledger (consents, objections, restriction).
            let view = self.live_subject(who, *subject, RecordFilter::None).await?;
            let theirs = self
                .policy_version(&who.tenant, view.policy_version)
                .await?;
            let state = SubjectState::of(&view);
            for choice in &mut choices {
                let categories = theirs
                    .purpose(&choice.purpose)
                    .map(|p| p.categories.clone())
                    .unwrap_or_default();
                // The same checks a read runs: the purpose check, then
                // whether a consent given under an earlier version still
                // covers what the purpose uses now (a widened consent
                // purpose needs renewing).
                choice.allowed =
                    lawful::may_use(&theirs, &state, &choice.purpose, &categories, now).is_ok()
                        && self
                            .check_consent_scope(
                                &who.tenant,
                                &view,
                                &theirs,
                                &choice.purpose,
                                &categories,
                                None,
                            )
                            .await
                            .is_ok();
            }
        }
        Ok(VisitorChoices { choices, conflicts })
    }
}

/// A subject's consent ledger as banner choices: a withdrawal the GPC
/// signal made is the signal, any other entry an explicit choice.
fn ledger_choices(
    tenant: &crate::ids::TenantId,
    visitor: &Visitor,
    consents: &[crate::store::ConsentRow],
) -> Vec<VisitorChoiceRow> {
    consents
        .iter()
        .map(|c| {
            let gpc = c.source == "gpc";
            VisitorChoiceRow {
                tenant: tenant.clone(),
                id: c.id.0,
                visitor: visitor.clone(),
                purpose: c.purpose.clone(),
                granted: c.granted && !gpc,
                gpc,
                at: c.at,
            }
        })
        .collect()
}

/// The consent-ledger state each consent purpose of a subject's banner
/// choices asks for, with the source to record: a `Sec-GPC: 1` signal
/// ends a consent it applies to (the signal wins, and the earlier grant
/// stays visible as a conflict), otherwise an explicit choice sets it.
/// Purposes on another legal basis have no consent to move.
fn ledger_moves<'p>(
    shown: &[&'p Purpose],
    choices: &BTreeMap<PurposeId, bool>,
    gpc: bool,
) -> Vec<(&'p PurposeId, bool, &'static str)> {
    shown
        .iter()
        .filter(|p| p.basis == LegalBasis::Consent)
        .filter_map(|p| {
            if gpc && banner::gpc_applies(p) {
                Some((&p.id, false, "gpc"))
            } else {
                choices
                    .get(&p.id)
                    .map(|granted| (&p.id, *granted, "banner"))
            }
        })
        .collect()
}
