//! What one subject's sweep does: which records are due now, and whether
//! nothing would be left, in which case the whole subject is erased.

use super::{Anchors, Due, due};
use crate::store::RecordRow;
use jiff::Timestamp;
use tutela_policy::Policy;

/// The sweep of one subject at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectSweep<'r> {
    /// The records due, each with its decision, oldest first as given.
    pub due: Vec<(&'r RecordRow, Due)>,
    /// True when every record of the subject is due: the subject is erased
    /// as an erasure does (key destroyed, statutory holds respected),
    /// rather than left as an empty shell.
    pub whole_subject: bool,
}

impl SubjectSweep<'_> {
    /// Nothing to do for this subject.
    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }
}

/// Decides a subject's sweep at `now` from all its records: a record is due
/// when its first rule's period has ended (`due.at <= now`).
pub fn plan_subject<'r>(
    policy: &Policy,
    records: &'r [RecordRow],
    anchors: &Anchors,
    now: Timestamp,
) -> SubjectSweep<'r> {
    let due: Vec<(&RecordRow, Due)> = records
        .iter()
        .filter_map(|r| {
            due(policy, &r.category, r.collected_at, anchors)
                .filter(|d| d.at <= now)
                .map(|d| (r, d))
        })
        .collect();
    let whole_subject = !due.is_empty() && due.len() == records.len();
    SubjectSweep { due, whole_subject }
}
