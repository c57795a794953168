//! Last-activity marks, cheaply: a read already commits an audit entry, and
//! the mark is added to that commit only when this engine has not marked
//! the subject within [`ACTIVITY_GRANULARITY`] (a day). So a subject read a
//! thousand times a day costs one extra write a day per server, not one
//! per read; the store's upsert only moves a mark forward. Retention rules
//! counted from last activity add the granularity, so they never fire
//! early (see `retention::anchor_time`).

use crate::ids::{SubjectId, TenantId};
use crate::retention::ACTIVITY_GRANULARITY;
use crate::store::Write;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many subjects' marks an engine remembers; past it the memory is
/// dropped whole and marks are written again (once per subject).
pub const ACTIVITY_MEMORY: usize = 100_000;

/// When this engine last put each subject's mark into a commit.
#[derive(Debug, Default)]
pub struct ActivityMarks {
    marked: Mutex<HashMap<(TenantId, SubjectId), Timestamp>>,
}

impl ActivityMarks {
    /// The write marking `subject` active at `now`, if its mark is due:
    /// never marked by this engine, or marked a day or more ago.
    pub fn touch(&self, tenant: &TenantId, subject: SubjectId, now: Timestamp) -> Option<Write> {
        let mut marked = self.marked.lock().unwrap_or_else(|p| p.into_inner());
        let key = (tenant.clone(), subject);
        let fresh = marked.get(&key).is_some_and(|at| {
            at.saturating_add(ACTIVITY_GRANULARITY).unwrap_or(*at) > now && *at <= now
        });
        if fresh {
            return None;
        }
        if marked.len() >= ACTIVITY_MEMORY {
            marked.clear();
        }
        marked.insert(key, now);
        Some(Write::TouchActivity { subject, at: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn a_subject_is_marked_at_most_once_a_day() {
        let marks = ActivityMarks::default();
        let tenant = TenantId::parse("acme").unwrap();
        let s = SubjectId::new();
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert!(marks.touch(&tenant, s, t0).is_some());
        let later = t0.saturating_add(SignedDuration::from_hours(23)).unwrap();
        assert!(marks.touch(&tenant, s, later).is_none());
        let next_day = t0.saturating_add(SignedDuration::from_hours(24)).unwrap();
        assert!(marks.touch(&tenant, s, next_day).is_some());
        assert!(marks.touch(&tenant, SubjectId::new(), later).is_some());
    }
}
