//! The engine's side of the ledger's rights lines (see
//! [`crate::ledger::RightEntry`]): the rights a change exercises (a record
//! deleted or rectified, an objection, a withdrawal, a restriction) are
//! appended to the ledger in its commit, one durable append per change; after a
//! restore they are replayed so a backup older than them does not bring
//! back what the person asked to end (Art. 7(3), 16, 17, 18, 21).
//!
//! The lines travel with the change to the store ([`WriteAhead`]), which
//! appends them inside the change's transaction after every check passed
//! and before the commit: a change the store refuses never reaches the
//! ledger (a refused rectification replayed would delete the record's
//! correct value), crash or not. A change that passed its checks and then
//! failed to commit (a crash, a failed commit) stays on it, and a replay
//! carries out what the person asked for, erring on their side.

use crate::audit::{Action, Outcome};
use crate::deliveries::NoticeKind;
use crate::deliveries::notice::Notice;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{RecordId, SubjectId, TenantId};
use crate::ledger::{RightAct, RightEntry};
use crate::principal::Principal;
use crate::store::{
    Change, ConsentRow, ObjectionRow, RecordFilter, RecordRow, StoreError, SubjectView, Write,
    WriteAhead,
};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};
use tutela_vault::LedgerKey;

/// The source a replayed withdrawal is stored with on the consent ledger.
pub const REPLAYED_SOURCE: &str = "ledger-replay";

/// What a replay of the rights lines did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RightsReplayReport {
    /// Verified rights lines read.
    pub entries: usize,
    /// Records deleted again: deleted after the backup, or holding the
    /// value a later rectification replaced (its corrected value was
    /// written after the backup and is not in it: collect it again).
    pub records_deleted: usize,
    /// Of those, records whose rectification the backup predates.
    pub stale_rectified: usize,
    /// Records a line would have deleted that the replaced database keeps
    /// under a statutory hold: kept (see [`Engine::replay_rights_keeping`]).
    pub kept_held: usize,
    /// Objections raised again.
    pub objections: usize,
    /// Consent withdrawals recorded again.
    pub withdrawals: usize,
    /// Subjects whose restriction was set or lifted as last asked.
    pub restrictions: usize,
    /// Subjects this database does not hold live (erased, or created
    /// after the backup): nothing to do.
    pub skipped_subjects: usize,
}

/// Whether `write` is one [`rights_entries`] puts on the ledger.
fn exercises_a_right(write: &Write) -> bool {
    match write {
        Write::DeleteRecord { .. }
        | Write::RectifyRecord { .. }
        | Write::InsertObjection(_)
        | Write::SetRestricted { .. } => true,
        Write::InsertConsent(c) => !c.granted,
        _ => false,
    }
}

/// The rights lines `change` carries, each at `at`. A record the same
/// change moves under a statutory hold (a sweep's due record a hold
/// covers) leaves the records, but is not deleted: it gets no line, since a
/// replay would delete the backup's live copy, and with it the only copy
/// the law requires keeping (the hold itself is not in that backup).
pub(crate) fn rights_entries(tenant: &TenantId, change: &Change, at: Timestamp) -> Vec<RightEntry> {
    let held: BTreeSet<RecordId> = change
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::HoldRecords { records, .. } => Some(records.iter().map(|r| r.id)),
            _ => None,
        })
        .flatten()
        .collect();
    change
        .writes
        .iter()
        .filter_map(|w| {
            let (subject, act) = match w {
                Write::DeleteRecord { record, .. } if held.contains(record) => return None,
                Write::DeleteRecord { subject, record } => {
                    (*subject, RightAct::RecordDeleted(*record))
                }
                Write::RectifyRecord {
                    subject,
                    record,
                    value_mac,
                    ..
                } => (*subject, RightAct::Corrected(*record, *value_mac)),
                Write::InsertObjection(o) => {
                    (o.subject, RightAct::Objected(o.id, o.purpose.clone()))
                }
                Write::InsertConsent(c) if !c.granted => (
                    c.subject,
                    RightAct::Withdrew(c.id, c.purpose.clone(), c.policy_version),
                ),
                Write::SetRestricted {
                    subject,
                    restricted,
                } => (*subject, RightAct::Restricted(*restricted)),
                _ => return None,
            };
            Some(RightEntry {
                tenant: tenant.clone(),
                subject,
                at,
                act,
            })
        })
        .collect()
}

