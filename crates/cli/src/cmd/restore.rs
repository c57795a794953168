//! `tutela restore FILE`: puts a backup in place of the SQLite database and
//! replays the erasure ledger into it, so no subject erased after the
//! backup was taken comes back (Art. 17). `--replay-only` replays the
//! ledger into the configured database as it is (PostgreSQL, after
//! `pg_restore`). Stop the server first: a restore under a running server
//! would pull the file from under it, so it is refused while any store has
//! the database open (`tutela_store::in_use`).
//!
//! Order, so that a failure at any step leaves the database as it was:
//! verify every line of the ledger; copy the backup to a private staging
//! file beside the database; check the copy is an intact Tutela database
//! (`PRAGMA integrity_check`, a master key check value: an empty or damaged
//! file is refused); open it, check it belongs to this master key,
//! replay the ledger into it and close it; only then remove the old
//! database's `-wal`/`-shm` and rename the staging file into place.

use crate::context::{self, engine_error, sqlite_path};
use crate::keyfile;
use anyhow::{Context, Result, anyhow, bail};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use tutela_engine::clock::SystemClock;
use tutela_engine::ledger::ErasureLedger;
use tutela_engine::store::Store;
use tutela_engine::{Engine, ReplayReport, RightsReplayReport};
use tutela_server::Config;
use tutela_store::{FileLedger, SqliteStore, check_backup, in_use};
use tutela_vault::MasterKey;

use super::restore_erased::Recorded;

/// Options of `tutela restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore (a file written by `tutela backup`).
    #[arg(
        value_name = "FILE",
        required_unless_present = "replay_only",
        conflicts_with = "replay_only"
    )]
    pub file: Option<PathBuf>,
    /// Replace the existing database. Stop the server first.
    #[arg(long, conflicts_with = "replay_only")]
    pub force: bool,
    /// Only replay the erasure ledger into the configured database (after
    /// `pg_restore` on PostgreSQL). Safe to run again: it is idempotent.
    #[arg(long)]
    pub replay_only: bool,
    /// Restore although the erasure ledger file does not exist. Only for a
    /// deployment that never had one: without it, everyone erased since
    /// the backup comes back.
    #[arg(long)]
    pub without_ledger: bool,
}

