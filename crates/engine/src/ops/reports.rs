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

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::{EngineError, ErrorKind};
use crate::ids::{SubjectId, TenantId};
use crate::lawful::{self, SubjectState};
use crate::ops::records::{open_records, unwrap_key};
use crate::principal::{Act, Principal};
use crate::reports::{
    self, AUDIT_BATCH, Counted, GroupTotal, MAX_REPORT_LINES, Ranked, ReportError, ReportQuery,
    SUBJECT_PAGE,
};
use crate::store::{Change, RecordFilter};
use serde::Serialize;
use std::sync::Arc;
use tutela_policy::{CategoryId, Policy, PurposeId, RecipientId};

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
                Ok(())
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

    /// Authorizes a report and checks its purpose against the current
    /// policy; a refusal by the policy goes on the chain as `report.make`.
    async fn report_policy(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        query: &ReportQuery,
    ) -> Result<Arc<Policy>, EngineError> {
        self.authorize(
            who,
            Act::ReadForPurpose,
            Action::ReportMake,
            Some(purpose),
            None,
        )
        .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        if let Err(e) = reports::reporting_purpose(&policy, purpose, query) {
            return Err(self
                .refuse(
                    who,
                    Action::ReportMake,
                    Some(purpose.as_str()),
                    None,
                    query.detail(),
                    e,
                )
                .await);
        }
        Ok(policy)
    }

    /// Pages through the subjects holding `query.category` after `after`
    /// and keeps those the purpose may use now, up to `want` of them (all
    /// with `None`). Returns them and whether the walk reached the end.
    async fn walk(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        purpose: &PurposeId,
        query: &ReportQuery,
        after: Option<SubjectId>,
        want: Option<usize>,
    ) -> Result<(Vec<Counted>, bool), EngineError> {
        let categories = query.categories();
        let mut cursor = after;
        let mut out = Vec::new();
        loop {
            let page = self
                .store
                .report_subjects(tenant, &query.category, cursor, SUBJECT_PAGE)
                .await?;
            let full = page.len() == SUBJECT_PAGE as usize;
            for subject in page {
                cursor = Some(subject);
                let used = self
                    .counted(tenant, policy, purpose, query, &categories, subject)
                    .await?;
                out.extend(used);
                if want.is_some_and(|w| out.len() >= w) {
                    return Ok((out, false));
                }
            }
            if !full {
                return Ok((out, true));
            }
        }
    }

    /// One subject as the report counts it, or `None` when the purpose may
    /// not use its data now (erased, restricted, objected, no live
    /// consent). The group value is decrypted only after the check passed.
    async fn counted(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        purpose: &PurposeId,
        query: &ReportQuery,
        categories: &[CategoryId],
        subject: SubjectId,
    ) -> Result<Option<Counted>, EngineError> {
        let filter = RecordFilter::Categories(categories);
        let Some(view) = self.store.subject_view(tenant, subject, filter).await? else {
            return Ok(None);
        };
        if view.subject.erased_at.is_some() {
            return Ok(None);
        }
        let state = SubjectState {
            restricted: view.subject.restricted,
            consents: &view.consents,
            objections: &view.objections,
        };
        match lawful::may_use(policy, &state, purpose, categories, self.clock.now()) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Denied => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut counted = reports::tally(subject, &view.records, &query.category);
        if counted.count == 0 {
            return Ok(None);
        }
        let held = query
            .group_by
            .as_ref()
            .and_then(|g| reports::group_record(&view.records, g));
        if let Some(record) = held {
            let key = unwrap_key(&self.master, tenant, &view)?;
            let plain = open_records(&key, tenant, std::slice::from_ref(record))?;
            counted.group = plain.into_iter().next().map(|p| p.value);
        }
        Ok(Some(counted))
    }

    /// Commits one `report.use` entry per included subject, in batches,
    /// then the report's own entry: `report.make`, or `report.export` to
    /// the recipient with its summary.
    async fn record_use(
        &self,
        who: &Principal,
        purpose: &PurposeId,
        kind: &str,
        query: &ReportQuery,
        included: &[Counted],
        export: Option<(&RecipientId, String)>,
    ) -> Result<(), EngineError> {
        let mut used = format!("report={kind} {}", query.detail());
        if let Some((recipient, _)) = &export {
            used.push_str(&format!(" recipient={recipient}"));
        }
        for batch in included.chunks(AUDIT_BATCH) {
            let events = batch
                .iter()
                .map(|c| {
                    self.event(
                        who,
                        Action::ReportUse,
                        Some(purpose.as_str()),
                        Some(c.subject),
                        used.clone(),
                        Outcome::Allowed,
                    )
                })
                .collect();
            self.commit(&who.tenant, Change::audit_only(events)).await?;
        }
        let (action, detail) = match export {
            Some((_, summary)) => (Action::ReportExport, summary),
            None => (
                Action::ReportMake,
                format!("{used} subjects={}", included.len()),
            ),
        };
        let event = self.event(
            who,
            action,
            Some(purpose.as_str()),
            None,
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(())
    }
}
