//! Publishing a policy version. An editorial change applies at once (or at
//! a later time given); a material one only from an `effective_at` at
//! least the notice period after publication, so subjects are told before
//! it applies (Art. 12(1), 13(3)). The notice period is the one of the
//! version in force: it is what subjects were promised, and a new version
//! cannot shorten the warning of its own arrival. Until `effective_at`
//! the version in force stays in force for every check.
//!
//! A version published while another is pending replaces it: the new one
//! is compared with the version in force (not the pending one), so its
//! own changes decide its notice, and the replaced version never applies.

use jiff::Timestamp;
use std::sync::Arc;
use tutela_policy::{CategoryId, Change as PolicyChange, Policy, diff, has_material};

use super::tenants::parse_policy;
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::principal::{Act, Principal};
use crate::store::{Change, PendingPolicy, PolicyRow, StoreError, TenantRow, Write};

/// What publishing a version did.
#[derive(Debug, Clone)]
pub struct Published {
    /// The stored version.
    pub row: PolicyRow,
    /// Its changes against the version in force, material first.
    pub changes: Vec<PolicyChange>,
    /// Whether it waits for its `effective_at`.
    pub pending: bool,
    /// True when the text was the latest version's own: nothing was
    /// stored and `row` is that version (a repeated `PUT` is idempotent).
    pub unchanged: bool,
}

/// The policy in force and the one waiting, for `GET /v1/policy`.
#[derive(Debug, Clone)]
pub struct PolicyOverview {
    /// The version in force now, as text and parsed.
    pub current: (PolicyRow, Arc<Policy>),
    /// The version waiting for its time, with its changes against the
    /// current one.
    pub pending: Option<(PolicyRow, Vec<PolicyChange>)>,
    /// Subjects told of the pending version so far (Art. 13(3)); 0 when
    /// none is pending.
    pub notified: u64,
}

/// When a version may take effect: `asked` if given and not earlier than
/// allowed; a material change needs one at least `notice` after `now`,
/// unless the notice period is zero (then, like any other change, it
/// applies at once when no time is asked). Pure, so the rule is tested
/// without a store.
pub fn effective_time(
    now: Timestamp,
    material: bool,
    notice: &tutela_policy::CalendarSpan,
    asked: Option<Timestamp>,
) -> Result<Timestamp, EngineError> {
    let earliest = if material {
        notice
            .after(now)
            .map_err(|_| EngineError::EffectiveTooSoon {
                earliest: now,
                material,
            })?
    } else {
        now
    };
    match asked {
        Some(at) if at >= earliest => Ok(at),
        None if earliest <= now => Ok(now),
        _ => Err(EngineError::EffectiveTooSoon { earliest, material }),
    }
}

/// When the longest hold of `policy` covering `category` would end if it
/// started at `now`; `None` when no hold covers it.
fn hold_end(policy: &Policy, category: &CategoryId, now: Timestamp) -> Option<Timestamp> {
    policy
        .holds
        .iter()
        .filter(|h| h.categories.contains(category))
        .filter_map(|h| h.keep.after(now).ok())
        .max()
}

