//! Signing in as whoever is logged in to the Azure CLI (`az login`), through azure_identity's
//! `AzureCliCredential`, with tokens cached while fresh (each `az` call takes about a second).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::pin::Pin;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_identity::{AzureCliCredentialOptions, Executor};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use tokio::sync::Mutex;

use super::{AccessToken, AuthError};

/// `az` can wait on a prompt nobody sees (a device-code login, a proxy password): give up then.
const AZ_TIMEOUT: Duration = Duration::from_secs(60);

const INSTALL: &str = "The Azure CLI (az) was not found. Install it (https://aka.ms/installazurecli), run \
`az login`, then try again. If it is installed, start Rekey from a terminal where `az` works.";
const LOGIN: &str = "The Azure CLI is not signed in. Run `az login` (with `--tenant <tenant>` for a \
particular tenant), then try again.";

pub struct AzureCliCredential {
    inner: Arc<azure_identity::AzureCliCredential>,
    cache: Mutex<HashMap<String, AccessToken>>,
}

impl std::fmt::Debug for AzureCliCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureCliCredential").finish_non_exhaustive()
    }
}

impl AzureCliCredential {
    /// The Azure CLI's account, in `tenant` (a tenant ID or domain) or its default tenant.
    pub fn new(tenant: Option<&str>) -> Result<Self, AuthError> {
        Self::build(tenant, None)
    }

    /// Like [`AzureCliCredential::new`], finding `az` on `path` (a `PATH` value) rather than on
    /// Rekey's own `PATH`: a desktop app started from a launcher often lacks the shell's `PATH`.
    pub fn with_path(tenant: Option<&str>, path: OsString) -> Result<Self, AuthError> {
        Self::build(tenant, Some(path))
    }

    fn build(tenant: Option<&str>, path: Option<OsString>) -> Result<Self, AuthError> {
        let options = AzureCliCredentialOptions {
            tenant_id: tenant.map(str::to_string),
            executor: Some(Arc::new(AzExecutor { path })),
            ..Default::default()
        };
        let inner =
            azure_identity::AzureCliCredential::new(Some(options)).map_err(|e| AuthError::AzureCli {
                guidance: reason(&e.to_string()),
            })?;
        Ok(AzureCliCredential {
            inner,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A token for `scope`, from the cache while it has more than five minutes left.
    pub async fn token(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.get(scope).filter(|t| t.is_fresh(Utc::now())) {
            return Ok(t.clone());
        }
        let token = self
            .inner
            .get_token(&[scope], None)
            .await
            .map_err(|e| AuthError::AzureCli {
                guidance: guidance(&e.to_string()),
            })?;
        let expires_at =
            DateTime::<Utc>::from_timestamp(token.expires_on.unix_timestamp(), 0).unwrap_or_else(Utc::now);
        let token = AccessToken {
            token: SecretString::from(token.token.secret()),
            expires_at,
        };
        cache.insert(scope.to_string(), token.clone());
        Ok(token)
    }

    /// Forgets cached tokens, after an API refused one.
    pub async fn invalidate(&self) {
        self.cache.lock().await.clear();
    }
}

/// What to do, from azure_identity's message (which carries `az`'s own error output).
fn guidance(message: &str) -> String {
    if message.contains("not found on PATH") || message.contains("wasn't found on PATH") {
        return INSTALL.into();
    }
    if message.contains("az login") || message.contains("AADSTS") {
        return LOGIN.into();
    }
    format!(
        "{}. Run `az account get-access-token` in a terminal to see the details.",
        reason(message)
    )
}

/// The message without azure_identity's preamble and troubleshooting link.
fn reason(message: &str) -> String {
    let text = message
        .strip_prefix("AzureCliCredential authentication failed.")
        .unwrap_or(message);
    let text = text.split("To troubleshoot").next().unwrap_or(text);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("the Azure CLI failed without saying why")
        .trim_end_matches('.')
        .to_string()
}

/// Runs `az` through tokio (azure_identity's default uses a thread per call), with a time limit
/// and optionally another `PATH`.
#[derive(Debug)]
struct AzExecutor {
    path: Option<OsString>,
}

impl Executor for AzExecutor {
    // `Executor` is an `#[async_trait]` trait; this is the signature that macro expands to.
    fn run<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        program: &'life1 OsStr,
        args: &'life2 [&'life3 OsStr],
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Output>> + Send + 'async_trait>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        let mut command = tokio::process::Command::new(program);
        command.args(args).kill_on_drop(true);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        Box::pin(async move {
            tokio::time::timeout(AZ_TIMEOUT, command.output())
                .await
                .map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("az did not answer within {} seconds", AZ_TIMEOUT.as_secs()),
                    )
                })?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidance_names_the_fix() {
        assert_eq!(
            guidance("AzureCliCredential authentication failed. az not found on PATH\nTo troubleshoot, visit https://aka.ms/x"),
            INSTALL
        );
        assert_eq!(
            guidance(
                "AzureCliCredential authentication failed. ERROR: Please run 'az login' to setup account.\n"
            ),
            LOGIN
        );
        assert_eq!(
            guidance(
                "AzureCliCredential authentication failed. ERROR: proxy refused.\nTo troubleshoot, visit x"
            ),
            "ERROR: proxy refused. Run `az account get-access-token` in a terminal to see the details."
        );
    }
}
