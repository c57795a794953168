//! What one subject adds to a report: how many records of the counted
//! category it holds, in which collection months, and which record holds
//! its group value. Pure: it sees the subject's loaded records only.

use crate::ids::SubjectId;
use crate::retention::month_of;
use crate::store::RecordRow;
use std::collections::BTreeMap;
use tutela_policy::CategoryId;

/// One subject that passed the purpose check, as a report counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// Its records of the counted category.
    pub count: u64,
    /// Those records by collection month (`YYYY-MM`, UTC).
    pub periods: BTreeMap<String, u64>,
    /// Its group value (the latest record of the `group_by` category),
    /// when the report groups and the subject has one.
    pub group: Option<String>,
}

/// The count and months of `category` among `records`.
pub fn tally(subject: SubjectId, records: &[RecordRow], category: &CategoryId) -> Counted {
    let mut periods = BTreeMap::new();
    let mut count = 0;
    for r in records.iter().filter(|r| &r.category == category) {
        count += 1;
        *periods.entry(month_of(r.collected_at)).or_insert(0) += 1;
    }
    Counted {
        subject,
        count,
        periods,
        group: None,
    }
}

/// The record holding the subject's group value: its latest record of
/// `group_by` (a later record replaces an earlier value, as a move to
/// another team does), ties broken by record id.
pub fn group_record<'r>(records: &'r [RecordRow], group_by: &CategoryId) -> Option<&'r RecordRow> {
    records
        .iter()
        .filter(|r| &r.category == group_by)
        .max_by_key(|r| (r.collected_at, r.id))
}
