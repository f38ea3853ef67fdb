//! Refresh tokens, per account, kept across restarts in `token-cache.bin`: encrypted with
//! XChaCha20-Poly1305 under a random key that lives in the OS keyring, so the file alone (a backup, a
//! copied home folder) gives nothing away. Without a usable keyring the cache works in memory only
//! and says so ([`TokenCache::persisted`]); a file it cannot read is set aside, never overwritten.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::SecretString;

use crate::error::IpcError;
use crate::paths::{broken_path, write_private, AppPaths};
use crate::secure_store::{SecureStore, StoreError};

mod sealed;
use sealed::{seal, unseal, CacheKey, Unreadable};

/// The keyring entry holding the cache key: service…
pub const KEY_SERVICE: &str = "rekey";
/// …and account.
pub const KEY_ACCOUNT: &str = "token-cache-key";

#[derive(Debug, thiserror::Error)]
pub enum TokenCacheError {
    #[error("sign-ins will not be remembered after Rekey closes: {0}")]
    Keyring(#[from] StoreError),
    #[error(
        "the saved sign-ins in {} cannot be decrypted: their key is missing from the keyring or damaged \
         (was the keyring reset?). The file was kept as {}; sign in again",
        path.display(),
        kept.display()
    )]
    KeyLost { path: PathBuf, kept: PathBuf },
    #[error(
        "the saved sign-ins in {} were encrypted with another key than the one in this keyring (copied \
         from another computer or user?). The file was kept as {}; sign in again",
        path.display(),
        kept.display()
    )]
    WrongKey { path: PathBuf, kept: PathBuf },
    #[error(
        "the saved sign-ins in {} were changed or damaged: their integrity check failed. The file was \
         kept as {}; sign in again",
        path.display(),
        kept.display()
    )]
    Tampered { path: PathBuf, kept: PathBuf },
    #[error(
        "{} is not a Rekey token cache, or is cut short. The file was kept as {}; sign in again",
        path.display(),
        kept.display()
    )]
    Corrupt { path: PathBuf, kept: PathBuf },
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not encrypt the token cache: {0}")]
    Seal(String),
}

impl TokenCacheError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenCacheError::Keyring(e) => e.code(),
            TokenCacheError::KeyLost { .. } => "token_cache_key_lost",
            TokenCacheError::WrongKey { .. } => "token_cache_wrong_key",
            TokenCacheError::Tampered { .. } => "token_cache_tampered",
            TokenCacheError::Corrupt { .. } => "token_cache_corrupt",
            TokenCacheError::Io { .. } => "token_cache_io",
            TokenCacheError::Seal(_) => "token_cache_seal",
        }
    }
}

impl From<&TokenCacheError> for IpcError {
    fn from(e: &TokenCacheError) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

/// The refresh tokens of the signed-in accounts. A cheap handle: clones share one cache.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    file: PathBuf,
    key_service: String,
    tokens: Mutex<HashMap<String, SecretString>>,
    /// Held across a whole save, so that saves happen one at a time and the last one written holds
    /// the latest tokens.
    persistence: tokio::sync::Mutex<Persistence>,
    persisted: AtomicBool,
    problems: Vec<TokenCacheError>,
}

enum Persistence {
    MemoryOnly,
    /// `key` is created at the first save: opening a cache never writes to the keyring.
    File {
        store: SecureStore,
        key: Option<CacheKey>,
    },
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("file", &self.inner.file)
            .field("persisted", &self.persisted())
            .field("accounts", &self.lock_tokens().len())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// Loads the cache in `paths.data_dir` with its key from `store`. Never fails: without a store,
    /// or if the keyring refuses, the cache is memory-only; a file that cannot be decrypted is set
    /// aside and the cache starts empty. Either way [`problems`](Self::problems) says what happened.
    pub async fn open(paths: &AppPaths, store: Option<SecureStore>) -> TokenCache {
        Self::open_with_key_service(paths, store, KEY_SERVICE).await
    }

    /// As [`open`](Self::open), with the key under another keyring service (tests use one per run).
    pub async fn open_with_key_service(
        paths: &AppPaths,
        store: Option<SecureStore>,
        key_service: &str,
    ) -> TokenCache {
        let file = paths.token_cache_file();
        let mut problems = Vec::new();
        let (tokens, persistence) = match store {
            None => (HashMap::new(), Persistence::MemoryOnly),
            Some(store) => match load(&file, &store, key_service, &mut problems).await {
                Some((tokens, key)) => (tokens, Persistence::File { store, key }),
                None => (HashMap::new(), Persistence::MemoryOnly),
            },
        };
        for problem in &problems {
            tracing::warn!(code = problem.code(), "token cache: {problem}");
        }
        let persisted = matches!(persistence, Persistence::File { .. });
        TokenCache {
            inner: Arc::new(Inner {
                file,
                key_service: key_service.to_owned(),
                tokens: Mutex::new(tokens),
                persistence: tokio::sync::Mutex::new(persistence),
                persisted: AtomicBool::new(persisted),
                problems,
            }),
        }
    }

