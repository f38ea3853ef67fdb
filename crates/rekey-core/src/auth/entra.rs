//! The Microsoft identity platform through the `oauth2` crate: Entra's token and error shapes, the
//! endpoints of a tenant, the ID token's claims, and Entra's failures as [`AuthError`]s.

use std::fmt;

use chrono::{Duration, Utc};
use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    Client, ClientId, DeviceCodeErrorResponse, DeviceCodeErrorResponseType, EndpointNotSet, EndpointSet,
    ErrorResponse, ExtraDeviceAuthorizationFields, ExtraTokenFields, HttpClientError, RequestTokenError,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{AccessToken, AuthError};
use crate::transport::AzureError;

/// Entra's error body: `error_codes` carries the AADSTS number the UI explains.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct EntraError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<u32>,
}

impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl ErrorResponse for EntraError {}

/// The ID token, which the standard token response leaves out.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct EntraTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for EntraTokenFields {}

/// Entra's device-code response has a ready-made `message` for the person.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct EntraDeviceFields {
    #[serde(default)]
    pub message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

pub(crate) type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

/// A public client of one tenant's token endpoint; `A` and `D` say whether the authorize and
/// device-code endpoints are set.
pub(crate) type EntraClient<A = EndpointNotSet, D = EndpointNotSet> = Client<
    EntraError,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    A,
    D,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A public client (no secret) of the token endpoint `token_url`.
pub(crate) fn client(client_id: &str, token_url: Url) -> EntraClient {
    Client::<
        EntraError,
        EntraTokenResponse,
        BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        BasicRevocationErrorResponse,
    >::new(ClientId::new(client_id.to_string()))
    .set_token_uri(TokenUrl::from_url(token_url))
}

pub(crate) type TokenRequestError = RequestTokenError<HttpClientError<reqwest::Error>, EntraError>;
pub(crate) type DeviceRequestError =
    RequestTokenError<HttpClientError<reqwest::Error>, DeviceCodeErrorResponse>;

/// `{authority}{tenant}/oauth2/v2.0/{endpoint}`. The tenant goes into a URL path, so only the
/// characters of a GUID or a domain name are allowed.
pub(crate) fn endpoint(authority: &Url, tenant: &str, endpoint: &str) -> Result<Url, AuthError> {
    let tenant = checked_tenant(tenant)?;
    let url = authority
        .join(&format!("{tenant}/oauth2/v2.0/{endpoint}"))
        .map_err(|_| AuthError::InvalidTenant(tenant.to_string()))?;
    // Belt and braces: whatever the tenant, the request stays on the authority's host.
    if url.origin() != authority.origin() {
        return Err(AuthError::InvalidTenant(tenant.to_string()));
    }
    Ok(url)
}

/// A tenant as the identity platform names one: a GUID, a verified domain name
/// (`contoso.onmicrosoft.com`), or `organizations` / `common` / `consumers`. Anything else (`//host`,
/// `https://host/`, `a/b`, `..`, `%2F`) would change the URL it is joined into, so it is refused
/// before any credential is built (a window or a file could otherwise choose the login host).
pub fn checked_tenant(tenant: &str) -> Result<&str, AuthError> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let valid = !tenant.is_empty() && tenant.len() <= 253 && tenant.split('.').all(label_ok);
    if valid {
        Ok(tenant)
    } else {
        Err(AuthError::InvalidTenant(tenant.chars().take(80).collect()))
    }
}

/// The tokens of a successful response, out of `oauth2`'s types and into secrets.
pub(crate) struct Tokens {
    pub access: AccessToken,
    pub refresh: Option<SecretString>,
    pub id_token: Option<String>,
}

impl From<EntraTokenResponse> for Tokens {
    fn from(r: EntraTokenResponse) -> Self {
        // Without `expires_in` the token is used once and then refreshed.
        let seconds = r
            .expires_in()
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0).clamp(0, 86_400));
        Tokens {
            access: AccessToken {
                token: SecretString::from(r.access_token().secret().as_str()),
                expires_at: Utc::now() + Duration::seconds(seconds),
            },
            refresh: r.refresh_token().map(|t| SecretString::from(t.secret().as_str())),
            id_token: r.extra_fields().id_token.clone(),
        }
    }
}

