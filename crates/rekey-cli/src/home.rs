//! Rekey's saved state as one command sees it: the account list always, the keyring and the token
//! cache only for commands that need secrets (opening the keyring may prompt to unlock it).

use rekey_core::accounts::AccountStore;
use rekey_core::auth::token_cache::TokenCache;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;

use crate::error::CliError;
use crate::secret_sources::SecretSources;

pub struct Home {
    pub paths: AppPaths,
    pub accounts: AccountStore,
    pub sources: SecretSources,
    secrets: tokio::sync::OnceCell<Secrets>,
}

/// The keyring (if it works) and the refresh tokens kept under its key. Cheap to clone.
#[derive(Clone)]
pub struct Secrets {
    pub store: Option<SecureStore>,
    pub tokens: TokenCache,
}

impl Home {
    /// `REKEY_HOME`, or the OS's per-user folders.
    pub async fn open() -> Result<Home, CliError> {
        let paths = AppPaths::resolve()?;
        let accounts = AccountStore::open(&paths).await?;
        if let Some(problem) = accounts.problem() {
            warn(&problem.to_string());
        }
        let sources = SecretSources::open(&paths).await?;
        Ok(Home {
            paths,
            accounts,
            sources,
            secrets: tokio::sync::OnceCell::new(),
        })
    }

    /// The keyring and the token cache, opened at the first call. Without a keyring, the command
    /// still works but nothing it signs in is remembered: that is said once, then.
    pub async fn secrets(&self) -> Secrets {
        self.secrets
            .get_or_init(|| open_secrets(&self.paths))
            .await
            .clone()
    }

    /// Deletes a client secret the CLI saved in the keyring; a failure leaves it there, which is said.
    pub async fn forget_saved_secret(&self, service: &str, account: &str) {
        let deleted = match self.secrets().await.store {
            Some(store) => store.delete(service, account).await.map_err(|e| e.to_string()),
            None => Err("the keyring is unavailable".into()),
        };
        if let Err(e) = deleted {
            warn(&format!(
                "the saved client secret ({service} / {account}) could not be deleted from the keyring: {e}"
            ));
        }
    }
}

async fn open_secrets(paths: &AppPaths) -> Secrets {
    let store = match SecureStore::platform().await {
        Ok(store) => Some(store),
        Err(e) => {
            warn(&format!(
                "the keyring is unavailable, so sign-ins and secrets will not be remembered after this \
                 command: {e}"
            ));
            None
        }
    };
    let tokens = TokenCache::open(paths, store.clone()).await;
    for problem in tokens.problems() {
        warn(&problem.to_string());
    }
    Secrets { store, tokens }
}

/// A problem that does not stop the command, on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}