    /// Whether tokens are saved for the next start. False without a usable keyring: the UI then
    /// says that sign-ins will not be remembered.
    pub fn persisted(&self) -> bool {
        self.inner.persisted.load(Ordering::Relaxed)
    }

    /// What went wrong while opening the cache, if anything (shown to the user once).
    pub fn problems(&self) -> &[TokenCacheError] {
        &self.inner.problems
    }

    pub fn get(&self, account_id: &str) -> Option<SecretString> {
        self.lock_tokens().get(account_id).cloned()
    }

    /// Stores (or replaces, after a rotation) an account's refresh token. On error the token is
    /// still kept in memory for this session; a keyring failure also makes the cache memory-only.
    pub async fn put(&self, account_id: &str, refresh_token: SecretString) -> Result<(), TokenCacheError> {
        let mut persistence = self.inner.persistence.lock().await;
        self.lock_tokens().insert(account_id.to_owned(), refresh_token);
        self.save(&mut persistence).await
    }

    /// Forgets an account's refresh token (sign-out). Succeeds if there was none. If the file
    /// cannot be written the token stays, in memory too, so that signing out can be retried.
    pub async fn remove(&self, account_id: &str) -> Result<(), TokenCacheError> {
        let mut persistence = self.inner.persistence.lock().await;
        let Some(removed) = self.lock_tokens().remove(account_id) else {
            return Ok(());
        };
        let saved = self.save(&mut persistence).await;
        if saved.is_err() {
            self.lock_tokens().insert(account_id.to_owned(), removed);
        }
        saved
    }

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        // A panic while holding the lock cannot leave the map half-updated: use it as it is.
        self.inner.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn save(&self, persistence: &mut Persistence) -> Result<(), TokenCacheError> {
        let Persistence::File { store, key } = persistence else {
            return Ok(());
        };
        let key = match key {
            Some(key) => key.clone(),
            None => {
                let new = CacheKey::generate();
                if let Err(e) = store
                    .set(&self.inner.key_service, KEY_ACCOUNT, &new.to_secret())
                    .await
                {
                    *persistence = Persistence::MemoryOnly;
                    self.inner.persisted.store(false, Ordering::Relaxed);
                    return Err(e.into());
                }
                key.insert(new).clone()
            }
        };
        let sealed = seal(&key, &self.lock_tokens())?;
        let file = self.inner.file.clone();
        let written = tokio::task::spawn_blocking(move || write_private(&file, &sealed))
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join.to_string())));
        written.map_err(|source| TokenCacheError::Io {
            action: "write",
            path: self.inner.file.clone(),
            source,
        })
    }
}

/// Reads the key and the file. `None` means the cache must stay in memory (a problem says why).
async fn load(
    file: &Path,
    store: &SecureStore,
    key_service: &str,
    problems: &mut Vec<TokenCacheError>,
) -> Option<(HashMap<String, SecretString>, Option<CacheKey>)> {
    let stored_key = match store.get(key_service, KEY_ACCOUNT).await {
        Ok(key) => key,
        Err(e) => {
            // Leave the file alone: the keyring may well be unlocked next time.
            problems.push(e.into());
            return None;
        }
    };
    let key = stored_key.as_ref().and_then(CacheKey::from_secret);
    let bytes = match read_if_exists(file).await {
        Ok(None) => return Some((HashMap::new(), key)),
        Ok(Some(bytes)) => bytes,
        Err(source) => {
            // Never overwrite what could not be read.
            problems.push(TokenCacheError::Io {
                action: "read",
                path: file.to_owned(),
                source,
            });
            return None;
        }
    };
    let unreadable = match &key {
        None => Unreadable::KeyLost,
        Some(key) => match unseal(key, &bytes) {
            Ok(tokens) => return Some((tokens, Some(key.clone()))),
            Err(why) => why,
        },
    };
    let kept = broken_path(file);
    let moved = {
        let (from, to) = (file.to_owned(), kept.clone());
        tokio::task::spawn_blocking(move || std::fs::rename(from, to))
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join.to_string())))
    };
    if let Err(source) = moved {
        problems.push(TokenCacheError::Io {
            action: "set aside",
            path: file.to_owned(),
            source,
        });
        return None;
    }
    let path = file.to_owned();
    problems.push(match unreadable {
        Unreadable::KeyLost => TokenCacheError::KeyLost { path, kept },
        Unreadable::WrongKey => TokenCacheError::WrongKey { path, kept },
        Unreadable::Tampered => TokenCacheError::Tampered { path, kept },
        Unreadable::Corrupt => TokenCacheError::Corrupt { path, kept },
    });
    Some((HashMap::new(), key))
}

async fn read_if_exists(file: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || match std::fs::read(&file) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    })
    .await
    .unwrap_or_else(|join| Err(std::io::Error::other(join.to_string())))
}

#[cfg(test)]
mod tests;
