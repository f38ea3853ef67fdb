//! Interactive sign-in in progress: authorization codes, refresh tokens and device codes waiting to
//! be redeemed. Like client secrets, codes and tokens are kept only as SHA-256 digests.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::entra::secret_digest;

/// Entra's authorization codes live about ten minutes.
pub fn code_lifetime() -> Duration {
    Duration::minutes(10)
}

/// Refresh tokens expire after 90 days of inactivity.
pub fn refresh_token_lifetime() -> Duration {
    Duration::days(90)
}

/// Device codes are valid for 15 minutes (`expires_in: 900`).
pub const DEVICE_CODE_SECONDS: i64 = 900;

/// Letters that cannot be confused with each other (no 0/O, 1/I) and no vowels, so no words.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ23456789";
const USER_CODE_LEN: usize = 9;

type Key = [u8; 32];

/// Who signed in, to which client, for what: what every code and refresh token is bound to.
#[derive(Debug, Clone)]
pub struct UserGrant {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    /// The scope string the user consented to at sign-in (decides ID and refresh tokens).
    pub scope: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeMethod {
    Plain,
    S256,
}

/// A PKCE `code_challenge` (RFC 7636).
#[derive(Debug, Clone)]
pub struct Challenge {
    pub value: String,
    pub method: ChallengeMethod,
}

impl Challenge {
    /// Whether `verifier` is the secret behind this challenge.
    pub fn accepts(&self, verifier: &str) -> bool {
        let derived = match self.method {
            ChallengeMethod::Plain => verifier.to_string(),
            ChallengeMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        };
        derived == self.value
    }
}

#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub grant: UserGrant,
    pub redirect_uri: String,
    pub challenge: Option<Challenge>,
    pub nonce: Option<String>,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub grant: UserGrant,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved { user_id: Uuid, tenant_id: Uuid },
    Declined,
}

#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    pub client_id: Uuid,
    /// The tenant the flow was started in; `None` for `common` and `organizations`.
    pub tenant: Option<Uuid>,
    pub scope: String,
    pub user_code: String,
    pub expires: DateTime<Utc>,
    pub status: DeviceStatus,
}

/// What a poll of the token endpoint with a device code finds.
#[derive(Debug)]
pub enum DevicePoll {
    Unknown,
    Expired,
    Pending,
    Declined,
    /// Signed in: the device code is spent.
    Approved(UserGrant),
}

#[derive(Debug, PartialEq, Eq)]
pub enum RefreshRejection {
    Unknown,
    Expired,
}

/// All sign-ins in progress. Lives in the world, so it is reset with it.
#[derive(Clone, Default)]
pub struct Flows {
    codes: HashMap<Key, AuthorizationCode>,
    refresh_tokens: HashMap<Key, RefreshGrant>,
    devices: HashMap<Key, DeviceAuthorization>,
}

impl std::fmt::Debug for Flows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flows")
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("devices", &self.devices.len())
            .finish()
    }
}

impl Flows {
    /// Stores a code and returns its text, which is given out once.
    pub fn issue_code(&mut self, code: AuthorizationCode, now: DateTime<Utc>) -> String {
        self.prune(now);
        let text = random_token();
        self.codes.insert(secret_digest(&text), code);
        text
    }

    /// Takes a code out: it is single use, whether or not the redemption then succeeds.
    pub fn take_code(&mut self, code: &str, now: DateTime<Utc>) -> Option<AuthorizationCode> {
        self.codes
            .remove(&secret_digest(code))
            .filter(|c| c.expires > now)
    }

    pub fn issue_refresh_token(&mut self, grant: UserGrant, now: DateTime<Utc>) -> String {
        self.prune(now);
        let text = random_token();
        let expires = now + refresh_token_lifetime();
        self.refresh_tokens
            .insert(secret_digest(&text), RefreshGrant { grant, expires });
        text
    }

