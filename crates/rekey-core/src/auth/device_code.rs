//! Device-code sign-in (RFC 8628): for machines without a browser, or a browser Rekey cannot open.
//! The person enters a code on another device; Rekey polls at the interval the server asks for.

use chrono::{DateTime, Utc};
use oauth2::{DeviceAuthorizationResponse, DeviceAuthorizationUrl, Scope};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::entra::{self, EntraDeviceFields, Grant};
use super::interactive::{InteractiveRequest, SignedIn};
use super::AuthError;
use crate::auth::account::SignInMethod;

/// What the user needs to finish a device code sign-in on another device or browser.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    // The identity platform's own instructions, in the person's language.
    pub message: String,
    pub expires_at: DateTime<Utc>,
}

/// A started device-code sign-in: show [`DeviceCodeFlow::prompt`], then [`DeviceCodeFlow::wait`].
pub struct DeviceCodeFlow {
    req: InteractiveRequest,
    details: DeviceAuthorizationResponse<EntraDeviceFields>,
    prompt: DeviceCodePrompt,
}

/// Asks the identity platform for a device code and a user code.
pub async fn start_device_code(req: &InteractiveRequest) -> Result<DeviceCodeFlow, AuthError> {
    let url = req.endpoint("devicecode")?;
    let client = req
        .client()?
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(url.clone()));
    let details: DeviceAuthorizationResponse<EntraDeviceFields> = client
        .exchange_device_code()
        .add_scopes(req.scopes().into_iter().map(Scope::new))
        .request_async(req.http.reqwest())
        .await
        .map_err(|e| entra::token_error(&url, e, Grant::AuthorizationCode))?;
    let prompt = prompt_of(&details, Utc::now());
    Ok(DeviceCodeFlow {
        req: req.clone(),
        details,
        prompt,
    })
}

/// What the person is shown for the identity platform's device-code answer `details`.
pub(crate) fn prompt_of(
    details: &DeviceAuthorizationResponse<EntraDeviceFields>,
    now: DateTime<Utc>,
) -> DeviceCodePrompt {
    let verification_uri = details.verification_uri().to_string();
    let user_code = details.user_code().secret().clone();
    let message = details.extra_fields().message.clone().unwrap_or_else(|| {
        format!("To sign in, open {verification_uri} in a web browser and enter the code {user_code}.")
    });
    // Entra's codes last 15 minutes; a day at most is believed, so that no answer can push the
    // expiry past what a date can hold.
    let lifetime =
        chrono::Duration::from_std(details.expires_in().min(std::time::Duration::from_secs(86_400)))
            .unwrap_or_else(|_| chrono::Duration::zero());
    DeviceCodePrompt {
        user_code,
        verification_uri,
        message,
        expires_at: now + lifetime,
    }
}

impl DeviceCodeFlow {
    pub fn prompt(&self) -> DeviceCodePrompt {
        self.prompt.clone()
    }

    /// Polls until the person approves or declines, the code expires, or `cancel` fires.
    pub async fn wait(self, cancel: &CancellationToken) -> Result<SignedIn, AuthError> {
        let url = self.req.endpoint("token")?;
        let client = self.req.client()?;
        let poll = client.exchange_device_access_token(&self.details).request_async(
            self.req.http.reqwest(),
            tokio::time::sleep,
            None,
        );
        let response = tokio::select! {
            () = cancel.cancelled() => return Err(AuthError::Cancelled),
            response = poll => response,
        };
        let tokens = response.map_err(|e| entra::device_error(&url, e))?.into();
        self.req.signed_in(tokens, None, SignInMethod::DeviceCode)
    }
}
