//! Portability (Art. 20(1)(a)): of the data the subject gave, only what was
//! collected for a purpose resting on consent or on a contract is theirs to
//! take elsewhere; data kept under other bases stays out of the export.

use super::model::{PortableData, PortableRecord};
use crate::ids::SubjectId;
use crate::ops::PlainRecord;
use jiff::Timestamp;
use tutela_policy::{LegalBasis, Policy};

/// The export of `records` (decrypted, oldest first) under `policy`.
pub fn portable(
    policy: &Policy,
    subject: SubjectId,
    records: Vec<PlainRecord>,
    now: Timestamp,
) -> PortableData {
    let records = records
        .into_iter()
        .filter(|r| {
            policy
                .purpose(&r.collected_for)
                .is_some_and(|p| matches!(p.basis, LegalBasis::Consent | LegalBasis::Contract))
        })
        .map(|r| PortableRecord {
            category: r.category,
            value: r.value,
            collected_for: r.collected_for,
            source: r.source,
            collected_at: r.collected_at,
        })
        .collect();
    PortableData {
        subject,
        generated_at: now,
        records,
    }
}
