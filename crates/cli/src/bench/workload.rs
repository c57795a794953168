//! What both sides do, identically: which subjects each phase touches, and
//! the rows written about each one, taken from the example policy.

use anyhow::{Context, Result, ensure};
use std::ops::Range;
use tutela_policy::{CategoryId, Policy, PurposeId, SubjectKindId};

/// The purpose every record is written and read for: a contract purpose, so
/// no consent is needed and the check is the common path.
pub(crate) const PURPOSE: &str = "account";

/// The shape of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Workload {
    /// Subjects per timed phase.
    pub subjects: usize,
    /// Records per write.
    pub batch: usize,
    /// Tasks in the concurrent phases.
    pub concurrency: usize,
}

impl Workload {
    fn warmup(&self) -> usize {
        (self.subjects / 10).max(self.concurrency)
    }

    /// Every subject index used: warm-up, then the sequential set, then the
    /// concurrent set, so no timed write finds its subject already written.
    pub fn total(&self) -> usize {
        self.warmup() + 2 * self.subjects
    }

    /// Subjects written and read untimed before the timed phases.
    pub fn warm(&self) -> Range<usize> {
        0..self.warmup()
    }

    /// Subjects of the sequential (c=1) phases.
    pub fn sequential_set(&self) -> Range<usize> {
        self.warmup()..self.warmup() + self.subjects
    }

    /// Subjects of the concurrent phases.
    pub fn concurrent_set(&self) -> Range<usize> {
        self.warmup() + self.subjects..self.total()
    }
}

/// The ids a bare baseline gives its subjects, one per subject the
/// workload touches, made before any phase is timed.
pub(crate) struct SubjectIds(Vec<String>);

impl SubjectIds {
    /// `n` fresh ids.
    pub(crate) fn new(n: usize) -> Self {
        Self((0..n).map(|_| uuid::Uuid::now_v7().to_string()).collect())
    }

    /// The `i`th id.
    pub(crate) fn get(&self, i: usize) -> Result<&str> {
        self.0
            .get(i)
            .map(String::as_str)
            .context("subject index out of range")
    }
}

/// The purpose, subject kind and categories taken from the example policy,
/// and the values both sides write: the same rows, byte for byte.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub purpose: PurposeId,
    pub kind: SubjectKindId,
    pub identifier: CategoryId,
    pub others: Vec<CategoryId>,
}

impl Catalog {
    /// Picks from `source` the purpose named `purpose`, one storable
    /// identifier it covers, its other storable categories and a subject kind.
    pub fn from_policy(source: &str, purpose: &str) -> Result<Self> {
        let policy = Policy::parse(source)
            .map_err(|d| anyhow::anyhow!("example policy does not parse: {d:?}"))?;
        let purpose = PurposeId::parse(purpose).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let declared = policy
            .purpose(&purpose)
            .with_context(|| format!("example policy declares no purpose '{purpose}'"))?;
        let storable = |c: &&CategoryId| policy.category(c).is_some_and(|d| d.storable);
        let is_identifier = |c: &&CategoryId| policy.category(c).is_some_and(|d| d.identifier);
        let identifier = declared
            .categories
            .iter()
            .filter(storable)
            .find(is_identifier)
            .cloned()
            .with_context(|| format!("purpose '{purpose}' covers no storable identifier"))?;
        let others: Vec<CategoryId> = declared
            .categories
            .iter()
            .filter(storable)
            .filter(|c| !is_identifier(c))
            .cloned()
            .collect();
        ensure!(
            !others.is_empty(),
            "purpose '{purpose}' covers no storable non-identifier category"
        );
        let kind = policy
            .subject_kinds
            .first()
            .map(|k| k.id.clone())
            .context("example policy declares no subject kind")?;
        Ok(Self {
            purpose,
            kind,
            identifier,
            others,
        })
    }

    /// The `size` values written about subject `subject`: its identifier
    /// first (distinct per subject, so the blind index stays unique), then
    /// the other categories in turn.
    pub fn batch(&self, subject: usize, size: usize) -> Vec<(CategoryId, String)> {
        let first = (
            self.identifier.clone(),
            format!("user{subject:07}@bench.example"),
        );
        let rest = self.others.iter().cycle().take(size.saturating_sub(1));
        std::iter::once(first)
            .chain(
                rest.enumerate()
                    .map(|(j, c)| (c.clone(), format!("{c} value {subject:07}-{j}"))),
            )
            .collect()
    }

    /// `size` more values about subject `subject`, none an identifier (so a
    /// subject can hold many records under one identifier), numbered from
    /// `from` so they stay distinct from the first batch's.
    pub fn more(&self, subject: usize, from: usize, size: usize) -> Vec<(CategoryId, String)> {
        self.others
            .iter()
            .cycle()
            .skip(from % self.others.len().max(1))
            .take(size)
            .enumerate()
            .map(|(j, c)| (c.clone(), format!("{c} value {subject:07}-{}", from + j)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_lead_with_a_distinct_identifier() {
        let catalog = Catalog::from_policy(tutela_policy::EXAMPLE_POLICY, PURPOSE).unwrap();
        let a = catalog.batch(1, 5);
        let b = catalog.batch(2, 5);
        assert_eq!(a.len(), 5);
        assert_eq!(a[0].0, catalog.identifier);
        assert_ne!(a[0].1, b[0].1);
        assert!(a[1..].iter().all(|(c, _)| c != &catalog.identifier));
    }

    #[test]
    fn more_values_carry_no_identifier_and_continue_the_numbering() {
        let catalog = Catalog::from_policy(tutela_policy::EXAMPLE_POLICY, PURPOSE).unwrap();
        let more = catalog.more(1, 4, 7);
        assert_eq!(more.len(), 7);
        assert!(more.iter().all(|(c, _)| c != &catalog.identifier));
        assert!(more[0].1.ends_with("0000001-4"), "{more:?}");
        let first = catalog.batch(1, 4);
        assert!(more.iter().all(|m| !first.contains(m)));
    }
}
