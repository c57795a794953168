//! The steps every report shares: authorizing it against the reporting
//! purpose, paging through subjects with the purpose check for each, and
//! recording whom it used. See `ops/reports.rs` for why each subject gets
//! its own audit entry.

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::{EngineError, ErrorKind};
use crate::ids::{SubjectId, TenantId};
use crate::lawful::{self, SubjectState};
use crate::ops::records::{open_records, unwrap_key};
use crate::principal::{Act, Principal};
use crate::reports::{self, AUDIT_BATCH, Counted, ReportQuery, SUBJECT_PAGE};
use crate::store::{Change, RecordFilter};
use std::sync::Arc;
use tutela_policy::{CategoryId, Policy, PurposeId, RecipientId};

impl Engine {
    /// Authorizes a report and checks its purpose against the current
    /// policy; a refusal by the policy goes on the chain as `report.make`.
    pub(super) async fn report_policy(
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
    pub(super) async fn walk(
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
        let Some(mut view) = self.subject_view(tenant, subject, filter).await? else {
            return Ok(None);
        };
        if view.subject.erased_at.is_some() {
            return Ok(None);
        }
        let now = self.clock.now();
        // A record past its retention period counts in no report, as no
        // read returns it.
        self.drop_due(tenant, policy, &mut view, now).await?;
        let state = SubjectState::of(&view);
        match lawful::may_use(policy, &state, purpose, categories, now) {
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
    pub(super) async fn record_use(
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
