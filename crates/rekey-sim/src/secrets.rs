//! Client secrets as Entra ID makes them: 40 characters, shown once, the first three kept as a hint.

use rand::Rng;
use secrecy::SecretString;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";

/// A new random secret text of Entra ID's length.
pub fn generate() -> SecretString {
    let mut rng = rand::rngs::OsRng;
    let text: String = (0..40)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    SecretString::from(text)
}

/// The hint Graph shows for a secret: its first three characters.
pub fn hint(secret: &str) -> String {
    secret.chars().take(3).collect()
}
