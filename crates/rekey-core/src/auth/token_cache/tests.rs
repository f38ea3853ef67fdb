//! Tests of [`super`]: token_cache.

use super::sealed::{HEADER_LEN, MAGIC};
use super::*;
use secrecy::ExposeSecret;

fn tokens(pairs: &[(&str, &str)]) -> HashMap<String, SecretString> {
    pairs
        .iter()
        .map(|(id, t)| ((*id).to_owned(), SecretString::from((*t).to_owned())))
        .collect()
}

#[test]
fn seal_round_trips_and_hides_the_tokens() -> Result<(), TokenCacheError> {
    let key = CacheKey::generate();
    let sealed = seal(&key, &tokens(&[("a", "rt-secret-a"), ("b", "rt-secret-b")]))?;
    assert!(!sealed.windows(11).any(|w| w == b"rt-secret-a"));
    let opened = unseal(&key, &sealed).map_err(|e| TokenCacheError::Seal(format!("{e:?}")))?;
    assert_eq!(opened.get("b").map(|t| t.expose_secret()), Some("rt-secret-b"));
    assert_eq!(opened.len(), 2);
    Ok(())
}

#[test]
fn every_changed_byte_is_detected() -> Result<(), TokenCacheError> {
    let key = CacheKey::generate();
    let sealed = seal(&key, &tokens(&[("a", "rt")]))?;
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        let expected = if i < MAGIC.len() {
            Unreadable::Corrupt
        } else if i < HEADER_LEN {
            Unreadable::WrongKey
        } else {
            Unreadable::Tampered
        };
        assert_eq!(unseal(&key, &bad).err(), Some(expected), "byte {i}");
    }
    assert_eq!(
        unseal(&key, &sealed[..sealed.len() - 1]).err(),
        Some(Unreadable::Tampered)
    );
    assert_eq!(unseal(&key, &sealed[..20]).err(), Some(Unreadable::Corrupt));
    assert_eq!(
        unseal(&CacheKey::generate(), &sealed).err(),
        Some(Unreadable::WrongKey)
    );
    Ok(())
}

#[test]
fn keys_survive_the_keyring_as_text_and_bad_text_is_refused() {
    let key = CacheKey::generate();
    let back = CacheKey::from_secret(&key.to_secret()).map(|k| k.id());
    assert_eq!(back, Some(key.id()));
    for bad in ["", "not base64!", "c2hvcnQ="] {
        assert!(
            CacheKey::from_secret(&SecretString::from(bad.to_owned())).is_none(),
            "{bad}"
        );
    }
}
