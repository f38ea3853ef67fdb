//! The token cache file's format: the cache key, and sealing the refresh tokens with
//! XChaCha20-Poly1305 (and unsealing them, telling a lost or other key from tampering).

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::TokenCacheError;

/// File layout: `MAGIC | key id | nonce | ciphertext with tag`. The first two are authenticated as
/// associated data, so a file cannot be re-labelled for another key or format version.
pub(super) const MAGIC: &[u8; 8] = b"REKEYTC\x01";
pub(super) const KEY_ID_LEN: usize = 8;
pub(super) const NONCE_LEN: usize = 24;
pub(super) const HEADER_LEN: usize = MAGIC.len() + KEY_ID_LEN;
pub(super) const TAG_LEN: usize = 16;

/// The 32-byte cache key, zeroed on drop. Kept in the keyring as base64 (some Secret Service
/// providers, such as KDE Wallet, store text only).
#[derive(Clone)]
pub(super) struct CacheKey(Zeroizing<[u8; 32]>);

impl CacheKey {
    pub(super) fn generate() -> CacheKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        CacheKey(key)
    }

    /// `None` if the keyring entry is not a key Rekey wrote.
    pub(super) fn from_secret(secret: &SecretString) -> Option<CacheKey> {
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(secret.expose_secret())
                .ok()?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return None;
        }
        key.copy_from_slice(&bytes);
        Some(CacheKey(key))
    }

    pub(super) fn to_secret(&self) -> SecretString {
        SecretString::from(base64::engine::general_purpose::STANDARD.encode(self.0.as_ref()))
    }

    /// Names the key without revealing it, to tell "another key" from "tampered".
    pub(super) fn id(&self) -> [u8; KEY_ID_LEN] {
        let digest = Sha256::new()
            .chain_update(b"rekey token cache key id\0")
            .chain_update(self.0.as_ref())
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

/// The decrypted contents. Tokens are only ever borrowed into it, never copied.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainOut<'a> {
    refresh_tokens: BTreeMap<&'a str, &'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainIn {
    refresh_tokens: HashMap<String, SecretString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unreadable {
    KeyLost,
    WrongKey,
    Tampered,
    Corrupt,
}

pub(super) fn seal(
    key: &CacheKey,
    tokens: &HashMap<String, SecretString>,
) -> Result<Vec<u8>, TokenCacheError> {
    let plain = PlainOut {
        refresh_tokens: tokens
            .iter()
            .map(|(id, token)| (id.as_str(), token.expose_secret()))
            .collect(),
    };
    let plaintext =
        Zeroizing::new(serde_json::to_vec(&plain).map_err(|e| TokenCacheError::Seal(e.to_string()))?);
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&key.id());
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &out,
            },
        )
        .map_err(|e| TokenCacheError::Seal(e.to_string()))?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

pub(super) fn unseal(key: &CacheKey, bytes: &[u8]) -> Result<HashMap<String, SecretString>, Unreadable> {
    if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || !bytes.starts_with(MAGIC) {
        return Err(Unreadable::Corrupt);
    }
    let (header, rest) = bytes.split_at(HEADER_LEN);
    if header[MAGIC.len()..] != key.id() {
        return Err(Unreadable::WrongKey);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let plaintext = Zeroizing::new(
        key.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: header,
                },
            )
            .map_err(|_| Unreadable::Tampered)?,
    );
    // Authentic but unparseable: only a Rekey bug could write that; report it rather than guess.
    let plain: PlainIn = serde_json::from_slice(&plaintext).map_err(|_| Unreadable::Corrupt)?;
    Ok(plain.refresh_tokens)
}
