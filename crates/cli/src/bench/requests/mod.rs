//! `tutela bench --requests`: what answering a data subject costs, beside
//! a bare rusqlite program doing the same work in the same run.
//!
//! - Access export (Art. 15): one subject's answer, built by
//!   `Engine::access_answer` and rendered as JSON and CSV, timed one at a
//!   time in a store of 10,000 records and in one of 1,000,000. The answer
//!   reads the subject by index, so its latency must not grow with the
//!   store; the report puts both sizes side by side and says whether it did.
//! - Erasure (Art. 17): subjects of 10 and of 10,000 records erased one at
//!   a time. Erasure destroys the subject's data key (crypto-shredding), so
//!   both are small; deleting the rows is the part that grows.
//!
//! Both sides run on SQLite files on the disk of `--dir`; each phase has
//! fresh databases, removed when it ends.

mod bare;
mod engine;
pub(crate) mod report;

use super::{Catalog, PURPOSE, Target};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

/// The sizes of a `--requests` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Records in the small and in the large store, the subject's included.
    pub stores: [usize; 2],
    /// Records of the subject whose access is exported.
    pub subject_records: usize,
    /// Reads of that subject before the exports, so its access log (which
    /// the answer includes) is not empty.
    pub log_reads: usize,
    /// Untimed exports before the timed ones.
    pub warm_up: usize,
    /// Timed exports per store.
    pub exports: usize,
    /// Records of the erased subjects, small then large.
    pub erasure_sizes: [usize; 2],
    /// Subjects erased per size.
    pub erasures: usize,
    /// Tasks filling the engine's store.
    pub concurrency: usize,
}

impl Shape {
    /// The sizes the issue asks for.
    pub fn full(concurrency: usize) -> Self {
        Self {
            stores: [10_000, 1_000_000],
            subject_records: 10,
            log_reads: 20,
            warm_up: 10,
            exports: 200,
            erasure_sizes: [10, 10_000],
            erasures: 5,
            concurrency,
        }
    }

    /// A smoke test: the same phases on small stores.
    pub fn quick(concurrency: usize) -> Self {
        Self {
            stores: [1_000, 5_000],
            log_reads: 5,
            warm_up: 2,
            exports: 20,
            erasure_sizes: [10, 500],
            erasures: 3,
            ..Self::full(concurrency)
        }
    }
}

/// Runs every phase in `dir` and returns what it measured.
pub(crate) async fn run(shape: &Shape, dir: &Path, target: &Target) -> Result<report::Outcome> {
    let catalog = Arc::new(Catalog::from_policy(
        tutela_policy::EXAMPLE_POLICY,
        PURPOSE,
    )?);
    let mut exports = Vec::with_capacity(shape.stores.len());
    for &store_records in &shape.stores {
        let name = format!("export-{store_records}");
        let url = target.engine_url(dir, &format!("{name}.db"))?;
        let engine = engine::export(&url, &catalog, shape, store_records).await?;
        let bare_path = dir.join(format!("bare-{name}.db"));
        let bare = bare::export(&bare_path, &catalog, shape, store_records).await?;
        remove_databases(dir, &name)?;
        exports.push(report::ExportRow {
            store_records,
            engine,
            bare,
        });
    }
    let url = target.engine_url(dir, "erasure.db")?;
    let engine = engine::erasure(&url, &catalog, shape).await?;
    let bare = bare::erasure(&dir.join("bare-erasure.db"), &catalog, shape).await?;
    remove_databases(dir, "erasure")?;
    let erasures = shape
        .erasure_sizes
        .iter()
        .zip(engine.into_iter().zip(bare))
        .map(|(&subject_records, (engine, bare))| report::EraseRow {
            subject_records,
            engine,
            bare,
        })
        .collect();
    Ok(report::Outcome {
        target: target.describe(),
        subject_records: shape.subject_records,
        exports,
        erasures,
    })
}

/// Removes a phase's databases (and their WAL files) as soon as it ends,
/// so a 1,000,000-record run never holds two large stores on disk.
fn remove_databases(dir: &Path, name: &str) -> Result<()> {
    let ours = [format!("{name}.db"), format!("bare-{name}.db")];
    for entry in std::fs::read_dir(dir).context("cannot list the bench directory")? {
        let entry = entry.context("cannot list the bench directory")?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if ours.iter().any(|db| file.starts_with(db.as_str())) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {file} from the bench directory"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_keeps_the_phases_and_shrinks_the_stores() {
        let full = Shape::full(4);
        let quick = Shape::quick(4);
        assert_eq!(full.stores, [10_000, 1_000_000]);
        assert_eq!(full.erasure_sizes, [10, 10_000]);
        assert!(quick.stores[1] > quick.stores[0]);
        assert!(quick.stores[0] > quick.subject_records);
        assert_eq!(quick.subject_records, full.subject_records);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_phase_runs_on_tiny_stores_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let shape = Shape {
            stores: [150, 450],
            subject_records: 7,
            log_reads: 3,
            warm_up: 1,
            exports: 4,
            erasure_sizes: [2, 130],
            erasures: 2,
            concurrency: 3,
        };
        let target = Target::new(None, dir.path()).unwrap();
        let outcome = run(&shape, dir.path(), &target).await.unwrap();
        assert_eq!(outcome.exports.len(), 2);
        assert_eq!(outcome.erasures.len(), 2);
        for row in &outcome.exports {
            assert_eq!(row.engine.latency.samples, 4);
            assert_eq!(row.bare.latency.samples, 4);
            // the subject's creation and reads, then one entry per export
            // before the last one: the answer includes its access log
            assert!(row.engine.log_rows >= shape.log_reads + 4, "{row:?}");
            assert_eq!(row.bare.log_rows, shape.log_reads + 1 + 3);
        }
        assert!(outcome.erasures.iter().all(|r| r.engine.samples == 2));
        let text = report::render(&outcome);
        assert!(text.contains("export, 450-record store"), "{text}");
        assert!(text.contains("erase subject with 130 records"), "{text}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
