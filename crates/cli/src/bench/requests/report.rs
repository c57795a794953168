//! The verdict of `tutela bench --requests`, rendered from measured figures
//! alone (no I/O): export latency per store size and erasure latency per
//! subject size, each beside its baseline from the same run, and whether
//! the export grew with the store.

use std::fmt::Write as _;
use std::time::Duration;

/// The most the median export may grow from the small store to the large
/// one and still count as flat: an index lookup grows with the depth of the
/// B-tree (one or two pages more), not with the rows.
pub(crate) const FLAT: f64 = 1.5;

/// Latency percentiles over a handful of timed operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Latency {
    /// Operations timed.
    pub samples: usize,
    /// Median (nearest rank).
    pub p50: Duration,
    /// 99th percentile (nearest rank; the slowest of fewer than 100).
    pub p99: Duration,
}

impl Latency {
    /// Nearest-rank percentiles of `samples`.
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let n = samples.len();
        let rank = |p: f64| {
            let i = ((p * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
            samples.get(i).copied().unwrap_or_default()
        };
        Self {
            samples: n,
            p50: rank(0.50),
            p99: rank(0.99),
        }
    }
}

/// One side's export phase on one store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExportSide {
    /// Timed exports.
    pub latency: Latency,
    /// Access-log rows the last export read about the subject.
    pub log_rows: usize,
    /// The time the store took to fill.
    pub fill: Duration,
}

/// The export on one store size, engine beside baseline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExportRow {
    /// Records in the store (the subject's included).
    pub store_records: usize,
    /// The engine's access answer as JSON and CSV.
    pub engine: ExportSide,
    /// The bare reads, decryption and rendering.
    pub bare: ExportSide,
}

/// Erasure of subjects of one size, engine beside baseline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EraseRow {
    /// Records each erased subject held.
    pub subject_records: usize,
    /// The engine's `erase_subject`.
    pub engine: Latency,
    /// The bare delete and checkpoint.
    pub bare: Latency,
}

/// Everything a `--requests` run measured.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Which database, named without secrets.
    pub target: String,
    /// Records of the subject whose access is exported.
    pub subject_records: usize,
    /// One row per store size, smallest first.
    pub exports: Vec<ExportRow>,
    /// One row per subject size, smallest first.
    pub erasures: Vec<EraseRow>,
}

/// The median export on the largest store over the one on the smallest:
/// (engine, baseline). `None` with fewer than two stores.
pub(crate) fn growth(o: &Outcome) -> Option<(f64, f64)> {
    let (first, last) = (o.exports.first()?, o.exports.last()?);
    if o.exports.len() < 2 {
        return None;
    }
    let ratio = |a: Latency, b: Latency| ms(b.p50) / ms(a.p50).max(1e-9);
    Some((
        ratio(first.engine.latency, last.engine.latency),
        ratio(first.bare.latency, last.bare.latency),
    ))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The printed report.
pub(crate) fn render(o: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tutela bench --requests: data subject requests, {}",
        o.target
    );
    let _ = writeln!(
        out,
        "export:  engine = Engine::access_answer (Art. 15: unwrap the subject's key, decrypt its {} records, read its access log by index, build the answer, commit its audit entry) rendered as JSON and CSV; \
         baseline = rusqlite reading the same subject's key, rows and access-log rows by index, decrypting as many values, rendering JSON and CSV, committing one access-log row",
        o.subject_records
    );
    let _ = writeln!(
        out,
        "erasure: engine = Engine::erase_subject (key destroyed, records and identifiers deleted with secure_delete, audit entry, one commit, answered after a truncating WAL checkpoint); \
         baseline = rusqlite deleting the subject's rows and key in one transaction (synchronous=FULL, secure_delete), then a truncating WAL checkpoint"
    );
    let _ = writeln!(
        out,
        "{:<40} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "phase (latency, ms)", "eng p50", "eng p99", "base p50", "base p99", "p50 x"
    );
    for r in &o.exports {
        let label = format!("export, {}-record store", thousands(r.store_records));
        line(&mut out, &label, r.engine.latency, r.bare.latency);
    }
    for r in &o.erasures {
        let label = format!(
            "erase subject with {} records",
            thousands(r.subject_records)
        );
        line(&mut out, &label, r.engine, r.bare);
    }
    let _ = writeln!(
        out,
        "p50 x: engine p50 / baseline p50 (lower is better); p99 is nearest rank, the slowest of fewer than 100 samples"
    );
    if let Some((engine, bare)) = growth(o) {
        let verdict = if engine <= FLAT { "flat ok" } else { "GROWS" };
        let _ = writeln!(
            out,
            "export growth with the store (p50 largest / smallest): engine x{engine:.2}, baseline x{bare:.2}, must not grow (<= x{FLAT:.1}): {verdict}"
        );
    }
    fills(&mut out, o);
    out
}