/// Restores, or replays only.
pub async fn run(config_path: Option<&Path>, args: RestoreArgs) -> Result<ExitCode> {
    let config = context::load_config(config_path)?;
    ledger_present(&config.erasure_ledger_path(), args.without_ledger)?;
    if args.replay_only {
        let new_ledger = if args.without_ledger {
            context::NewLedger::Allowed
        } else {
            context::NewLedger::OnlyForANewDatabase
        };
        let engine = context::open_with(&config, new_ledger).await?;
        let report = engine.replay_erasures().await.map_err(engine_error)?;
        let rights = engine.replay_rights().await.map_err(engine_error)?;
        engine
            .record_restore(RESTORE_DETAIL)
            .await
            .map_err(engine_error)?;
        print_report(&config, &(report, rights))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = args.file else {
        bail!("name the backup file to restore, or pass --replay-only");
    };
    let Some(target) = sqlite_path(&config.database_url) else {
        bail!(
            "this deployment uses PostgreSQL: restore a dump with pg_restore (`tutela backup` \
             prints the commands), then run `tutela restore --replay-only`"
        );
    };
    let master = keyfile::load(&config.master_key_file)?;
    let ledger = FileLedger::new(config.erasure_ledger_path());
    verify_ledger(&ledger, &master).await?;
    check_paths(&file, &target, args.force)?;
    let _alone = take_alone(&target)?;
    let recorded = match super::restore_erased::recorded_in(&target) {
        Ok(Some(recorded)) => recorded,
        Ok(None) => {
            eprintln!(
                "note: there is no database to replace; the erasures and rights to replay come \
                 from the ledger alone"
            );
            Recorded::default()
        }
        Err(err) => {
            eprintln!(
                "note: the database being replaced could not be read ({err:#}); the erasures \
                 and rights to replay come from the ledger alone"
            );
            Recorded::default()
        }
    };
    let staging = staging_path(&target);
    remove_database_files(&staging)?;
    copy_private(&file, &staging)?;
    if let Err(refused) = check_backup(&staging) {
        let _ = remove_database_files(&staging);
        bail!(
            "{refused}: {} cannot be restored; nothing was changed ({})",
            file.display(),
            refused.code()
        );
    }
    let report = match replay_into(&staging, master, ledger, recorded).await {
        Ok(report) => report,
        Err(err) => {
            let _ = remove_database_files(&staging);
            return Err(err);
        }
    };
    remove_if_present(&in_use::lock_path(&staging))?;
    remove_side_files(&target)?;
    std::fs::rename(&staging, &target)
        .with_context(|| format!("cannot move the restored database to {}", target.display()))?;
    sync_parent(&target)?;
    println!("restored {} into {}", file.display(), target.display());
    print_report(&config, &report)?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses to go on without the ledger file: a restore without it replays
/// nothing, and every subject erased since the backup comes back. The
/// ledger exists from a deployment's first start, so its absence means it
/// was not copied back (a new host) or the path is wrong.
fn ledger_present(path: &Path, without_ledger: bool) -> Result<()> {
    let exists = path
        .try_exists()
        .with_context(|| format!("cannot look for the erasure ledger {}", path.display()))?;
    if exists || without_ledger {
        return Ok(());
    }
    bail!(
        "the erasure ledger {} does not exist; restore refused, nothing was changed: without \
         it, everyone erased since the backup would come back. Copy the ledger back from where \
         you keep it (or set erasure_ledger to its path); if this deployment never had one, \
         pass --without-ledger",
        path.display()
    )
}

/// Reads the ledger and checks every line's MAC before anything is
/// touched: a restore does not proceed on a ledger it cannot trust.
async fn verify_ledger(ledger: &FileLedger, master: &MasterKey) -> Result<()> {
    let shown = ledger.path().display();
    let text = ledger
        .read()
        .await
        .with_context(|| format!("cannot read the erasure ledger {shown}"))?;
    match tutela_engine::ledger::parse(&text, &master.erasure_ledger_key()) {
        Ok(_) => Ok(()),
        Err(err) => Err(anyhow!(
            "{err} ({shown}); restore refused, nothing was changed: find out how the ledger \
             was altered and restore it from its own backup (E_LEDGER_TAMPERED)"
        )),
    }
}

/// The database for this restore alone until it returns: refused while a
/// server or another command has it open, whose writes would otherwise be
/// acknowledged into a file about to be replaced.
fn take_alone(target: &Path) -> Result<File> {
    in_use::exclusive(target).map_err(|err| match err {
        in_use::ExclusiveError::InUse => anyhow!(
            "{err}: {} is open; stop the server (and any other tutela command using it), \
             then run the restore again; nothing was changed",
            target.display()
        ),
        in_use::ExclusiveError::Lock => anyhow!("{err}: {}", in_use::lock_path(target).display()),
    })
}

/// The backup must exist and not be the database itself; an existing
/// database is replaced only with `--force`.
fn check_paths(file: &Path, target: &Path, force: bool) -> Result<()> {
    if !file.is_file() {
        bail!(
            "the backup {} does not exist or is not a file",
            file.display()
        );
    }
    if target.exists() {
        let same = std::fs::canonicalize(file).ok() == std::fs::canonicalize(target).ok();
        if same {
            bail!(
                "{} is the database itself, not a backup of it",
                file.display()
            );
        }
        if !force {
            bail!(
                "the database {} exists; stop the server first, then run again with --force \
                 to replace it with the backup",
                target.display()
            );
        }
    }
    let dir = parent(target);
    if !dir.is_dir() {
        bail!(
            "the directory {} for the database (database_url) does not exist",
            dir.display()
        );
    }
    Ok(())
}

/// Opens the staged copy, checks its master key, replays the ledger into
/// it and closes it cleanly (its WAL checkpointed into the file).
async fn replay_into(
    staging: &Path,
    master: MasterKey,
    ledger: FileLedger,
    recorded: Recorded,
) -> Result<(ReplayReport, RightsReplayReport)> {
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(staging)
            .await
            .context("the backup cannot be opened as a Tutela database")?,
    );
    let engine = Engine::new(Arc::clone(&store), Arc::new(SystemClock), Arc::new(master))
        .with_erasure_ledger(Arc::new(ledger));
    let replayed = async {
        engine
            .check_master_key()
            .await
            .map_err(engine_error)
            .context("the backup was not made with this master key; nothing was changed")?;
        let mut erasures = engine.replay_erasures().await.map_err(engine_error)?;
        // After the ledger's: what it names is erased already, so what this
        // erases is what the ledger lacks.
        let missed = engine
            .replay_erasures_of(recorded.erased)
            .await
            .map_err(engine_error)?;
        erasures.not_in_ledger = missed.replayed;
        let rights = engine
            .replay_rights_keeping(&recorded.held)
            .await
            .map_err(engine_error)?;
        engine
            .record_restore(RESTORE_DETAIL)
            .await
            .map_err(engine_error)?;
        Ok::<_, anyhow::Error>((erasures, rights))
    }
    .await;
    store
        .close()
        .await
        .context("cannot close the restored database cleanly")?;
    remove_side_files(staging)?;
    replayed
}

/// `tutela.db.restoring` beside `tutela.db`.
fn staging_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".restoring");
    target.with_file_name(name)
}

