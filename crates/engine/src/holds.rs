//! Statutory holds on a subject's data (Art. 17(3)(b), 18(1)): when a
//! subject is erased, or a record of a live subject falls due for deletion
//! in a retention sweep, a record whose category a law requires keeping is
//! not destroyed but moved under a key of its own hold, restricted to the
//! hold's legal-obligation purpose, until the day the hold ends. This module holds the rows the store keeps for that and
//! the pure decisions: which records are held, by which hold, until when.
//! No I/O and no cryptography here; `ops/holds.rs` seals, loads and audits.

use crate::ids::{HoldId, RecordId, SubjectId, TenantId};
use crate::store::RecordRow;
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{Anchor, CategoryId, LegalBasis, Policy, Purpose, PurposeId, StatutoryHold};

/// From when a held record's hold is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStart {
    /// The record's collection time: the hold says `from = "collected"`.
    Collected,
    /// The erasure (of the subject, or of the record by a retention
    /// sweep): the hold counts from an anchor Tutela does not track per
    /// record (last activity, an event, a plan change), and every such
    /// moment lies at or before the erasure, so counting from the erasure
    /// never ends a hold before the law allows.
    Erasure,
}

impl HoldStart {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collected => "collected",
            Self::Erasure => "erasure",
        }
    }

    /// Reads a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "collected" => Some(Self::Collected),
            "erasure" => Some(Self::Erasure),
            _ => None,
        }
    }
}

/// One hold on one subject's data (erased, or live with records the
/// retention sweep moved under it): the law and the hold's own data key,
/// wrapped by the master key under a context naming the hold. Holds no
/// personal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRow {
    /// Whose hold.
    pub tenant: TenantId,
    /// The hold's id (bound into its key's wrap context).
    pub id: HoldId,
    /// The subject whose records it keeps.
    pub subject: SubjectId,
    /// The law requiring the records to be kept, in the policy's words.
    pub law: String,
    /// The hold's data key, wrapped.
    pub wrapped_key: Vec<u8>,
    /// When the records were moved under it (the erasure or the sweep).
    pub held_at: Timestamp,
}

/// One record kept under a hold after its subject was erased or the record
/// fell due in a retention sweep: the same
/// record id, category, purpose, source and collection time, the value
/// sealed again under the hold's key (fresh nonce), and the hold's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRecordRow {
    /// Whose record.
    pub tenant: TenantId,
    /// The record's id, unchanged.
    pub id: RecordId,
    /// Its subject (erased, or live).
    pub subject: SubjectId,
    /// The hold keeping it.
    pub hold: HoldId,
    /// Its category.
    pub category: CategoryId,
    /// The purpose it was collected for.
    pub purpose: PurposeId,
    /// Where it came from.
    pub source: String,
    /// The value sealed under the hold's key.
    pub ciphertext: Vec<u8>,
    /// When it was collected.
    pub collected_at: Timestamp,
    /// When the hold ends and the retention sweep erases the record.
    pub ends_at: Timestamp,
    /// What `ends_at` was counted from.
    pub start: HoldStart,
}

/// Everything held about one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectHolds {
    /// The holds, oldest first.
    pub holds: Vec<HoldRow>,
    /// Their records, oldest first.
    pub records: Vec<HeldRecordRow>,
}

impl SubjectHolds {
    /// The hold a record is kept under.
    pub fn hold(&self, id: HoldId) -> Option<&HoldRow> {
        self.holds.iter().find(|h| h.id == id)
    }
}

/// The decision for one record at an erasure: keep it under the policy's
/// hold at `hold` (its position in `policy.holds`) until `ends_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldPlan<'r> {
    /// Position of the hold in the policy's list.
    pub hold: usize,
    /// The record kept.
    pub record: &'r RecordRow,
    /// When the hold ends for it.
    pub ends_at: Timestamp,
    /// What `ends_at` is counted from.
    pub start: HoldStart,
}

/// When `hold` ends for a record collected at `collected`, erased at
/// `erased`. A span too large for the calendar ends at the end of time:
/// the data is kept rather than dropped before the law allows.
pub fn hold_end(
    hold: &StatutoryHold,
    collected: Timestamp,
    erased: Timestamp,
) -> (Timestamp, HoldStart) {
    let start = match hold.from {
        Anchor::Collected => HoldStart::Collected,
        _ => HoldStart::Erasure,
    };
    let from = match start {
        HoldStart::Collected => collected,
        HoldStart::Erasure => erased,
    };
    (hold.keep.after(from).unwrap_or(Timestamp::MAX), start)
}

/// When `record` must be kept until under `policy` (the policy in force
/// now), if that is later than the end it was held to: a hold lengthened
/// since (the law now asks for more) keeps the record longer. `held_at`
/// is when its hold began (the erasure or the sweep), for a hold counted
/// from then. `None` when the record may go at its stored end.
pub fn extended_end(
    policy: &Policy,
    record: &HeldRecordRow,
    held_at: Timestamp,
) -> Option<Timestamp> {
    policy
        .holds
        .iter()
        .filter(|h| h.categories.contains(&record.category))
        .map(|h| hold_end(h, record.collected_at, held_at).0)
        .max()
        .filter(|end| *end > record.ends_at)
}

/// The records an erasure at `erased` must keep: those whose category a
/// policy hold covers and whose hold has not ended yet, each under the
/// covering hold that ends last (the longest duty wins; the first such hold
/// in policy order on a tie). Every other record is erased at once.
pub fn plan_holds<'r>(
    policy: &Policy,
    records: &'r [RecordRow],
    erased: Timestamp,
) -> Vec<HeldPlan<'r>> {
    records
        .iter()
        .filter_map(|record| {
            let mut best: Option<HeldPlan<'r>> = None;
            for (i, hold) in policy.holds.iter().enumerate() {
                if !hold.categories.contains(&record.category) {
                    continue;
                }
                let (ends_at, start) = hold_end(hold, record.collected_at, erased);
                if best.is_none_or(|b| ends_at > b.ends_at) {
                    best = Some(HeldPlan {
                        hold: i,
                        record,
                        ends_at,
                        start,
                    });
                }
            }
            best.filter(|b| b.ends_at > erased)
        })
        .collect()
}

/// Whether a read for `purpose` may see held records at all: only when it
/// rests on a legal obligation (Art. 6(1)(c)); held data is restricted to
/// that use (Art. 18(1)). Lets a read of a live subject skip loading its
/// holds for every other purpose.
pub fn reads_held(purpose: &Purpose) -> bool {
    purpose.basis == LegalBasis::LegalObligation
}

/// The held records a read for `purpose` may see at `now`, whether the
/// subject is erased or live: only when the purpose rests on a legal
/// obligation ([`reads_held`]), only the categories it covers (and of
/// those, the ones `asked`, if any), and only while the hold lasts. Every
/// other read sees none of them.
pub fn readable_held<'h>(
    policy: &Policy,
    purpose: &PurposeId,
    asked: Option<&[CategoryId]>,
    held: &'h [HeldRecordRow],
    now: Timestamp,
) -> Vec<&'h HeldRecordRow> {
    let Some(declared) = policy.purpose(purpose) else {
        return Vec::new();
    };
    if !reads_held(declared) {
        return Vec::new();
    }
    held.iter()
        .filter(|r| declared.categories.contains(&r.category))
        .filter(|r| asked.is_none_or(|a| a.contains(&r.category)))
        .filter(|r| r.ends_at > now)
        .collect()
}

#[cfg(test)]
mod tests;
