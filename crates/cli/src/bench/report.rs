//! The bench's verdict, rendered from measured figures alone (no I/O): per
//! phase, the engine beside its baseline from the same run, their ratio and
//! the target the ratio is held to, plus the audit chain that proves every
//! engine operation was recorded.

use super::Workload;
use std::fmt::Write as _;
use std::time::Duration;

/// Wall times of one operation timed at c=1 and at the run's concurrency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    /// Over the sequential set, one task.
    pub sequential: Duration,
    /// Over the concurrent set, `concurrency` tasks.
    pub concurrent: Duration,
}

/// Rows one side confirmed written and read (warm-up included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Rows written.
    pub written: usize,
    /// Rows read.
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

/// The engine's run: writes and purpose-checked reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineRun {
    /// Engines sharing the load (1, or `--servers`).
    pub engines: usize,
    /// Timed writes.
    pub write: Pair,
    /// Timed purpose-checked reads.
    pub read: Pair,
    /// Rows confirmed.
    pub counts: Counts,
    /// The tenant's chain after the run.
    pub audit: AuditSummary,
}

/// The baseline's run: plaintext writes, bare selects, audited reads.
#[derive(Debug, Clone)]
pub(crate) struct BareRun {
    /// How the baseline stores and commits, for the header.
    pub settings: String,
    /// Timed plaintext writes.
    pub write: Pair,
    /// Timed bare selects.
    pub select: Pair,
    /// Timed selects plus an access-log row each.
    pub audited: Pair,
    /// Rows confirmed.
    pub counts: Counts,
    /// Access-log rows found in the table after the run.
    pub access_rows: usize,
}

/// Everything a run measured.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The run's shape.
    pub workload: Workload,
    /// Which database, named without secrets.
    pub target: String,
    /// The engine, one instance.
    pub engine: EngineRun,
    /// The baseline.
    pub bare: BareRun,
    /// The engine again with several instances (`--servers`).
    pub scaling: Option<EngineRun>,
}

impl Outcome {
    fn postgres(&self) -> bool {
        self.target.starts_with("PostgreSQL")
    }
}

/// One line of the table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// What was measured.
    pub label: String,
    /// The engine's rate.
    pub engine_per_s: f64,
    /// The baseline's rate, same run.
    pub base_per_s: f64,
    /// The ratio engine/baseline the row is held to, if any.
    pub target: Option<f64>,
}

impl Row {
    /// engine / baseline.
    pub fn ratio(&self) -> f64 {
        self.engine_per_s / self.base_per_s
    }

    fn verdict(&self) -> String {
        match self.target {
            Some(t) if self.ratio() >= t => format!(">= {t:.2} ok"),
            Some(t) => format!(">= {t:.2} MISSED"),
            None => "-".to_owned(),
        }
    }
}

fn per_second(items: usize, took: Duration) -> f64 {
    items as f64 / took.as_secs_f64().max(1e-9)
}

/// Targets from the issue that asked for these baselines: SQLite holds every
/// row to one; PostgreSQL only the concurrent audited read and the scaling.
struct Targets {
    write: Option<f64>,
    select: [Option<f64>; 2],
    audited: [Option<f64>; 2],
    scaling: Option<f64>,
}

fn targets(postgres: bool) -> Targets {
    if postgres {
        Targets {
            write: None,
            select: [None, None],
            audited: [None, Some(0.5)],
            scaling: Some(1.6),
        }
    } else {
        Targets {
            write: Some(0.5),
            select: [Some(0.25), Some(0.5)],
            audited: [Some(0.7), Some(0.7)],
            scaling: None,
        }
    }
}

