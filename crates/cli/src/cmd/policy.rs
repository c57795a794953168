//! `tutela policy check|render|record|import-fides|export-fides` (`diff`
//! is in `policy_diff`, `notify` in `policy_notify`): the policy file's
//! problems in the format editors and CI understand
//! (`FILE:LINE:COL: error[CODE]: message`, then a hint), the privacy notice
//! rendered from a valid policy (Markdown or HTML), its record of
//! processing activities (CSV or JSON), and moving to and from Fides
//! manifests.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tutela_policy::{Diagnostic, NoticeFormat, Policy, RecordTable, Severity};

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
    /// Print the privacy notice of a valid policy, as Markdown or as a
    /// standalone HTML page.
    Render {
        /// The notice's format.
        #[arg(long, value_enum, default_value_t = NoticeArg::Md)]
        format: NoticeArg,
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the record of processing activities (Art. 30(1)) of a valid
    /// policy: one row per purpose, or the processors.
    Record {
        /// CSV (one table) or JSON (the whole record).
        #[arg(long, value_enum, default_value_t = RecordArg::Json)]
        format: RecordArg,
        /// With `--format csv`: the activities (one row per purpose) or the
        /// processors (one row each, with country and safeguard).
        #[arg(long, value_enum, default_value_t = TableArg::Activities)]
        table: TableArg,
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write a policy skeleton from Fides manifests (YAML with `system` and
    /// `dataset` resources); facts Fides does not hold are marked TODO.
    ImportFides {
        /// The manifest files, merged into one policy.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write the policy to this new file instead of stdout.
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Write a Fides manifest (system, dataset, data subjects) for a valid
    /// policy; Tutela's own facts travel in the system's `meta.tutela`.
    ExportFides {
        /// The policy file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Write the manifest to this new file instead of stdout.
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
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

/// `--format` of `policy render`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NoticeArg {
    /// Markdown.
    Md,
    /// A standalone HTML page.
    Html,
}

/// `--format` of `policy record`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RecordArg {
    /// RFC 4180 CSV, one table.
    Csv,
    /// The whole record as JSON.
    Json,
}

/// `--table` of `policy record`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TableArg {
    /// One row per purpose.
    Activities,
    /// One row per processor.
    Processors,
}

/// Runs a policy subcommand.
pub fn run(command: PolicyCommand) -> Result<ExitCode> {
    match command {
        PolicyCommand::Check { files } => check(&files),
        PolicyCommand::Render { format, file } => render(&file, format),
        PolicyCommand::Record {
            format,
            table,
            file,
        } => record(&file, format, table),
        PolicyCommand::ImportFides { files, out } => {
            super::policy_fides::import(&files, out.as_deref())
        }
        PolicyCommand::ExportFides { file, out } => {
            super::policy_fides::export(&file, out.as_deref())
        }
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

fn render(file: &Path, format: NoticeArg) -> Result<ExitCode> {
    let Some(policy) = valid(file, "render its notice")? else {
        return Ok(ExitCode::FAILURE);
    };
    let format = match format {
        NoticeArg::Md => NoticeFormat::Markdown,
        NoticeArg::Html => NoticeFormat::Html,
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        policy.render_notice(format)?
    )?;
    Ok(ExitCode::SUCCESS)
}

fn record(file: &Path, format: RecordArg, table: TableArg) -> Result<ExitCode> {
    let Some(policy) = valid(file, "write its record of processing")? else {
        return Ok(ExitCode::FAILURE);
    };
    let record = policy.record();
    let text = match (format, table) {
        (RecordArg::Json, _) => format!("{}\n", record.to_json()?),
        (RecordArg::Csv, TableArg::Activities) => record.to_csv(RecordTable::Activities)?,
        (RecordArg::Csv, TableArg::Processors) => record.to_csv(RecordTable::Processors)?,
    };
    write!(std::io::stdout().lock(), "{text}")?;
    Ok(ExitCode::SUCCESS)
}

/// The policy in `file` when it is valid; otherwise its diagnostics go to
/// stderr, each naming the file, line and column, and `None`.
fn valid(file: &Path, to: &str) -> Result<Option<Policy>> {
    let source = read(file)?;
    let checked = tutela_policy::check(&source);
    let errors = checked.errors().count();
    match checked.policy {
        Some(policy) if errors == 0 => Ok(Some(policy)),
        _ => {
            let mut err = std::io::stderr().lock();
            for d in &checked.diagnostics {
                write_diagnostic(&mut err, file, d)?;
            }
            writeln!(
                err,
                "error: {} is not a valid policy ({errors} error(s)); fix it before you {to}",
                file.display()
            )?;
            Ok(None)
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
