//! Rekey's saved state as one command sees it: the account list always; the token cache (and so
//! the keyring, which may prompt to unlock) only for commands that need a saved sign-in.

use std::sync::atomic::{AtomicBool, Ordering};

use rekey_core::accounts::AccountStore;
use rekey_core::auth::token_cache::TokenCache;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;

use crate::error::CliError;
use crate::secret_files::SecretFiles;

pub struct Home {
    pub paths: AppPaths,
    pub accounts: AccountStore,
    pub secret_files: SecretFiles,
    tokens: tokio::sync::OnceCell<Opened>,
    warned: AtomicBool,
}

/// The token cache as opened, with what kept it from being saved (no keyring, an unreadable file).
struct Opened {
    tokens: TokenCache,
    problems: Vec<String>,
}

impl Home {
    /// `REKEY_HOME`, or the OS's per-user folders.
    pub async fn open() -> Result<Home, CliError> {
        let paths = AppPaths::resolve()?;
        let accounts = AccountStore::open(&paths).await?;
        if let Some(problem) = accounts.problem() {
            warn(&problem.to_string());
        }
        let secret_files = SecretFiles::open(&paths).await?;
        Ok(Home {
            paths,
            accounts,
            secret_files,
            tokens: tokio::sync::OnceCell::new(),
            warned: AtomicBool::new(false),
        })
    }

    /// The saved sign-ins (refresh tokens, and service principals' secrets as the app keeps them),
    /// opened at the first call. Without a keyring the command still works, but nothing it signs in
    /// is remembered: that is said once.
    pub async fn tokens(&self) -> TokenCache {
        let opened = self.opened().await;
        if !self.warned.swap(true, Ordering::Relaxed) {
            for problem in &opened.problems {
                warn(problem);
            }
        }
        opened.tokens.clone()
    }

    /// [`Home::tokens`] without a word: for what is remembered elsewhere as well.
    pub async fn tokens_quietly(&self) -> TokenCache {
        self.opened().await.tokens.clone()
    }

    async fn opened(&self) -> &Opened {
        self.tokens.get_or_init(|| open_tokens(&self.paths)).await
    }
}

async fn open_tokens(paths: &AppPaths) -> Opened {
    let mut problems = Vec::new();
    let store = match SecureStore::platform().await {
        Ok(store) => Some(store),
        Err(e) => {
            problems.push(format!(
                "the keyring is unavailable, so sign-ins will not be remembered after this command: {e}"
            ));
            None
        }
    };
    let tokens = TokenCache::open(paths, store).await;
    problems.extend(tokens.problems().iter().map(ToString::to_string));
    Opened { tokens, problems }
}

/// A problem that does not stop the command, on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}
