//! What one subject's sweep does: which records are due now, and whether
//! nothing would be left, in which case the whole subject is erased.

use super::{Anchors, Due, Stamped, due};
use crate::store::RecordRow;
use jiff::Timestamp;
use tutela_policy::Policy;

/// The sweep of one subject at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectSweep<'r, R = RecordRow> {
    /// The records due, each with its decision, oldest first as given.
    pub due: Vec<(&'r R, Due)>,
    /// True when every record of the subject is due: the subject is erased
    /// as an erasure does (key destroyed, statutory holds respected),
    /// rather than left as an empty shell.
    pub whole_subject: bool,
}

impl<R> SubjectSweep<'_, R> {
    /// Nothing to do for this subject.
    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }
}

/// Decides a subject's sweep at `now` from all its records: a record is due
/// when its first rule's period has ended (`due.at <= now`). The records
/// may be whole rows or stamps: the decision reads only category and
/// collection time.
pub fn plan_subject<'r, R: Stamped>(
    policy: &Policy,
    records: &'r [R],
    anchors: &Anchors,
    now: Timestamp,
) -> SubjectSweep<'r, R> {
    let due: Vec<(&R, Due)> = records
        .iter()
        .filter_map(|r| {
            due(policy, r.category(), r.collected_at(), anchors)
                .filter(|d| d.at <= now)
                .map(|d| (r, d))
        })
        .collect();
    let whole_subject = !due.is_empty() && due.len() == records.len();
    SubjectSweep { due, whole_subject }
}
