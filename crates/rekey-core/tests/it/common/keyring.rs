//! The real OS keyring in tests: the platform store (on Linux, the Secret Service of the D-Bus
//! session that `crates/rekey-core/tests/with-secret-service.sh` starts; on macOS the login
//! keychain; on Windows Credential Manager), and a look at what it holds, asked of the store crate
//! directly rather than through Rekey.
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

/// How many items of this OS's store are `service` / `account` (any account if `None`), asked of
/// the store crate that `rekey_core::secure_store` opens on this OS. Each store names and searches
/// its items its own way:
/// - Secret Service: the attributes `service` and `username` (dbus-secret-service-keyring-store).
/// - macOS keychain: generic passwords by `service` and `user` (apple-native-keyring-store,
///   `keychain::Store::search`; attributes only, so no keychain prompt for the secret itself).
/// - Credential Manager: the target name `{user}.{service}` of the store's default configuration,
///   matched by a regular expression `pattern` (windows-native-keyring-store, `Store::search`).
async fn items_matching(service: &str, account: Option<&str>) -> usize {
    use keyring_core::api::CredentialStoreApi as _;
    let (service, account) = (service.to_owned(), account.map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        #[cfg(target_os = "linux")]
        let (store, spec) = {
            let mut spec = vec![("service", service)];
            spec.extend(account.map(|a| ("username", a)));
            (dbus_secret_service_keyring_store::Store::new().unwrap(), spec)
        };
        #[cfg(target_os = "macos")]
        let (store, spec) = {
            let mut spec = vec![("service", service)];
            spec.extend(account.map(|a| ("user", a)));
            (apple_native_keyring_store::keychain::Store::new().unwrap(), spec)
        };
        #[cfg(target_os = "windows")]
        let (store, spec) = {
            let user = account.map_or_else(|| ".*".to_owned(), |a| regex::escape(&a));
            let pattern = format!("^{user}\\.{}$", regex::escape(&service));
            (
                windows_native_keyring_store::Store::new().unwrap(),
                vec![("pattern", pattern)],
            )
        };
        let spec: std::collections::HashMap<&str, &str> =
            spec.iter().map(|(k, v)| (*k, v.as_str())).collect();
        store.search(&spec).unwrap().len()
    })
    .await
    .unwrap()
}

/// How many keyring items carry `service`.
pub async fn items_of(service: &str) -> usize {
    items_matching(service, None).await
}

/// How many keyring items are `service` / `account` (keyring-core's `user`).
pub async fn items_for(service: &str, account: &str) -> usize {
    items_matching(service, Some(account)).await
}
