//! Retention sweeps (Art. 5(1)(e) storage limitation,
//! Art. 17(1)(a), Art. 17(3)(b) holds ending, Art. 89 / Recital 26
//! anonymisation). The decisions are pure (`crate::retention`); this file
//! loads candidates page by page, commits one change per subject and
//! audits it with counts only.
//!
//! A subject's sweep is ONE change: holds, aggregates, the deletion of
//! each due record (each conditional: the record must still be there and
//! the subject live), the erasure when nothing else would be kept, and one
//! `retention.sweep` audit entry. A crash leaves a subject swept or not;
//! two sweepers racing on one subject commit once, and the loser's change
//! fails whole (counted as `skipped`).

use super::sweep_change::{held_any, sweeper};
use crate::audit::{Action, AuditChain, Outcome};
use crate::engine::{Engine, erased_subjects};
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::retention::{self, candidate_cutoff};
use crate::store::{
    CandidateCursor, Change, RecordFilter, RecordStamp, StoreError, SubjectView, Write,
};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use tutela_policy::{Anchor, Policy};

/// Candidate rows read per page.
pub const SWEEP_PAGE: u32 = 500;
/// How long a sweeper holds the subjects it claimed (PostgreSQL): longer
/// than sweeping one page takes.
pub const SWEEP_LEASE: SignedDuration = SignedDuration::from_secs(300);
/// Subjects swept at once (each its own change), their changes sent to
/// the store together so it can commit them in one transaction.
pub const SWEEP_CONCURRENCY: usize = 8;
/// Held records erased per page.
const HELD_PAGE: u32 = 500;
/// The actor a sweep's audit entries name.
pub const SWEEP_ACTOR: &str = "retention";

/// What a sweep (or a dry run) did, in counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Subjects looked at.
    pub subjects_seen: u64,
    /// Subjects with due records swept.
    pub subjects_swept: u64,
    /// Of those, erased whole (nothing else would have been kept).
    pub subjects_erased: u64,
    /// Records deleted.
    pub deleted: u64,
    /// Records folded into aggregate counts, then deleted.
    pub anonymised: u64,
    /// Due records moved under a statutory hold instead of deleted.
    pub held: u64,
    /// Held records erased because their hold ended.
    pub hold_ended: u64,
    /// Held records kept longer: their hold ended as stored, but the policy
    /// in force has lengthened it since.
    pub hold_extended: u64,
    /// Subjects another sweeper got to first (their change failed whole).
    pub skipped: u64,
    /// Banner choices deleted past the banner's keep period.
    pub banner_choices: u64,
}

/// One subject's sweep before its commit.
pub(super) enum Prepared {
    /// Erased, gone, or nothing due.
    Nothing,
    /// The change, and what it counts once committed.
    Change(Change, SweepReport),
}

/// Where a walk over the candidates is.
#[derive(Debug, Default)]
pub(super) struct Walk {
    after: Option<CandidateCursor>,
    seen: HashSet<SubjectId>,
    done: bool,
}

impl Engine {
    /// The candidate cutoff for sweeping at `at`: rules counted from an
    /// event never recorded in the tenant cannot be due and do not lower it.
    pub(super) async fn cutoff(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        at: Timestamp,
    ) -> Result<Option<Timestamp>, EngineError> {
        let mut live = policy.clone();
        let mut kept = Vec::with_capacity(live.retention.len());
        for rule in live.retention.drain(..) {
            let possible = match &rule.from {
                Anchor::Event(name) => self.store.event_recorded(tenant, name).await?,
                _ => true,
            };
            if possible {
                kept.push(rule);
            }
        }
        live.retention = kept;
        Ok(candidate_cutoff(&live, at))
    }

    /// The next page of subjects with a record that may be due, each
    /// subject once per walk (bounded reads through the collection-time
    /// index); empty when the walk is over.
    pub(super) async fn next_candidates(
        &self,
        tenant: &TenantId,
        cutoff: Timestamp,
        walk: &mut Walk,
    ) -> Result<Vec<SubjectId>, EngineError> {
        while !walk.done {
            let page = self
                .store
                .retention_candidates(tenant, cutoff, walk.after, SWEEP_PAGE)
                .await?;
            walk.done = page.len() < SWEEP_PAGE as usize;
            walk.after = page.last().copied().or(walk.after);
            let fresh: Vec<SubjectId> = page
                .iter()
                .filter(|c| walk.seen.insert(c.subject))
                .map(|c| c.subject)
                .collect();
            if !fresh.is_empty() {
                return Ok(fresh);
            }
        }
        Ok(Vec::new())
    }