/// The erasure lines of `change`, one per subject it erases, each stamped
/// with the time its `EraseSubject` carries.
fn erasure_lines(tenant: &TenantId, change: &Change, key: &LedgerKey) -> Vec<String> {
    change
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::EraseSubject { subject, at } => Some(
                crate::ledger::ErasureEntry {
                    tenant: tenant.clone(),
                    subject: *subject,
                    at: *at,
                }
                .to_line(key),
            ),
            _ => None,
        })
        .collect()
}

/// What the ledger says a record was last corrected to.
#[derive(Debug, Clone, Copy)]
enum Correction {
    /// A MAC of the value under the subject's data key (`correct`).
    Value([u8; 32]),
    /// A MAC of the sealed value under the ledger key (`rectify`, earlier
    /// versions).
    Sealed([u8; 32]),
}

/// The writes that bring a restored subject back to what its rights lines
/// (in ledger order) say, and what they count. `holds` answers whether a
/// record's value has the given `DataKey::value_mac` (false when it cannot
/// be opened). Pure.
pub(crate) fn replay_writes(
    view: &SubjectView,
    lines: &[&RightEntry],
    key: &LedgerKey,
    holds: &dyn Fn(&RecordRow, &[u8; 32]) -> bool,
    held: &BTreeSet<RecordId>,
) -> (Vec<Write>, RightsReplayReport) {
    let subject = view.subject.id;
    let mut report = RightsReplayReport::default();
    let mut deleted: BTreeSet<RecordId> = BTreeSet::new();
    let mut rectified: BTreeMap<RecordId, Correction> = BTreeMap::new();
    let mut restricted = None;
    let mut writes = Vec::new();
    for line in lines {
        match &line.act {
            RightAct::RecordDeleted(r) => {
                deleted.insert(*r);
            }
            RightAct::Corrected(r, value) => {
                rectified.insert(*r, Correction::Value(*value));
            }
            RightAct::Rectified(r, sealed) => {
                rectified.insert(*r, Correction::Sealed(*sealed));
            }
            RightAct::Objected(id, purpose) => {
                if !view.objections.iter().any(|o| o.id == *id) {
                    report.objections += 1;
                    writes.push(Write::InsertObjection(ObjectionRow {
                        tenant: line.tenant.clone(),
                        id: *id,
                        subject,
                        purpose: purpose.clone(),
                        at: line.at,
                    }));
                }
            }
            RightAct::Withdrew(id, purpose, version) => {
                if !view.consents.iter().any(|c| c.id == *id) {
                    report.withdrawals += 1;
                    writes.push(Write::InsertConsent(ConsentRow {
                        tenant: line.tenant.clone(),
                        id: *id,
                        subject,
                        purpose: purpose.clone(),
                        granted: false,
                        at: line.at,
                        expires_at: None,
                        policy_version: *version,
                        source: REPLAYED_SOURCE.to_owned(),
                        text_hash: None,
                    }));
                }
            }
            RightAct::Restricted(on) => restricted = Some(*on),
            // Reading the ledger dropped the lines these name already.
            RightAct::Cancelled(_) => {}
        }
    }
    for record in &view.records {
        let stale = rectified.get(&record.id).is_some_and(|c| match c {
            Correction::Value(mac) => !holds(record, mac),
            Correction::Sealed(mac) => key.mac(&record.ciphertext) != *mac,
        });
        if (deleted.contains(&record.id) || stale) && held.contains(&record.id) {
            report.kept_held += 1;
        } else if deleted.contains(&record.id) || stale {
            report.records_deleted += 1;
            report.stale_rectified += usize::from(stale && !deleted.contains(&record.id));
            writes.push(Write::DeleteRecord {
                subject,
                record: record.id,
            });
        }
    }
    if let Some(on) = restricted.filter(|on| *on != view.subject.restricted) {
        report.restrictions += 1;
        writes.push(Write::SetRestricted {
            subject,
            restricted: on,
        });
    }
    (writes, report)
}

