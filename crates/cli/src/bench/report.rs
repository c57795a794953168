//! The bench's verdict: per phase, engine and bare throughput side by side,
//! their ratio against the target, and the audit chain that proves every
//! engine operation was recorded.

use super::Workload;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// The ratio engine/bare each phase should reach.
pub(crate) const TARGET: f64 = 0.5;

/// Wall time of each timed phase of one side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    pub write_sequential: Duration,
    pub write_concurrent: Duration,
    pub read_sequential: Duration,
    pub read_concurrent: Duration,
}

/// Rows one side confirmed written and read (warm-up included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub written: usize,
    pub read: usize,
}

/// What walking the engine's audit chain found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditSummary {
    /// Entries verified.
    pub entries: u64,
    /// Entries the run should have produced.
    pub expected: u64,
    /// No edit, gap or reordering found.
    pub intact: bool,
}

/// Everything a run measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub workload: Workload,
    pub engine: Timings,
    pub bare: Timings,
    pub engine_counts: Counts,
    pub bare_counts: Counts,
    pub audit: AuditSummary,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub label: String,
    pub short: String,
    pub engine_per_s: f64,
    pub bare_per_s: f64,
}

impl Row {
    /// engine / bare.
    pub fn ratio(&self) -> f64 {
        self.engine_per_s / self.bare_per_s
    }

    fn meets_target(&self) -> bool {
        self.ratio() >= TARGET
    }
}

fn per_second(items: usize, took: Duration) -> f64 {
    items as f64 / took.as_secs_f64().max(1e-9)
}

/// The four phases: writes in records per second, reads in purpose-checked
/// subject reads per second.
pub(crate) fn rows(o: &Outcome) -> Vec<Row> {
    let w = &o.workload;
    let records = w.subjects * w.batch;
    let (b, c) = (w.batch, w.concurrency);
    let row = |label: String, short: String, items: usize, engine: Duration, bare: Duration| Row {
        label,
        short,
        engine_per_s: per_second(items, engine),
        bare_per_s: per_second(items, bare),
    };
    vec![
        row(
            format!("write records (c=1, batch {b})"),
            "write c=1".into(),
            records,
            o.engine.write_sequential,
            o.bare.write_sequential,
        ),
        row(
            format!("write records (c={c}, batch {b})"),
            format!("write c={c}"),
            records,
            o.engine.write_concurrent,
            o.bare.write_concurrent,
        ),
        row(
            "read records  (c=1)".into(),
            "read c=1".into(),
            w.subjects,
            o.engine.read_sequential,
            o.bare.read_sequential,
        ),
        row(
            format!("read records  (c={c})"),
            format!("read c={c}"),
            w.subjects,
            o.engine.read_concurrent,
            o.bare.read_concurrent,
        ),
    ]
}

/// The printed report.
pub(crate) fn render(o: &Outcome, dir: &Path) -> String {
    let w = &o.workload;
    let rows = rows(o);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tutela bench: {} subjects x {} records, SQLite WAL, data commits synchronous=FULL (engine: read-audit-only commits NORMAL), same disk ({})",
        w.subjects,
        w.batch,
        dir.display()
    );
    let _ = writeln!(
        out,
        "{:<32} {:>12} {:>12} {:>7}   target",
        "phase", "engine/s", "bare/s", "ratio"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<32} {:>12.1} {:>12.1} {:>7.2}   >= {TARGET:.2} {}",
            r.label,
            r.engine_per_s,
            r.bare_per_s,
            r.ratio(),
            if r.meets_target() { "ok" } else { "MISSED" }
        );
    }
    let _ = writeln!(
        out,
        "writes: records/s (encrypt, blind index, audit, commit vs plaintext insert, same batching)"
    );
    let _ = writeln!(
        out,
        "reads: subjects/s (purpose check, decrypt, audit commit vs bare select of the same rows)"
    );
    let (met, missed): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.meets_target());
    let names = |rs: &[&Row]| {
        if rs.is_empty() {
            "none".to_owned()
        } else {
            rs.iter()
                .map(|r| r.short.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let _ = writeln!(
        out,
        "target {TARGET:.2}: met by {}; missed by {}",
        names(&met),
        names(&missed)
    );
    let (e, b) = (o.engine_counts, o.bare_counts);
    let _ = writeln!(
        out,
        "rows confirmed (warm-up included): engine wrote {} read {}; bare wrote {} read {}",
        e.written, e.read, b.written, b.read
    );
    let a = &o.audit;
    let _ = writeln!(
        out,
        "audit chain: {} entries ({} expected), {}",
        a.entries,
        a.expected,
        if a.intact {
            "verified intact"
        } else {
            "BROKEN"
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timings(secs: f64) -> Timings {
        let d = Duration::from_secs_f64(secs);
        Timings {
            write_sequential: d,
            write_concurrent: d,
            read_sequential: d,
            read_concurrent: d,
        }
    }

    #[test]
    fn ratios_are_engine_over_bare_and_judged_against_the_target() {
        let counts = Counts {
            written: 0,
            read: 0,
        };
        let o = Outcome {
            workload: Workload {
                subjects: 100,
                batch: 5,
                concurrency: 8,
            },
            engine: timings(4.0),
            bare: timings(1.0),
            engine_counts: counts,
            bare_counts: counts,
            audit: AuditSummary {
                entries: 3,
                expected: 3,
                intact: true,
            },
        };
        let rows = rows(&o);
        assert!((rows[0].engine_per_s - 125.0).abs() < 1e-6);
        assert!((rows[0].ratio() - 0.25).abs() < 1e-9);
        assert!((rows[2].bare_per_s - 100.0).abs() < 1e-6);
        let text = render(&o, Path::new("/tmp"));
        assert!(
            text.contains("missed by write c=1, write c=8, read c=1, read c=8"),
            "{text}"
        );
        assert!(text.contains("verified intact"), "{text}");
    }
}
