//! `tutela policy check|render` (`diff` is in `policy_diff`): the policy file's problems in the format
//! editors and CI understand (`FILE:LINE:COL: error[CODE]: message`, then a
//! hint), and the privacy notice rendered from a valid policy.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tutela_policy::{Diagnostic, Severity};

/// `tutela policy ...`.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Report every problem in policy files; exit 1 if any has an error
    /// (warnings alone pass).
    Check {
        /// The policy files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the privacy notice of a valid policy, as Markdown.
    Render {
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// List what NEW changes against OLD, material changes first (exit 0).
    Diff {
        /// The version in force.
        #[arg(value_name = "OLD")]
        old: PathBuf,
        /// The version to publish.
        #[arg(value_name = "NEW")]
        new: PathBuf,
        /// `text` for people, `json` for scripts.
        #[arg(long, value_enum, default_value_t)]
        format: super::policy_diff::DiffFormat,
    },
    /// Tell every subject affected by the pending version's material
    /// changes, through the configured notifier (resumable, once each).
    Notify(super::policy_notify::NotifyArgs),
}

/// Runs a policy subcommand.
pub fn run(command: PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::Check { files } => check(&files),
        PolicyCommand::Render { file } => render(&file),
        PolicyCommand::Diff { old, new, format } => super::policy_diff::diff(&old, &new, format),
        // Needs the database: `main` runs it through `policy_notify::run`.
        PolicyCommand::Notify(_) => {
            anyhow::bail!("`policy notify` needs the database; run it as `tutela policy notify`")
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    errors: usize,
    warnings: usize,
}

fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let mut tally = Tally::default();
    for file in files {
        let source = match read(file) {
            Ok(source) => source,
            Err(err) => {
                writeln!(out, "{}: error: {err:#}", file.display())?;
                tally.errors += 1;
                continue;
            }
        };
        let checked = tutela_policy::check(&source);
        for d in &checked.diagnostics {
            match d.severity {
                Severity::Error => tally.errors += 1,
                Severity::Warning => tally.warnings += 1,
            }
            write_diagnostic(&mut out, file, d)?;
        }
    }
    let files_word = if files.len() == 1 { "file" } else { "files" };
    let verdict = if tally.errors == 0 { "ok" } else { "failed" };
    writeln!(
        out,
        "{verdict}: {} {files_word} checked, {} error(s), {} warning(s)",
        files.len(),
        tally.errors,
        tally.warnings
    )?;
    Ok(if tally.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn render(file: &Path) -> Result<ExitCode> {
    let source = read(file)?;
    let checked = tutela_policy::check(&source);
    let errors = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    match checked.policy {
        Some(policy) if errors == 0 => {
            let mut out = std::io::stdout().lock();
            write!(out, "{}", policy.render_notice())?;
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            let mut err = std::io::stderr().lock();
            for d in &checked.diagnostics {
                write_diagnostic(&mut err, file, d)?;
            }
            writeln!(
                err,
                "error: {} is not a valid policy ({errors} error(s)); fix it before rendering its notice",
                file.display()
            )?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The text of a policy file, or an error naming it.
pub(super) fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the policy file {}", file.display()))
}

/// `FILE:LINE:COL: error[CODE]: message`, then `  hint: ...` if there is one.
pub fn write_diagnostic(out: &mut impl Write, file: &Path, d: &Diagnostic) -> std::io::Result<()> {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(
        out,
        "{}:{}:{}: {severity}[{}]: {}",
        file.display(),
        d.line,
        d.column,
        d.code,
        d.message
    )?;
    if let Some(hint) = &d.hint {
        writeln!(out, "  hint: {hint}")?;
    }
    Ok(())
}