impl Engine {
    /// The ledger lines `change` carries, for the store to append inside
    /// its transaction once every check passed ([`WriteAhead`]): one per
    /// right it exercises (with `rights`) and one per subject it erases.
    /// `None` without a ledger or without such a write: most commits
    /// (every read's audit entry) derive no key and touch no file. A
    /// sweep passes `rights = false`: a restore makes its records due
    /// again, and the next sweep disposes of them.
    pub(crate) fn ahead_of(
        &self,
        tenant: &TenantId,
        change: &Change,
        rights: bool,
    ) -> Option<WriteAhead> {
        let ledger = self.ledger.as_ref()?;
        let erasing = |w: &Write| matches!(w, Write::EraseSubject { .. });
        if !change
            .writes
            .iter()
            .any(|w| (rights && exercises_a_right(w)) || erasing(w))
        {
            return None;
        }
        let key = self.master.erasure_ledger_key();
        let mut lines = erasure_lines(tenant, change, &key);
        if rights {
            lines.extend(
                rights_entries(tenant, change, self.clock.now())
                    .iter()
                    .map(|e| e.to_line(&key)),
            );
        }
        Some(WriteAhead {
            ledger: ledger.clone(),
            lines,
        })
    }

    /// Replays the ledger's rights lines after a restore: each live
    /// subject they name is brought back to what its person asked for
    /// since (records deleted again, stale rectified values deleted,
    /// objections and withdrawals recorded again, the restriction as last
    /// set), one commit per subject audited with detail `replay=ledger`.
    /// Idempotent: a second replay finds nothing to do.
    pub async fn replay_rights(&self) -> Result<RightsReplayReport, EngineError> {
        self.replay_rights_keeping(&BTreeSet::new()).await
    }

    /// [`Engine::replay_rights`], keeping every record in `held`: the
    /// records the database a restore replaces keeps under a statutory
    /// hold. A line that would delete one (a ledger written by a version
    /// that put a sweep's move under a hold on it as a deletion) would
    /// destroy the backup's copy, the only one the law requires keeping.
    pub async fn replay_rights_keeping(
        &self,
        held: &BTreeSet<RecordId>,
    ) -> Result<RightsReplayReport, EngineError> {
        let contents = self.read_erasure_ledger().await?;
        let key = self.master.erasure_ledger_key();
        let mut by_subject: BTreeMap<(String, SubjectId), Vec<&RightEntry>> = BTreeMap::new();
        for line in &contents.rights {
            by_subject
                .entry((line.tenant.to_string(), line.subject))
                .or_default()
                .push(line);
        }
        let mut report = RightsReplayReport {
            entries: contents.rights.len(),
            ..RightsReplayReport::default()
        };
        for lines in by_subject.values() {
            let Some(first) = lines.first().copied() else {
                continue;
            };
            let view = self
                .subject_view(&first.tenant, first.subject, RecordFilter::All)
                .await?;
            let Some(view) = view.filter(|v| v.subject.erased_at.is_none()) else {
                report.skipped_subjects += 1;
                continue;
            };
            let holds = self.value_check(&first.tenant, &view);
            let (writes, done) = replay_writes(&view, lines, &key, &holds, held);
            report.kept_held += done.kept_held;
            if writes.is_empty() {
                continue;
            }
            let notices = self.replay_notices(&first.tenant, &view, &writes).await?;
            self.commit_replay(&first.tenant, first.subject, writes, notices)
                .await?;
            report.records_deleted += done.records_deleted;
            report.stale_rectified += done.stale_rectified;
            report.objections += done.objections;
            report.withdrawals += done.withdrawals;
            report.restrictions += done.restrictions;
        }
        Ok(report)
    }

