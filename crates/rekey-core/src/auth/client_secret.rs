//! Service principal sign-in with a client secret (OAuth 2.0 client credentials).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use super::{AccessToken, AuthError};
use crate::transport::{read_body, AzureError, HttpClient};

pub struct ClientSecretCredential {
    http: HttpClient,
    token_url: Url,
    client_id: String,
    secret: SecretString,
    cache: Mutex<HashMap<String, AccessToken>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    /// Some identity providers (ADFS, older Entra endpoints) send it as a string.
    #[serde(deserialize_with = "crate::transport::lenient::required_number")]
    expires_in: i64,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

impl ClientSecretCredential {
    pub fn new(
        http: HttpClient,
        authority: &Url,
        tenant: &str,
        client_id: &str,
        secret: SecretString,
    ) -> Result<Self, AuthError> {
        let token_url = super::entra::endpoint(authority, tenant, "token")?;
        Ok(ClientSecretCredential {
            http,
            token_url,
            client_id: client_id.to_string(),
            secret,
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub async fn token(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.get(scope).filter(|t| t.is_fresh(Utc::now())) {
            return Ok(t.clone());
        }
        let token = self.request(scope).await?;
        cache.insert(scope.to_string(), token.clone());
        Ok(token)
    }

    /// Forgets cached tokens, after an API refused one.
    pub async fn invalidate(&self) {
        self.cache.lock().await.clear();
    }

    async fn request(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose_secret()),
            ("scope", scope),
        ];
        let url = &self.token_url;
        let response = self
            .http
            .reqwest()
            .post(url.clone())
            .form(&form)
            .send()
            .await
            .map_err(|e| AzureError::from_reqwest(url, e))?;
        let status = response.status();
        let body = read_body(url, response).await?;
        read_token_reply(status, &body)
    }
}

/// The token endpoint's answer to a client-credentials request: the access token, or Entra's
/// error as an [`AuthError`]. The body is never quoted: it holds a token.
pub(crate) fn read_token_reply(status: reqwest::StatusCode, body: &[u8]) -> Result<AccessToken, AuthError> {
    if status.is_success() {
        // Only where parsing stopped: serde's message can quote a value of the body, which holds a token.
        let parsed: TokenResponse = serde_json::from_slice(body).map_err(|e| {
            AuthError::Malformed(format!(
                "unexpected token response at line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        return Ok(AccessToken {
            token: parsed.access_token,
            expires_at: Utc::now() + Duration::seconds(parsed.expires_in.clamp(0, 86_400)),
        });
    }
    let parsed: TokenErrorResponse = serde_json::from_slice(body)
        .map_err(|_| AuthError::Malformed(format!("HTTP {status} with a body that is not a token error")))?;
    let aadsts = parsed.error_codes.first().copied().unwrap_or(0);
    // Keep the first line: the rest is trace and correlation IDs.
    let description = parsed
        .error_description
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    Err(match (parsed.error.as_str(), aadsts) {
        ("invalid_client", _) => AuthError::InvalidClient { aadsts, description },
        (_, 700016) => AuthError::UnknownApplication { aadsts, description },
        _ => AuthError::Rejected {
            error: parsed.error,
            aadsts,
            description,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_may_be_a_number_or_a_string() {
        for value in ["3599", "\"3599\""] {
            let text = format!(r#"{{"access_token":"t","token_type":"Bearer","expires_in":{value}}}"#);
            let parsed: TokenResponse = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.expires_in, 3599);
        }
        assert!(serde_json::from_str::<TokenResponse>(r#"{"access_token":"t","expires_in":null}"#).is_err());
    }
}
