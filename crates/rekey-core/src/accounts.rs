//! The signed-in accounts, kept in `accounts.json` in the config folder: who, which cloud, how they
//! signed in, and which tenants and subscriptions they look at. Never a token or a secret: those
//! live in the [`TokenCache`] (and the keyring).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::auth::account::{Account, SignInMethod};
use crate::auth::token_cache::{TokenCache, TokenCacheError};
use crate::cloud::CloudSetting;
use crate::error::IpcError;
use crate::paths::{broken_path, write_private, AppPaths};

/// The tenants and subscriptions whose clusters are listed. An empty list means all.
#[derive(Serialize, Deserialize, TS, Clone, Debug, Default, PartialEq, Eq)]
#[ts(export)]
pub struct Selection {
    pub tenants: Vec<String>,
    pub subscriptions: Vec<String>,
}

impl Selection {
    /// Whether the subscription `subscription_id` of `tenant_id` is chosen (tenant IDs compare
    /// without case). The inventory of an account's home and of its guest tenants both ask this.
    pub fn keeps(&self, subscription_id: &str, tenant_id: Option<&str>) -> bool {
        (self.subscriptions.is_empty() || self.subscriptions.iter().any(|s| s == subscription_id))
            && (self.tenants.is_empty()
                || tenant_id.is_some_and(|t| self.tenants.iter().any(|s| s.eq_ignore_ascii_case(t))))
    }
}

/// A signed-in account. No token or secret.
#[derive(Serialize, TS, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountInfo {
    pub id: String,
    pub username: String,
    pub tenant_id: String,
    pub cloud: CloudSetting,
    pub method: SignInMethod,
    pub selection: Selection,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error(
        "the account list {} could not be read ({detail}). It was kept as {} and Rekey started with no \
         accounts; sign in again",
        path.display(),
        kept.display()
    )]
    Corrupt {
        path: PathBuf,
        kept: PathBuf,
        detail: String,
    },
    #[error(
        "the account list {} was written by a newer Rekey (format {found}); update Rekey, or move the \
         file away to start afresh",
        path.display()
    )]
    NewerFormat { path: PathBuf, found: u32 },
    #[error("no account {0} is signed in")]
    UnknownAccount(String),
    #[error("could not {action} the account list {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not sign out: {0}")]
    SignOut(#[from] TokenCacheError),
}

impl AccountsError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountsError::Corrupt { .. } => "accounts_corrupt",
            AccountsError::NewerFormat { .. } => "accounts_newer_format",
            AccountsError::UnknownAccount(_) => "unknown_account",
            AccountsError::Io { .. } => "accounts_io",
            AccountsError::SignOut(e) => e.code(),
        }
    }
}

impl From<&AccountsError> for IpcError {
    fn from(e: &AccountsError) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize, Default, Clone)]
struct AccountsFile {
    version: u32,
    accounts: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    #[serde(flatten)]
    account: Account,
    #[serde(default)]
    selection: Selection,
}

impl Entry {
    fn info(&self) -> AccountInfo {
        let a = &self.account;
        AccountInfo {
            id: a.id.clone(),
            username: a.username.clone(),
            tenant_id: a.tenant_id.clone(),
            cloud: a.cloud.clone(),
            method: a.method,
            selection: self.selection.clone(),
        }
    }
}

/// The account list. Every change is written at once; changes are made one at a time.
pub struct AccountStore {
    file: PathBuf,
    state: tokio::sync::Mutex<AccountsFile>,
    problem: Option<AccountsError>,
}

