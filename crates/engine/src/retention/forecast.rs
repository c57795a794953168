//! What a sweep will do in the coming days, and the collection month
//! anonymised records are counted under. Counts only, never a value.
//!
//! A forecast says what the sweep will really do, not only which rule
//! fires: a due record a statutory hold still covers moves under the hold
//! (Art. 17(3)(b)) instead of going, and a restricted subject's due
//! records stay where they are until the restriction is lifted (Art.
//! 18(2): restricted data may only be stored).

use super::{Anchors, due};
use crate::holds::plan_holds;
use crate::store::RecordRow;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use tutela_policy::{CategoryId, Disposal, Policy};

/// What a sweep does with a due record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    /// Deleted (crypto-shredded).
    Delete,
    /// Folded into aggregate counts, then deleted.
    Anonymise,
    /// Moved under the statutory hold that still covers its category, kept
    /// only for the hold's legal purpose until the hold ends.
    Hold,
}

impl Fate {
    /// The fate a rule's disposal gives, when no hold intervenes.
    fn of(then: Disposal) -> Self {
        match then {
            Disposal::Delete => Fate::Delete,
            Disposal::Anonymise => Fate::Anonymise,
        }
    }
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fate::Delete => "delete",
            Fate::Anonymise => "anonymise",
            Fate::Hold => "hold",
        })
    }
}

/// One line of a forecast: how many records of a category one rule makes
/// due on one day (UTC), and what happens to them. Days already past are
/// reported as today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastLine {
    /// The day the records fall due (or today, for overdue ones).
    pub date: Date,
    /// Their category.
    pub category: CategoryId,
    /// The rule's position in the policy's `[[retention]]` list, from 0.
    pub rule: usize,
    /// What happens to them.
    pub then: Fate,
    /// How many records.
    pub count: u64,
}

/// A forecast being counted, one subject at a time.
#[derive(Debug, Default)]
pub struct ForecastTally {
    /// By (day, category, rule, fate).
    lines: BTreeMap<(Date, CategoryId, usize, Fate), ForecastLine>,
    /// Due records of restricted subjects, by category: the sweep leaves
    /// them until the restriction is lifted.
    restricted: BTreeMap<CategoryId, u64>,
}

impl ForecastTally {
    /// Counts one subject's records due by `until`. `restricted` says the
    /// subject's processing is restricted (Art. 18): its due records are
    /// counted as kept, not as going.
    pub fn add_subject(
        &mut self,
        policy: &Policy,
        records: &[RecordRow],
        anchors: &Anchors,
        restricted: bool,
        now: Timestamp,
        until: Timestamp,
    ) {
        let today = day_of(now);
        for record in records {
            let Some(d) = due(policy, &record.category, record.collected_at, anchors) else {
                continue;
            };
            if d.at > until {
                continue;
            }
            if restricted {
                *self.restricted.entry(record.category.clone()).or_insert(0) += 1;
                continue;
            }
            // The sweep acts when it first runs after the due time.
            let acts_at = d.at.max(now);
            let held = !plan_holds(policy, std::slice::from_ref(record), acts_at).is_empty();
            let then = if held { Fate::Hold } else { Fate::of(d.then) };
            let date = day_of(d.at).max(today);
            let key = (date, record.category.clone(), d.rule, then);
            self.lines
                .entry(key)
                .or_insert_with(|| ForecastLine {
                    date,
                    category: record.category.clone(),
                    rule: d.rule,
                    then,
                    count: 0,
                })
                .count += 1;
        }
    }

    /// The lines in order of day, category, rule and fate, and the
    /// restricted subjects' due records by category.
    pub fn finish(self) -> (Vec<ForecastLine>, BTreeMap<CategoryId, u64>) {
        (self.lines.into_values().collect(), self.restricted)
    }
}

fn day_of(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

/// The period an anonymised record is counted under: its collection
/// month in UTC (`2026-03`). Coarse on purpose (Recital 26).
pub fn month_of(collected: Timestamp) -> String {
    let d = day_of(collected);
    format!("{:04}-{:02}", d.year(), d.month())
}
