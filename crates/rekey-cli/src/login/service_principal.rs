//! Service principal sign-in: the secret comes from a file or standard input and is proven by getting
//! an ARM token. It is then kept as the app keeps it (in the token cache, under the keyring's key),
//! and a file's path besides, so that later commands can read the file again without a keyring.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use rekey_core::accounts::{Account, SignInMethod};
use rekey_core::auth::{AuthError, ClientSecretCredential, SecretSource};
use rekey_core::cloud::CloudSetting;
use secrecy::zeroize::Zeroizing;
use secrecy::SecretString;

use crate::error::CliError;
use crate::home::{warn, Home};

pub async fn sign_in(
    home: &mut Home,
    setting: CloudSetting,
    tenant: &str,
    client_id: &str,
    secret_file: Option<&Path>,
) -> Result<Account, CliError> {
    let source = match secret_file {
        Some(file) => SecretSource::File(
            std::path::absolute(file)
                .map_err(|e| CliError::usage(format!("--client-secret-file {}: {e}", file.display())))?,
        ),
        None => SecretSource::Stdin,
    };
    let secret = read(&source).await?;
    let (cloud, http) = setting.resolve().await?;
    let credential =
        ClientSecretCredential::new(http, &cloud.login_endpoint, tenant, client_id, secret.clone())?;
    // A token proves the tenant, the application and the secret before anything is saved.
    credential.token(&cloud.arm_scope()).await?;

    let account = Account {
        id: Account::service_principal_id(client_id, tenant),
        username: client_id.to_owned(),
        tenant_id: tenant.to_owned(),
        cloud: setting,
        method: SignInMethod::ServicePrincipal,
        client_id: client_id.to_owned(),
    };
    let file = match &source {
        SecretSource::File(path) => Some(path.as_path()),
        _ => None,
    };
    remember_secret(home, &account.id, file, secret).await?;
    home.accounts.add_or_replace(account.clone()).await?;
    Ok(account)
}

/// A file or piped input is read to its end; a terminal gives one line, which it shows as it is
/// typed (hiding it would need another dependency), so the person is told first.
async fn read(source: &SecretSource) -> Result<SecretString, CliError> {
    if *source != SecretSource::Stdin || !std::io::stdin().is_terminal() {
        return Ok(source.read().await?);
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

/// Saves the secret in the token cache, where the app finds it too; a secret from a file is read
/// from the file again by later commands, so only a piped or typed one is lost without a keyring.
async fn remember_secret(
    home: &mut Home,
    account_id: &str,
    file: Option<&Path>,
    secret: SecretString,
) -> Result<(), CliError> {
    home.secret_files.set(account_id, file).await?;
    let tokens = match file {
        Some(_) => home.tokens_quietly().await,
        None => home.tokens().await,
    };
    let not_saved = match (file, tokens.put(account_id, secret).await) {
        (Some(_), Err(e)) => {
            tracing::info!("the client secret stays in its file only: {e}");
            None
        }
        (None, Err(e)) => Some(format!(" ({e})")),
        (None, Ok(())) if !tokens.persisted() => Some(String::new()),
        _ => None,
    };
    if let Some(why) = not_saved {
        warn(&format!(
            "the client secret was not saved{why}, so later commands cannot use this service principal; \
             sign in with --client-secret-file to have the secret read from a file each time"
        ));
    }
    Ok(())
}
