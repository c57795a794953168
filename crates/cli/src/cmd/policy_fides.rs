//! `tutela policy import-fides|export-fides`: moving a policy between a
//! Fides manifest (YAML) and a Tutela policy file. The mapping itself is in
//! `tutela_policy::fides`; this is reading, writing and reporting.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tutela_policy::fides::{self, FidesError};

use super::policy::write_diagnostic;

/// Largest manifest or policy file read, so a stray huge file is refused
/// rather than exhausting memory.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// `tutela policy import-fides FILE... [-o OUT]`: prints or writes the
/// policy skeleton, then what `policy check` still finds in it.
pub fn import(files: &[PathBuf], out: Option<&Path>) -> Result<ExitCode> {
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        texts.push((file.display().to_string(), read(file, "Fides manifest")?));
    }
    let sources: Vec<(&str, &str)> = texts
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let policy = match fides::import(&sources) {
        Ok(policy) => policy,
        Err(err) => return refuse(&err),
    };
    let shown = match out {
        Some(path) => {
            write_new(path, &policy)?;
            path.to_path_buf()
        }
        None => {
            std::io::stdout().lock().write_all(policy.as_bytes())?;
            PathBuf::from("<stdout>")
        }
    };
    let checked = tutela_policy::check(&policy);
    let mut err = std::io::stderr().lock();
    for d in &checked.diagnostics {
        write_diagnostic(&mut err, &shown, d)?;
    }
    let (errors, warnings) = (checked.errors().count(), checked.warnings().count());
    if errors == 0 {
        writeln!(
            err,
            "imported {} file(s): the policy is valid ({warnings} warning(s)); read it through",
            files.len()
        )?;
    } else {
        writeln!(
            err,
            "imported {} file(s): {errors} error(s) and {warnings} warning(s) left; fill in the \
             lines marked TODO, then run `tutela policy check`",
            files.len()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `FILE:LINE:COL: error[CODE]: message` for a manifest that cannot be read.
fn refuse(err: &FidesError) -> Result<ExitCode> {
    let mut out = std::io::stderr().lock();
    match err {
        FidesError::Yaml {
            source_name,
            line,
            column,
            message,
        } => writeln!(
            out,
            "{source_name}:{line}:{column}: error[{}]: not a Fides manifest: {message}",
            err.code()
        )?,
        FidesError::Empty(_) => writeln!(out, "error[{}]: {err}", err.code())?,
    }
    Ok(ExitCode::FAILURE)
}

/// `tutela policy export-fides FILE [-o OUT]`: the manifest of a valid policy.
pub fn export(file: &Path, out: Option<&Path>) -> Result<ExitCode> {
    let source = read(file, "policy")?;
    let checked = tutela_policy::check(&source);
    let Some(policy) = checked.policy else {
        let mut err = std::io::stderr().lock();
        for d in &checked.diagnostics {
            write_diagnostic(&mut err, file, d)?;
        }
        writeln!(
            err,
            "error: {} is not a valid policy ({} error(s)); fix it before exporting it",
            file.display(),
            checked.errors().count()
        )?;
        return Ok(ExitCode::FAILURE);
    };
    let yaml = fides::export(&policy);
    match out {
        Some(path) => write_new(path, &yaml)?,
        None => std::io::stdout().lock().write_all(yaml.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn read(file: &Path, what: &str) -> Result<String> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read the {what} file {}", file.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        bail!(
            "the {what} file {} is {size} bytes, more than the {MAX_FILE_BYTES} read",
            file.display()
        );
    }
    std::fs::read_to_string(file).with_context(|| {
        format!(
            "cannot read the {what} file {} as UTF-8 text",
            file.display()
        )
    })
}

/// Writes a new file; an existing one is left alone, so an import never
/// overwrites a policy someone has already edited.
fn write_new(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot create {} (an existing file is never overwritten)",
                path.display()
            )
        })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