fn line(out: &mut String, label: &str, engine: Latency, bare: Latency) {
    let _ = writeln!(
        out,
        "{label:<40} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7.2}   ({} samples)",
        ms(engine.p50),
        ms(engine.p99),
        ms(bare.p50),
        ms(bare.p99),
        ms(engine.p50) / ms(bare.p50).max(1e-9),
        engine.samples
    );
}

fn fills(out: &mut String, o: &Outcome) {
    for r in &o.exports {
        let rate = |d: Duration| r.store_records as f64 / d.as_secs_f64().max(1e-9);
        let _ = writeln!(
            out,
            "filled {} records: engine {:.1} s ({:.0} records/s through create_subject, 100 records per call, group-committed), baseline {:.1} s ({:.0} records/s, one transaction); access-log rows read: engine {}, baseline {}",
            thousands(r.store_records),
            r.engine.fill.as_secs_f64(),
            rate(r.engine.fill),
            r.bare.fill.as_secs_f64(),
            rate(r.bare.fill),
            r.engine.log_rows,
            r.bare.log_rows
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn side(p50: u64) -> ExportSide {
        ExportSide {
            latency: Latency::of(vec![ms(p50); 10]),
            log_rows: 30,
            fill: ms(2000),
        }
    }

    fn outcome(large_p50: u64) -> Outcome {
        Outcome {
            target: "SQLite, same disk (.)".into(),
            subject_records: 10,
            exports: vec![
                ExportRow {
                    store_records: 10_000,
                    engine: side(2),
                    bare: side(1),
                },
                ExportRow {
                    store_records: 1_000_000,
                    engine: side(large_p50),
                    bare: side(1),
                },
            ],
            erasures: vec![EraseRow {
                subject_records: 10_000,
                engine: Latency::of(vec![ms(4), ms(6), ms(5)]),
                bare: Latency::of(vec![ms(2); 3]),
            }],
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latency::of((1..=100).rev().map(ms).collect());
        assert_eq!((l.samples, l.p50, l.p99), (100, ms(50), ms(99)));
        let few = Latency::of(vec![ms(4), ms(6), ms(5)]);
        assert_eq!((few.p50, few.p99), (ms(5), ms(6)));
        assert_eq!(Latency::of(Vec::new()).p99, Duration::ZERO);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(10), "10");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn exports_stand_side_by_side_with_their_growth() {
        let text = render(&outcome(2));
        assert!(text.contains("export, 10,000-record store"), "{text}");
        assert!(text.contains("export, 1,000,000-record store"), "{text}");
        assert!(text.contains("erase subject with 10,000 records"), "{text}");
        assert!(text.contains("engine x1.00, baseline x1.00"), "{text}");
        assert!(text.contains("flat ok"), "{text}");
        // 5 ms against 2 ms at p50, the slowest of three at p99
        assert!(
            text.contains("5.00      6.00      2.00      2.00    2.50"),
            "{text}"
        );
    }

    #[test]
    fn an_export_that_grows_with_the_store_is_flagged() {
        let o = outcome(4);
        assert_eq!(growth(&o), Some((2.0, 1.0)));
        assert!(render(&o).contains("GROWS"));
        let single = Outcome {
            exports: o.exports[..1].to_vec(),
            ..o
        };
        assert_eq!(growth(&single), None);
        assert!(!render(&single).contains("export growth"));
    }
}