    /// A live subject's records and anchors; `None` when erased or gone.
    pub(super) async fn sweep_load(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
    ) -> Result<Option<(SubjectView, retention::Anchors)>, EngineError> {
        let Some(view) = self
            .subject_view(tenant, subject, RecordFilter::All)
            .await?
        else {
            return Ok(None);
        };
        if view.subject.erased_at.is_some() {
            return Ok(None);
        }
        let anchors = self.sweep_anchors(tenant, policy, subject).await?;
        Ok(Some((view, anchors)))
    }

    /// What the subject's periods count from; the three reads are skipped
    /// when every rule counts from collection (the common case).
    pub(super) async fn sweep_anchors(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
    ) -> Result<retention::Anchors, EngineError> {
        if policy.retention.iter().all(|r| r.from == Anchor::Collected) {
            Ok(retention::Anchors::default())
        } else {
            Ok(self.store.subject_anchors(tenant, subject).await?)
        }
    }

    /// Sweeps one tenant at the clock's now: every due record disposed of
    /// as its rule says, every held record whose hold ended erased.
    /// `progress` hears the running report after each subject.
    pub async fn sweep_tenant(
        &self,
        tenant: &TenantId,
        progress: &(dyn Fn(&SweepReport) + Send + Sync),
    ) -> Result<SweepReport, EngineError> {
        let (_, policy) = match self.current_policy(tenant).await {
            Ok(p) => p,
            Err(EngineError::NoPolicy) => return Ok(SweepReport::default()),
            Err(e) => return Err(e),
        };
        let now = self.clock.now();
        let mut report = SweepReport::default();
        if let Some(cutoff) = self.cutoff(tenant, &policy, now).await? {
            let mut walk = Walk::default();
            loop {
                let subjects = self.next_candidates(tenant, cutoff, &mut walk).await?;
                if subjects.is_empty() {
                    break;
                }
                let until = now.checked_add(SWEEP_LEASE).unwrap_or(now);
                let claimed = self
                    .store
                    .claim_sweep(tenant, &subjects, now, until)
                    .await?;
                report.skipped += (subjects.len() - claimed.len()) as u64;
                self.sweep_groups(tenant, &policy, &claimed, now, &mut report, progress)
                    .await?;
                // Done with them: the next sweep need not wait for the lease.
                self.store.release_sweep(tenant, &claimed, until).await?;
            }
        }
        self.sweep_holds(tenant, &policy, now, &mut report).await?;
        self.sweep_banner(tenant, &policy, now, &mut report).await?;
        // The values deleted above leave every file before the sweep ends.
        self.store.scrub().await?;
        progress(&report);
        Ok(report)
    }

    /// Sweeps every tenant.
    pub async fn sweep_all(
        &self,
        progress: &(dyn Fn(&SweepReport) + Send + Sync),
    ) -> Result<SweepReport, EngineError> {
        let mut total = SweepReport::default();
        for tenant in self.store.tenants().await? {
            let r = self.sweep_tenant(&tenant.id, progress).await?;
            total.add(&r);
        }
        Ok(total)
    }

    /// Sweeps claimed subjects [`SWEEP_CONCURRENCY`] at a time, each its
    /// own atomic change. A group's changes are built first, then sent
    /// together, so the store's writer takes them into one transaction
    /// (one sync per group, each subject still its own atomic change with
    /// its audit entry); the next group is loaded while one commits.
    async fn sweep_groups(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        claimed: &[SubjectId],
        now: Timestamp,
        report: &mut SweepReport,
        progress: &(dyn Fn(&SweepReport) + Send + Sync),
    ) -> Result<(), EngineError> {
        let chain = self.chain(tenant);
        let lined = deletions_lined(policy);
        let mut groups = claimed.chunks(SWEEP_CONCURRENCY);
        let mut ready = match groups.next() {
            Some(group) => self.sweep_prepare_group(tenant, policy, group, now).await?,
            None => return Ok(()),
        };
        loop {
            let next = groups.next();
            let commit = self.sweep_commit_group(tenant, &chain, ready, lined);
            let (done, prepared) = match next {
                Some(group) => {
                    let prepare = self.sweep_prepare_group(tenant, policy, group, now);
                    let (done, prepared) = futures::join!(commit, prepare);
                    (done, Some(prepared))
                }
                None => (commit.await, None),
            };
            for one in done {
                report.add(&one?);
                progress(report);
            }
            match prepared {
                Some(p) => ready = p?,
                None => return Ok(()),
            }
        }
    }

