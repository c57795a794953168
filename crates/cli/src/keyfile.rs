//! The master key on disk. Every subject's data key is wrapped under it, so
//! the file is created readable by its owner only (never world-readable,
//! not even for an instant), is never overwritten, and is refused at start
//! if its permissions let anyone else read it. The key may instead come from
//! the `TUTELA_MASTER_KEY` environment variable (for secret managers).

use anyhow::{Context, Result, anyhow, bail};
use std::io::Write;
use std::path::Path;
use tutela_vault::MasterKey;
use tutela_vault::Zeroizing;

/// The environment variable that, when set, holds the master key itself.
pub const ENV_VAR: &str = "TUTELA_MASTER_KEY";

/// Writes a fresh master key to `path`, which must not exist yet. On unix
/// the file is created with mode 0600 in the same system call that creates
/// it.
pub fn create(path: &Path) -> Result<()> {
    let key = MasterKey::generate();
    let text = key.encode();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "refusing to overwrite the master key {}: everything in the database is encrypted under it, \
                 and a new key would make it unreadable. Move it away yourself if you really mean to start over",
                path.display()
            )
        } else {
            anyhow::Error::new(err).context(format!("cannot create the master key file {}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the master key file {}", path.display()))?;
    Ok(())
}

/// The master key from `TUTELA_MASTER_KEY` if set, else from `path`.
pub fn load(path: &Path) -> Result<MasterKey> {
    if let Some(text) = std::env::var_os(ENV_VAR) {
        let text = Zeroizing::new(
            text.into_string()
                .map_err(|_| anyhow!("{ENV_VAR} is not valid UTF-8"))?,
        );
        return parse(&text).with_context(|| format!("{ENV_VAR} does not hold a valid master key"));
    }
    read(path)
}

/// Reads and checks the key file at `path`.
pub fn read(path: &Path) -> Result<MasterKey> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| {
        format!("cannot read the master key file {shown}; run `tutela init` to create one, or set {ENV_VAR}")
    })?;
    if !meta.is_file() {
        bail!("the master key file {shown} is not a regular file");
    }
    check_permissions(path, &meta)?;
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the master key file {shown}"))?,
    );
    parse(&text)
        .with_context(|| format!("the master key file {shown} does not hold a valid master key"))
}

fn parse(text: &str) -> Result<MasterKey> {
    // The parser's message never echoes the key; keep it that way here too.
    MasterKey::parse(text.trim()).map_err(|err| anyhow!("{err}"))
}

#[cfg(unix)]
fn check_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "the master key file {} has mode {mode:03o}, so others may read it; refusing to use it. \
             Fix it with: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _meta: &std::fs::Metadata) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_reads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        create(&path).unwrap();
        let before = std::fs::read(&path).unwrap();
        read(&path).unwrap();
        let err = create(&path).unwrap_err();
        assert!(
            format!("{err:#}").contains("refusing to overwrite"),
            "{err:#}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_key_file_is_refused_with_a_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        create(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = format!("{:#}", read(&path).unwrap_err());
        assert!(
            err.contains("chmod 600") && err.contains("master.key"),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_not_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        create(&path).unwrap();
        std::fs::write(&path, "not a key\n").unwrap();
        let err = format!("{:#}", read(&path).unwrap_err());
        assert!(err.contains("does not hold a valid master key"), "{err}");
    }
}
