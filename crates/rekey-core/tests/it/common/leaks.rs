//! Looking for a secret where it must never be: files, logs, what a process printed. The value is
//! searched as it is and in the encodings a careless writer could use (base64, hex, UTF-16). Shared
//! by the core's and the CLI's tests (included with `#[path]`).
#![allow(dead_code)] // each test binary uses a part of it

use std::path::{Path, PathBuf};

use base64::Engine as _;

/// The forms of `secret` to look for.
fn forms(secret: &str) -> Vec<Vec<u8>> {
    let plain = secret.as_bytes();
    let hex: String = plain.iter().map(|b| format!("{b:02x}")).collect();
    let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
    vec![
        plain.to_vec(),
        base64::engine::general_purpose::STANDARD
            .encode(plain)
            .into_bytes(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(plain)
            .into_bytes(),
        hex.clone().into_bytes(),
        hex.to_uppercase().into_bytes(),
        utf16,
    ]
}

/// Whether `haystack` holds `secret` in any of its forms.
pub fn holds(haystack: &[u8], secret: &str) -> bool {
    assert!(secret.len() >= 16, "search for a real secret, not a short string");
    forms(secret)
        .iter()
        .any(|form| haystack.windows(form.len()).any(|w| w == form.as_slice()))
}

/// Every file under `roots` (recursively) that holds `secret`.
pub fn files_holding(roots: &[&Path], secret: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    let mut searched = 0usize;
    while let Some(path) = pending.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
                pending.push(entry.unwrap_or_else(|e| panic!("{e}")).path());
            }
        } else if meta.is_file() {
            searched += 1;
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if holds(&bytes, secret) {
                found.push(path);
            }
        }
    }
    assert!(
        searched > 0,
        "no file under {roots:?}: the search looked at nothing"
    );
    found.sort();
    found
}

/// Proves that the search works where it is used: a file planted under `root` with `secret` in it
/// is found (and then removed), and so is `secret` appended to `printed`.
pub fn prove_search_finds(root: &Path, printed: &[u8], secret: &str) {
    let canary = root.join("canary-with-the-secret.txt");
    std::fs::write(&canary, format!("planted on purpose: {secret}\n")).unwrap();
    let found = files_holding(&[root], secret);
    std::fs::remove_file(&canary).unwrap();
    assert_eq!(found, vec![canary], "the search must find a planted secret");
    let mut with_secret = printed.to_vec();
    with_secret.extend_from_slice(secret.as_bytes());
    assert!(
        holds(&with_secret, secret),
        "the search must find a printed secret"
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(secret.as_bytes());
    assert!(holds(encoded.as_bytes(), secret), "and an encoded one");
}