    /// Plans each subject of a group on their record stamps, read in one
    /// trip to the store; the few subjects that need loading whole are
    /// loaded concurrently.
    async fn sweep_prepare_group(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        group: &[SubjectId],
        now: Timestamp,
    ) -> Result<Vec<Prepared>, EngineError> {
        let stamps = self.store.record_stamps_of(tenant, group).await?;
        futures::future::join_all(
            group
                .iter()
                .zip(stamps)
                .map(|(subject, stamps)| self.sweep_prepare(tenant, policy, *subject, stamps, now)),
        )
        .await
        .into_iter()
        .collect()
    }

    /// Commits a group's changes, all handed to the store at once
    /// ([`Store::apply_all`](crate::store::Store::apply_all)), so the
    /// SQLite writer commits them in one transaction, one sync for the
    /// group, each subject still its own atomic change with its own audit
    /// entry (the writer retries the group with a savepoint per subject if
    /// one fails). A lost race counts as skipped.
    async fn sweep_commit_group(
        &self,
        tenant: &TenantId,
        chain: &AuditChain,
        ready: Vec<Prepared>,
        lined: bool,
    ) -> Vec<Result<SweepReport, EngineError>> {
        let seen = SweepReport {
            subjects_seen: 1,
            ..SweepReport::default()
        };
        let mut reports = Vec::with_capacity(ready.len());
        let mut changes = Vec::with_capacity(ready.len());
        let mut counted = Vec::with_capacity(ready.len());
        for prepared in ready {
            match prepared {
                Prepared::Nothing => reports.push(Ok(seen)),
                Prepared::Change(change, counts) => {
                    changes.push(change);
                    counted.push(counts);
                }
            }
        }
        if changes.is_empty() {
            return reports;
        }
        let erasing: Vec<Vec<SubjectId>> = changes.iter().map(erased_subjects).collect();
        // Erasure lines, and record deletions where a restore would not
        // make them due again ([`deletions_lined`]), appended in the commit.
        let changes = changes
            .into_iter()
            .map(|c| {
                let ahead = self.ahead_of(tenant, &c, lined);
                (c, ahead)
            })
            .collect();
        let outcomes = self.store.apply_all(tenant, changes, chain).await;
        let mut erased = Vec::new();
        for ((outcome, counts), erasing) in outcomes.into_iter().zip(counted).zip(erasing) {
            reports.push(match outcome.map_err(crate::engine::from_store) {
                Ok(_) => {
                    erased.extend(erasing);
                    let mut report = seen;
                    report.add(&counts);
                    Ok(report)
                }
                Err(e) if lost_race(&e) => Ok(SweepReport { skipped: 1, ..seen }),
                Err(e) => Err(e),
            });
        }
        // One pass over the notifier's copies for the whole group.
        self.forget_messages(&erased).await;
        reports
    }

    /// One subject's sweep, up to its change: nothing to do, or the change
    /// with what it will count once committed. Decided first on the
    /// record stamps (no values); the subject is loaded whole only when a
    /// due record is under a hold or nothing would be left to keep.
    pub(super) async fn sweep_prepare(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
        stamps: Option<Vec<RecordStamp>>,
        now: Timestamp,
    ) -> Result<Prepared, EngineError> {
        let Some(stamps) = stamps else {
            return Ok(Prepared::Nothing);
        };
        let anchors = self.sweep_anchors(tenant, policy, subject).await?;
        let plan = retention::plan_subject(policy, &stamps, &anchors, now);
        if plan.is_empty() {
            return Ok(Prepared::Nothing);
        }
        if plan.whole_subject || held_any(policy, &plan) {
            return self.sweep_prepare_whole(tenant, policy, subject, now).await;
        }
        let (change, counts) = self.sweep_deletes(tenant, policy, subject, &plan);
        Ok(Prepared::Change(change, counts))
    }

    /// A sweep that needs the subject whole (a hold re-seals values, or
    /// the subject is erased): loaded and decided again on the full view.
    async fn sweep_prepare_whole(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
        now: Timestamp,
    ) -> Result<Prepared, EngineError> {
        let Some((view, anchors)) = self.sweep_load(tenant, policy, subject).await? else {
            return Ok(Prepared::Nothing);
        };
        let plan = retention::plan_subject(policy, &view.records, &anchors, now);
        if plan.is_empty() {
            return Ok(Prepared::Nothing);
        }
        let (change, counts) = self.sweep_change(tenant, policy, &view, &plan, now).await?;
        Ok(Prepared::Change(change, counts))
    }

