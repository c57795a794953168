//! What a sweep will remove in the coming days, and the collection month
//! anonymised records are counted under. Counts only, never a value.

use super::{Anchors, due};
use crate::store::RecordRow;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use tutela_policy::{CategoryId, Disposal, Policy};

/// One line of a forecast: how many records of a category one rule
/// removes on one day (UTC). Days already past are reported as today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastLine {
    /// The day the records fall due (or today, for overdue ones).
    pub date: Date,
    /// Their category.
    pub category: CategoryId,
    /// The rule's position in the policy's `[[retention]]` list, from 0.
    pub rule: usize,
    /// What happens to them.
    pub then: Disposal,
    /// How many records.
    pub count: u64,
}

/// The forecast lines of one subject's records due by `until`, merged
/// into `into` by (date, category, rule): call once per subject, then take
/// the values in order.
pub fn forecast(
    policy: &Policy,
    records: &[RecordRow],
    anchors: &Anchors,
    now: Timestamp,
    until: Timestamp,
    into: &mut BTreeMap<(Date, CategoryId, usize), ForecastLine>,
) {
    let today = day_of(now);
    for record in records {
        let Some(d) = due(policy, &record.category, record.collected_at, anchors) else {
            continue;
        };
        if d.at > until {
            continue;
        }
        let date = day_of(d.at).max(today);
        let key = (date, record.category.clone(), d.rule);
        into.entry(key)
            .or_insert_with(|| ForecastLine {
                date,
                category: record.category.clone(),
                rule: d.rule,
                then: d.then,
                count: 0,
            })
            .count += 1;
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