/// The claims of an ID token that say who signed in.
#[derive(Debug, Deserialize)]
pub(crate) struct IdClaims {
    pub aud: String,
    pub tid: String,
    pub oid: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub upn: Option<String>,
}

impl IdClaims {
    /// Reads an ID token that came straight from the token endpoint over verified TLS, which
    /// OpenID Connect Core §3.1.3.7 accepts instead of checking the signature. Checks that it is
    /// for `client_id` and, for a browser sign-in, that it carries this sign-in's `nonce`.
    pub fn verified(id_token: &str, client_id: &str, nonce: Option<&str>) -> Result<IdClaims, AuthError> {
        let claims = Self::decode(id_token)?;
        if !claims.aud.eq_ignore_ascii_case(client_id) {
            return Err(AuthError::IdTokenMismatch(format!(
                "it is for the application {}, not {client_id}",
                claims.aud
            )));
        }
        if let Some(expected) = nonce {
            if claims.nonce.as_deref() != Some(expected) {
                return Err(AuthError::IdTokenMismatch("nonce mismatch".into()));
            }
        }
        Ok(claims)
    }

    fn decode(id_token: &str) -> Result<IdClaims, AuthError> {
        let malformed = |detail: &str| AuthError::Malformed(format!("the ID token {detail}"));
        let claims = super::token::unverified_claims(id_token).map_err(malformed)?;
        serde_json::from_value(claims).map_err(|e| malformed(&format!("lacks a claim: {e}")))
    }

    /// The name people know the account by.
    pub fn username(&self) -> String {
        self.preferred_username
            .clone()
            .or_else(|| self.upn.clone())
            .unwrap_or_else(|| self.oid.clone())
    }
}

/// The AADSTS number: from `error_codes`, else from the description's `AADSTS…:` prefix.
fn aadsts(codes: &[u32], description: &str) -> u32 {
    codes.first().copied().unwrap_or_else(|| {
        description
            .strip_prefix("AADSTS")
            .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
    })
}

/// The description's first line without its `AADSTS…: ` prefix: the rest is trace and correlation IDs.
fn first_line(description: &str) -> String {
    let line = description.lines().next().unwrap_or_default();
    match line.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("AADSTS") => rest.to_string(),
        _ => line.to_string(),
    }
}

/// AADSTS codes that mean "a person has to sign in again": MFA or another policy (50076, 50079,
/// 50158, 53003), or the session or refresh token is expired or revoked (50173, 70043, 700082,
/// 50133, 700084).
const NEEDS_PERSON: &[u32] = &[50076, 50079, 50158, 53003, 50173, 70043, 700082, 50133, 700084];

/// Which request failed decides how `invalid_grant` is read: for a refresh token it means the
/// saved sign-in is gone; for an authorization code, that this one sign-in went wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
}

impl EntraError {
    pub fn into_auth_error(self, grant: Grant) -> AuthError {
        let raw = self.error_description.unwrap_or_default();
        let aadsts = aadsts(&self.error_codes, &raw);
        // Entra's words are shown and may be logged: scrubbed like any outside text.
        let description = crate::transport::error::scrub(&first_line(&raw));
        let interaction = self.error == "interaction_required"
            || NEEDS_PERSON.contains(&aadsts)
            || (grant == Grant::RefreshToken && self.error == "invalid_grant");
        match (self.error.as_str(), aadsts) {
            _ if interaction => AuthError::InteractionRequired { aadsts, description },
            ("invalid_client", _) => AuthError::InvalidClient { aadsts, description },
            (_, 700016) => AuthError::UnknownApplication { aadsts, description },
            _ => AuthError::Rejected {
                error: crate::transport::error::scrub(&self.error),
                aadsts,
                description,
            },
        }
    }
}

/// A token request's failure as an [`AuthError`]. Response bodies are never quoted: they hold tokens.
pub(crate) fn token_error(url: &Url, e: TokenRequestError, grant: Grant) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(r) => r.into_auth_error(grant),
        other => transport_error(url, other),
    }
}

