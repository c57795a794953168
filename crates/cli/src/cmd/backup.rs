//! `tutela backup FILE`: a consistent snapshot of the SQLite database,
//! taken while the server runs (`Store::backup_to`, `VACUUM INTO`: live
//! rows only, so nothing an erasure freed is copied). On PostgreSQL it
//! explains `pg_dump`, the tool for that, and the restore that goes with
//! it. Either way the erasure ledger is what makes a later restore safe
//! (Art. 17), so it is named in the output.

use crate::context::{self, sqlite_path};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use tutela_engine::store::StoreError;
use tutela_server::Config;

/// Options of `tutela backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The new backup file (refused if it exists). Keep it apart from the
    /// erasure ledger, and never beside the master key.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Takes the backup, or on PostgreSQL explains `pg_dump` (exit code 1,
/// since no file was written).
pub async fn run(config_path: Option<&Path>, args: BackupArgs) -> Result<ExitCode> {
    let config = context::load_config(config_path)?;
    if sqlite_path(&config.database_url).is_none() {
        print_pg_dump(&mut std::io::stdout().lock(), &config)?;
        return Ok(ExitCode::FAILURE);
    }
    let shown = args.file.display();
    if args.file.exists() {
        bail!("{shown} already exists; a backup never overwrites a file: name a new one");
    }
    let dir = args
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!(
            "the directory {} does not exist: create it first (`mkdir -p {}`)",
            dir.display(),
            dir.display()
        );
    }
    let engine = context::open(&config).await?;
    let started = Instant::now();
    match engine.store().backup_to(&args.file).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            bail!("{shown} already exists; a backup never overwrites a file: name a new one")
        }
        Err(err) => return Err(err).with_context(|| format!("cannot write the backup {shown}")),
    }
    let took = started.elapsed();
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read the backup {shown}"))?
        .len();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "backup written to {shown}: {} in {:.2} s",
        human_size(size),
        took.as_secs_f64()
    )?;
    writeln!(
        out,
        "keep it apart from the erasure ledger ({}) and never beside the master key;\n\
         restore it with `tutela restore --force {shown}` (stop the server first; --force replaces the current database)",
        config.erasure_ledger_path().display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What to run instead on PostgreSQL, with the configured URL's shape (its
/// password is never printed).
fn print_pg_dump(out: &mut impl Write, config: &Config) -> Result<()> {
    let ledger = config.erasure_ledger_path();
    writeln!(
        out,
        "This deployment uses PostgreSQL: back it up with pg_dump, not with tutela.\n\
         \n\
         Back up (a consistent snapshot while the servers run; the file holds every wrapped\n\
         key and sealed value, so only you may read it):\n  \
         (umask 077 && pg_dump --format=custom --file=tutela.dump \"$TUTELA_DATABASE_URL\")\n\
         \n\
         Restore (servers stopped), then replay the erasure ledger:\n  \
         pg_restore --clean --if-exists --no-owner --dbname=\"$TUTELA_DATABASE_URL\" tutela.dump\n  \
         tutela restore --replay-only\n\
         \n\
         The replay erases again every subject erased after the dump was taken, as recorded\n\
         in the erasure ledger ({}). Back the ledger up with each dump but apart from it, and\n\
         never beside the master key.",
        ledger.display()
    )?;
    Ok(())
}

/// `12.3 MiB`, for the summary line.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    // Precision lost above 2^52 bytes does not matter for a summary.
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    match (unit, UNITS.get(unit)) {
        (0, _) => format!("{bytes} bytes"),
        (_, Some(name)) => format!("{size:.1} {name}"),
        (_, None) => format!("{bytes} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_would_write_them() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(4096), "4.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }

    #[test]
    fn postgres_gets_the_pg_dump_commands_without_its_password() {
        let config = Config {
            database_url: "postgres://tutela:s3cret@db/t".into(),
            ..Config::default()
        };
        let mut out = Vec::new();
        print_pg_dump(&mut out, &config).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("pg_dump --format=custom"), "{text}");
        assert!(text.contains("tutela restore --replay-only"), "{text}");
        assert!(text.contains("erasures.ledger"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
