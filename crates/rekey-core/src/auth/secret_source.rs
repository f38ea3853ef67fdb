//! Where a service principal's client secret comes from. Never the command line or the environment:
//! both are visible to other processes and end up in shell history and crash reports.

use std::io::Read;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::AuthError;
use crate::secure_store::SecureStore;

/// Secrets are one line of text; anything bigger is the wrong file.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Standard input, to its end (`… | rekey`, or a prompt the CLI shows).
    Stdin,
    /// A file holding the secret, e.g. one a secret manager mounts.
    File(PathBuf),
    /// An entry in the OS keyring.
    Keyring { service: String, account: String },
}

impl SecretSource {
    /// Reads the secret, with a trailing newline removed; reads the keyring through this OS's store.
    pub async fn read(&self) -> Result<SecretString, AuthError> {
        match self {
            SecretSource::Keyring { .. } => {
                let store = SecureStore::platform().await.map_err(|e| self.error(e))?;
                self.read_from(&store).await
            }
            _ => self.read_from_files().await,
        }
    }

    /// [`SecretSource::read`], with keyring entries read from `store`.
    pub async fn read_from(&self, store: &SecureStore) -> Result<SecretString, AuthError> {
        match self {
            SecretSource::Keyring { service, account } => store
                .get(service, account)
                .await
                .map_err(|e| self.error(e))?
                .ok_or_else(|| self.error("there is no such entry")),
            _ => self.read_from_files().await,
        }
    }

    async fn read_from_files(&self) -> Result<SecretString, AuthError> {
        let source = self.clone();
        // Reading a terminal or a file blocks: keep it off the async workers.
        let text = tokio::task::spawn_blocking(move || match &source {
            SecretSource::Stdin => read_limited(std::io::stdin().lock()),
            SecretSource::File(path) => read_file(path),
            SecretSource::Keyring { .. } => Ok(Zeroizing::new(String::new())),
        })
        .await
        .map_err(|e| self.error(e))?
        .map_err(|e| self.error(e))?;
        let secret = text.trim_end_matches(['\r', '\n']);
        if secret.trim().is_empty() {
            return Err(self.error("it is empty"));
        }
        Ok(SecretString::from(secret))
    }

    fn error(&self, detail: impl std::fmt::Display) -> AuthError {
        AuthError::SecretSource {
            from: self.to_string(),
            detail: detail.to_string(),
        }
    }
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Stdin => write!(f, "standard input"),
            SecretSource::File(path) => write!(f, "the file {}", path.display()),
            SecretSource::Keyring { service, account } => {
                write!(f, "the keyring entry {service} / {account}")
            }
        }
    }
}

fn read_file(path: &Path) -> std::io::Result<Zeroizing<String>> {
    read_limited(std::fs::File::open(path)?)
}

/// Reads UTF-8 text into memory that is zeroed when dropped.
fn read_limited(reader: impl Read) -> std::io::Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    let read = reader.take(MAX_SECRET_BYTES + 1).read_to_string(&mut text)?;
    if read as u64 > MAX_SECRET_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is larger than {} KiB, so it is not a client secret",
                MAX_SECRET_BYTES / 1024
            ),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[tokio::test]
    async fn reads_a_file_without_its_newline() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cr3t~value\r\n").expect("write");
        let secret = SecretSource::File(path.clone()).read().await;
        assert_eq!(
            secret.ok().map(|s| s.expose_secret().to_string()).as_deref(),
            Some("s3cr3t~value")
        );

        std::fs::write(&path, "\n").expect("write");
        assert!(matches!(
            SecretSource::File(path.clone()).read().await,
            Err(AuthError::SecretSource { .. })
        ));

        std::fs::write(&path, vec![b'x'; 65 * 1024]).expect("write");
        assert!(matches!(
            SecretSource::File(path.clone()).read().await,
            Err(AuthError::SecretSource { ref detail, .. }) if detail.contains("not a client secret")
        ));

        let missing = SecretSource::File(dir.path().join("missing")).read().await;
        assert!(
            matches!(missing, Err(AuthError::SecretSource { ref from, .. }) if from.starts_with("the file"))
        );
    }

    #[tokio::test]
    async fn reads_the_keyring() {
        let store = SecureStore::in_memory();
        let source = SecretSource::Keyring {
            service: "rekey-test".into(),
            account: "sp".into(),
        };
        assert!(matches!(
            source.read_from(&store).await,
            Err(AuthError::SecretSource { .. })
        ));
        let stored = store
            .set("rekey-test", "sp", &SecretString::from("from-keyring"))
            .await;
        assert!(stored.is_ok());
        let secret = source.read_from(&store).await;
        assert_eq!(
            secret.ok().map(|s| s.expose_secret().to_string()).as_deref(),
            Some("from-keyring")
        );
    }
}
