//! `tutela audit checkpoint|pubkey` and the `--against` half of
//! `tutela audit verify`: signed checkpoints that close the rollback gap a
//! MAC chain leaves open (entries and head rolled back together).
//!
//! The checkpoint is JSON (`tutela-checkpoint-v1`): the time, the
//! deployment's Ed25519 public key, each chain's tenant, length and head
//! MAC, and a signature over a canonical byte encoding of all of it.

use crate::context::{self, engine_error};
use crate::keyfile;
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use tutela_engine::audit::to_hex;
use tutela_engine::checkpoint::Checkpoint;
use tutela_engine::ids::TenantId;
use tutela_engine::{CheckpointVerdict, Engine};
use tutela_server::Config;

/// Largest checkpoint file read: far beyond any real deployment's.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// `tutela audit pubkey`: the public key, hex, from the master key alone.
pub fn pubkey(config: &Config) -> Result<ExitCode> {
    let master = keyfile::load(&config.master_key_file)?;
    let key = master.checkpoint_key().public_key();
    writeln!(std::io::stdout().lock(), "{}", to_hex(&key))?;
    Ok(ExitCode::SUCCESS)
}

/// `tutela audit checkpoint [--out FILE]`.
pub async fn take(engine: &Arc<Engine>, out: Option<&Path>) -> Result<ExitCode> {
    let checkpoint = engine
        .checkpoint_all(&context::operator_admin())
        .await
        .map_err(engine_error)
        .context("cannot take the checkpoint")?;
    let mut json = serde_json::to_string_pretty(&checkpoint)
        .context("cannot encode the checkpoint as JSON")?;
    json.push('\n');
    match out {
        Some(path) => {
            std::fs::write(path, &json).with_context(|| {
                format!("cannot write the checkpoint to {} (--out)", path.display())
            })?;
            eprintln!(
                "wrote a signed checkpoint of {} chain(s) to {}; keep it where the database's \
                 administrators cannot write",
                checkpoint.chains.len(),
                path.display()
            );
        }
        None => std::io::stdout().lock().write_all(json.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and checks a checkpoint file, then reports each chain it covers
/// (only `tenant`'s, if given); true if none was rolled back or diverged,
/// false too when it covers none of the chains checked.
pub async fn compare(engine: &Arc<Engine>, file: &Path, tenant: Option<&TenantId>) -> Result<bool> {
    let checkpoint = read(file)?;
    let points = engine.open_checkpoint(&checkpoint).map_err(|e| {
        anyhow!(
            "refusing the checkpoint {} (--against): {e}",
            file.display()
        )
    })?;
    let points: Vec<_> = points
        .into_iter()
        .filter(|p| tenant.is_none_or(|t| &p.tenant == t))
        .collect();
    let findings = engine
        .compare_checkpoint(&context::operator_admin(), &points)
        .await
        .map_err(engine_error)
        .context("cannot compare the chains with the checkpoint")?;
    let mut out = std::io::stdout().lock();
    let taken = checkpoint.taken_at;
    let mut ok = true;
    for f in &findings {
        let t = if f.lane == 0 {
            f.tenant.to_string()
        } else {
            format!("{} lane {}", f.tenant, f.lane)
        };
        let seen = f.seen;
        match f.verdict {
            CheckpointVerdict::Holds => writeln!(
                out,
                "{t}: matches the checkpoint of {taken} (entry {seen} unchanged)"
            )?,
            CheckpointVerdict::RolledBack { now } => {
                ok = false;
                writeln!(
                    out,
                    "{t}: ROLLED BACK: checkpoint saw {seen} entries, the database has {now}"
                )?;
            }
            CheckpointVerdict::Diverged => {
                ok = false;
                writeln!(
                    out,
                    "{t}: DIVERGED at {seen}: the entry there is not the one the checkpoint saw"
                )?;
            }
        }
    }
    if findings.is_empty() {
        // Nothing compared shows nothing: a wrong file (another tenant's
        // checkpoint) must not pass as "not rolled back".
        writeln!(
            out,
            "the checkpoint covers no chain checked here, so it cannot show that none was rolled back: is it the right file{}?",
            tenant
                .map(|t| format!(" for tenant {t}"))
                .unwrap_or_default()
        )?;
        return Ok(false);
    }
    Ok(ok)
}

fn read(file: &Path) -> Result<Checkpoint> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read the checkpoint {} (--against)", file.display()))?
        .len();
    if size > MAX_FILE {
        return Err(anyhow!(
            "refusing the checkpoint {} (--against): larger than {MAX_FILE} bytes",
            file.display()
        ));
    }
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the checkpoint {} (--against)", file.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "refusing the checkpoint {} (--against): not a Tutela checkpoint (line {}, column {}: {})",
            file.display(),
            e.line(),
            e.column(),
            classify(&e)
        )
    })
}

/// What kind of JSON problem, without quoting the file's contents.
fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected or missing field",
        serde_json::error::Category::Eof => "the file ends too early",
    }
}
