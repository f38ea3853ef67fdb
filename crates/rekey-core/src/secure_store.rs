//! The OS keyring, through keyring-core with each platform's store chosen explicitly: the Secret
//! Service on Linux, the login keychain on macOS, Credential Manager on Windows. Nothing falls back
//! to a store that forgets (keyring-core's mock is only for tests, through [`SecureStore::in_memory`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use secrecy::{ExposeSecret, SecretString};

use crate::error::IpcError;

/// How long a keyring call may take. Long enough to type a password into an unlock prompt; short
/// enough that a prompt nobody can see (no desktop session) does not hang Rekey for ever.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// An entry that never exists: reading it proves the keyring answers, without prompting or writing.
const PROBE: (&str, &str) = ("rekey", "availability-probe");

/// A handle on the keyring. Cheap to clone; every call runs on a blocking thread.
#[derive(Clone)]
pub struct SecureStore {
    store: Arc<CredentialStore>,
    backend: Backend,
    timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Platform,
    InMemory,
}

impl std::fmt::Debug for SecureStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureStore")
            .field("backend", &self.backend)
            .field("store", &self.store)
            .finish()
    }
}

/// A keyring failure, with what to do about it on this OS.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{} is not available ({detail}). {}", platform::NAME, platform::START_FIX)]
    Unavailable { detail: String },
    #[error(
        "{} refused access: it is locked, or access was denied ({detail}). {}",
        platform::NAME,
        platform::UNLOCK_FIX
    )]
    NoAccess { detail: String },
    #[error(
        "{} holds several entries for {service} / {account}; delete them with {} and sign in again",
        platform::NAME,
        platform::MANAGER
    )]
    Ambiguous { service: String, account: String },
    #[error(
        "the entry {service} / {account} in {} is not in the format Rekey wrote; delete it with {} \
         and sign in again",
        platform::NAME,
        platform::MANAGER
    )]
    Corrupt { service: String, account: String },
    #[error("{} rejected the request: {detail}", platform::NAME)]
    Rejected { detail: String },
    #[error(
        "{} did not answer within {seconds} seconds; unlock it or answer its prompt, then try again",
        platform::NAME
    )]
    Timeout { seconds: u64 },
    #[error("the keyring call stopped unexpectedly: {0}")]
    Interrupted(String),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable { .. } => "keyring_unavailable",
            StoreError::NoAccess { .. } => "keyring_no_access",
            StoreError::Ambiguous { .. } => "keyring_ambiguous",
            StoreError::Corrupt { .. } => "keyring_corrupt",
            StoreError::Rejected { .. } => "keyring_rejected",
            StoreError::Timeout { .. } => "keyring_timeout",
            StoreError::Interrupted(_) => "keyring_interrupted",
        }
    }

    fn from_keyring(e: KeyringError, service: &str, account: &str) -> StoreError {
        let (service, account) = (service.to_owned(), account.to_owned());
        match e {
            KeyringError::PlatformFailure(err) => StoreError::Unavailable {
                detail: err.to_string(),
            },
            KeyringError::NoStorageAccess(err) => StoreError::NoAccess {
                detail: err.to_string(),
            },
            KeyringError::Ambiguous(_) => StoreError::Ambiguous { service, account },
            // The payload of these two is the stored secret itself: never put it in a message.
            KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..) => {
                StoreError::Corrupt { service, account }
            }
            other => StoreError::Rejected {
                detail: other.to_string(),
            },
        }
    }
}

impl From<&StoreError> for IpcError {
    fn from(e: &StoreError) -> Self {
        IpcError::new(e.code(), e.to_string())
    }
}

