//! What the store's request listing takes: a filter and a keyset cursor.

use super::kind::KindTag;
use super::state::RequestState;
use crate::ids::{RequestId, SubjectId};
use jiff::Timestamp;

/// Which requests `Store::requests` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestFilter {
    /// Only requests in this state.
    pub state: Option<RequestState>,
    /// Only open requests whose effective due date is before this instant
    /// (pass now to list the overdue ones).
    pub due_before: Option<Timestamp>,
    /// Only one subject's requests: to see what a person asked before
    /// (a repeated request, Art. 12(5)). Served by the index on the
    /// subject, so the work follows that subject's requests.
    pub subject: Option<SubjectId>,
    /// Only requests of this kind.
    pub kind: Option<KindTag>,
}

/// Where a page of `Store::requests` starts: after this (effective due
/// date, id), the order of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCursor {
    /// The last listed request's effective due date.
    pub due: Timestamp,
    /// Its id.
    pub id: RequestId,
}
