//! Retention (Art. 5(1)(e) storage limitation): when each stored record
//! falls due under the policy's `[[retention]]` rules, as pure functions of
//! the policy, the record, what its rules count from (collection, the
//! subject's last activity, lifecycle events, plan changes) and a time. No
//! I/O here: `ops/retention.rs` loads, seals and commits.
//!
//! Every anchor is counted from no earlier than the record's collection: an
//! event or plan change before a record existed does not start its period
//! (a record collected after an uninstall is not "install data at
//! uninstall"). So a record is never due before `collected_at + keep`, and
//! the store can pick candidates by collection time alone.

mod due;
mod forecast;
mod stamp;
mod sweep;
#[cfg(test)]
mod tests;

pub use due::{ACTIVITY_GRANULARITY, Due, anchor_time, candidate_cutoff, due};
pub use forecast::{Fate, ForecastLine, ForecastTally, month_of};
pub use stamp::{RecordStamp, Stamped};
pub use sweep::{SubjectSweep, plan_subject};

use crate::ids::{EventId, SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::{EventName, PlanName};

/// A lifecycle event recorded for a tenant (`subject: None`, e.g.
/// `tenant.uninstalled`) or one subject (`account.closed`). Holds no
/// personal value: a declared name, a pseudonym and a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Whose event.
    pub tenant: TenantId,
    /// The event's id.
    pub id: EventId,
    /// The name, as a policy anchor declares it.
    pub name: EventName,
    /// The subject it happened to; `None` for the whole tenant.
    pub subject: Option<SubjectId>,
    /// When it happened (the engine's clock when it was recorded).
    pub at: Timestamp,
}

/// One entry of a subject's plan history: from `since` the subject's
/// account is on `plan`, until the next entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    /// Whose subject.
    pub tenant: TenantId,
    /// The subject.
    pub subject: SubjectId,
    /// The plan moved to.
    pub plan: PlanName,
    /// When the move happened.
    pub since: Timestamp,
}

/// What one subject's retention periods count from, loaded together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// The subject's own events and the tenant's, oldest first.
    pub events: Vec<EventRow>,
    /// The subject's plan history, oldest first.
    pub plans: Vec<PlanRow>,
    /// The stored last-activity mark, kept to the day (see
    /// [`ACTIVITY_GRANULARITY`]); `None` before the first mark.
    pub last_activity: Option<Timestamp>,
}

impl Anchors {
    /// The plan the subject is on now, and since when.
    pub fn current_plan(&self) -> Option<&PlanRow> {
        self.plans.iter().max_by_key(|p| p.since)
    }
}