/// The table: writes in records per second, reads in subject reads per
/// second; with `--servers`, the concurrent phases of several engines
/// against one.
pub(crate) fn rows(o: &Outcome) -> Vec<Row> {
    let w = &o.workload;
    let records = w.subjects * w.batch;
    let c = w.concurrency;
    let t = targets(o.postgres());
    let row = |label: String, items: usize, engine: Duration, base: Duration, target| Row {
        label,
        engine_per_s: per_second(items, engine),
        base_per_s: per_second(items, base),
        target,
    };
    let (e, b) = (&o.engine, &o.bare);
    let mut rows = vec![
        row(
            "write records c=1".into(),
            records,
            e.write.sequential,
            b.write.sequential,
            t.write,
        ),
        row(
            format!("write records c={c}"),
            records,
            e.write.concurrent,
            b.write.concurrent,
            t.write,
        ),
        row(
            "read c=1 vs bare select".into(),
            w.subjects,
            e.read.sequential,
            b.select.sequential,
            t.select[0],
        ),
        row(
            format!("read c={c} vs bare select"),
            w.subjects,
            e.read.concurrent,
            b.select.concurrent,
            t.select[1],
        ),
        row(
            "read c=1 vs audited read".into(),
            w.subjects,
            e.read.sequential,
            b.audited.sequential,
            t.audited[0],
        ),
        row(
            format!("read c={c} vs audited read"),
            w.subjects,
            e.read.concurrent,
            b.audited.concurrent,
            t.audited[1],
        ),
    ];
    if let Some(s) = &o.scaling {
        let n = s.engines;
        rows.push(row(
            format!("write c={c}, {n} engines vs 1"),
            records,
            s.write.concurrent,
            e.write.concurrent,
            t.scaling,
        ));
        rows.push(row(
            format!("read c={c}, {n} engines vs 1"),
            w.subjects,
            s.read.concurrent,
            e.read.concurrent,
            t.scaling,
        ));
    }
    rows
}

/// The printed report.
pub(crate) fn render(o: &Outcome) -> String {
    let w = &o.workload;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tutela bench: {} subjects per phase, {} records per write, concurrency {}, {}",
        w.subjects, w.batch, w.concurrency, o.target
    );
    let _ = writeln!(out, "engine:   {}", engine_settings(o.postgres()));
    let _ = writeln!(out, "baseline: {}", o.bare.settings);
    let _ = writeln!(
        out,
        "{:<34} {:>11} {:>11} {:>7}   target",
        "phase", "engine/s", "baseline/s", "ratio"
    );
    for r in rows(o) {
        let _ = writeln!(
            out,
            "{:<34} {:>11.1} {:>11.1} {:>7.2}   {}",
            r.label,
            r.engine_per_s,
            r.base_per_s,
            r.ratio(),
            r.verdict()
        );
    }
    let _ = writeln!(
        out,
        "writes: records/s (purpose check, encrypt, blind index, audit, commit vs plaintext inserts, same rows per call)"
    );
    let _ = writeln!(
        out,
        "reads: subject reads/s (purpose check, decrypt, audit entry committed before the answer vs bare select, and vs select + access-log insert)"
    );
    if let Some(s) = &o.scaling {
        let _ = writeln!(
            out,
            "scaling: {} engines, each with its own pool, on one database and one tenant, concurrent load split between them (baseline column: 1 engine)",
            s.engines
        );
    }
    counts_and_chain(&mut out, o);
    out
}

fn engine_settings(postgres: bool) -> &'static str {
    if postgres {
        "tutela_store::connect, one transaction per act, audit entries committed with the act (the database's synchronous_commit, on by default)"
    } else {
        "tutela_store::connect, WAL, group commit; batches with data synchronous=FULL, batches of read audit entries only synchronous=NORMAL"
    }
}

fn counts_and_chain(out: &mut String, o: &Outcome) {
    let (e, b) = (o.engine.counts, o.bare.counts);
    let _ = writeln!(
        out,
        "rows confirmed (warm-up included): engine wrote {} read {}; baseline wrote {} read {}, access-log rows {}",
        e.written, e.read, b.written, b.read, o.bare.access_rows
    );
    let runs = std::iter::once(&o.engine).chain(o.scaling.as_ref());
    for run in runs {
        let a = &run.audit;
        let _ = writeln!(
            out,
            "audit chain ({} engine{}): {} entries ({} expected), {}",
            run.engines,
            if run.engines == 1 { "" } else { "s" },
            a.entries,
            a.expected,
            if a.intact && a.entries == a.expected {
                "verified intact"
            } else {
                "BROKEN"
            }
        );
    }
}

