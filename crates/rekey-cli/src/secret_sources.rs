//! Where each service principal's client secret is read from in later commands: the file it was
//! given in, or the keyring entry the CLI saved it to. Kept in `cli-secret-sources.json` beside the
//! account list; the file names places, never a secret.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rekey_core::auth::SecretSource;
use rekey_core::paths::AppPaths;
use serde::{Deserialize, Serialize};

/// The keyring service client secrets typed or piped into `rekey login` are saved under.
pub const KEYRING_SERVICE: &str = "rekey";

/// The keyring account of a service principal's secret.
pub fn keyring_account(account_id: &str) -> String {
    format!("client-secret:{account_id}")
}

#[derive(Debug, thiserror::Error)]
pub enum SecretSourcesError {
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

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Saved {
    File { path: PathBuf },
    Keyring { service: String, account: String },
}

#[derive(Serialize, Deserialize, Default)]
struct SourcesFile {
    version: u32,
    sources: BTreeMap<String, Saved>,
}

pub struct SecretSources {
    file: PathBuf,
    state: SourcesFile,
}

impl SecretSources {
    pub async fn open(paths: &AppPaths) -> Result<SecretSources, SecretSourcesError> {
        let file = paths.config_dir.join("cli-secret-sources.json");
        let path = file.clone();
        let state = tokio::task::spawn_blocking(move || load(&path))
            .await
            .map_err(|e| io_error("read", &file, e))??;
        Ok(SecretSources { file, state })
    }

    /// Where `account_id`'s secret comes from, if it was remembered.
    pub fn get(&self, account_id: &str) -> Option<SecretSource> {
        self.state
            .sources
            .get(account_id)
            .map(|saved| match saved.clone() {
                Saved::File { path } => SecretSource::File(path),
                Saved::Keyring { service, account } => SecretSource::Keyring { service, account },
            })
    }

    /// Remembers where `account_id`'s secret comes from; standard input cannot be read again, so it
    /// is never remembered.
    pub async fn set(&mut self, account_id: &str, source: &SecretSource) -> Result<(), SecretSourcesError> {
        let saved = match source.clone() {
            SecretSource::File(path) => Saved::File { path },
            SecretSource::Keyring { service, account } => Saved::Keyring { service, account },
            SecretSource::Stdin => return self.remove(account_id).await.map(|_| ()),
        };
        self.state.sources.insert(account_id.to_owned(), saved);
        self.save().await
    }

    /// Forgets `account_id`'s source, returning it.
    pub async fn remove(&mut self, account_id: &str) -> Result<Option<SecretSource>, SecretSourcesError> {
        let source = self.get(account_id);
        if self.state.sources.remove(account_id).is_some() {
            self.save().await?;
        }
        Ok(source)
    }

    async fn save(&mut self) -> Result<(), SecretSourcesError> {
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

fn io_error(action: &'static str, path: &Path, detail: impl std::fmt::Display) -> SecretSourcesError {
    SecretSourcesError::Io {
        action,
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

fn load(file: &Path) -> Result<SourcesFile, SecretSourcesError> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SecretSourcesError::Corrupt {
            path: file.to_owned(),
            detail: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SourcesFile::default()),
        Err(e) => Err(io_error("read", file, e)),
    }
}

/// Writes a temporary file and renames it over `file`, so a crash never leaves half a list.
fn replace(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".cli-secret-sources.{}.tmp", std::process::id()));
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
    async fn sources_survive_a_restart_and_stdin_is_never_remembered() -> Result<(), SecretSourcesError> {
        let dir = std::env::temp_dir().join(format!("rekey-cli-sources-{}", std::process::id()));
        let paths = AppPaths::at(&dir);
        let mut sources = SecretSources::open(&paths).await?;
        sources
            .set("sp:a@t", &SecretSource::File("/run/secret".into()))
            .await?;
        let keyring = SecretSource::Keyring {
            service: KEYRING_SERVICE.into(),
            account: keyring_account("sp:b@t"),
        };
        sources.set("sp:b@t", &keyring).await?;
        sources.set("sp:c@t", &SecretSource::Stdin).await?;

        let mut again = SecretSources::open(&paths).await?;
        assert_eq!(
            again.get("sp:a@t"),
            Some(SecretSource::File("/run/secret".into()))
        );
        assert_eq!(again.get("sp:b@t"), Some(keyring));
        assert_eq!(again.get("sp:c@t"), None);
        assert!(again.remove("sp:a@t").await?.is_some());
        assert_eq!(SecretSources::open(&paths).await?.get("sp:a@t"), None);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