    /// Erases held records whose hold ended, one change per subject; a
    /// record whose hold the policy in force has lengthened since is kept
    /// to the new end instead.
    async fn sweep_holds(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        let mut failed: HashSet<crate::ids::RecordId> = HashSet::new();
        // A hold ending at `now` has ended (reads stop at `ends_at`), and
        // the store's read is strict: ask for ends before the next µs.
        let before = now
            .checked_add(SignedDuration::from_micros(1))
            .unwrap_or(now);
        loop {
            let due = self.store.holds_due(tenant, before, HELD_PAGE).await?;
            let due: Vec<_> = due
                .into_iter()
                .filter(|r| !failed.contains(&r.id))
                .collect();
            if due.is_empty() {
                return Ok(());
            }
            let mut by_subject: BTreeMap<SubjectId, Vec<_>> = BTreeMap::new();
            for r in due {
                by_subject.entry(r.subject).or_default().push(r);
            }
            for (subject, records) in by_subject {
                let (writes, ended, extended) = self
                    .hold_end_writes(tenant, policy, subject, &records)
                    .await?;
                let event = self.event(
                    &sweeper(tenant),
                    Action::RetentionSweep,
                    None,
                    Some(subject),
                    format!("hold_ended={ended} hold_extended={extended}"),
                    Outcome::Allowed,
                );
                let change = Change {
                    writes,
                    audit: vec![event],
                };
                match self.commit(tenant, change).await {
                    Ok(()) => {
                        report.hold_ended += ended;
                        report.hold_extended += extended;
                    }
                    Err(e) if lost_race(&e) => {
                        // Another sweeper erased some of them: the next
                        // page re-reads what is left, and a record that
                        // keeps failing is not retried in this sweep.
                        report.skipped += 1;
                        failed.extend(records.iter().map(|r| r.id));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

impl Engine {
    /// For one subject's held records whose stored end has come: erase
    /// each, or keep it to the later end the policy in force now asks for;
    /// with how many of each.
    async fn hold_end_writes(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        subject: SubjectId,
        records: &[crate::holds::HeldRecordRow],
    ) -> Result<(Vec<Write>, u64, u64), EngineError> {
        let holds = self.store.subject_holds(tenant, subject).await?.holds;
        let (mut ended, mut extended) = (0, 0);
        let writes = records
            .iter()
            .map(|r| {
                let held_at = holds
                    .iter()
                    .find(|h| h.id == r.hold)
                    .map_or(r.ends_at, |h| h.held_at);
                match crate::holds::extended_end(policy, r, held_at) {
                    Some(ends_at) => {
                        extended += 1;
                        Write::ExtendHeldRecord {
                            record: r.id,
                            hold: r.hold,
                            ends_at,
                        }
                    }
                    None => {
                        ended += 1;
                        Write::DeleteHeldRecord {
                            record: r.id,
                            hold: r.hold,
                        }
                    }
                }
            })
            .collect();
        Ok((writes, ended, extended))
    }
}

impl SweepReport {
    /// Adds another report's counts.
    pub fn add(&mut self, o: &SweepReport) {
        self.subjects_seen += o.subjects_seen;
        self.subjects_swept += o.subjects_swept;
        self.subjects_erased += o.subjects_erased;
        self.deleted += o.deleted;
        self.anonymised += o.anonymised;
        self.held += o.held;
        self.hold_ended += o.hold_ended;
        self.hold_extended += o.hold_extended;
        self.skipped += o.skipped;
        self.banner_choices += o.banner_choices;
    }
}

/// Whether a sweep puts the records it deletes on the erasure ledger. A
/// record due by its collection or its subject's last activity comes due
/// again in a restored backup (the backup holds an older or the same
/// anchor), and the next sweep disposes of it, so those cost no ledger
/// append. A rule counting from a lifecycle event or a plan change is
/// different: the event recorded after the backup is lost with it, and
/// the record would never be due again. Under such a policy the sweep's
/// deletions go on the ledger, and a restore deletes them again. Pure.
pub(super) fn deletions_lined(policy: &Policy) -> bool {
    policy
        .retention
        .iter()
        .any(|r| matches!(r.from, Anchor::Event(_) | Anchor::Plan(_)))
}

/// A change that failed because another sweeper (or an erasure) got there
/// first: nothing of it was committed.
pub(super) fn lost_race(e: &EngineError) -> bool {
    matches!(
        e,
        EngineError::SubjectErased
            | EngineError::Storage(StoreError::Missing { .. })
            | EngineError::Storage(StoreError::SubjectErased)
    )
}