/// A device-code poll's failure: declined and expired are their own errors.
pub(crate) fn device_error(url: &Url, e: DeviceRequestError) -> AuthError {
    let RequestTokenError::ServerResponse(r) = e else {
        return transport_error(url, e);
    };
    let raw = r.error_description().cloned().unwrap_or_default();
    match r.error() {
        DeviceCodeErrorResponseType::ExpiredToken => AuthError::DeviceCodeExpired,
        DeviceCodeErrorResponseType::AccessDenied => AuthError::DeviceCodeDeclined,
        // Entra says `authorization_declined`, which RFC 8628 does not name.
        DeviceCodeErrorResponseType::Basic(b) if b.as_ref() == "authorization_declined" => {
            AuthError::DeviceCodeDeclined
        }
        other => EntraError {
            error: serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "device_code_error".into()),
            error_description: Some(raw),
            error_codes: Vec::new(),
        }
        .into_auth_error(Grant::AuthorizationCode),
    }
}

fn transport_error<TE: ErrorResponse>(
    url: &Url,
    e: RequestTokenError<HttpClientError<reqwest::Error>, TE>,
) -> AuthError {
    let host = url.host_str().unwrap_or("the sign-in service").to_string();
    match e {
        RequestTokenError::Request(HttpClientError::Reqwest(e)) => AzureError::from_reqwest(url, *e).into(),
        RequestTokenError::Request(e) => AzureError::Network {
            host,
            detail: e.to_string(),
        }
        .into(),
        // Only where parsing stopped: the body may hold tokens.
        RequestTokenError::Parse(e, _) => {
            AuthError::Malformed(format!("unexpected token response at '{}'", e.path()))
        }
        RequestTokenError::Other(detail) => AuthError::Malformed(detail),
        RequestTokenError::ServerResponse(r) => AuthError::Malformed(r.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn entra(error: &str, description: &str) -> EntraError {
        EntraError {
            error: error.into(),
            error_description: Some(description.into()),
            error_codes: Vec::new(),
        }
    }

    #[test]
    fn invalid_grant_needs_a_person_only_for_refresh_tokens() {
        let e = entra("invalid_grant", "AADSTS9002313: Invalid request.\r\nTrace ID: x");
        assert!(matches!(
            e.clone().into_auth_error(Grant::RefreshToken),
            AuthError::InteractionRequired { aadsts: 9002313, ref description } if description == "Invalid request."
        ));
        assert!(matches!(
            e.into_auth_error(Grant::AuthorizationCode),
            AuthError::Rejected { aadsts: 9002313, .. }
        ));
        assert!(matches!(
            entra("invalid_grant", "AADSTS50076: MFA").into_auth_error(Grant::AuthorizationCode),
            AuthError::InteractionRequired { aadsts: 50076, .. }
        ));
    }

    #[test]
    fn id_token_must_match_client_and_nonce() {
        let payload = URL_SAFE_NO_PAD
            .encode(r#"{"aud":"app","tid":"t","oid":"o","nonce":"n1","preferred_username":"a@b"}"#);
        let token = format!("e30.{payload}.sig");
        let claims = IdClaims::verified(&token, "APP", Some("n1"));
        assert_eq!(claims.map(|c| c.username()).ok().as_deref(), Some("a@b"));
        assert!(matches!(
            IdClaims::verified(&token, "app", Some("n2")),
            Err(AuthError::IdTokenMismatch(_))
        ));
        assert!(matches!(
            IdClaims::verified(&token, "other", None),
            Err(AuthError::IdTokenMismatch(_))
        ));
        assert!(matches!(
            IdClaims::verified("not-a-jwt", "app", None),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn a_tenant_cannot_move_the_login_host() {
        let public = Url::parse("https://login.microsoftonline.com/").ok();
        let Some(authority) = public else { return };
        for good in [
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "contoso.onmicrosoft.com",
            "organizations",
        ] {
            let url = endpoint(&authority, good, "token").map(|u| u.to_string());
            assert_eq!(
                url.ok(),
                Some(format!(
                    "https://login.microsoftonline.com/{good}/oauth2/v2.0/token"
                ))
            );
        }
        for hostile in [
            "//evil.example",
            "https://evil.example/abs",
            "a/b",
            "..",
            ".",
            "x?y=1",
            "%2F%2Fevil.example",
            "evil.example:443",
            "a..b",
            "-a.com",
            "",
            "t\\evil",
            "t#frag",
        ] {
            assert!(
                matches!(
                    endpoint(&authority, hostile, "token"),
                    Err(AuthError::InvalidTenant(_))
                ),
                "{hostile} was accepted"
            );
        }
    }
}
