//! Reports over identified data for a reporting purpose, and their
//! anonymised export. Subjects are read a page at a time
//! ([`Store::report_subjects`](crate::store::Store::report_subjects)), each
//! through the same purpose check a read runs (`lawful::may_use`): a
//! subject the purpose may not use right now is left out, silently, since
//! being left out is what their objection, withdrawal or restriction asks.
//!
//! Audit: every subject included gets its own `report.use` entry (naming
//! the purpose, the report and the categories, never a value), committed in
//! batches of [`AUDIT_BATCH`], so the access log of Art. 15 shows each use
//! of their data; one `report.make` (or `report.export`) entry without a
//! subject sums the report up in counts only. A single entry per report
//! could not be found from a subject's log without listing pseudonyms in
//! it, and would make the log incomplete.

use crate::audit::Action;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::principal::{Act, Principal};
use crate::reports::{self, GroupTotal, MAX_REPORT_LINES, Ranked, ReportError, ReportQuery};
use serde::Serialize;
use tutela_policy::{CategoryId, PurposeId, RecipientId};

/// One subject's count in a counts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectCount {
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// Its records of the counted category.
    pub count: u64,
}

/// A page of per-subject counts, by subject id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountsPage {
    /// The subjects included, at most the limit asked for.
    pub lines: Vec<SubjectCount>,
    /// Where the next page starts, if there may be more.
    pub next: Option<SubjectId>,
}

/// A ranking of the subjects included, highest count first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankingReport {
    /// The top lines, at most the limit asked for.
    pub lines: Vec<Ranked>,
    /// How many subjects were ranked in all.
    pub subjects: u64,
}

/// Totals per group value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TotalsReport {
    /// One line per group value, no value first.
    pub groups: Vec<GroupTotal>,
    /// How many subjects were included in all.
    pub subjects: u64,
    /// How many records they hold in all.
    pub count: u64,
}

/// An anonymised export, ready to hand to its recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnonymisedExport {
    /// The CSV (see [`reports::render`]).
    pub csv: String,
    /// How many cells were withheld.
    pub withheld: u64,
    /// The minimum group size applied.
    pub min_group_size: u32,
}

/// Refuses a line limit outside 1..=[`MAX_REPORT_LINES`].
fn check_limit(limit: u32) -> Result<usize, EngineError> {
    if (1..=MAX_REPORT_LINES).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(EngineError::InvalidInput {
            field: "limit".into(),
            message: format!("must be between 1 and {MAX_REPORT_LINES}"),
        })
    }
}

impl Engine {
    /// Per-subject counts of `category` for a reporting purpose, a page at
    /// a time by subject id, after `after`, at most `limit` lines.
    pub async fn report_counts(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        category: CategoryId,
        after: Option<SubjectId>,
        limit: u32,
    ) -> Result<CountsPage, EngineError> {
        let want = check_limit(limit)?;
        let query = ReportQuery {
            category,
            group_by: None,
        };
        let policy = self.report_policy(who, purpose, &query).await?;
        let (included, ended) = self
            .walk(&who.tenant, &policy, purpose, &query, after, Some(want))
            .await?;
        let next = if ended {
            None
        } else {
            included.last().map(|c| c.subject)
        };
        self.record_use(who, purpose, "counts", &query, &included, None)
            .await?;
        let lines = included
            .into_iter()
            .map(|c| SubjectCount {
                subject: c.subject,
                count: c.count,
            })
            .collect();
        Ok(CountsPage { lines, next })
    }

    /// Every included subject ranked by its count of `category`; the top
    /// `limit` lines are returned (see [`reports::rank`] for ties).
    pub async fn report_ranking(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        category: CategoryId,
        limit: u32,
    ) -> Result<RankingReport, EngineError> {
        let top = check_limit(limit)?;
        let query = ReportQuery {
            category,
            group_by: None,
        };
        let policy = self.report_policy(who, purpose, &query).await?;
        let (included, _) = self
            .walk(&who.tenant, &policy, purpose, &query, None, None)
            .await?;
        self.record_use(who, purpose, "ranking", &query, &included, None)
            .await?;
        let subjects = included.len() as u64;
        let lines = reports::rank(
            included.into_iter().map(|c| (c.subject, c.count)).collect(),
            top,
        );
        Ok(RankingReport { lines, subjects })
    }

    /// Totals of `query.category` per value of `query.group_by` (read
    /// through the purpose check like the count) over the included subjects.
    pub async fn report_totals(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        query: &ReportQuery,
    ) -> Result<TotalsReport, EngineError> {
        let policy = self.report_policy(who, purpose, query).await?;
        let (included, _) = self
            .walk(&who.tenant, &policy, purpose, query, None, None)
            .await?;
        self.record_use(who, purpose, "totals", query, &included, None)
            .await?;
        Ok(TotalsReport {
            groups: reports::totals(&included),
            subjects: included.len() as u64,
            count: included.iter().map(|c| c.count).sum(),
        })
    }

    /// The anonymised export of a reporting purpose for `recipient`, which
    /// the purpose must list in `export_to`; small groups are withheld by
    /// the policy's `anonymity.min_group_size`. Audited as a disclosure to
    /// the recipient (counts only), or as its refusal.
    pub async fn report_export(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        recipient: &RecipientId,
        query: &ReportQuery,
    ) -> Result<AnonymisedExport, EngineError> {
        let detail = format!("{} recipient={recipient}", query.detail());
        self.authorize(
            who,
            Act::Disclose,
            Action::ReportExport,
            Some(purpose),
            None,
        )
        .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        let checked = reports::reporting_purpose(&policy, purpose, query).and_then(|p| {
            if p.exports_to(recipient) {
                reports::export_grouping(&policy, query)
            } else {
                Err(ReportError::RecipientNotListed {
                    purpose: purpose.to_string(),
                    recipient: recipient.to_string(),
                }
                .into())
            }
        });
        if let Err(e) = checked {
            return Err(self
                .refuse(
                    who,
                    Action::ReportExport,
                    Some(purpose.as_str()),
                    None,
                    detail,
                    e,
                )
                .await);
        }
        let (included, _) = self
            .walk(&who.tenant, &policy, purpose, query, None, None)
            .await?;
        let min = policy.anonymity.min_group_size;
        let tables = reports::tables(&included, query.group_by.is_some(), min);
        let csv = reports::render(&query.category, &tables)?;
        let withheld = tables.withheld() as u64;
        let summary = format!(
            "{detail} subjects={} withheld={withheld} min_group_size={min}",
            included.len()
        );
        self.record_use(
            who,
            purpose,
            "export",
            query,
            &included,
            Some((recipient, summary)),
        )
        .await?;
        Ok(AnonymisedExport {
            csv,
            withheld,
            min_group_size: min,
        })
    }
}
