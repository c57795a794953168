//! Telling subjects of a pending policy version's material changes before
//! they apply (Art. 12(1), 13(3)). A subject is affected when it has stored
//! records in a category a material change touches (`Change::categories`:
//! the categories of a new or changed purpose, the category gained, kept
//! longer or held, those sent to a recipient that moved abroad; every
//! category for policy-wide profiling). Erased subjects are skipped.
//!
//! One call sends one page per category at most, each subject once per
//! version: who was told is recorded with the page's audit entry, so a run
//! stopped by a failing notifier resumes where it stopped and never sends
//! twice. Messages name the subject by pseudonym only.

use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{RequestId, SubjectId};
use crate::notify::{Message, MessageKind, PolicyNotice};
use crate::principal::{Act, Principal};
use crate::store::{Change, Write};
use tutela_policy::{CategoryId, diff};

/// The most subjects one page tells.
pub const MAX_NOTICES_PER_PAGE: u32 = 500;

/// Where a notice run stands after one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeProgress {
    /// The pending version announced (0: none pending, nothing to do).
    pub version: u32,
    /// Subjects told by this call.
    pub sent_now: u32,
    /// Subjects told of this version so far.
    pub sent_total: u64,
    /// True when no affected subject is left to tell.
    pub done: bool,
}

/// What to announce: the version, when, the sentences and the categories.
struct Announcement {
    notice: PolicyNotice,
    categories: Vec<CategoryId>,
    /// Where to ask about the change: the new version's controller.
    contact: String,
}

impl Engine {
    /// Tells up to `limit` (capped at [`MAX_NOTICES_PER_PAGE`]) more
    /// affected subjects of the pending version's material changes.
    pub async fn notify_policy_change(
        &self,
        who: &Principal,
        limit: u32,
    ) -> Result<NoticeProgress, EngineError> {
        self.authorize(who, Act::PublishPolicy, Action::PolicyNotify, None, None)
            .await?;
        let Some(plan) = self.announcement(who).await? else {
            return Ok(NoticeProgress {
                version: 0,
                sent_now: 0,
                sent_total: 0,
                done: true,
            });
        };
        let version = plan.notice.version;
        let limit = limit.clamp(1, MAX_NOTICES_PER_PAGE);
        let mut sent: Vec<SubjectId> = Vec::new();
        let mut failure = None;
        for category in &plan.categories {
            let room = limit.saturating_sub(u32::try_from(sent.len()).unwrap_or(u32::MAX));
            if room == 0 || failure.is_some() {
                break;
            }
            let page = self
                .store
                .notice_candidates(&who.tenant, version, category, room)
                .await?;
            for subject in page {
                if sent.contains(&subject) {
                    continue;
                }
                match self
                    .notifier
                    .send(&self.policy_message(who, subject, &plan))
                    .await
                {
                    Ok(()) => sent.push(subject),
                    Err(err) => {
                        failure = Some(err);
                        break;
                    }
                }
            }
        }
        self.record_notices(who, version, &sent).await?;
        if let Some(err) = failure {
            tracing::warn!(error = %err, "a policy notice was not delivered; the run can be resumed");
            return Err(EngineError::NoticeUndelivered);
        }
        let sent_total = self.store.notices_sent(&who.tenant, version).await?;
        let mut done = true;
        for category in &plan.categories {
            if !self
                .store
                .notice_candidates(&who.tenant, version, category, 1)
                .await?
                .is_empty()
            {
                done = false;
                break;
            }
        }
        let sent_now = u32::try_from(sent.len()).unwrap_or(u32::MAX);
        Ok(NoticeProgress {
            version,
            sent_now,
            sent_total,
            done,
        })
    }

    /// The pending version's material changes, if a version is pending.
    async fn announcement(&self, who: &Principal) -> Result<Option<Announcement>, EngineError> {
        // The row as stored: a version that has applied since stays the
        // one announced until the next publication, so subjects not yet
        // told are still told.
        let tenant = self
            .store()
            .tenant(&who.tenant)
            .await?
            .ok_or(EngineError::TenantNotFound)?;
        let Some(pending) = tenant.pending else {
            return Ok(None);
        };
        let old = self
            .policy_version(&who.tenant, tenant.policy_version)
            .await?;
        let new = self.policy_version(&who.tenant, pending.version).await?;
        let material: Vec<_> = diff(&old, &new)
            .into_iter()
            .filter(|c| c.material)
            .collect();
        let mut categories: Vec<CategoryId> = Vec::new();
        for c in material.iter().flat_map(|c| c.categories.iter()) {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
        let notice = PolicyNotice {
            version: pending.version,
            effective_at: pending.effective_at,
            changes: material.into_iter().map(|c| c.summary).collect(),
        };
        Ok(Some(Announcement {
            notice,
            categories,
            contact: new.controller.email.clone(),
        }))
    }

    fn policy_message(&self, who: &Principal, subject: SubjectId, plan: &Announcement) -> Message {
        Message {
            id: RequestId::new().to_string(),
            tenant: who.tenant.clone(),
            request: None,
            subject,
            kind: MessageKind::PolicyChange,
            request_kind: None,
            policy: Some(plan.notice.clone()),
            code: None,
            code_expires_at: None,
            reason: None,
            due_at: None,
            fee: None,
            remedies: None,
            handler_contact: plan.contact.clone(),
            at: self.clock.now(),
        }
    }

    /// Records who was told, with one audit entry carrying only the count.
    async fn record_notices(
        &self,
        who: &Principal,
        version: u32,
        sent: &[SubjectId],
    ) -> Result<(), EngineError> {
        if sent.is_empty() {
            return Ok(());
        }
        let at = self.clock.now();
        let writes = sent
            .iter()
            .map(|&subject| Write::InsertPolicyNotice {
                version,
                subject,
                at,
            })
            .collect();
        let detail = format!("version={version} told={}", sent.len());
        let event = self.event(
            who,
            Action::PolicyNotify,
            None,
            None,
            detail,
            Outcome::Allowed,
        );
        self.commit(
            &who.tenant,
            Change {
                writes,
                audit: vec![event],
            },
        )
        .await
    }
}
