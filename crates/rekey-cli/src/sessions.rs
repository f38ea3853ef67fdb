//! A session for a saved account: its cloud, and a credential from what was remembered at sign-in
//! (the refresh token, the service principal's secret file or saved secret, or the Azure CLI).
//! Accounts the desktop app signed in work the same way: both keep sign-ins in the token cache.

use rekey_core::accounts::{Account, SignInMethod};
use rekey_core::auth::{
    AzureCliCredential, ClientSecretCredential, Credential, SecretSource, UserCredential,
};
use rekey_core::azure::http::HttpClient;
use rekey_core::cloud::Cloud;
use rekey_core::error::IpcError;
use rekey_core::session::{Session, SessionMode};

use crate::error::CliError;
use crate::home::Home;

/// The tenant the app saves for an Azure CLI login whose token named none.
const UNKNOWN_TENANT: &str = "unknown";

pub async fn open(home: &Home, account: &Account) -> Result<Session, CliError> {
    let (cloud, http) = account.cloud.resolve().await?;
    let credential = credential(home, account, &cloud, &http).await?;
    Ok(Session::new(
        SessionMode::Azure,
        account.username.clone(),
        http,
        cloud,
        credential,
    ))
}

async fn credential(
    home: &Home,
    account: &Account,
    cloud: &Cloud,
    http: &HttpClient,
) -> Result<Credential, CliError> {
    match account.method {
        SignInMethod::Browser | SignInMethod::DeviceCode => {
            let tokens = home.tokens().await;
            let refresh_token = tokens
                .get(&account.id)
                .ok_or_else(|| sign_in_again(account, "its sign-in was not remembered"))?;
            let user = UserCredential::new(http.clone(), cloud, account, refresh_token, tokens)?;
            Ok(Credential::User(user))
        }
        SignInMethod::AzureCli => {
            let tenant = Some(account.tenant_id.as_str()).filter(|t| *t != UNKNOWN_TENANT);
            Ok(Credential::AzureCli(AzureCliCredential::new(tenant)?))
        }
        SignInMethod::ServicePrincipal => {
            // The file first: it needs no keyring, and holds the current secret after a rotation.
            let secret = match home.secret_files.get(&account.id) {
                Some(file) => SecretSource::File(file.to_owned()).read().await?,
                None => home
                    .tokens()
                    .await
                    .get(&account.id)
                    .ok_or_else(|| sign_in_again(account, "its client secret was not saved"))?,
            };
            Ok(Credential::ClientSecret(ClientSecretCredential::new(
                http.clone(),
                &cloud.login_endpoint,
                &account.tenant_id,
                &account.client_id,
                secret,
            )?))
        }
    }
}

/// An account that cannot be used until it signs in again, with the command that does it.
fn sign_in_again(account: &Account, why: &str) -> CliError {
    let how = match account.method {
        SignInMethod::Browser => "rekey login --browser".to_owned(),
        SignInMethod::DeviceCode => "rekey login --device-code".to_owned(),
        SignInMethod::AzureCli => "rekey login --azure-cli".to_owned(),
        SignInMethod::ServicePrincipal => format!(
            "rekey login --service-principal --tenant {} --client-id {} --client-secret-file <file>",
            account.tenant_id, account.client_id
        ),
    };
    CliError::Ipc(IpcError::new(
        "sign_in_required",
        format!("This account cannot be used: {why}. Sign in again with `{how}`."),
    ))
}
