//! A session for a saved account: its cloud, and a credential from what was remembered at sign-in
//! (the refresh token, the service principal's secret source, or the Azure CLI).

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
            let tokens = home.secrets().await.tokens;
            let refresh_token = tokens
                .get(&account.id)
                .ok_or_else(|| sign_in_again(account, "its sign-in was not remembered"))?;
            let user = UserCredential::new(http.clone(), cloud, account, refresh_token, tokens)?;
            Ok(Credential::User(user))
        }
        SignInMethod::AzureCli => Ok(Credential::AzureCli(AzureCliCredential::new(Some(
            &account.tenant_id,
        ))?)),
        SignInMethod::ServicePrincipal => {
            let source = home
                .sources
                .get(&account.id)
                .ok_or_else(|| sign_in_again(account, "its client secret was not saved"))?;
            // Only a secret saved in the keyring needs it: a file is read without opening the keyring.
            let secret = match &source {
                SecretSource::Keyring { .. } => match home.secrets().await.store {
                    Some(store) => source.read_from(&store).await?,
                    None => {
                        return Err(sign_in_again(
                            account,
                            "its client secret is in the keyring, which is unavailable",
                        ))
                    }
                },
                _ => source.read().await?,
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
