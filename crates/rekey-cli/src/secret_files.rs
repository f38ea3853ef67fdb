//! Which file each service principal's client secret was signed in from, so that later commands
//! read it again: no keyring is needed for it, and a secret rotated in the file is picked up. Kept
//! in `cli-secret-files.json` beside the account list; it names files, never holds a secret.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rekey_core::paths::AppPaths;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SecretFilesError {
    #[error("could not {action} {}: {detail}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error(
        "{} is not valid ({detail}); move it away and sign the service principals in again",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
}

#[derive(Serialize, Deserialize, Default)]
struct FilesJson {
    version: u32,
    files: BTreeMap<String, PathBuf>,
}

pub struct SecretFiles {
    file: PathBuf,
    state: FilesJson,
}

impl SecretFiles {
    pub async fn open(paths: &AppPaths) -> Result<SecretFiles, SecretFilesError> {
        let file = paths.config_dir.join("cli-secret-files.json");
        let path = file.clone();
        let state = tokio::task::spawn_blocking(move || load(&path))
            .await
            .map_err(|e| io_error("read", &file, e))??;
        Ok(SecretFiles { file, state })
    }

    pub fn get(&self, account_id: &str) -> Option<&Path> {
        self.state.files.get(account_id).map(PathBuf::as_path)
    }

    /// Remembers `account_id`'s secret file, or forgets it (`None`: the secret came from elsewhere).
    pub async fn set(&mut self, account_id: &str, file: Option<&Path>) -> Result<(), SecretFilesError> {
        let changed = match file {
            Some(file) => {
                self.state
                    .files
                    .insert(account_id.to_owned(), file.to_owned())
                    .as_deref()
                    != Some(file)
            }
            None => self.state.files.remove(account_id).is_some(),
        };
        if changed {
            self.save().await?;
        }
        Ok(())
    }

    async fn save(&mut self) -> Result<(), SecretFilesError> {
        self.state.version = 1;
        let mut json =
            serde_json::to_vec_pretty(&self.state).map_err(|e| io_error("encode", &self.file, e))?;
        json.push(b'\n');
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || replace(&file, &json))
            .await
            .map_err(|e| io_error("write", &self.file, e))?
            .map_err(|e| io_error("write", &self.file, e))
    }
}

fn io_error(action: &'static str, path: &Path, detail: impl std::fmt::Display) -> SecretFilesError {
    SecretFilesError::Io {
        action,
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

fn load(file: &Path) -> Result<FilesJson, SecretFilesError> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SecretFilesError::Corrupt {
            path: file.to_owned(),
            detail: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FilesJson::default()),
        Err(e) => Err(io_error("read", file, e)),
    }
}

/// Writes a temporary file and renames it over `file`, so a crash never leaves half a list.
fn replace(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".cli-secret-files.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, file)) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Best effort: a leftover temporary file is only untidy.
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_survive_a_restart_until_forgotten() -> Result<(), SecretFilesError> {
        let dir = std::env::temp_dir().join(format!("rekey-cli-secret-files-{}", std::process::id()));
        let paths = AppPaths::at(&dir);
        let mut files = SecretFiles::open(&paths).await?;
        files.set("sp:a@t", Some(Path::new("/run/secret"))).await?;
        files.set("sp:b@t", Some(Path::new("/run/other"))).await?;

        let mut again = SecretFiles::open(&paths).await?;
        assert_eq!(again.get("sp:a@t"), Some(Path::new("/run/secret")));
        again.set("sp:a@t", None).await?;
        let last = SecretFiles::open(&paths).await?;
        assert_eq!(last.get("sp:a@t"), None);
        assert_eq!(last.get("sp:b@t"), Some(Path::new("/run/other")));
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