    /// The grant behind a refresh token, without spending it (a failed refresh keeps the token).
    pub fn refresh_grant(&self, token: &str, now: DateTime<Utc>) -> Result<&RefreshGrant, RefreshRejection> {
        match self.refresh_tokens.get(&secret_digest(token)) {
            None => Err(RefreshRejection::Unknown),
            Some(r) if r.expires <= now => Err(RefreshRejection::Expired),
            Some(r) => Ok(r),
        }
    }

    /// Spends a refresh token: redeeming it rotates it, so the old text stops working.
    pub fn revoke_refresh_token(&mut self, token: &str) {
        self.refresh_tokens.remove(&secret_digest(token));
    }

    /// Starts a device-code flow; returns the device code (for the client) and the user code (for the person).
    pub fn start_device(
        &mut self,
        client_id: Uuid,
        tenant: Option<Uuid>,
        scope: &str,
        now: DateTime<Utc>,
    ) -> (String, String) {
        self.prune(now);
        let user_code = loop {
            let candidate = random_user_code();
            if !self.devices.values().any(|d| d.user_code == candidate) {
                break candidate;
            }
        };
        let device_code = random_token();
        self.devices.insert(
            secret_digest(&device_code),
            DeviceAuthorization {
                client_id,
                tenant,
                scope: scope.to_string(),
                user_code: user_code.clone(),
                expires: now + Duration::seconds(DEVICE_CODE_SECONDS),
                status: DeviceStatus::Pending,
            },
        );
        (device_code, user_code)
    }

    /// The live flow a person's code names, however they typed it (case, spaces and dashes ignored).
    pub fn device_by_user_code(
        &mut self,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Option<&mut DeviceAuthorization> {
        let wanted = normalize_user_code(typed);
        self.devices
            .values_mut()
            .find(|d| d.user_code == wanted && d.expires > now)
    }

    pub fn poll_device(&mut self, device_code: &str, client_id: Uuid, now: DateTime<Utc>) -> DevicePoll {
        let key = secret_digest(device_code);
        let Some(device) = self.devices.get(&key).filter(|d| d.client_id == client_id) else {
            return DevicePoll::Unknown;
        };
        if device.expires <= now {
            return DevicePoll::Expired;
        }
        match device.status {
            DeviceStatus::Pending => DevicePoll::Pending,
            DeviceStatus::Declined => DevicePoll::Declined,
            DeviceStatus::Approved { user_id, tenant_id } => {
                let scope = device.scope.clone();
                self.devices.remove(&key);
                DevicePoll::Approved(UserGrant {
                    user_id,
                    tenant_id,
                    client_id,
                    scope,
                })
            }
        }
    }

    /// Forgets what has expired, so abandoned sign-ins do not pile up.
    fn prune(&mut self, now: DateTime<Utc>) {
        self.codes.retain(|_, c| c.expires > now);
        self.refresh_tokens.retain(|_, r| r.expires > now);
        self.devices.retain(|_, d| d.expires > now);
    }
}

pub fn normalize_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// 256 random bits, URL-safe: codes, refresh tokens and device codes.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn random_user_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..USER_CODE_LEN)
        .map(|_| USER_CODE_ALPHABET[rng.gen_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge_matches_the_rfc_7636_example() {
        let challenge = Challenge {
            value: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: ChallengeMethod::S256,
        };
        assert!(challenge.accepts("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert!(!challenge.accepts("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"));
    }

    #[test]
    fn user_codes_are_found_however_they_are_typed() {
        let mut flows = Flows::default();
        let now = Utc::now();
        let (_, user_code) = flows.start_device(Uuid::nil(), None, "openid", now);
        assert_eq!(user_code.len(), USER_CODE_LEN);
        let typed = format!(" {}-{} ", &user_code[..4], &user_code[4..]).to_lowercase();
        assert!(flows.device_by_user_code(&typed, now).is_some());
        assert!(flows
            .device_by_user_code(&user_code, now + Duration::seconds(DEVICE_CODE_SECONDS))
            .is_none());
    }
}
