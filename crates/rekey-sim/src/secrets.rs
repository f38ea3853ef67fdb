//! Client secrets as Entra ID makes them: 40 characters, shown once, the first three kept as a hint.

use rand::Rng;
use secrecy::SecretString;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";

/// Test harnesses only: when set, every secret the simulator makes is appended to this file, one per
/// line, so that a leak test can search a client's files and output for every one of them.
pub const RECORD_ENV: &str = "REKEY_SIM_RECORD_SECRETS";

/// A new random secret text of Entra ID's length.
pub fn generate() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let text: String = (0..40)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
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
