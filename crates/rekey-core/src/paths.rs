//! Where Rekey keeps its files: the per-user folders of the OS (`directories`), or one folder given by
//! `REKEY_HOME` (portable installs, tests, several profiles side by side).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that puts all of Rekey's files in one folder.
pub const HOME_ENV: &str = "REKEY_HOME";

/// The folders Rekey writes to. Caches (the encrypted token cache) go to `data_dir`, settings (the
/// account list) to `config_dir`; on macOS and Windows the OS may give the same folder for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error(
        "Rekey could not find your home folder to keep its settings in; set {HOME_ENV} to a folder \
         Rekey may write to"
    )]
    NoHome,
}

impl AppPaths {
    /// `REKEY_HOME` if set, otherwise the OS's per-user folders for `dev.rekey.Rekey`
    /// (Linux: `~/.local/share/rekey` and `~/.config/rekey`).
    pub fn resolve() -> Result<AppPaths, PathsError> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
            return Ok(AppPaths::at(home));
        }
        let dirs = directories::ProjectDirs::from("dev", "rekey", "Rekey").ok_or(PathsError::NoHome)?;
        Ok(AppPaths {
            data_dir: dirs.data_dir().to_path_buf(),
            config_dir: dirs.config_dir().to_path_buf(),
        })
    }

    /// Everything in one folder.
    pub fn at(dir: impl Into<PathBuf>) -> AppPaths {
        let dir = dir.into();
        AppPaths {
            data_dir: dir.clone(),
            config_dir: dir,
        }
    }

    /// The encrypted refresh-token cache.
    pub fn token_cache_file(&self) -> PathBuf {
        self.data_dir.join("token-cache.bin")
    }

    /// The signed-in accounts and their selections (no secrets).
    pub fn accounts_file(&self) -> PathBuf {
        self.config_dir.join("accounts.json")
    }
}

/// Where a file that could not be read is kept, so that starting afresh never destroys it.
pub(crate) fn broken_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".broken");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` all at once (a crash leaves the old or the new file, never half of
/// one), readable by the current user only. Blocking: call it off the async runtime.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let (tmp_path, mut tmp) = tempfile_in(dir, path)?;
    let result = tmp
        .write_all(bytes)
        .and_then(|()| tmp.sync_all())
        .and_then(|()| std::fs::rename(&tmp_path, path));
    if result.is_err() {
        // Best effort: a leftover temporary file is harmless but untidy.
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}

/// Appends one line (`value` as JSON and a newline) to `path`, created readable by the current user
/// only, and waits until it is on disk. One `write` per line, so concurrent appenders interleave
/// whole lines. Blocking: call it off the async runtime.
pub(crate) fn append_json_line(path: &Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A new, empty file next to `target`, created exclusively so that nothing else can have opened it.
fn tempfile_in(dir: &Path, target: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let stem = target.file_name().unwrap_or_default().to_string_lossy();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut attempt = 0u32;
    loop {
        let path = dir.join(format!(".{stem}.{}.{attempt}.tmp", std::process::id()));
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_puts_every_file_in_the_folder() {
        let paths = AppPaths::at("/x/rekey");
        assert_eq!(paths.token_cache_file(), Path::new("/x/rekey/token-cache.bin"));
        assert_eq!(paths.accounts_file(), Path::new("/x/rekey/accounts.json"));
        assert_eq!(
            broken_path(&paths.accounts_file()),
            Path::new("/x/rekey/accounts.json.broken")
        );
    }

    #[test]
    fn write_private_replaces_the_file_and_keeps_it_private() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join(format!("rekey-paths-{}", std::process::id()));
        let file = dir.join("nested").join("f.json");
        write_private(&file, b"one")?;
        write_private(&file, b"two")?;
        assert_eq!(std::fs::read(&file)?, b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file)?.permissions().mode() & 0o777, 0o600);
            assert_eq!(
                std::fs::metadata(file.parent().unwrap_or(&dir))?
                    .permissions()
                    .mode()
                    & 0o777,
                0o700
            );
        }
        let leftovers = std::fs::read_dir(file.parent().unwrap_or(&dir))?.count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir)
    }
}
