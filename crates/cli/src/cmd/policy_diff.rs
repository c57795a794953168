//! `tutela policy diff OLD NEW`: what a new policy version changes, material
//! changes first, so a DPO sees before publishing what must be announced
//! and how far ahead (the old version's notice period, the one subjects
//! were promised).

use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_policy::{Change, Policy, Severity};

use super::policy::write_diagnostic;

/// How `policy diff` prints.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum DiffFormat {
    /// One block per change, for people.
    #[default]
    Text,
    /// One JSON document, for scripts.
    Json,
}

/// The JSON document `--format json` prints.
#[derive(Serialize)]
struct DiffReport<'c> {
    material: usize,
    editorial: usize,
    notice_period: String,
    changes: &'c [Change],
}

/// Compares two policy files; exit 0 with the changes (none is fine), 1
/// when either file is not a valid policy.
pub fn diff(old: &Path, new: &Path, format: DiffFormat) -> Result<ExitCode> {
    let (Some(before), Some(after)) = (load(old)?, load(new)?) else {
        return Ok(ExitCode::FAILURE);
    };
    let changes = tutela_policy::diff(&before, &after);
    let material = changes.iter().filter(|c| c.material).count();
    let report = DiffReport {
        material,
        editorial: changes.len() - material,
        notice_period: before.changes.notice_period.to_string(),
        changes: &changes,
    };
    let mut out = std::io::stdout().lock();
    match format {
        DiffFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        DiffFormat::Text => text(&mut out, &report)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn text(out: &mut impl Write, report: &DiffReport<'_>) -> std::io::Result<()> {
    for c in report.changes {
        let class = if c.material { "MATERIAL " } else { "editorial" };
        writeln!(out, "{class} {} at {}", c.kind.code(), c.path)?;
        writeln!(out, "          {}", c.summary)?;
    }
    writeln!(
        out,
        "{} change(s): {} material, {} editorial",
        report.changes.len(),
        report.material,
        report.editorial
    )?;
    if report.material > 0 {
        writeln!(
            out,
            "material changes may apply no sooner than {} after publication (the notice period of OLD); publish with an effective date",
            report.notice_period
        )?;
    }
    Ok(())
}

/// The policy in `file`, or `None` after printing its errors to stderr.
fn load(file: &Path) -> Result<Option<Policy>> {
    let source = super::policy::read(file)?;
    let checked = tutela_policy::check(&source);
    if let Some(policy) = checked.policy {
        return Ok(Some(policy));
    }
    let mut err = std::io::stderr().lock();
    for d in checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        write_diagnostic(&mut err, file, d)?;
    }
    writeln!(err, "error: {} is not a valid policy", file.display())?;
    Ok(None)
}
