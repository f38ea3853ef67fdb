//! The real OS keyring in tests: the platform store (on Linux, the Secret Service of the D-Bus
//! session that `crates/rekey-core/tests/with-secret-service.sh` starts), and a look at what it
//! holds, asked of the store crate directly rather than through Rekey.
//!
//! Shared by the core's and the CLI's tests (the CLI includes this file with `#[path]`), so it uses
//! nothing but `rekey_core` and the keyring store crates.
#![allow(dead_code)] // each test binary uses a part of it

use std::io::Write as _;

use rekey_core::secure_store::SecureStore;

/// The platform keyring, or `None` if the test is to be skipped (said on the terminal, past the
/// harness's capture). Fails the test when there is no session and skipping was not asked for.
pub async fn real_keyring(test: &str) -> Option<SecureStore> {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            if std::env::var("REKEY_SKIP_KEYRING_TESTS").as_deref() == Ok("1") {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED {test}: no D-Bus session, and REKEY_SKIP_KEYRING_TESTS=1"
                );
                return None;
            }
            panic!(
                "{test} needs a real Secret Service, and there is no D-Bus session \
                 (DBUS_SESSION_BUS_ADDRESS is not set). Run the tests under \
                 crates/rekey-core/tests/with-secret-service.sh, e.g. \
                 `crates/rekey-core/tests/with-secret-service.sh cargo nextest run -p rekey-core`, \
                 or set REKEY_SKIP_KEYRING_TESTS=1 to skip the real-keyring tests"
            );
        }
    }
    match SecureStore::platform().await {
        Ok(store) => Some(store),
        Err(e) => panic!("{test}: the platform keyring does not work: {e}"),
    }
}

/// How many Secret Service items carry all of `attributes`.
#[cfg(target_os = "linux")]
async fn items_matching(attributes: Vec<(&'static str, String)>) -> usize {
    use keyring_core::api::CredentialStoreApi as _;
    tokio::task::spawn_blocking(move || {
        let store = dbus_secret_service_keyring_store::Store::new().unwrap();
        let spec: std::collections::HashMap<&str, &str> =
            attributes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        store.search(&spec).unwrap().len()
    })
    .await
    .unwrap()
}

/// How many Secret Service items carry `service`.
#[cfg(target_os = "linux")]
pub async fn items_of(service: &str) -> usize {
    items_matching(vec![("service", service.to_owned())]).await
}

/// How many Secret Service items are `service` / `account` (keyring-core's `username`).
#[cfg(target_os = "linux")]
pub async fn items_for(service: &str, account: &str) -> usize {
    items_matching(vec![
        ("service", service.to_owned()),
        ("username", account.to_owned()),
    ])
    .await
}
