//! Client secrets as Entra ID makes them: 40 characters, shown once, the first three kept as a hint.
//!
//! Shape: three characters, a digit, `Q~`, then 34 characters; the secret scanners' rule for Entra
//! secrets is `[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}` (gitleaks `azure-ad-client-secret`,
//! trufflehog `azure_entra` v2), so the first three never hold a `-`.

use rand::Rng;
use secrecy::SecretString;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
/// The hint's alphabet: Entra's without `-`.
const HINT_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._";
const DIGITS: &[u8] = b"0123456789";

/// Test harnesses only: when set, every secret the simulator makes is appended to this file, one per
/// line, so that a leak test can search a client's files and output for every one of them.
pub const RECORD_ENV: &str = "REKEY_SIM_RECORD_SECRETS";

/// A new random secret text of Entra ID's length.
pub fn generate() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let mut pick = |alphabet: &[u8]| alphabet[rng.gen_range(0..alphabet.len())] as char;
    let mut text: String = (0..3).map(|_| pick(HINT_ALPHABET)).collect();
    text.push(pick(DIGITS));
    text.push_str("Q~");
    text.extend((0..34).map(|_| pick(ALPHABET)));
    if let Some(path) = std::env::var_os(RECORD_ENV) {
        record(std::path::Path::new(&path), &text);
    }
    SecretString::from(text)
}

fn record(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{text}\n").as_bytes()));
    if let Err(e) = written {
        tracing::warn!("could not record an issued secret in {}: {e}", path.display());
    }
}

/// The hint Graph shows for a secret: its first three characters.
pub fn hint(secret: &str) -> String {
    secret.chars().take(3).collect()
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    #[test]
    fn secrets_have_entras_shape() {
        for _ in 0..200 {
            let secret = super::generate();
            let text = secret.expose_secret();
            let bytes = text.as_bytes();
            assert_eq!(bytes.len(), 40, "{text}");
            assert!(
                bytes[..3].iter().all(|b| super::HINT_ALPHABET.contains(b)),
                "{text}"
            );
            assert!(bytes[3].is_ascii_digit(), "{text}");
            assert_eq!(&text[4..6], "Q~");
            assert!(bytes[6..].iter().all(|b| super::ALPHABET.contains(b)), "{text}");
            assert_eq!(super::hint(text), text[..3]);
        }
    }
}
