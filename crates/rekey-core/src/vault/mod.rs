//! The vault: secrets Rekey created, each in the OS keyring (service `rekey`, account
//! `<tenant>/<appId>/<keyId>`), with a metadata index beside the app's other files. Values stay in
//! Rust: callers get a [`SecretString`] to hand to Azure, to the clipboard or to a native dialog,
//! never to the web view. Copies and reveals are audited (without the value).

mod entry;
mod index;
pub mod presence;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub use entry::{AzurePresence, KeyVaultPlace, VaultEntry, VaultRow, VaultStatus};
use index::Index;

use crate::accounts::AccountInfo;
use crate::audit::{AuditLog, AuditRecord};
use crate::clipboard::{ClipboardError, CopyGuard};
use crate::error::IpcError;
use crate::paths::AppPaths;
use crate::secure_store::{SecureStore, StoreError};

/// The keyring service every vault entry lives under.
pub const SERVICE: &str = "rekey";

/// The shortest key ID prefix accepted where a whole key ID is expected (CLI arguments).
const MIN_PREFIX: usize = 6;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the vault index {path}: {detail}")]
    Index { path: String, detail: String },
    #[error("no stored secret has the key ID {0}; `rekey vault list` shows them")]
    NotFound(String),
    #[error("{count} stored secrets have key IDs starting with {prefix}; give more of the key ID")]
    Ambiguous { prefix: String, count: usize },
    #[error(
        "the keyring no longer holds the secret {key_id} (it was deleted outside Rekey); rotate the \
         cluster again to make a new one, then delete this entry"
    )]
    MissingValue { key_id: String },
    #[error("the keyring accepted the secret {key_id} but does not give it back; Rekey will not rely on it")]
    NotKept { key_id: String },
    #[error("{0}")]
    Clipboard(#[from] ClipboardError),
}

impl VaultError {
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::Store(e) => e.code(),
            VaultError::Index { .. } => "vault_index",
            VaultError::NotFound(_) => "vault_not_found",
            VaultError::Ambiguous { .. } => "vault_ambiguous",
            VaultError::MissingValue { .. } => "vault_missing_value",
            VaultError::NotKept { .. } => "vault_not_kept",
            VaultError::Clipboard(_) => "clipboard_unavailable",
        }
    }
}

impl From<&VaultError> for IpcError {
    /// The message as a sentence (the app shows it as it is).
    fn from(e: &VaultError) -> Self {
        let text = e.to_string();
        let mut chars = text.chars();
        let message: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        IpcError::new(e.code(), message)
    }
}

impl VaultStatus {
    pub fn available() -> VaultStatus {
        VaultStatus {
            available: true,
            problem: None,
        }
    }

    /// The keyring does not work: `problem` says why and how to fix it.
    pub fn unavailable(problem: IpcError) -> VaultStatus {
        VaultStatus {
            available: false,
            problem: Some(problem),
        }
    }
}

/// Who the audit log names for a copy, reveal or delete of a secret of `tenant`: the signed-in
/// account of that tenant, else the first signed-in account, else the OS user (demo mode).
pub fn actor_for(accounts: &[AccountInfo], tenant: &str) -> String {
    accounts
        .iter()
        .find(|a| a.tenant_id.eq_ignore_ascii_case(tenant))
        .or_else(|| accounts.first())
        .map(|a| a.username.clone())
        .unwrap_or_else(crate::audit::local_actor)
}

/// Secrets in the keyring and their index. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Vault {
    store: SecureStore,
    index: Index,
    audit: AuditLog,
}

impl Vault {
    /// The vault on this OS's keyring, after checking that the keyring answers. When it does not,
    /// the error says how to fix it, and Rekey must not start a rotation.
    pub async fn open(paths: &AppPaths) -> Result<Vault, VaultError> {
        Ok(Vault::with_store(SecureStore::platform().await?, paths))
    }