/// The directory a file is in (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Copies `from` to the new file `to`, 0600 on unix whatever the backup's
/// own mode, and syncs it.
fn copy_private(from: &Path, to: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options
        .open(to)
        .with_context(|| format!("cannot create {}", to.display()))?;
    let mut source =
        File::open(from).with_context(|| format!("cannot read the backup {}", from.display()))?;
    std::io::copy(&mut source, &mut out)
        .and_then(|_| out.flush())
        .and_then(|()| out.sync_all())
        .with_context(|| format!("cannot copy the backup to {}", to.display()))?;
    Ok(())
}

/// Removes a database file and its `-lock`, `-wal` and `-shm`, those that
/// exist.
fn remove_database_files(db: &Path) -> Result<()> {
    remove_if_present(db)?;
    remove_if_present(&in_use::lock_path(db))?;
    remove_side_files(db)
}

/// Removes the `-wal` and `-shm` beside `db`: a stale WAL must never be
/// applied to the file restored in its place.
fn remove_side_files(db: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        remove_if_present(Path::new(&name))?;
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Makes the rename durable.
fn sync_parent(target: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(parent(target))
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", parent(target).display()))?;
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

/// The replay's summary.
/// The `audit.restore` entry's detail, the same on every tenant's chain:
/// the replay's counts are the deployment's, not one tenant's, so they
/// stay in this command's output (each replayed act has its own entry on
/// its tenant's chain).
const RESTORE_DETAIL: &str = "from=backup";

fn print_report(
    config: &Config,
    (report, rights): &(ReplayReport, RightsReplayReport),
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "replayed {} erasure(s) from the erasure ledger {} ({} entries: {} already erased, {} not in this database)",
        report.replayed,
        config.erasure_ledger_path().display(),
        report.entries,
        report.already_erased,
        report.absent
    )?;
    writeln!(
        out,
        "replayed {} rights line(s) made since: {} record(s) deleted again, {} objection(s), \
         {} consent withdrawal(s), {} restriction change(s); {} subject(s) not live here",
        rights.entries,
        rights.records_deleted,
        rights.objections,
        rights.withdrawals,
        rights.restrictions,
        rights.skipped_subjects
    )?;
    if report.not_in_ledger > 0 {
        eprintln!(
            "warning: {} subject(s) the replaced database records as erased were not in the \
             ledger and were erased again from its record; the ledger is incomplete (emptied, \
             cut short, started anew or another deployment's): find out why, and keep it with \
             your backups",
            report.not_in_ledger
        );
    }
    if rights.kept_held > 0 {
        eprintln!(
            "warning: {} record(s) the ledger says to delete are kept: the replaced database \
             holds them under a statutory hold (Art. 17(3)(b)), so the backup's copy is the \
             one the law requires keeping",
            rights.kept_held
        );
    }
    if rights.stale_rectified > 0 {
        writeln!(
            out,
            "note: {} record(s) held a value rectified after the backup; the old value was \
             deleted, collect the corrected one again (Art. 16)",
            rights.stale_rectified
        )?;
    }
    writeln!(
        out,
        "each tenant's audit chain goes on from the backup's head, marked by an audit.restore \
         entry: a checkpoint taken since the backup now reports a rollback or a divergence; \
         take a new one"
    )?;
    if report.torn_tail {
        eprintln!(
            "note: the ledger ends in an incomplete line (an append cut short by a crash before \
             its erasure was committed); it was ignored"
        );
    }
    Ok(())
}