/// Whether `new` covers `category` by no hold, or by a shorter one than
/// `old` did: records held under the old hold would outlive what the new
/// notice says. Pure.
pub fn hold_loosened(old: &Policy, new: &Policy, category: &CategoryId, now: Timestamp) -> bool {
    match (hold_end(old, category, now), hold_end(new, category, now)) {
        (Some(before), Some(after)) => after < before,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

impl Engine {
    /// Refuses a version that drops a category still holding records of
    /// the tenant (live, or kept under a statutory hold after an erasure
    /// or a sweep), or makes it `storable = false`, or turns its
    /// `identifier` on or off (`E_IDENTIFIER_IN_USE`), or narrows or shortens
    /// the hold such records are kept under (`E_HOLD_IN_USE`): they would stay stored
    /// with no purpose to use them (or, not storable, under a notice that
    /// says they are never stored) and no rule to end them, listed in
    /// access answers and never swept.
    async fn no_category_stranded(
        &self,
        tenant: &TenantId,
        old: &Policy,
        new: &Policy,
    ) -> Result<(), EngineError> {
        for gone in old.categories.iter().filter(|c| {
            new.category(&c.id)
                .is_none_or(|kept| c.storable && !kept.storable)
        }) {
            if self.category_holds_records(tenant, &gone.id).await? {
                return Err(EngineError::CategoryInUse(gone.id.to_string()));
            }
        }
        for flipped in old.categories.iter().filter(|c| {
            new.category(&c.id)
                .is_some_and(|kept| kept.identifier != c.identifier)
        }) {
            if self.category_holds_records(tenant, &flipped.id).await? {
                return Err(EngineError::IdentifierInUse(flipped.id.to_string()));
            }
        }
        let now = self.clock.now();
        let mut checked: Vec<&CategoryId> = Vec::new();
        for category in old.holds.iter().flat_map(|h| &h.categories) {
            if checked.contains(&category) {
                continue;
            }
            checked.push(category);
            if hold_loosened(old, new, category, now)
                && self.store.category_held(tenant, category).await?
            {
                return Err(EngineError::HoldInUse(category.to_string()));
            }
        }
        Ok(())
    }

    /// Whether the tenant stores records of `category`, live or kept under
    /// a statutory hold.
    async fn category_holds_records(
        &self,
        tenant: &TenantId,
        category: &CategoryId,
    ) -> Result<bool, EngineError> {
        let live = !self
            .store
            .report_subjects(tenant, category, None, 1)
            .await?
            .is_empty();
        Ok(live || self.store.category_held(tenant, category).await?)
    }

    /// Publishes a new policy version, applying at once or from
    /// `effective_at` (see the module doc). Nothing is stored when refused.
    /// Publications racing on one tenant (two deploys at once) each take
    /// the next number: one that finds its number taken starts over from
    /// the versions now stored (and so finds a repeat of its text there).
    pub async fn publish_policy(
        &self,
        who: &Principal,
        source: &str,
        effective_at: Option<Timestamp>,
    ) -> Result<Published, EngineError> {
        self.authorize(who, Act::PublishPolicy, Action::PolicyPublish, None, None)
            .await?;
        let new = parse_policy(source)?;
        let mut tries = 0;
        loop {
            match self.publish_once(who, source, &new, effective_at).await {
                Err(EngineError::Storage(StoreError::Conflict { what }))
                    if what == "policy version" && tries < 4 =>
                {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// One try of [`Engine::publish_policy`] on the versions stored now.
    async fn publish_once(
        &self,
        who: &Principal,
        source: &str,
        new: &Policy,
        effective_at: Option<Timestamp>,
    ) -> Result<Published, EngineError> {
        let tenant = self.tenant(who).await?;
        let now = self.clock.now();
        if let Some(same) = self
            .already_published(&tenant, source, effective_at, now)
            .await?
        {
            return Ok(same);
        }
        let in_force = tenant.version_in_force(now);
        let old = self.policy_version(&who.tenant, in_force).await?;
        self.no_category_stranded(&who.tenant, &old, new).await?;
        let changes = diff(&old, new);
        let material = has_material(&changes);
        let at = effective_time(now, material, &old.changes.notice_period, effective_at)?;
        let row = PolicyRow {
            tenant: who.tenant.clone(),
            version: latest(&tenant) + 1,
            source: source.to_owned(),
            published_at: now,
            effective_at: at,
        };
        let pending = at > now;
        let write = if pending {
            Write::InsertPendingPolicy {
                row: row.clone(),
                in_force,
            }
        } else {
            Write::InsertPolicy(row.clone())
        };
        let count = changes.iter().filter(|c| c.material).count();
        let detail = format!(
            "version={} effective_at={at} material={count} editorial={}{}",
            row.version,
            changes.len() - count,
            replaced(&tenant, now)
                .map(|v| format!(" replaces={v}"))
                .unwrap_or_default()
        );
        let event = self.event(
            who,
            Action::PolicyPublish,
            None,
            None,
            detail,
            Outcome::Allowed,
        );
        self.commit(
            &who.tenant,
            Change {
                writes: vec![write],
                audit: vec![event],
            },
        )
        .await?;
        Ok(Published {
            row,
            changes,
            pending,
            unchanged: false,
        })
    }

    /// The latest version when `source` is its very text: the pending one
    /// (asked for no other time), or the one in force when none waits.
    /// Publishing it again would add a version that changes nothing, so a
    /// deploy that publishes on every run stays a no-op. Publishing the
    /// text in force while another version waits is not a repeat: it
    /// replaces the pending version.
    async fn already_published(
        &self,
        tenant: &TenantRow,
        source: &str,
        effective_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Option<Published>, EngineError> {
        let (version, pending) = match replaced(tenant, now) {
            Some(v) => (v, true),
            None => (tenant.version_in_force(now), false),
        };
        let Some(row) = self.store.policy(&tenant.id, Some(version)).await? else {
            return Ok(None);
        };
        let same_time = !pending || effective_at.is_none_or(|at| at == row.effective_at);
        Ok((row.source == source && same_time).then_some(Published {
            row,
            changes: Vec::new(),
            pending,
            unchanged: true,
        }))
    }

    /// The policy in force now (or an earlier `version`), as text and parsed.
    pub async fn policy(
        &self,
        who: &Principal,
        version: Option<u32>,
    ) -> Result<(PolicyRow, Arc<Policy>), EngineError> {
        who.require(Act::ReadPolicy)?;
        let missing = match version {
            Some(version) => EngineError::PolicyVersionNotFound { version },
            None => EngineError::NoPolicy,
        };
        let version = match version {
            Some(v) => v,
            None => self.tenant(who).await?.version_in_force(self.clock.now()),
        };
        let row = self
            .store
            .policy(&who.tenant, Some(version))
            .await?
            .ok_or(missing)?;
        let parsed = self.policy_version(&who.tenant, row.version).await?;
        Ok((row, parsed))
    }

    /// The version in force now and the pending one, if any.
    pub async fn policy_overview(&self, who: &Principal) -> Result<PolicyOverview, EngineError> {
        who.require(Act::ReadPolicy)?;
        let tenant = self.tenant(who).await?;
        let now = self.clock.now();
        let current = self.policy(who, Some(tenant.version_in_force(now))).await?;
        let (pending, notified) = match tenant.pending {
            Some(p) if p.effective_at > now => {
                let (row, parsed) = self.policy(who, Some(p.version)).await?;
                let notified = self.store.notices_sent(&who.tenant, p.version).await?;
                (Some((row, diff(&current.1, &parsed))), notified)
            }
            _ => (None, 0),
        };
        Ok(PolicyOverview {
            current,
            pending,
            notified,
        })
    }
}

/// The newest version published, pending or not.
fn latest(tenant: &TenantRow) -> u32 {
    tenant
        .pending
        .map_or(tenant.policy_version, |p: PendingPolicy| {
            p.version.max(tenant.policy_version)
        })
}

/// The pending version a new publication replaces, if one still waits.
fn replaced(tenant: &TenantRow, now: Timestamp) -> Option<u32> {
    tenant
        .pending
        .filter(|p| p.effective_at > now)
        .map(|p| p.version)
}

#[cfg(test)]
mod tests {
    use super::effective_time;
    use jiff::Timestamp;
    use tutela_policy::CalendarSpan;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_version_may_not_take_effect_in_the_past_and_says_why_without_claiming_changes() {
        let now = at("2026-11-24T12:00:00Z");
        let notice = CalendarSpan::parse("30 days").unwrap();
        let past = Some(at("1970-01-01T00:00:00Z"));
        let plain = effective_time(now, false, &notice, past)
            .unwrap_err()
            .to_string();
        assert!(plain.contains("cannot take effect in the past"), "{plain}");
        assert!(!plain.contains("material"), "{plain}");
        let material = effective_time(now, true, &notice, past)
            .unwrap_err()
            .to_string();
        assert!(material.contains("material changes"), "{material}");
        assert!(material.contains("2026-12-24T12:00:00Z"), "{material}");
        assert_eq!(effective_time(now, false, &notice, None).unwrap(), now);
        assert!(effective_time(now, true, &notice, None).is_err());
    }

    /// A hold is loosened when the new policy covers the category by no
    /// hold or a shorter one; a longer one, or one more hold, is not.
    #[test]
    fn a_hold_is_loosened_when_it_no_longer_covers_or_ends_sooner() {
        let parse = |text: &str| crate::ops::tenants::parse_policy(text).unwrap();
        let base = tutela_policy::EXAMPLE_POLICY;
        let old = parse(base);
        let invoice = tutela_policy::CategoryId::parse("invoice").unwrap();
        let now = at("2026-11-24T12:00:00Z");
        let narrowed = parse(&base.replace(
            "categories = [\"iban\", \"invoice\"]\nlaw",
            "categories = [\"iban\"]\nlaw",
        ));
        let shorter = parse(&base.replace("keep = \"10 years\"", "keep = \"1 year\""));
        let longer = parse(&base.replace("keep = \"10 years\"", "keep = \"11 years\""));
        assert!(super::hold_loosened(&old, &narrowed, &invoice, now));
        assert!(super::hold_loosened(&old, &shorter, &invoice, now));
        assert!(!super::hold_loosened(&old, &longer, &invoice, now));
        assert!(!super::hold_loosened(&old, &old, &invoice, now));
        assert!(!super::hold_loosened(&narrowed, &old, &invoice, now));
    }

    /// With no notice period, a material change needs no effective time
    /// (an outside probe was asked for one).
    #[test]
    fn with_no_notice_period_a_material_change_applies_at_once() {
        let now = at("2026-11-24T12:00:00Z");
        let none = CalendarSpan::parse_or_zero("0 days").unwrap();
        assert_eq!(effective_time(now, true, &none, None).unwrap(), now);
    }
}
