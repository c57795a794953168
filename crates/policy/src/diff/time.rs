//! Changes to how long data is kept. Periods are compared as calendar
//! spans over every start date ("13 months" is longer than "1 year";
//! "30 days" can outlast "1 month"), so a period that can end later is
//! longer. A changed anchor is material unless the new one provably
//! starts no later (data collected before the last activity).

use super::{ChangeKind as K, Found};
use crate::ids::CategoryId;
use crate::model::{Policy, RetentionRule, StatutoryHold};
use crate::terms::Anchor;

/// Retention rules, compared per category.
pub(super) fn retention(old: &Policy, new: &Policy, found: &mut Found) {
    for c in categories_of(old, new) {
        let was: Vec<&RetentionRule> = old.retention_for(&c).collect();
        let now: Vec<&RetentionRule> = new.retention_for(&c).collect();
        let path = format!("retention.{c}");
        if now.is_empty() && !was.is_empty() && new.category(&c).is_some() {
            let text = format!("{c} no longer has a retention period: it is kept until erased.");
            found.add(K::RetentionRemoved, path, text, vec![c.clone()]);
            continue;
        }
        for rule in now {
            rule_change(&c, &was, rule, &path, found);
        }
    }
}

fn rule_change(
    c: &CategoryId,
    was: &[&RetentionRule],
    rule: &RetentionRule,
    path: &str,
    found: &mut Found,
) {
    let now_text = format!("{} {}", rule.keep, rule.from.plain());
    if was.is_empty() {
        let text = format!("{c} now has a retention period: {now_text}.");
        found.add(K::RetentionAdded, path.to_owned(), text, vec![]);
        return;
    }
    let same_anchor = was.iter().find(|o| o.from == rule.from);
    let Some(o) = same_anchor.or_else(|| was.iter().find(|o| starts_no_later(&rule.from, &o.from)))
    else {
        let before = was
            .first()
            .map(|o| format!("{} {}", o.keep, o.from.plain()))
            .unwrap_or_default();
        let text = format!("{c} is now kept {now_text} (before: {before}).");
        found.add(
            K::RetentionAnchorChanged,
            path.to_owned(),
            text,
            vec![c.clone()],
        );
        return;
    };
    let before = format!("{} {}", o.keep, o.from.plain());
    if rule.keep.can_exceed(&o.keep) {
        let text = format!("{c} is now kept {now_text} (before: {before}).");
        found.add(K::RetentionLonger, path.to_owned(), text, vec![c.clone()]);
    } else if rule.keep != o.keep || rule.from != o.from {
        let text = format!("{c} is now kept only {now_text} (before: {before}).");
        found.add(K::RetentionShorter, path.to_owned(), text, vec![]);
    }
    if rule.then != o.then {
        let text = format!(
            "At the end of its retention period, {c} is now handled by `{}`.",
            rule.then
        );
        found.add(K::DisposalChanged, format!("{path}.then"), text, vec![]);
    }
}

/// Whether a period from `a` provably starts no later than one from `b`:
/// the same anchor, or collection (which precedes any later activity).
fn starts_no_later(a: &Anchor, b: &Anchor) -> bool {
    a == b || (*a == Anchor::Collected && *b == Anchor::LastActivity)
}

/// Statutory holds, compared per category and law.
pub(super) fn holds(old: &Policy, new: &Policy, found: &mut Found) {
    for c in categories_of(old, new) {
        let was: Vec<&StatutoryHold> = old.holds_for(&c).collect();
        let now: Vec<&StatutoryHold> = new.holds_for(&c).collect();
        let path = format!("hold.{c}");
        for h in &now {
            let text_now = format!("{} {} ({})", h.keep, h.from.plain(), h.law);
            match was
                .iter()
                .find(|o| o.law == h.law && starts_no_later(&h.from, &o.from))
            {
                None => {
                    let text =
                        format!("{c} must now be kept {text_now}, even if erasure is asked for.");
                    found.add(K::HoldAdded, path.clone(), text, vec![c.clone()]);
                }
                Some(o) if h.keep.can_exceed(&o.keep) => {
                    let text = format!("{c} must now be kept {text_now} (before: {}).", o.keep);
                    found.add(K::HoldLonger, path.clone(), text, vec![c.clone()]);
                }
                Some(o) if o.keep != h.keep || o.from != h.from => {
                    let text = format!("{c} is now held only {text_now}.");
                    found.add(K::HoldNarrowed, path.clone(), text, vec![]);
                }
                Some(_) => {}
            }
        }
        for o in was.iter().filter(|o| !now.iter().any(|h| h.law == o.law)) {
            let text = format!("{c} is no longer held under {}.", o.law);
            found.add(K::HoldNarrowed, path.clone(), text, vec![]);
        }
    }
}

/// Every category named by either version, in the order of the new one.
fn categories_of(old: &Policy, new: &Policy) -> Vec<CategoryId> {
    let mut out: Vec<CategoryId> = new.categories.iter().map(|c| c.id.clone()).collect();
    for c in &old.categories {
        if !out.contains(&c.id) {
            out.push(c.id.clone());
        }
    }
    out
}
