//! Service principal sign-in: the secret comes from a file or standard input, is proven by getting
//! an ARM token, and is then remembered by where it comes from (the file, or the keyring entry it
//! is saved to), never in Rekey's own files.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use rekey_core::accounts::{Account, SignInMethod};
use rekey_core::auth::{AuthError, ClientSecretCredential, SecretSource};
use rekey_core::cloud::CloudSetting;
use secrecy::zeroize::Zeroizing;
use secrecy::SecretString;

use crate::error::CliError;
use crate::home::{warn, Home};
use crate::secret_sources::{keyring_account, KEYRING_SERVICE};

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
    remember_secret(home, &account.id, source, &secret).await?;
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

/// A file is read again by later commands; a secret from standard input goes to the keyring.
async fn remember_secret(
    home: &mut Home,
    account_id: &str,
    source: SecretSource,
    secret: &SecretString,
) -> Result<(), CliError> {
    let previous = home.sources.get(account_id);
    let remembered = match source {
        SecretSource::Stdin => save_in_keyring(home, account_id, secret).await,
        file => file,
    };
    home.sources.set(account_id, &remembered).await?;
    // A secret saved by an earlier sign-in that is no longer used should not stay in the keyring.
    if let Some(SecretSource::Keyring { service, account }) = previous.filter(|old| *old != remembered) {
        home.forget_saved_secret(&service, &account).await;
    }
    Ok(())
}

/// Saves a secret read from standard input in the keyring, and returns where it now is; without a
/// keyring it stays `Stdin`, which is not remembered (and that is said).
async fn save_in_keyring(home: &Home, account_id: &str, secret: &SecretString) -> SecretSource {
    let entry = keyring_account(account_id);
    let saved = match home.secrets().await.store {
        Some(store) => store
            .set(KEYRING_SERVICE, &entry, secret)
            .await
            .map_err(|e| e.to_string()),
        None => Err("the keyring is unavailable".into()),
    };
    match saved {
        Ok(()) => SecretSource::Keyring {
            service: KEYRING_SERVICE.into(),
            account: entry,
        },
        Err(e) => {
            warn(&format!(
                "the client secret was not saved ({e}), so later commands cannot use this service principal; \
                 sign in with --client-secret-file to have the secret read from a file each time"
            ));
            SecretSource::Stdin
        }
    }
}
