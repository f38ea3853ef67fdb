//! Refresh tokens, per account, kept across restarts in `token-cache.bin`: encrypted with
//! XChaCha20-Poly1305 under a random key that lives in the OS keyring, so the file alone (a backup, a
//! copied home folder) gives nothing away. Without a usable keyring the cache works in memory only
//! and says so ([`TokenCache::persisted`]); a file it cannot read is set aside, never overwritten.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::IpcError;
use crate::paths::{broken_path, write_private, AppPaths};
use crate::secure_store::{SecureStore, StoreError};

/// The keyring entry holding the cache key: service…
pub const KEY_SERVICE: &str = "rekey";
/// …and account.
pub const KEY_ACCOUNT: &str = "token-cache-key";

/// File layout: `MAGIC | key id | nonce | ciphertext with tag`. The first two are authenticated as
/// associated data, so a file cannot be re-labelled for another key or format version.
const MAGIC: &[u8; 8] = b"REKEYTC\x01";
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + KEY_ID_LEN;
const TAG_LEN: usize = 16;

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

/// The 32-byte cache key, zeroed on drop. Kept in the keyring as base64 (some Secret Service
/// providers, such as KDE Wallet, store text only).
#[derive(Clone)]
struct CacheKey(Zeroizing<[u8; 32]>);

impl CacheKey {
    fn generate() -> CacheKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        CacheKey(key)
    }

    /// `None` if the keyring entry is not a key Rekey wrote.
    fn from_secret(secret: &SecretString) -> Option<CacheKey> {
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(secret.expose_secret())
                .ok()?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return None;
        }
        key.copy_from_slice(&bytes);
        Some(CacheKey(key))
    }

    fn to_secret(&self) -> SecretString {
        SecretString::from(base64::engine::general_purpose::STANDARD.encode(self.0.as_ref()))
    }

    /// Names the key without revealing it, to tell "another key" from "tampered".
    fn id(&self) -> [u8; KEY_ID_LEN] {
        let digest = Sha256::new()
            .chain_update(b"rekey token cache key id\0")
            .chain_update(self.0.as_ref())
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

/// The decrypted contents. Tokens are only ever borrowed into it, never copied.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainOut<'a> {
    refresh_tokens: BTreeMap<&'a str, &'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainIn {
    refresh_tokens: HashMap<String, SecretString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreadable {
    KeyLost,
    WrongKey,
    Tampered,
    Corrupt,
}

fn seal(key: &CacheKey, tokens: &HashMap<String, SecretString>) -> Result<Vec<u8>, TokenCacheError> {
    let plain = PlainOut {
        refresh_tokens: tokens
            .iter()
            .map(|(id, token)| (id.as_str(), token.expose_secret()))
            .collect(),
    };
    let plaintext =
        Zeroizing::new(serde_json::to_vec(&plain).map_err(|e| TokenCacheError::Seal(e.to_string()))?);
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&key.id());
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &out,
            },
        )
        .map_err(|e| TokenCacheError::Seal(e.to_string()))?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn unseal(key: &CacheKey, bytes: &[u8]) -> Result<HashMap<String, SecretString>, Unreadable> {
    if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || !bytes.starts_with(MAGIC) {
        return Err(Unreadable::Corrupt);
    }
    let (header, rest) = bytes.split_at(HEADER_LEN);
    if header[MAGIC.len()..] != key.id() {
        return Err(Unreadable::WrongKey);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let plaintext = Zeroizing::new(
        key.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: header,
                },
            )
            .map_err(|_| Unreadable::Tampered)?,
    );
    // Authentic but unparseable: only a Rekey bug could write that; report it rather than guess.
    let plain: PlainIn = serde_json::from_slice(&plaintext).map_err(|_| Unreadable::Corrupt)?;
    Ok(plain.refresh_tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(pairs: &[(&str, &str)]) -> HashMap<String, SecretString> {
        pairs
            .iter()
            .map(|(id, t)| ((*id).to_owned(), SecretString::from((*t).to_owned())))
            .collect()
    }

    #[test]
    fn seal_round_trips_and_hides_the_tokens() -> Result<(), TokenCacheError> {
        let key = CacheKey::generate();
        let sealed = seal(&key, &tokens(&[("a", "rt-secret-a"), ("b", "rt-secret-b")]))?;
        assert!(!sealed.windows(11).any(|w| w == b"rt-secret-a"));
        let opened = unseal(&key, &sealed).map_err(|e| TokenCacheError::Seal(format!("{e:?}")))?;
        assert_eq!(opened.get("b").map(|t| t.expose_secret()), Some("rt-secret-b"));
        assert_eq!(opened.len(), 2);
        Ok(())
    }

    #[test]
    fn every_changed_byte_is_detected() -> Result<(), TokenCacheError> {
        let key = CacheKey::generate();
        let sealed = seal(&key, &tokens(&[("a", "rt")]))?;
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            let expected = if i < MAGIC.len() {
                Unreadable::Corrupt
            } else if i < HEADER_LEN {
                Unreadable::WrongKey
            } else {
                Unreadable::Tampered
            };
            assert_eq!(unseal(&key, &bad).err(), Some(expected), "byte {i}");
        }
        assert_eq!(
            unseal(&key, &sealed[..sealed.len() - 1]).err(),
            Some(Unreadable::Tampered)
        );
        assert_eq!(unseal(&key, &sealed[..20]).err(), Some(Unreadable::Corrupt));
        assert_eq!(
            unseal(&CacheKey::generate(), &sealed).err(),
            Some(Unreadable::WrongKey)
        );
        Ok(())
    }

    #[test]
    fn keys_survive_the_keyring_as_text_and_bad_text_is_refused() {
        let key = CacheKey::generate();
        let back = CacheKey::from_secret(&key.to_secret()).map(|k| k.id());
        assert_eq!(back, Some(key.id()));
        for bad in ["", "not base64!", "c2hvcnQ="] {
            assert!(
                CacheKey::from_secret(&SecretString::from(bad.to_owned())).is_none(),
                "{bad}"
            );
        }
    }
}