impl SecureStore {
    /// This OS's keyring, after checking that it answers.
    pub async fn platform() -> Result<SecureStore, StoreError> {
        let store = blocking(CALL_TIMEOUT, || {
            platform::open().map_err(|e| match e {
                // Failing to even connect means there is no keyring service to talk to.
                KeyringError::PlatformFailure(err) | KeyringError::NoStorageAccess(err) => {
                    StoreError::Unavailable {
                        detail: err.to_string(),
                    }
                }
                other => StoreError::from_keyring(other, PROBE.0, PROBE.1),
            })
        })
        .await??;
        let store = SecureStore {
            store,
            backend: Backend::Platform,
            timeout: CALL_TIMEOUT,
        };
        store.get(PROBE.0, PROBE.1).await?;
        Ok(store)
    }

    /// A store that lives in this process only (keyring-core's mock). For tests: it forgets
    /// everything when the last clone is dropped.
    pub fn in_memory() -> SecureStore {
        let store: Arc<CredentialStore> = match keyring_core::mock::Store::new() {
            Ok(store) => store,
            Err(_) => unreachable!("keyring-core's mock store cannot fail to start"),
        };
        SecureStore {
            store,
            backend: Backend::InMemory,
            timeout: CALL_TIMEOUT,
        }
    }

    /// Whether this store keeps secrets after Rekey exits.
    pub fn is_persistent(&self) -> bool {
        self.backend == Backend::Platform
    }

