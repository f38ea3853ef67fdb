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
    /// A folder Rekey would keep its files in may be written by others.
    #[error("{0}")]
    NotPrivate(String),
}

impl AppPaths {
    /// `REKEY_HOME` if set, otherwise the OS's per-user folders for `dev.rekey.Rekey` (Linux:
    /// `~/.local/share/rekey` and `~/.config/rekey`). Data stays on this computer (on Windows
    /// `%LOCALAPPDATA%`, not the roaming profile; elsewhere the same as `data_dir`): the keys and
    /// secrets it goes with are kept in Credential Manager with Local persistence (`secure_store`).
    pub fn resolve() -> Result<AppPaths, PathsError> {
        let paths = if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
            AppPaths::at(home)
        } else {
            let dirs = directories::ProjectDirs::from("dev", "rekey", "Rekey").ok_or(PathsError::NoHome)?;
            AppPaths {
                data_dir: dirs.data_local_dir().to_path_buf(),
                config_dir: dirs.config_dir().to_path_buf(),
            }
        };
        paths.check_private()?;
        Ok(paths)
    }

    /// Refuses folders that exist and that other users may write to (they could swap Rekey's files,
    /// or read the ones a loose folder exposes); folders Rekey creates itself are private.
    pub fn check_private(&self) -> Result<(), PathsError> {
        for dir in [&self.data_dir, &self.config_dir] {
            match check_private_dir(dir) {
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    return Err(PathsError::NotPrivate(e.to_string()))
                }
                // Missing (created private later) or unreadable (the first write says why).
                _ => {}
            }
        }
        Ok(())
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

/// Appends one line (`value` as JSON and a newline) to `path` (see [`open_private_append`]), and
/// waits until it is on disk. One `write` per line, so concurrent appenders interleave whole lines.
/// Blocking: call it off the async runtime.
pub(crate) fn append_json_line(path: &Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = open_private_append(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

/// Opens `path` for appending (audit log, journals), created if missing, see [`open_private`].
pub(crate) fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    open_private(path, std::fs::OpenOptions::new().create(true).append(true))
}

/// Opens `path` with `options` as a file of the current user only: its folder made with
/// [`create_private_dir`], the file 0600 whatever the umask (an existing one is made so too), and
/// never through a symlink, which someone could have put there to make Rekey write elsewhere.
pub(crate) fn open_private(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // O_NOFOLLOW: a symlink as the last component fails with ELOOP instead of being followed.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        let file = options.open(path).map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is a symbolic link; Rekey does not write through one",
                        path.display()
                    ),
                )
            } else {
                e
            }
        })?;
        // The umask may have taken bits away, and a file made by something else may have more.
        if file.metadata()?.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(file)
    }
    // Windows: files in the per-user profile inherit its ACL, and opening a symlink needs a
    // privilege ordinary users lack; left as the OS does it.
    #[cfg(not(unix))]
    options.open(path)
}

