//! What a sweep needs of a record to decide it: its id, category and
//! collection time. No value, no ciphertext: a sweep that only deletes
//! reads these alone, and loads a subject whole only when a statutory
//! hold or a whole-subject erasure needs its sealed values.

use crate::ids::RecordId;
use crate::store::RecordRow;
use jiff::Timestamp;
use tutela_policy::CategoryId;

/// One record as the retention sweep first reads it (Art. 5(1)(e)): enough
/// to find when it falls due, nothing of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordStamp {
    /// The record's id.
    pub id: RecordId,
    /// Which category of data.
    pub category: CategoryId,
    /// When it was collected.
    pub collected_at: Timestamp,
}

/// A record the due-date decision can be made on: a whole [`RecordRow`]
/// or a [`RecordStamp`], so one pure decision serves both reads.
pub trait Stamped {
    /// The record's id.
    fn id(&self) -> RecordId;
    /// Its category.
    fn category(&self) -> &CategoryId;
    /// When it was collected.
    fn collected_at(&self) -> Timestamp;
}

impl Stamped for RecordStamp {
    fn id(&self) -> RecordId {
        self.id
    }
    fn category(&self) -> &CategoryId {
        &self.category
    }
    fn collected_at(&self) -> Timestamp {
        self.collected_at
    }
}

impl Stamped for RecordRow {
    fn id(&self) -> RecordId {
        self.id
    }
    fn category(&self) -> &CategoryId {
        &self.category
    }
    fn collected_at(&self) -> Timestamp {
        self.collected_at
    }
}