    /// The secret under `service` / `account`, or `None` if there is none.
    pub async fn get(&self, service: &str, account: &str) -> Result<Option<SecretString>, StoreError> {
        self.call(service, account, |entry| match entry.get_password() {
            Ok(password) => Ok(Some(SecretString::from(password))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    /// Creates or replaces the secret under `service` / `account`.
    pub async fn set(&self, service: &str, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        let secret = secret.clone();
        self.call(service, account, move |entry| {
            entry.set_password(secret.expose_secret())
        })
        .await
    }

    /// Removes the secret under `service` / `account`; succeeds if there was none.
    pub async fn delete(&self, service: &str, account: &str) -> Result<(), StoreError> {
        self.call(service, account, |entry| match entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
        .await
    }

    /// Tests only: the next call on `service` / `account` fails with `error`, as keyring-core's mock
    /// allows. Refused on the platform store.
    #[doc(hidden)]
    pub fn fail_next_call(
        &self,
        service: &str,
        account: &str,
        error: KeyringError,
    ) -> Result<(), StoreError> {
        if self.backend != Backend::InMemory {
            return Err(StoreError::Rejected {
                detail: "faults can only be injected into the in-memory store".into(),
            });
        }
        let entry = self
            .entry(service, account)
            .map_err(|e| StoreError::from_keyring(e, service, account))?;
        match entry.as_any().downcast_ref::<keyring_core::mock::Cred>() {
            Some(cred) => {
                cred.set_error(error);
                Ok(())
            }
            None => Err(StoreError::Rejected {
                detail: "the in-memory store returned a credential that is not a mock".into(),
            }),
        }
    }

    fn entry(&self, service: &str, account: &str) -> keyring_core::Result<Entry> {
        match self.backend {
            Backend::Platform => {
                let modifiers = platform::modifiers(service, account);
                let modifiers: HashMap<&str, &str> =
                    modifiers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Entry::new_in_store_with_modifiers(&self.store, service, account, &modifiers)
            }
            // The mock refuses modifiers.
            Backend::InMemory => Entry::new_in_store(&self.store, service, account),
        }
    }

    async fn call<T, F>(&self, service: &str, account: &str, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Entry) -> keyring_core::Result<T> + Send + 'static,
    {
        let this = self.clone();
        let (service, account) = (service.to_owned(), account.to_owned());
        blocking(self.timeout, move || {
            // Held for the whole call where the store needs it (see `platform::ONE_CALL_AT_A_TIME`);
            // a poisoned lock only means another call panicked, which leaves nothing to repair.
            let _turn = (platform::ONE_CALL_AT_A_TIME && this.backend == Backend::Platform)
                .then(|| ONE_CALL.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            this.entry(&service, &account)
                .and_then(|entry| op(&entry))
                .map_err(|e| StoreError::from_keyring(e, &service, &account))
        })
        .await?
    }
}

/// The turn of one keyring call at a time, on the stores that need it.
static ONE_CALL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs a blocking keyring call on tokio's blocking pool, giving up after `timeout` (the thread is
/// left to finish on its own: a keyring call cannot be cancelled).
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join)) => Err(StoreError::Interrupted(join.to_string())),
        Err(_) => Err(StoreError::Timeout {
            seconds: timeout.as_secs(),
        }),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::*;

    pub const NAME: &str = "the Secret Service (your desktop keyring)";
    pub const START_FIX: &str = "No Secret Service is running: install and start gnome-keyring \
        (`sudo apt install gnome-keyring`, then sign out of the desktop and back in), or turn on \
        KeePassXC's Secret Service integration";
    pub const UNLOCK_FIX: &str = "Unlock your login keyring (Passwords and Keys / Seahorse, or \
        KeePassXC) and allow Rekey, then try again";
    pub const MANAGER: &str = "Passwords and Keys (Seahorse)";
    pub const ONE_CALL_AT_A_TIME: bool = false;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(dbus_secret_service_keyring_store::Store::new()?)
    }

    /// A label people recognise in Seahorse, instead of `keyring:{account}@{service}`.
    pub fn modifiers(service: &str, account: &str) -> Vec<(&'static str, String)> {
        vec![("label", format!("Rekey: {account} ({service})"))]
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::*;

    pub const NAME: &str = "the macOS login keychain";
    pub const START_FIX: &str = "Open Keychain Access and check that your login keychain exists, is \
        the default keychain and is unlocked (in a session without a screen, such as SSH, unlock it \
        first with `security unlock-keychain`), and choose Always Allow if macOS asks about Rekey";
    pub const UNLOCK_FIX: &str = "Unlock the login keychain in Keychain Access and choose Always \
        Allow when macOS asks about Rekey, then try again";
    pub const MANAGER: &str = "Keychain Access";
    pub const ONE_CALL_AT_A_TIME: bool = false;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(apple_native_keyring_store::keychain::Store::new()?)
    }

    pub fn modifiers(_service: &str, _account: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

#[cfg(target_os = "windows")]
mod platform {
    use super::*;

    pub const NAME: &str = "Windows Credential Manager";
    pub const START_FIX: &str = "Check that the Credential Manager service (VaultSvc) is running: \
        open services.msc, find Credential Manager and start it";
    pub const UNLOCK_FIX: &str = "Credential Manager keeps secrets per Windows user: run Rekey as \
        yourself (not as another user or a service), then try again";
    pub const MANAGER: &str = "Credential Manager (Control Panel, Windows Credentials)";
    /// windows-native-keyring-store 1.1 warns that calls on one credential from several threads are
    /// not reliably ordered: its crate docs ("Warnings") and its tests, where a write then a read on
    /// one other thread passes (`test_create_set_then_move`) but writes then reads on ten threads at
    /// once is ignored as unreliable (`test_simultaneous_create_set_then_move`). Rekey's calls run
    /// on any blocking-pool thread, so they take turns: each one meets Credential Manager alone,
    /// as in the test that passes (the vault reads back every secret it writes).
    pub const ONE_CALL_AT_A_TIME: bool = true;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Ok(windows_native_keyring_store::Store::new()?)
    }

    /// Local: kept on this computer only. The store's default, Enterprise, roams with the profile.
    pub fn modifiers(_service: &str, _account: &str) -> Vec<(&'static str, String)> {
        vec![("persistence", "Local".to_owned())]
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod platform {
    use super::*;

    pub const NAME: &str = "the system keyring";
    pub const START_FIX: &str = "Rekey supports the keyrings of Linux, macOS and Windows only";
    pub const UNLOCK_FIX: &str = START_FIX;
    pub const MANAGER: &str = "your keyring manager";
    pub const ONE_CALL_AT_A_TIME: bool = false;

    pub fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(KeyringError::NotSupportedByStore(
            "no keyring store for this operating system".into(),
        ))
    }

    pub fn modifiers(_service: &str, _account: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests;