/// Creates `dir` and any missing parents, each 0700 whatever the umask, and refuses an existing
/// `dir` that other users may write to (see [`check_private_dir`]).
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut next = Some(dir);
    while let Some(d) = next.filter(|d| !d.as_os_str().is_empty()) {
        match std::fs::symlink_metadata(d) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing.push(d);
                next = d.parent();
            }
            Err(e) => return Err(e),
        }
    }
    for d in missing.into_iter().rev() {
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(d) {
            Ok(()) => {
                #[cfg(unix)]
                std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
            }
            // Made meanwhile by another Rekey process: checked below like any existing folder.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    check_private_dir(dir)
}

/// Fails with `PermissionDenied` and what to do if `dir` may be written by its group or others.
/// Windows: the per-user folders' ACLs are the OS's business; not checked.
pub(crate) fn check_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "the folder {shown} may be written by other users (mode {mode:03o}), so Rekey will \
                     not keep its files there. Make it private with `chmod 700 {shown}`, or set \
                     {HOME_ENV} to a private folder",
                    shown = dir.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
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
            Ok(file) => {
                // The umask may have taken bits away (0600 whatever it is).
                #[cfg(unix)]
                file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
                return Ok((path, file));
            }
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

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Sets the process's umask for the test's length.
    #[cfg(unix)]
    struct Umask(libc::mode_t);

    #[cfg(unix)]
    impl Umask {
        fn set(mask: libc::mode_t) -> Umask {
            // SAFETY: umask only swaps the process's file-creation mask.
            Umask(unsafe { libc::umask(mask) })
        }
    }

    #[cfg(unix)]
    impl Drop for Umask {
        fn drop(&mut self) {
            // SAFETY: as above.
            unsafe { libc::umask(self.0) };
        }
    }

    #[cfg(unix)]
    #[test]
    fn folders_are_0700_and_files_0600_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // Only 022 (the usual one): the umask is process-wide and `cargo test` runs other tests
        // beside this one, which a stricter mask would break.
        for mask in [0o022] {
            let _umask = Umask::set(mask);
            let home = root.path().join(format!("home-{mask:o}"));
            let paths = AppPaths::at(&home);
            // The first write a fresh profile may see is a lock file (`vault list`).
            let lock = paths.data_dir.join("locks").join("x.lock");
            open_private(&lock, std::fs::OpenOptions::new().create(true).write(true))
                .unwrap_or_else(|e| panic!("{e}"));
            append_json_line(&paths.data_dir.join("rotations").join("r.jsonl"), &1)
                .unwrap_or_else(|e| panic!("{e}"));
            write_private(&paths.accounts_file(), b"{}").unwrap_or_else(|e| panic!("{e}"));
            for dir in [home.clone(), home.join("locks"), home.join("rotations")] {
                assert_eq!(mode(&dir), 0o700, "{} (umask {mask:03o})", dir.display());
            }
            for file in [
                lock.clone(),
                home.join("rotations/r.jsonl"),
                paths.accounts_file(),
            ] {
                assert_eq!(mode(&file), 0o600, "{} (umask {mask:03o})", file.display());
            }
        }
        // An existing file with a loose mode is made private when appended to.
        let audit = root.path().join("home-22").join("audit.jsonl");
        std::fs::write(&audit, b"").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&audit, std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .unwrap_or_else(|e| panic!("{e}"));
        append_json_line(&audit, &1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&audit), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_home_others_may_write_to_is_refused_with_what_to_do() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let home = root.path().join("shared");
        std::fs::create_dir(&home).unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777))
            .unwrap_or_else(|e| panic!("{e}"));
        let paths = AppPaths::at(&home);
        let refused = paths.check_private().expect_err("a 0777 home is refused");
        let message = refused.to_string();
        assert!(
            message.contains("mode 777") && message.contains("chmod 700"),
            "{message}"
        );
        let write = write_private(&paths.accounts_file(), b"{}").expect_err("no file in it");
        assert_eq!(write.kind(), std::io::ErrorKind::PermissionDenied);
        let append = append_json_line(&home.join("audit.jsonl"), &1).expect_err("no append in it");
        assert!(append.to_string().contains("chmod 700"), "{append}");
        assert!(std::fs::read_dir(&home).map(|d| d.count()).unwrap_or(1) == 0);
        // chmod 700, as the message says: accepted.
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(paths.check_private().is_ok());
        // A missing folder is fine: Rekey creates it private.
        assert!(AppPaths::at(root.path().join("new")).check_private().is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn an_append_never_follows_a_symlink() {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let target = root.path().join("elsewhere.txt");
        std::fs::write(&target, b"untouched").unwrap_or_else(|e| panic!("{e}"));
        let home = root.path().join("home");
        let paths = AppPaths::at(&home);
        for path in [
            crate::audit::AuditLog::new(&paths).path().to_path_buf(),
            crate::rotation::journal::Journal::new(&paths, "r1")
                .path()
                .to_path_buf(),
        ] {
            create_private_dir(path.parent().unwrap_or(&home)).unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(&target, &path).unwrap_or_else(|e| panic!("{e}"));
            let refused = append_json_line(&path, &1).expect_err("a symlink is refused");
            assert!(refused.to_string().contains("symbolic link"), "{refused}");
        }
        assert_eq!(std::fs::read(&target).unwrap_or_default(), b"untouched");
    }
}
