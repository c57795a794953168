//! The subject's access answer (Art. 15) and portability export (Art. 20):
//! load everything about the subject in one view, decrypt it for this
//! answer only, read the subject's own entries on the audit chain through
//! the store's per-subject index, and hand it all to the pure builders in
//! `answer/`. Both acts are on the chain.

use super::records::{open_records, unwrap_key};
use crate::answer::{self, AccessAnswer, AnswerInput, PortableData, SurveyNote};
use crate::audit::{Action, AuditEntry, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::principal::{Act, Principal};
use crate::store::{AuditCursor, Change, RecordFilter};
use crate::survey::{MAX_MEMBERSHIPS_LISTED, RawSurvey};
use std::collections::HashMap;

/// Most audit entries one access answer reads about its subject. The log
/// grows with what was done to this subject, never with the store; past
/// this bound the answer says its log is incomplete.
pub const MAX_ACCESS_LOG: usize = 10_000;

/// Entries per page of the subject's log.
const LOG_PAGE: u32 = 1_000;

impl Engine {
    /// Everything the subject is entitled to under Art. 15: the data held
    /// (decrypted only for this answer), and per category the purposes,
    /// bases, recipients, retention, holds and sources; the rights, the
    /// contacts and the authority; automated decisions; the consent ledger
    /// and objections; and the subject's own access log. Readable even
    /// under restriction, since it is the subject asking. What a statutory
    /// hold keeps is listed with its law and end date: after erasure, all
    /// that is left; for a live subject, the records a retention sweep
    /// moved under a hold (Art. 15(1), 17(3)(b)). Audited as
    /// `subject.access`.
    pub async fn access_answer(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<AccessAnswer, EngineError> {
        self.authorize(
            who,
            Act::SubjectAccess,
            Action::SubjectAccess,
            None,
            Some(subject),
        )
        .await?;
        let view = self
            .subject_view(&who.tenant, subject, RecordFilter::All)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let (records, held) = self.subject_records(&who.tenant, &view).await?;
        let (log, log_complete) = self.subject_log(&who.tenant, subject).await?;
        let key_labels = self.key_labels(&who.tenant).await?;
        let anchors = self.store.subject_anchors(&who.tenant, subject).await?;
        let (surveys, surveys_complete) = self.subject_surveys(&who.tenant, subject).await?;
        let count = records.len();
        let answer = answer::access_answer(AnswerInput {
            policy: &policy,
            policy_version: view.policy_version,
            subject: &view.subject,
            records,
            held,
            consents: &view.consents,
            objections: &view.objections,
            log: &log,
            log_complete,
            key_labels: &key_labels,
            anchors: &anchors,
            surveys,
            surveys_complete,
            now: self.clock.now(),
        });
        let detail = format!("count={count} log={}", answer.access_log.len());
        let event = self.event(
            who,
            Action::SubjectAccess,
            None,
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(answer)
    }

    /// The data the subject provided under consent or contract, for
    /// portability (Art. 20(1)(a)); audited as `subject.export`.
    pub async fn portable_data(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<PortableData, EngineError> {
        self.authorize(
            who,
            Act::SubjectAccess,
            Action::SubjectExport,
            None,
            Some(subject),
        )
        .await?;
        let mut view = self.live_subject(who, subject, RecordFilter::All).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        // Data past its retention period is handed to no one, the person's
        // new provider (a transfer) included.
        self.drop_due(&who.tenant, &policy, &mut view, self.clock.now())
            .await?;
        let key = unwrap_key(&self.master, &who.tenant, &view)?;
        let records = open_records(&key, &who.tenant, &view.records)?;
        let data = answer::portable(&policy, subject, records, self.clock.now());
        let detail = format!("count={}", data.records.len());
        let event = self.event(
            who,
            Action::SubjectExport,
            None,
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(data)
    }

    /// The subject's entries on the chain, oldest first, at most
    /// [`MAX_ACCESS_LOG`], and whether that is all of them.
    async fn subject_log(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<(Vec<AuditEntry>, bool), EngineError> {
        let mut log: Vec<AuditEntry> = Vec::new();
        let mut after = None;
        loop {
            let left = MAX_ACCESS_LOG.saturating_sub(log.len());
            if left == 0 {
                let more = self
                    .store
                    .audit_for_subject(tenant, subject, after, 1)
                    .await?;
                return Ok((log, more.is_empty()));
            }
            let limit = u32::try_from(left).unwrap_or(LOG_PAGE).min(LOG_PAGE);
            let page = self
                .store
                .audit_for_subject(tenant, subject, after, limit)
                .await?;
            let last_page = page.len() < limit as usize;
            after = page.last().map(AuditCursor::after).or(after);
            log.extend(page);
            if last_page {
                return Ok((log, true));
            }
        }
    }

    /// The surveys the subject is a member of, newest first, at most
    /// [`MAX_MEMBERSHIPS_LISTED`], and whether that is all of them; each
    /// named by its title and the member's team.
    async fn subject_surveys(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
    ) -> Result<(Vec<SurveyNote>, bool), EngineError> {
        let mut rows = self
            .store
            .subject_memberships(tenant, subject, MAX_MEMBERSHIPS_LISTED + 1)
            .await?;
        let complete = rows.len() <= MAX_MEMBERSHIPS_LISTED as usize;
        rows.truncate(MAX_MEMBERSHIPS_LISTED as usize);
        let mut notes = Vec::with_capacity(rows.len());
        for m in rows {
            let Some(survey) = self.store.survey(tenant, m.survey).await? else {
                continue;
            };
            let raw: RawSurvey =
                serde_json::from_str(&survey.definition).map_err(|_| EngineError::Unreadable)?;
            let team = raw
                .teams
                .iter()
                .find(|t| t.key == m.team.as_str())
                .map_or_else(|| m.team.as_str().to_owned(), |t| t.name.clone());
            notes.push(SurveyNote {
                survey: m.survey.to_string(),
                title: raw.title,
                team,
                state: survey.state.as_str().to_owned(),
                token_issued: m.issued,
            });
        }
        Ok((notes, complete))
    }

    /// The tenant's API key labels by key id, to name who acted.
    async fn key_labels(&self, tenant: &TenantId) -> Result<HashMap<String, String>, EngineError> {
        let keys = self.store.api_keys(tenant).await?;
        Ok(keys
            .into_iter()
            .map(|k| (k.id.to_string(), k.label))
            .collect())
    }
}