    /// Whether a record of `view` holds the value a `correct` line's MAC
    /// names: opened with the subject's key from this database (a backup
    /// holds its own copy). A key or value that cannot be opened answers
    /// no, and the record is deleted: erring on the person's side.
    fn value_check<'a>(
        &'a self,
        tenant: &'a TenantId,
        view: &'a SubjectView,
    ) -> impl Fn(&RecordRow, &[u8; 32]) -> bool + 'a {
        let key = super::records::unwrap_key(&self.master, tenant, view).ok();
        move |record: &RecordRow, mac: &[u8; 32]| {
            let Some(key) = key.as_ref() else {
                return false;
            };
            let aad = tutela_vault::record_aad(
                tenant.as_str(),
                view.subject.id.as_bytes(),
                record.id.as_bytes(),
                record.category.as_str(),
            );
            key.open(&record.ciphertext, &aad).is_ok_and(|value| {
                tutela_vault::constant_time_eq(&key.value_mac(&aad, &value), mac)
            })
        }
    }

    /// Puts one `audit.restore` entry on every tenant's chain, after a
    /// restore's replays: the chain goes on from the backup's head, and
    /// this entry says so, so an auditor holding a checkpoint taken since
    /// the backup sees a restore where the rollback is, not a silent one
    /// (Art. 5(2)). `detail` goes on every tenant's chain alike, so it
    /// must say nothing about any one tenant.
    pub async fn record_restore(&self, detail: &str) -> Result<usize, EngineError> {
        let tenants = self.store.tenants().await?;
        for tenant in &tenants {
            let cli = Principal::local_admin(tenant.id.clone(), false);
            let event = self.event(
                &cli,
                Action::AuditRestore,
                None,
                None,
                detail.to_owned(),
                Outcome::Allowed,
            );
            self.commit(&tenant.id, Change::audit_only(vec![event]))
                .await?;
        }
        Ok(tenants.len())
    }

    /// The notices to recipients (Art. 19) of a replay's deletions and
    /// restriction, queued again: the ones queued with the original acts
    /// were in the database the restore replaced. A recipient that was
    /// already told before the restore is told once more; better twice
    /// than never.
    async fn replay_notices(
        &self,
        tenant: &TenantId,
        view: &SubjectView,
        writes: &[Write],
    ) -> Result<Vec<Write>, EngineError> {
        let mut notices = Vec::new();
        for write in writes {
            match write {
                Write::DeleteRecord { subject, record } => {
                    let Some(row) = view.records.iter().find(|r| r.id == *record) else {
                        continue;
                    };
                    let notice = Notice {
                        kind: NoticeKind::RecordDeleted,
                        subject: *subject,
                        record: Some(*record),
                        categories: vec![row.category.clone()],
                    };
                    notices.extend(
                        self.notice_writes(tenant, view.policy_version, &notice)
                            .await?,
                    );
                }
                Write::SetRestricted { restricted, .. } => {
                    let kind = if *restricted {
                        NoticeKind::SubjectRestricted
                    } else {
                        NoticeKind::RestrictionLifted
                    };
                    notices.extend(self.subject_notices(tenant, view, kind).await?);
                }
                _ => {}
            }
        }
        Ok(notices)
    }

    /// Commits a replay's writes with one audit entry each, and their
    /// notices, straight to the store: the acts are on the ledger already.
    async fn commit_replay(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        mut writes: Vec<Write>,
        notices: Vec<Write>,
    ) -> Result<(), EngineError> {
        let cli = Principal::local_admin(tenant.clone(), false);
        let audit = writes
            .iter()
            .map(|w| {
                let action = match w {
                    Write::InsertObjection(_) => Action::ObjectionRecord,
                    Write::InsertConsent(_) => Action::ConsentWithdraw,
                    Write::SetRestricted {
                        restricted: true, ..
                    } => Action::RestrictionSet,
                    Write::SetRestricted { .. } => Action::RestrictionLift,
                    _ => Action::RecordDelete,
                };
                self.event(
                    &cli,
                    action,
                    None,
                    Some(subject),
                    super::erasure_ledger::REPLAY_DETAIL.to_owned(),
                    Outcome::Allowed,
                )
            })
            .collect();
        writes.extend(notices);
        let change = Change { writes, audit };
        match self.store.apply(tenant, change, &self.chain(tenant)).await {
            Ok(_) | Err(StoreError::SubjectErased) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests;