    /// A vault on `store` (tests and benchmarks pass an in-memory one).
    pub fn with_store(store: SecureStore, paths: &AppPaths) -> Vault {
        Vault {
            store,
            index: Index::new(paths),
            audit: AuditLog::new(paths),
        }
    }

    /// Whether secrets outlive this process (false only for the in-memory test store).
    pub fn is_persistent(&self) -> bool {
        self.store.is_persistent()
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Stores `secret` for `entry`: the keyring first, read back to prove it is kept, then the index.
    /// Only when this returns `Ok` may the secret be relied on.
    ///
    /// When it fails, nothing is left half-written: a value the keyring took but that cannot be
    /// relied on (not read back, or not listed in the index) is deleted again (best effort: a
    /// keyring that fails the write usually fails the delete too, and holds nothing to delete).
    pub async fn put(&self, entry: VaultEntry, secret: &SecretString) -> Result<(), VaultError> {
        let account = entry.account();
        let key_id = entry.key_id.clone();
        self.store.set(SERVICE, &account, secret).await?;
        let kept = match self.store.get(SERVICE, &account).await {
            Ok(kept) => kept,
            Err(e) => return Err(self.undo_put(&account, e.into()).await),
        };
        if kept.as_ref().map(|k| k.expose_secret()) != Some(secret.expose_secret()) {
            return Err(self.undo_put(&account, VaultError::NotKept { key_id }).await);
        }
        let index = self.index.clone();
        let listed = blocking(move || {
            index.update(|entries| {
                entries.retain(|e| e.account() != entry.account());
                entries.push(entry);
            })
        })
        .await
        .and_then(|r| r);
        match listed {
            Ok(()) => Ok(()),
            Err(e) => Err(self.undo_put(&account, e).await),
        }
    }

    /// Deletes the keyring value of a `put` that failed after writing it, and returns `error`.
    async fn undo_put(&self, account: &str, error: VaultError) -> VaultError {
        if let Err(e) = self.store.delete(SERVICE, account).await {
            tracing::warn!(
                account,
                "a secret that could not be stored completely is still in the keyring: {e}"
            );
        }
        error
    }

    /// Removes the keyring entry and the index row of a secret that was never used (a rotation
    /// rolling back). No audit record: the rotation records its own step.
    pub async fn discard(&self, entry: &VaultEntry) -> Result<(), VaultError> {
        self.store.delete(SERVICE, &entry.account()).await?;
        let index = self.index.clone();
        let account = entry.account();
        blocking(move || index.update(|entries| entries.retain(|e| e.account() != account))).await?
    }

    /// Every stored secret's metadata, newest first.
    pub async fn entries(&self) -> Result<Vec<VaultEntry>, VaultError> {
        let index = self.index.clone();
        let mut entries = blocking(move || index.read()).await??;
        entries.sort_by_key(|e| std::cmp::Reverse(e.created));
        Ok(entries)
    }

    /// The entry whose key ID is `key` or starts with it (at least six characters), any case.
    pub async fn find(&self, key: &str) -> Result<VaultEntry, VaultError> {
        let key = key.trim().to_ascii_lowercase();
        let entries = self.entries().await?;
        if let Some(exact) = entries.iter().find(|e| e.key_id.eq_ignore_ascii_case(&key)) {
            return Ok(exact.clone());
        }
        if key.len() < MIN_PREFIX {
            return Err(VaultError::NotFound(key));
        }
        let mut matches: Vec<VaultEntry> = entries
            .into_iter()
            .filter(|e| e.key_id.to_ascii_lowercase().starts_with(&key))
            .collect();
        match matches.len() {
            0 => Err(VaultError::NotFound(key)),
            1 => Ok(matches.remove(0)),
            count => Err(VaultError::Ambiguous { prefix: key, count }),
        }
    }

    /// The value of `entry`, for handing to Azure. Not audited: the caller records what it does.
    pub async fn secret(&self, entry: &VaultEntry) -> Result<SecretString, VaultError> {
        self.store
            .get(SERVICE, &entry.account())
            .await?
            .ok_or_else(|| VaultError::MissingValue {
                key_id: entry.key_id.clone(),
            })
    }

    /// The value of the secret `key`, for showing to the person `actor` (a native dialog, a
    /// terminal). Audited before it is returned.
    pub async fn reveal(&self, key: &str, actor: &str) -> Result<(VaultEntry, SecretString), VaultError> {
        let entry = self.find(key).await?;
        let secret = self.secret(&entry).await;
        self.audit_access("vault.reveal", actor, &entry, secret.as_ref().err())
            .await;
        Ok((entry, secret?))
    }

    /// Puts the secret `key` on the clipboard for `hold` (then takes it back unless something else
    /// was copied). Audited.
    pub async fn copy(
        &self,
        key: &str,
        actor: &str,
        hold: Duration,
    ) -> Result<(VaultEntry, CopyGuard), VaultError> {
        let entry = self.find(key).await?;
        let copied = match self.secret(&entry).await {
            Ok(secret) => {
                blocking(move || crate::clipboard::copy_for(secret, hold).map_err(VaultError::from)).await?
            }
            Err(e) => Err(e),
        };
        self.audit_access("vault.copy", actor, &entry, copied.as_ref().err())
            .await;
        Ok((entry, copied?))
    }

    /// Deletes the secret `key` from the keyring and the index. Audited.
    pub async fn delete(&self, key: &str, actor: &str) -> Result<VaultEntry, VaultError> {
        let entry = self.find(key).await?;
        let result = self.discard(&entry).await;
        self.audit_access("vault.delete", actor, &entry, result.as_ref().err())
            .await;
        result.map(|()| entry)
    }

    /// Records that the secret `key_id` was given to `clusters` (ARM IDs).
    pub async fn add_clusters(&self, key_id: &str, clusters: &[String]) -> Result<(), VaultError> {
        let clusters = clusters.to_vec();
        self.update_entry(key_id, move |entry| {
            for cluster in &clusters {
                if !entry.clusters.iter().any(|c| c.eq_ignore_ascii_case(cluster)) {
                    entry.clusters.push(cluster.clone());
                }
            }
        })
        .await
    }

    /// Records that the secret `key_id` was also written to Key Vault at `place`.
    pub async fn add_key_vault(&self, key_id: &str, place: KeyVaultPlace) -> Result<(), VaultError> {
        self.update_entry(key_id, move |entry| entry.key_vault = Some(place.clone()))
            .await
    }

    /// Changes the index rows of the secret `key_id` (never its value).
    async fn update_entry(
        &self,
        key_id: &str,
        change: impl Fn(&mut VaultEntry) + Send + 'static,
    ) -> Result<(), VaultError> {
        let index = self.index.clone();
        let key_id = key_id.to_string();
        blocking(move || {
            index.update(|entries| {
                entries
                    .iter_mut()
                    .filter(|e| e.key_id.eq_ignore_ascii_case(&key_id))
                    .for_each(&change)
            })
        })
        .await?
    }

    /// Whether the keyring still holds each entry's value (a read per entry, no prompt on Linux or
    /// Windows; the keychain may ask once on macOS).
    pub async fn in_keyring(&self, entry: &VaultEntry) -> Result<bool, VaultError> {
        Ok(self.store.get(SERVICE, &entry.account()).await?.is_some())
    }

    async fn audit_access(&self, action: &str, actor: &str, entry: &VaultEntry, error: Option<&VaultError>) {
        let mut record = AuditRecord::new(actor, action, if error.is_none() { "ok" } else { "failed" });
        record.tenant_id = Some(entry.tenant_id.clone());
        record.app_id = Some(entry.app_id.clone());
        record.new_key_id = Some(entry.key_id.clone());
        record.hint = entry.hint.clone();
        record.rotation_id = entry.rotation_id.clone();
        record.detail = error.map(ToString::to_string);
        self.audit.record_or_warn(record).await;
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, VaultError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| VaultError::Index {
            path: "vault-index.json".into(),
            detail: format!("the index call stopped unexpectedly: {e}"),
        })
}
