//! When one record falls due, and under which rule.

use super::Anchors;
use jiff::{SignedDuration, Timestamp};
use tutela_policy::{Anchor, CategoryId, Disposal, Policy};

/// How finely last activity is known. A read refreshes the stored mark only
/// when it is older than this, so the true last activity lies within this
/// much after the mark; periods counted from it start at the mark plus this
/// much, so they never end before the law-abiding date, at worst a day late.
pub const ACTIVITY_GRANULARITY: SignedDuration = SignedDuration::from_hours(24);

/// The retention decision for one record: the rule that ends its storage
/// first, when, and what then happens to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The rule's position in `policy.retention`.
    pub rule: usize,
    /// When the record falls due.
    pub at: Timestamp,
    /// Deleted or anonymised.
    pub then: Disposal,
}

/// When `anchor` happened for a record collected at `collected`, or `None`
/// if it has not (no uninstall yet, not on that plan): such a rule does not
/// apply yet. Never earlier than `collected`.
///
/// - `collected`: the collection.
/// - `last_activity`: the mark plus [`ACTIVITY_GRANULARITY`]; a subject with
///   no mark yet counts from the collection.
/// - `event:<name>`: the first such event (the subject's or the tenant's)
///   at or after the collection.
/// - `plan:<name>`: while the subject's current plan is that one, the move
///   to it (or the collection, if later). A subject who left the plan is no
///   longer under its rule.
pub fn anchor_time(anchor: &Anchor, collected: Timestamp, anchors: &Anchors) -> Option<Timestamp> {
    match anchor {
        Anchor::Collected => Some(collected),
        Anchor::LastActivity => {
            let marked = anchors
                .last_activity
                .map(|t| t.saturating_add(ACTIVITY_GRANULARITY).unwrap_or(t));
            Some(marked.map_or(collected, |t| t.max(collected)))
        }
        Anchor::Event(name) => anchors
            .events
            .iter()
            .filter(|e| &e.name == name && e.at >= collected)
            .map(|e| e.at)
            .min(),
        Anchor::Plan(name) => anchors
            .current_plan()
            .filter(|p| &p.plan == name)
            .map(|p| p.since.max(collected)),
    }
}

/// The first due date of a record of `category` collected at `collected`:
/// of the rules covering the category whose anchor has happened, the one
/// ending first (the first in policy order on a tie). `None` when no rule
/// applies yet. A period too long for the calendar never ends.
pub fn due(
    policy: &Policy,
    category: &CategoryId,
    collected: Timestamp,
    anchors: &Anchors,
) -> Option<Due> {
    let mut best: Option<Due> = None;
    for (i, rule) in policy.retention.iter().enumerate() {
        if !rule.categories.contains(category) {
            continue;
        }
        let Some(from) = anchor_time(&rule.from, collected, anchors) else {
            continue;
        };
        let Ok(at) = rule.keep.after(from) else {
            continue;
        };
        if best.is_none_or(|b| at < b.at) {
            best = Some(Due {
                rule: i,
                at,
                then: rule.then,
            });
        }
    }
    best
}

/// Slack added to the candidate cutoff: a calendar period's length varies
/// with its start (a month is 28 to 31 days, a year 365 or 366), so the
/// shortest rule, compared from one day, may be a few days shorter from
/// another. A week covers every such difference.
const CUTOFF_SLACK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A conservative cutoff for the store's candidate query: no record
/// collected after it can be due at `now` under any rule (every anchor lies
/// at or after the collection, see [`super`]), so candidates are the records
/// with `collected_at <= cutoff`. `None` when the policy has no retention
/// rule. The pure [`due`] then decides exactly.
pub fn candidate_cutoff(policy: &Policy, now: Timestamp) -> Option<Timestamp> {
    let shortest = policy
        .retention
        .iter()
        .map(|r| r.keep)
        .min_by_key(|k| k.after(Timestamp::UNIX_EPOCH).unwrap_or(Timestamp::MAX))?;
    let back = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_sub(shortest.to_jiff())
        .map_or(Timestamp::MIN, |z| z.timestamp());
    let slack = back.saturating_add(CUTOFF_SLACK).unwrap_or(back);
    Some(slack.min(now))
}