/// One timed HTTP phase.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Requests sent.
    pub requests: usize,
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Requests not answered 200.
    pub errors: usize,
}

impl Load {
    /// Summarises every request's latency (nearest-rank percentiles).
    pub fn from_latencies(mut latencies: Vec<Duration>, elapsed: Duration, errors: usize) -> Self {
        latencies.sort_unstable();
        let rank = |p: f64| {
            let n = latencies.len();
            let i = ((p * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
            latencies.get(i).copied().unwrap_or_default()
        };
        Self {
            requests: latencies.len(),
            elapsed,
            p50: rank(0.50),
            p99: rank(0.99),
            errors,
        }
    }

    fn per_second(&self) -> f64 {
        per_second(self.requests, self.elapsed)
    }
}

/// The server's resident memory, in KiB.
pub(crate) use super::child::Memory;

/// What `tutela bench --http` measured.
#[derive(Debug, Clone)]
pub(crate) struct HttpOutcome {
    /// The run's shape.
    pub workload: Workload,
    /// Which database, named without secrets.
    pub target: String,
    /// The engine in process on the same backend: the baseline.
    pub engine: EngineRun,
    /// Reads through the server, one connection.
    pub sequential: Load,
    /// Reads through the server, c connections.
    pub concurrent: Load,
    /// The server's memory after the run.
    pub memory: Memory,
}

impl HttpOutcome {
    /// Failed requests over both phases.
    pub fn errors(&self) -> usize {
        self.sequential.errors + self.concurrent.errors
    }
}

/// The printed report of an HTTP run.
pub(crate) fn render_http(o: &HttpOutcome) -> String {
    let w = &o.workload;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tutela bench --http: {} subjects x {} records, purpose-checked reads (GET /v1/subjects/{{id}}/records), keep-alive connections, {}",
        w.subjects, w.batch, o.target
    );
    let _ = writeln!(
        out,
        "server: tutela serve --demo as a child process, default settings (log level info); client in this process, on the same cores"
    );
    let _ = writeln!(
        out,
        "baseline: the engine's purpose-checked read in process, same backend, same run"
    );
    let _ = writeln!(
        out,
        "{:<12} {:>9} {:>11} {:>7} {:>10} {:>10} {:>7}",
        "phase", "http/s", "in-proc/s", "ratio", "p50 ms", "p99 ms", "errors"
    );
    let phases = [
        (
            "read c=1".to_owned(),
            &o.sequential,
            o.engine.read.sequential,
        ),
        (
            format!("read c={}", w.concurrency),
            &o.concurrent,
            o.engine.read.concurrent,
        ),
    ];
    for (label, load, base) in phases {
        let base_per_s = per_second(w.subjects, base);
        let _ = writeln!(
            out,
            "{label:<12} {:>9.1} {:>11.1} {:>7.2} {:>10.2} {:>10.2} {:>7}",
            load.per_second(),
            base_per_s,
            load.per_second() / base_per_s,
            load.p50.as_secs_f64() * 1e3,
            load.p99.as_secs_f64() * 1e3,
            load.errors
        );
    }
    let _ = writeln!(
        out,
        "server memory: VmHWM {:.1} MiB (peak), VmRSS {:.1} MiB (at the end)",
        o.memory.peak_kib as f64 / 1024.0,
        o.memory.now_kib as f64 / 1024.0
    );
    let _ = writeln!(
        out,
        "errors: {} of {} requests",
        o.errors(),
        o.sequential.requests + o.concurrent.requests
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(secs: f64) -> Pair {
        let d = Duration::from_secs_f64(secs);
        Pair {
            sequential: d,
            concurrent: d,
        }
    }

    fn engine(engines: usize, secs: f64) -> EngineRun {
        EngineRun {
            engines,
            write: pair(secs),
            read: pair(secs),
            counts: Counts {
                written: 0,
                read: 0,
            },
            audit: AuditSummary {
                entries: 3,
                expected: 3,
                intact: true,
            },
        }
    }

    fn outcome(target: &str, scaling: Option<EngineRun>) -> Outcome {
        Outcome {
            workload: Workload {
                subjects: 100,
                batch: 5,
                concurrency: 8,
            },
            target: target.into(),
            engine: engine(1, 4.0),
            bare: BareRun {
                settings: "bare settings".into(),
                write: pair(1.0),
                select: pair(1.0),
                audited: pair(2.0),
                counts: Counts {
                    written: 0,
                    read: 0,
                },
                access_rows: 0,
            },
            scaling,
        }
    }

    #[test]
    fn ratios_are_engine_over_baseline_and_judged_against_the_targets() {
        let o = outcome("SQLite, same disk (/tmp)", None);
        let rows = rows(&o);
        assert_eq!(rows.len(), 6);
        assert!((rows[0].engine_per_s - 125.0).abs() < 1e-6);
        assert!((rows[0].ratio() - 0.25).abs() < 1e-9);
        assert!((rows[2].base_per_s - 100.0).abs() < 1e-6);
        assert!((rows[4].ratio() - 0.5).abs() < 1e-9);
        let text = render(&o);
        assert!(text.contains("read c=1 vs bare select"), "{text}");
        assert!(text.contains("read c=8 vs audited read"), "{text}");
        assert!(text.contains(">= 0.25 ok"), "{text}");
        assert!(text.contains(">= 0.70 MISSED"), "{text}");
        assert!(text.contains("baseline: bare settings"), "{text}");
        assert!(text.contains("verified intact"), "{text}");
    }

    #[test]
    fn postgres_reports_the_scaling_of_a_second_engine() {
        let o = outcome("PostgreSQL (postgres://u@h/db)", Some(engine(2, 2.0)));
        let rows = rows(&o);
        assert_eq!(rows.len(), 8);
        assert!((rows[7].ratio() - 2.0).abs() < 1e-9);
        let text = render(&o);
        assert!(text.contains("read c=8, 2 engines vs 1"), "{text}");
        assert!(text.contains(">= 1.60 ok"), "{text}");
        assert!(text.contains("audit chain (2 engines)"), "{text}");
        // the SQLite targets do not apply
        assert!(!text.contains(">= 0.25"), "{text}");
    }
    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let load = Load::from_latencies((1..=100).rev().map(ms).collect(), ms(1000), 0);
        assert_eq!(load.requests, 100);
        assert_eq!(load.p50, ms(50));
        assert_eq!(load.p99, ms(99));
        assert!((load.per_second() - 100.0).abs() < 1e-9);
        let empty = Load::from_latencies(Vec::new(), ms(1), 0);
        assert_eq!(empty.p99, Duration::ZERO);
    }

    #[test]
    fn http_figures_stand_beside_the_in_process_engine() {
        let ms = |n: u64| Duration::from_millis(n);
        let o = HttpOutcome {
            workload: Workload {
                subjects: 100,
                batch: 5,
                concurrency: 8,
            },
            target: "SQLite, same disk (.)".into(),
            engine: engine(1, 0.5),
            sequential: Load::from_latencies(vec![ms(2); 100], ms(1000), 0),
            concurrent: Load::from_latencies(vec![ms(4); 500], ms(1000), 1),
            memory: Memory {
                peak_kib: 2048,
                now_kib: 1024,
            },
        };
        let text = render_http(&o);
        assert!(text.contains("read c=8"), "{text}");
        // 500/s over HTTP against 200/s in process
        assert!(text.contains("500.0       200.0    2.50"), "{text}");
        assert!(text.contains("VmHWM 2.0 MiB"), "{text}");
        assert!(text.contains("errors: 1 of 600 requests"), "{text}");
        assert_eq!(o.errors(), 1);
    }
}
