//! The token-signing key: RS256 JWTs as Entra ID issues them, a JWKS to publish, and verification.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("could not make the token-signing key: {0}")]
    KeyGeneration(String),
    #[error("could not sign a token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// The claims of an access token (v2 shape; the ones clients and the simulator read).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    /// The client (application) ID of an app-only token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    pub ver: String,
}

/// Why a presented token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    Expired,
    WrongAudience,
    Invalid,
}

pub struct Signer {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk_n: String,
    jwk_e: String,
}

impl Signer {
    /// A fresh 2048-bit RSA key; nothing of it is written anywhere.
    pub fn generate() -> Result<Self, SigningError> {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .map_err(|e| SigningError::KeyGeneration(e.to_string()))?;
        let der = key
            .to_pkcs1_der()
            .map_err(|e| SigningError::KeyGeneration(e.to_string()))?;
        let jwk_n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let jwk_e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let decoding = DecodingKey::from_rsa_components(&jwk_n, &jwk_e)?;
        let kid = URL_SAFE_NO_PAD.encode(sha2_prefix(jwk_n.as_bytes()));
        Ok(Signer {
            kid,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding,
            jwk_n,
            jwk_e,
        })
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, SigningError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Signs any claim set (user access tokens and ID tokens carry claims [`Claims`] lacks).
    pub fn sign_any<C: Serialize>(&self, claims: &C) -> Result<String, SigningError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Checks signature, expiry and audience (any of `audiences`, trailing slash ignored).
    pub fn verify(&self, token: &str, audiences: &[&str]) -> Result<Claims, TokenRejection> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false; // checked below, tolerant of a trailing slash as Azure is
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| match e
            .kind()
        {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenRejection::Expired,
            _ => TokenRejection::Invalid,
        })?;
        let aud = data.claims.aud.trim_end_matches('/');
        if audiences
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(aud))
        {
            Ok(data.claims)
        } else {
            Err(TokenRejection::WrongAudience)
        }
    }

    /// The JSON Web Key Set published at `/{tenant}/discovery/v2.0/keys`.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA", "use": "sig", "kid": self.kid, "n": self.jwk_n, "e": self.jwk_e, "alg": "RS256"
            }]
        })
    }
}

fn sha2_prefix(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)[..15].to_vec()
}
