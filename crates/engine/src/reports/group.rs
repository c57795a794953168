//! Grouping counted subjects: per-group totals for the identified report,
//! and the two tables of the anonymised export (by group, by month).

use super::suppress::Group;
use super::tally::Counted;
use crate::ids::SubjectId;
use serde::Serialize;
use std::collections::BTreeMap;

/// One group's total in the identified totals report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupTotal {
    /// The group value; `None` for subjects with no value of the
    /// `group_by` category.
    pub group: Option<String>,
    /// How many subjects are in it.
    pub subjects: u64,
    /// How many records of the counted category they hold.
    pub count: u64,
}

/// Totals per group, ordered by group value (no value first).
pub fn totals(counted: &[Counted]) -> Vec<GroupTotal> {
    by_group(counted)
        .into_iter()
        .map(|g| GroupTotal {
            group: g.key,
            subjects: g.members.len() as u64,
            count: g.records,
        })
        .collect()
}

/// The subjects by group value, for suppression; no value first, then by value.
pub fn by_group(counted: &[Counted]) -> Vec<Group<Option<String>, SubjectId>> {
    let mut groups: BTreeMap<Option<String>, Group<Option<String>, SubjectId>> = BTreeMap::new();
    for c in counted {
        let g = groups.entry(c.group.clone()).or_insert_with(|| Group {
            key: c.group.clone(),
            members: Default::default(),
            records: 0,
        });
        g.members.insert(c.subject);
        g.records += c.count;
    }
    groups.into_values().collect()
}

/// The subjects by collection month of their records, for suppression: a
/// subject is a member of every month it has a record in, so months share
/// members and suppression counts them as sets.
pub fn by_period(counted: &[Counted]) -> Vec<Group<String, SubjectId>> {
    let mut groups: BTreeMap<String, Group<String, SubjectId>> = BTreeMap::new();
    for c in counted {
        for (month, n) in &c.periods {
            let g = groups.entry(month.clone()).or_insert_with(|| Group {
                key: month.clone(),
                members: Default::default(),
                records: 0,
            });
            g.members.insert(c.subject);
            g.records += n;
        }
    }
    groups.into_values().collect()
}
