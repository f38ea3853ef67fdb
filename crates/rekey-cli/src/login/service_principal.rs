//! Service principal sign-in: the secret comes from a file (remembered by its path, read again by
//! later commands) or from standard input (kept as the app keeps it, encrypted in the token cache).
//! The core proves it by getting an ARM token before anything is saved.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use rekey_core::accounts::AccountInfo;
use rekey_core::auth::{AuthError, SecretSource};
use rekey_core::cloud::CloudSetting;
use rekey_core::workspace::{ServicePrincipalSecret, Workspace};
use secrecy::zeroize::Zeroizing;
use secrecy::SecretString;

use crate::error::CliError;
use crate::home::{storage_warning, warn};

pub async fn sign_in(
    workspace: &Workspace,
    setting: CloudSetting,
    tenant: &str,
    client_id: &str,
    secret_file: Option<PathBuf>,
) -> Result<AccountInfo, CliError> {
    let from_stdin = secret_file.is_none();
    let secret = match secret_file {
        Some(file) => ServicePrincipalSecret::File(file),
        None => ServicePrincipalSecret::Value(read_stdin().await?),
    };
    let account = workspace
        .sign_in_service_principal(setting, tenant, client_id, secret)
        .await?;
    // A file is read again each time; only a piped or typed secret is lost without a keyring.
    if from_stdin {
        if let Some(problem) = storage_warning(workspace) {
            warn(&problem);
            warn(
                "the client secret was not saved, so later commands cannot use this service principal; \
                 sign in with --client-secret-file to have the secret read from a file each time",
            );
        }
    }
    Ok(account)
}

/// Piped input is read to its end; a terminal gives one line, which it shows as it is typed
/// (hiding it would need another dependency), so the person is told first.
async fn read_stdin() -> Result<SecretString, CliError> {
    if !std::io::stdin().is_terminal() {
        return Ok(SecretSource::Stdin.read().await?);
    }
    eprintln!(
        "Paste the client secret and press Enter. It is shown as you type: to avoid that, use \
         --client-secret-file or pipe it in (rekey login … < secret.txt)."
    );
    let line = tokio::task::spawn_blocking(|| {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| stdin_error(e.to_string()))?
    .map_err(|e| stdin_error(e.to_string()))?;
    let secret = line.trim_end_matches(['\r', '\n']);
    if secret.trim().is_empty() {
        return Err(stdin_error("it is empty".into()));
    }
    Ok(SecretString::from(secret))
}

fn stdin_error(detail: String) -> CliError {
    AuthError::SecretSource {
        from: SecretSource::Stdin.to_string(),
        detail,
    }
    .into()
}
