//! The erasure ledger on disk: an append-only file, apart from the database
//! and its backups, with one MACed line per erasure (the format is
//! `tutela_engine::ledger`'s). The engine writes each erasure here, fsynced,
//! before committing it, so a restored backup can be made to forget the
//! subject again (Art. 17).
//!
//! - Appends take one mutex and go through an `O_APPEND` descriptor, so
//!   appends from one process never interleave; each is `fsync`ed before
//!   the engine commits the erasure.
//! - The file is created 0600 on first append (not before: commands that
//!   never erase leave no ledger behind), its directory made if missing.
//! - A last line without its newline is an append torn by a crash before
//!   its fsync returned, so before the erasure it announced was committed;
//!   the next append cuts it off, and reading ignores it.

use async_trait::async_trait;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tutela_engine::ledger::ErasureLedger;

/// The file-backed [`ErasureLedger`].
#[derive(Debug, Clone)]
pub struct FileLedger {
    path: PathBuf,
    /// The open append handle, once the first append opened it.
    file: Arc<Mutex<Option<File>>>,
    /// Appends refuse, rather than create, a ledger missing at its path.
    must_exist: bool,
}

impl FileLedger {
    /// A ledger at `path`. Nothing is opened until the first append, which
    /// creates the file if it is missing.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            file: Arc::new(Mutex::new(None)),
            must_exist: false,
        }
    }

    /// This ledger, whose appends fail (and so commit nothing) when the
    /// file is no longer at its path, instead of writing to a new empty
    /// file or to the removed one: a ledger deleted or moved away while a
    /// server runs would otherwise take every later line with it,
    /// unnoticed. A file put back at the path (a copy) is used from the
    /// next append on.
    pub fn existing(mut self) -> Self {
        self.must_exist = true;
        self
    }

    /// Where the ledger lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the ledger, empty, unless it exists: a deployment has its
    /// ledger from its first start, so a restore that finds none knows the
    /// ledger is missing rather than empty.
    pub fn create_if_missing(&self) -> std::io::Result<()> {
        open_for_append(&self.path).map(drop)
    }

    fn append_durably(&self, line: &str) -> std::io::Result<()> {
        let mut slot = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if self.must_exist {
            let still_there = match slot.as_ref() {
                Some(open) => same_file(open, &self.path)?,
                None => true,
            };
            if !still_there {
                *slot = None;
            }
            if slot.is_none() && !self.path.try_exists()? {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "the erasure ledger {} is missing (removed or moved while in use); put it back",
                        self.path.display()
                    ),
                ));
            }
        }
        if slot.is_none() {
            *slot = Some(open_for_append(&self.path)?);
        }
        let Some(file) = slot.as_mut() else {
            return Err(std::io::Error::other("the ledger could not be opened"));
        };
        cut_torn_tail(file)?;
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        file.write_all(&bytes)?;
        file.sync_data()
    }
}

#[async_trait]
impl ErasureLedger for FileLedger {
    fn append(&self, lines: &str) -> std::io::Result<()> {
        self.append_durably(lines)
    }

    async fn read(&self) -> std::io::Result<String> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || match std::fs::read(&path) {
            // Invalid UTF-8 becomes replacement characters, so the line
            // holding it fails its MAC and is reported by number.
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(err) => Err(err),
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Whether the open handle is still the file at `path` (false once the
/// path is gone or names another file).
fn same_file(open: &File, path: &Path) -> std::io::Result<bool> {
    let at_path = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(err),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let held = open.metadata()?;
        Ok(held.dev() == at_path.dev() && held.ino() == at_path.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (open, at_path);
        Ok(true)
    }
}

/// Opens (creating, 0600, with its directory) the ledger for appending; a
/// new file's directory entry is synced so the file survives a crash.
fn open_for_append(path: &Path) -> std::io::Result<File> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let existed = path.exists();
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    if !existed {
        File::open(dir.unwrap_or(Path::new(".")))?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = existed;
    Ok(file)
}

/// Cuts a partial last line (a torn append) back to the last newline.
fn cut_torn_tail(file: &mut File) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    let mut all = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut all)?;
    let keep = all.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    file.set_len(u64::try_from(keep).unwrap_or(0))?;
    file.sync_data()
}

#[cfg(test)]
mod tests;
