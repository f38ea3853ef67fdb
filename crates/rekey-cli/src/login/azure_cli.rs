//! Signing in as the Azure CLI's account: `az` keeps the sign-in, Rekey only remembers whose it is.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rekey_core::accounts::{Account, SignInMethod};
use rekey_core::auth::{AuthError, AzureCliCredential};
use rekey_core::cloud::CloudSetting;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::CliError;
use crate::home::Home;

pub async fn sign_in(home: &Home, setting: CloudSetting, tenant: Option<&str>) -> Result<Account, CliError> {
    let (cloud, _) = setting.resolve().await?;
    let credential = AzureCliCredential::new(tenant)?;
    let token = credential.token(&cloud.arm_scope()).await?;
    let who = Who::of(token.token.expose_secret())?;
    let account = Account {
        // As the app names it, so that both see one account per Azure CLI tenant.
        id: format!("azcli:{}", who.tid),
        username: who.name(),
        tenant_id: who.tid,
        cloud: setting,
        method: SignInMethod::AzureCli,
        client_id: who.appid.unwrap_or_default(),
    };
    home.accounts.add_or_replace(account.clone()).await?;
    Ok(account)
}

/// Who an access token was issued to. Read, not verified: the token came straight from `az`, and
/// only names the account in Rekey's list; Azure checks it on every call.
#[derive(Deserialize)]
struct Who {
    tid: String,
    oid: String,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    appid: Option<String>,
}

impl Who {
    fn of(token: &str) -> Result<Who, AuthError> {
        let malformed = |detail: &str| {
            AuthError::AzureCli {
            guidance: format!(
                "the Azure CLI returned a token Rekey cannot read ({detail}). Run `az account get-access-token` \
                 to check it"
            ),
        }
        };
        let payload = token
            .split('.')
            .nth(1)
            .ok_or_else(|| malformed("it is not a JWT"))?;
        let json = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| malformed("its claims are not base64"))?;
        serde_json::from_slice(&json).map_err(|_| malformed("it names no tenant or object"))
    }

    /// The sign-in name, or the application for a service principal signed in to `az`.
    fn name(&self) -> String {
        [&self.upn, &self.preferred_username, &self.unique_name]
            .into_iter()
            .flatten()
            .next()
            .cloned()
            .or_else(|| self.appid.as_ref().map(|a| format!("application {a}")))
            .unwrap_or_else(|| self.oid.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &serde_json::Value) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn names_the_account_from_the_token() {
        let who = Who::of(&jwt(
            &serde_json::json!({"tid": "t", "oid": "o", "upn": "a@b.example"}),
        ));
        assert_eq!(who.as_ref().map(Who::name).ok().as_deref(), Some("a@b.example"));
        let app = Who::of(&jwt(&serde_json::json!({"tid": "t", "oid": "o", "appid": "c"})));
        assert_eq!(app.as_ref().map(Who::name).ok().as_deref(), Some("application c"));
        assert!(Who::of("not-a-token").is_err());
        assert!(Who::of(&jwt(&serde_json::json!({"oid": "o"}))).is_err());
    }
}
