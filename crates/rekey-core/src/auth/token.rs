//! Access tokens, held as secrets.

use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

/// A bearer token. Its text is a secret: redacted in `Debug`, zeroed on drop.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

impl AccessToken {
    /// Whether the token can still be used for a request that may take a while.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - now > Duration::minutes(5)
    }
}

/// The claims of a JWT, read without checking its signature: for tokens that came straight from the
/// identity platform over verified TLS, where Rekey only needs to know whom they name. `Err` says
/// what is wrong with the token's shape.
pub fn unverified_claims(jwt: &str) -> Result<serde_json::Value, &'static str> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).ok_or("is not a JWT")?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "is not base64url")?;
    serde_json::from_slice(&json).map_err(|_| "is not JSON")
}
