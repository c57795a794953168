//! `tutela init`: a data directory ready to serve from. It holds a fresh
//! master key (mode 0600), a commented config file pointing at the key and
//! an SQLite database beside it, and the example policy to start from. An
//! existing key is never overwritten; existing config and policy files are
//! kept.

use crate::keyfile;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `tutela init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The directory to create (or complete).
    #[arg(long, default_value = "tutela-data", value_name = "DIR")]
    pub dir: PathBuf,
}

/// What `init` did, file by file.
#[derive(Debug)]
pub struct Report {
    /// The master key file (always new).
    pub key: PathBuf,
    /// The config file, and whether it was written (false: kept as found).
    pub config: (PathBuf, bool),
    /// The policy file, and whether it was written.
    pub policy: (PathBuf, bool),
}

/// Runs `tutela init` and tells the user what to do next.
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    let report = init_dir(&args.dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Initialised {}", args.dir.display())?;
    writeln!(
        out,
        "  {}  the master key (mode 0600). Back it up apart from the database: without it nothing stored can be read.",
        report.key.display()
    )?;
    for ((path, written), what) in [
        (&report.config, "the configuration"),
        (&report.policy, "an example policy"),
    ] {
        let note = if *written {
            ""
        } else {
            " (already there, kept as it was)"
        };
        writeln!(out, "  {}  {what}{note}", path.display())?;
    }
    writeln!(out)?;
    writeln!(out, "Next:")?;
    writeln!(out, "  tutela policy check {}", report.policy.0.display())?;
    writeln!(out, "  tutela serve --config {}", report.config.0.display())?;
    Ok(ExitCode::SUCCESS)
}

/// Creates `dir` (mode 0700 on unix, an existing one tightened to it) with a new master key, a config file
/// and an example policy. Refuses, writing nothing, if a key is there.
pub fn init_dir(dir: &Path) -> Result<Report> {
    create_dir(dir)?;
    let absolute = std::path::absolute(dir)
        .with_context(|| format!("cannot resolve the path {}", dir.display()))?;
    let key = dir.join("master.key");
    keyfile::create(&key)?;
    let config = dir.join("tutela.toml");
    let config_written = write_new(&config, &config_text(&absolute)?)?;
    let policy = dir.join("policy.toml");
    let policy_written = write_new(&policy, tutela_policy::EXAMPLE_POLICY)?;
    Ok(Report {
        key,
        config: (config, config_written),
        policy: (policy, policy_written),
    })
}

fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    // An existing directory keeps its mode: make it private if it is not.
    crate::private::tighten_dir(dir);
    Ok(())
}

/// Writes `text` to a new file; false if the file already exists.
fn write_new(path: &Path, text: &str) -> Result<bool> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}

/// The config file for a data directory at `dir` (absolute, so the file
/// works from any working directory).
fn config_text(dir: &Path) -> Result<String> {
    let Some(dir_text) = dir.to_str() else {
        bail!(
            "the path {} is not valid UTF-8; choose another --dir",
            dir.display()
        );
    };
    let quote = |s: String| toml::Value::String(s).to_string();
    let database = quote(format!(
        "sqlite://{}",
        Path::new(dir_text).join("tutela.db").display()
    ));
    let key = quote(Path::new(dir_text).join("master.key").display().to_string());
    let ledger = quote(
        Path::new(dir_text)
            .join("erasures.ledger")
            .display()
            .to_string(),
    );
    Ok(format!(
        r#"# Tutela's configuration, written by `tutela init`.
# Every setting may be overridden by the environment variable named beside
# it. Unknown keys are errors, so a typo never falls back to a default.
# The paths are absolute: if you move this directory, update them.

# Where the HTTP API listens (TUTELA_LISTEN). Anything beyond this machine
# should reach it through a TLS-terminating proxy.
listen = "127.0.0.1:8080"

# The database (TUTELA_DATABASE_URL): an SQLite file, or
# postgres://user:password@host/dbname to share one database between servers.
database_url = {database}

# The master key file (TUTELA_MASTER_KEY_FILE), readable by its owner only.
# Every subject's data key is wrapped under it: back it up, apart from the
# database. TUTELA_MASTER_KEY may hold the key itself instead.
master_key_file = {key}

# The erasure ledger (TUTELA_ERASURE_LEDGER): the pseudonyms of erased
# subjects, written before each erasure and replayed by `tutela restore`,
# so restoring a backup never brings an erased person back. Back it up with
# every database backup but apart from it, and never beside the master key.
erasure_ledger = {ledger}

# Log filter in tracing syntax (TUTELA_LOG): "info", "debug",
# "tutela_engine=debug,info", ...
log = "info"

# The largest request body accepted, in bytes.
body_limit_bytes = 1048576

# Connections served at once; keep it below the open-file limit (ulimit -n).
max_connections = 512
"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_config_loads_and_points_into_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data dir \"quoted\"");
        let report = init_dir(&data).unwrap();
        assert!(report.config.1 && report.policy.1);
        let text = std::fs::read_to_string(&report.config.0).unwrap();
        let config =
            tutela_server::Config::from_sources(Some((&report.config.0, &text)), |_| None).unwrap();
        assert_eq!(
            config.master_key_file,
            std::path::absolute(&report.key).unwrap()
        );
        assert_eq!(
            config.erasure_ledger_path(),
            std::path::absolute(data.join("erasures.ledger")).unwrap()
        );
        assert_eq!(
            crate::context::sqlite_path(&config.database_url),
            Some(std::path::absolute(data.join("tutela.db")).unwrap())
        );
    }

    #[test]
    fn a_second_init_refuses_and_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let report = init_dir(dir.path()).unwrap();
        let key = std::fs::read(&report.key).unwrap();
        std::fs::write(&report.policy.0, "edited").unwrap();
        let err = format!("{:#}", init_dir(dir.path()).unwrap_err());
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert_eq!(std::fs::read(&report.key).unwrap(), key);
        assert_eq!(std::fs::read_to_string(&report.policy.0).unwrap(), "edited");
    }
}