impl std::fmt::Debug for AccountStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountStore")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl AccountStore {
    /// Loads `accounts.json` from `paths.config_dir`. A file that is not valid is kept as
    /// `accounts.json.broken` and the store starts empty ([`problem`](Self::problem) says so); a file
    /// that cannot be read at all, or comes from a newer Rekey, is an error and stays untouched.
    pub async fn open(paths: &AppPaths) -> Result<AccountStore, AccountsError> {
        let file = paths.accounts_file();
        let path = file.clone();
        let loaded = tokio::task::spawn_blocking(move || load(&path))
            .await
            .unwrap_or_else(|join| Err(io_error("read", &file, std::io::Error::other(join.to_string()))));
        let (state, problem) = match loaded {
            Ok(state) => (state, None),
            Err(e @ AccountsError::Corrupt { .. }) => {
                tracing::warn!(code = e.code(), "{e}");
                (AccountsFile::default(), Some(e))
            }
            Err(e) => return Err(e),
        };
        Ok(AccountStore {
            file,
            state: tokio::sync::Mutex::new(state),
            problem,
        })
    }

    /// Why the store started empty, if the file was broken.
    pub fn problem(&self) -> Option<&AccountsError> {
        self.problem.as_ref()
    }

    pub async fn list(&self) -> Vec<AccountInfo> {
        self.state.lock().await.accounts.iter().map(Entry::info).collect()
    }

    pub async fn get(&self, id: &str) -> Option<Account> {
        let state = self.state.lock().await;
        state
            .accounts
            .iter()
            .find(|e| e.account.id == id)
            .map(|e| e.account.clone())
    }

    pub async fn info(&self, id: &str) -> Option<AccountInfo> {
        let state = self.state.lock().await;
        state
            .accounts
            .iter()
            .find(|e| e.account.id == id)
            .map(Entry::info)
    }

    /// Adds an account, or updates it after signing in again (its selection is kept).
    pub async fn add_or_replace(&self, account: Account) -> Result<AccountInfo, AccountsError> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let info = match next.accounts.iter_mut().find(|e| e.account.id == account.id) {
            Some(entry) => {
                entry.account = account;
                entry.info()
            }
            None => {
                let entry = Entry {
                    account,
                    selection: Selection::default(),
                };
                let info = entry.info();
                next.accounts.push(entry);
                info
            }
        };
        self.commit(&mut state, next).await?;
        Ok(info)
    }

    pub async fn set_selection(&self, id: &str, selection: Selection) -> Result<AccountInfo, AccountsError> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let entry = next
            .accounts
            .iter_mut()
            .find(|e| e.account.id == id)
            .ok_or_else(|| AccountsError::UnknownAccount(id.to_owned()))?;
        entry.selection = selection;
        let info = entry.info();
        self.commit(&mut state, next).await?;
        Ok(info)
    }

    /// Signs an account out: its refresh token goes first, so that a failure leaves the account
    /// listed and signing out can simply be tried again. Returns the account, if it was there.
    pub async fn remove(&self, id: &str, tokens: &TokenCache) -> Result<Option<Account>, AccountsError> {
        let mut state = self.state.lock().await;
        tokens.remove(id).await?;
        let mut next = state.clone();
        let Some(index) = next.accounts.iter().position(|e| e.account.id == id) else {
            return Ok(None);
        };
        let removed = next.accounts.remove(index).account;
        self.commit(&mut state, next).await?;
        Ok(Some(removed))
    }

    /// Writes `next` and, once it is on disk, makes it the state.
    async fn commit(&self, state: &mut AccountsFile, mut next: AccountsFile) -> Result<(), AccountsError> {
        next.version = FORMAT;
        let mut json = serde_json::to_vec_pretty(&next)
            .map_err(|e| io_error("encode", &self.file, std::io::Error::other(e.to_string())))?;
        json.push(b'\n');
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || write_private(&file, &json))
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join.to_string())))
            .map_err(|e| io_error("write", &self.file, e))?;
        *state = next;
        Ok(())
    }
}

fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> AccountsError {
    AccountsError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

fn load(file: &Path) -> Result<AccountsFile, AccountsError> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AccountsFile::default()),
        Err(e) => return Err(io_error("read", file, e)),
    };
    // Look at the format first, so that a newer file is refused rather than mistaken for a broken one.
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let parsed = serde_json::from_slice::<Version>(&bytes).and_then(|v| {
        if v.version > FORMAT {
            Ok(Err(v.version))
        } else {
            serde_json::from_slice::<AccountsFile>(&bytes).map(Ok)
        }
    });
    match parsed {
        Ok(Ok(state)) => Ok(state),
        Ok(Err(found)) => Err(AccountsError::NewerFormat {
            path: file.to_owned(),
            found,
        }),
        Err(e) => {
            let kept = broken_path(file);
            std::fs::rename(file, &kept).map_err(|e| io_error("set aside", file, e))?;
            Err(AccountsError::Corrupt {
                path: file.to_owned(),
                kept,
                detail: e.to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_identity_platform() {
        assert_eq!(Account::user_id("oid", "tid"), "oid.tid");
        assert_eq!(Account::service_principal_id("app", "contoso"), "sp:app@contoso");
    }

    #[test]
    fn the_file_is_camel_case_with_the_selection_beside_the_account() -> Result<(), serde_json::Error> {
        let file = AccountsFile {
            version: FORMAT,
            accounts: vec![Entry {
                account: Account {
                    id: "o.t".into(),
                    username: "a@b".into(),
                    tenant_id: "t".into(),
                    cloud: CloudSetting::UsGov,
                    method: SignInMethod::DeviceCode,
                    client_id: "c".into(),
                    secret_file: None,
                    binding_mac: None,
                },
                selection: Selection {
                    tenants: vec!["t".into()],
                    subscriptions: vec![],
                },
            }],
        };
        assert_eq!(
            serde_json::to_value(&file)?,
            serde_json::json!({"version": 1, "accounts": [{
                "id": "o.t", "username": "a@b", "tenantId": "t", "cloud": {"kind": "usGov"},
                "method": "deviceCode", "clientId": "c",
                "selection": {"tenants": ["t"], "subscriptions": []}
            }]})
        );
        Ok(())
    }
}
