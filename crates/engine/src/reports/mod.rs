//! Reports over identified data for a reporting purpose (counts per
//! subject, rankings, per-group totals) and their anonymised export.
//! Pure: which purpose may report on what, what a subject adds, how ranks
//! and groups are formed, and which small groups are withheld. The I/O
//! (paging through subjects, the purpose check per subject, the audit)
//! is `ops/reports.rs`.
//!
//! Every subject in a report passed the purpose check for the reporting
//! purpose at the report's instant: a subject who objected (Art. 21),
//! withdrew consent (Art. 7(3)), is restricted (Art. 18) or erased
//! (Art. 17) is in no report, and ranks and totals are computed without
//! them.

mod error;
mod export;
mod group;
mod rank;
mod suppress;
mod tally;

pub use error::ReportError;
pub use export::{ExportTables, HEADER, render, tables};
pub use group::{GroupTotal, by_group, by_period, totals};
pub use rank::{Ranked, rank};
pub use suppress::{Cell, Group, Table, Withheld, suppress};
pub use tally::{Counted, group_record, tally};

use crate::error::EngineError;
use crate::lawful;
use tutela_policy::{CategoryId, Policy, Purpose, PurposeId};

/// Most lines a counts page or a ranking returns.
pub const MAX_REPORT_LINES: u32 = 1_000;

/// Subjects read from the store per page while a report is made.
pub const SUBJECT_PAGE: u32 = 500;

/// Audit entries committed together while a report records whom it used.
pub const AUDIT_BATCH: usize = 500;

/// What a report counts: records of `category`, optionally grouped by the
/// value of `group_by` (a team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// The category whose records are counted.
    pub category: CategoryId,
    /// The category whose value groups subjects, if any.
    pub group_by: Option<CategoryId>,
}

impl ReportQuery {
    /// The categories a subject's view must hold: the counted one, then
    /// the grouping one.
    pub fn categories(&self) -> Vec<CategoryId> {
        let mut out = vec![self.category.clone()];
        out.extend(self.group_by.iter().cloned());
        out
    }

    /// The query as the audit chain names it: category names only.
    pub fn detail(&self) -> String {
        match &self.group_by {
            Some(g) => format!("category={} group_by={g}", self.category),
            None => format!("category={}", self.category),
        }
    }
}

/// The purpose a report is made for: declared, declared as reporting, and
/// covering every category the query reads; `group_by` must name another
/// category than the one counted.
pub fn reporting_purpose<'p>(
    policy: &'p Policy,
    purpose: &PurposeId,
    query: &ReportQuery,
) -> Result<&'p Purpose, EngineError> {
    if query.group_by.as_ref() == Some(&query.category) {
        return Err(ReportError::GroupBySelf.into());
    }
    for c in query.categories() {
        if policy.category(&c).is_none() {
            return Err(EngineError::CategoryNotDeclared(c.to_string()));
        }
    }
    let declared = lawful::declared_purpose(policy, purpose)?;
    if !declared.reporting {
        return Err(ReportError::NotReporting(purpose.to_string()).into());
    }
    lawful::covers_all(declared, &query.categories())?;
    Ok(declared)
}

/// The grouping of an anonymised export (Recital 26): never by an
/// identifier, whose every value is one person's.
pub fn export_grouping(policy: &Policy, query: &ReportQuery) -> Result<(), EngineError> {
    match &query.group_by {
        Some(g) if policy.category(g).is_some_and(|c| c.identifier) => {
            Err(ReportError::GroupByIdentifier(g.to_string()).into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
