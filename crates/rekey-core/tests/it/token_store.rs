//! Keeping sign-ins: the OS keyring (the real Secret Service, and keyring-core's mock for faults), the
//! encrypted refresh-token cache, and the account list.
//!
//! The real-keyring tests need a D-Bus session with an unlocked Secret Service. Run them with
//! `crates/rekey-core/tests/with-secret-service.sh cargo test -p rekey-core --test token_store`; without
//! a session they fail, unless `REKEY_SKIP_KEYRING_TESTS=1` says to skip them (and they print so).

use std::future::Future;
use std::path::Path;

use crate::common::keyring::items_of;
use crate::common::keyring::real_keyring;

use keyring_core::Error as KeyringError;
use rekey_core::accounts::{Account, AccountStore, AccountsError, Selection, SignInMethod};
use rekey_core::auth::token_cache::{TokenCache, TokenCacheError, KEY_ACCOUNT};
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::{SecureStore, StoreError};
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn exposed(s: Option<SecretString>) -> Option<String> {
    s.map(|s| s.expose_secret().to_owned())
}

/// A keyring service of its own for each test, so that runs never see each other's entries.
fn unique_service() -> String {
    format!("rekey-test-{}", uuid::Uuid::new_v4())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn home() -> (TempDir, AppPaths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(dir.path());
    (dir, paths)
}

fn io_fault(message: &str) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(std::io::Error::other(message.to_owned()))
}

fn account(id: &str, username: &str) -> Account {
    Account {
        id: id.into(),
        username: username.into(),
        tenant_id: "72f988bf-0000-0000-0000-000000000001".into(),
        cloud: CloudSetting::Custom {
            metadata_url: "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01".into(),
            ca_file: Some("/tmp/ca.pem".into()),
        },
        method: SignInMethod::Browser,
        client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46".into(),
        secret_file: None,
        binding_mac: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The real Secret Service
// ---------------------------------------------------------------------------------------------

/// Runs `body` with the real keyring and a fresh service name, then deletes what it may have created
/// and checks that the keyring holds nothing under that service, whether `body` passed or not.
async fn with_real_keyring<F, Fut>(test: &str, accounts: &[&str], body: F)
where
    F: FnOnce(SecureStore, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(store) = real_keyring(test).await else {
        return;
    };
    let service = unique_service();
    // A task of its own, so that a failing assertion comes back here as a JoinError.
    let outcome = tokio::spawn(body(store.clone(), service.clone())).await;
    for account in accounts {
        store.delete(&service, account).await.unwrap();
    }
    for account in accounts {
        assert!(
            store.get(&service, account).await.unwrap().is_none(),
            "{service}/{account} remains"
        );
    }
    assert_eq!(
        items_of(&service).await,
        0,
        "the keyring still holds items of {service}"
    );
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn real_keyring_stores_replaces_and_deletes_a_secret() {
    with_real_keyring(
        "real_keyring_stores_replaces_and_deletes_a_secret",
        &["sp"],
        |store, service| async move {
            assert!(store.is_persistent());
            assert!(store.get(&service, "sp").await.unwrap().is_none());
            store.set(&service, "sp", &secret("first")).await.unwrap();
            store.set(&service, "sp", &secret("second")).await.unwrap();
            assert_eq!(
                exposed(store.get(&service, "sp").await.unwrap()).as_deref(),
                Some("second")
            );
            assert_eq!(
                items_of(&service).await,
                1,
                "replacing must not add a second item"
            );
            // A second connection sees it: it is in the keyring, not in this process.
            let other = SecureStore::platform().await.unwrap();
            assert_eq!(
                exposed(other.get(&service, "sp").await.unwrap()).as_deref(),
                Some("second")
            );
            store.delete(&service, "sp").await.unwrap();
            store.delete(&service, "sp").await.unwrap();
            assert!(other.get(&service, "sp").await.unwrap().is_none());
        },
    )
    .await;
}

#[tokio::test]
async fn real_keyring_cache_survives_a_restart_and_keeps_no_plaintext() {
    with_real_keyring(
        "real_keyring_cache_survives_a_restart_and_keeps_no_plaintext",
        &[KEY_ACCOUNT],
        |store, service| async move {
            let (_dir, paths) = home();
            let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
            assert!(cache.persisted());
            assert!(cache.problems().is_empty(), "{:?}", cache.problems());
            // Opening writes nothing: the key is made at the first save.
            assert!(store.get(&service, KEY_ACCOUNT).await.unwrap().is_none());
            cache
                .put("oid-a.tid", secret("rt-alpha-0.AAAA-first"))
                .await
                .unwrap();
            cache
                .put("oid-a.tid", secret("rt-alpha-1.BBBB-rotated"))
                .await
                .unwrap();
            cache.put("oid-b.tid", secret("rt-bravo-0.CCCC")).await.unwrap();
            drop(cache);

            let bytes = std::fs::read(paths.token_cache_file()).unwrap();
            for token in ["rt-alpha-0", "rt-alpha-1", "rt-bravo-0", "oid-a.tid"] {
                assert!(!contains(&bytes, token), "{token} is in the file in plain text");
            }
            let key = store.get(&service, KEY_ACCOUNT).await.unwrap().unwrap();
            assert!(!contains(&bytes, key.expose_secret()), "the key is in the file");

            // A restart: a new keyring connection and a new cache over the same folder.
            let store = SecureStore::platform().await.unwrap();
            let cache = TokenCache::open_with_key_service(&paths, Some(store), &service).await;
            assert!(cache.problems().is_empty(), "{:?}", cache.problems());
            assert_eq!(
                exposed(cache.get("oid-a.tid")).as_deref(),
                Some("rt-alpha-1.BBBB-rotated")
            );
            assert_eq!(
                exposed(cache.get("oid-b.tid")).as_deref(),
                Some("rt-bravo-0.CCCC")
            );
            assert!(cache.get("oid-c.tid").is_none());
        },
    )
    .await;
}

#[tokio::test]
async fn real_keyring_without_its_key_the_cache_cannot_be_read() {
    with_real_keyring(
        "real_keyring_without_its_key_the_cache_cannot_be_read",
        &[KEY_ACCOUNT],
        |store, service| async move {
            let (_dir, paths) = home();
            let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
            cache.put("oid-a.tid", secret("rt-alpha-secret")).await.unwrap();
            drop(cache);
            store.delete(&service, KEY_ACCOUNT).await.unwrap();

            let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
            assert!(cache.get("oid-a.tid").is_none());
            let [problem] = cache.problems() else {
                panic!("expected one problem, got {:?}", cache.problems());
            };
            assert!(matches!(problem, TokenCacheError::KeyLost { .. }), "{problem:?}");
            let message = problem.to_string();
            assert!(
                message.contains("key is missing from the keyring") && message.contains("sign in again"),
                "{message}"
            );
            // Set aside, not destroyed, and still no plaintext in it.
            let file = paths.token_cache_file();
            assert!(!file.exists());
            let kept = std::fs::read(file.with_file_name("token-cache.bin.broken")).unwrap();
            assert!(!contains(&kept, "rt-alpha-secret"));

            // The fresh cache works and is saved under a new key.
            assert!(cache.persisted());
            cache
                .put("oid-a.tid", secret("rt-after-signing-in-again"))
                .await
                .unwrap();
            let reopened = TokenCache::open_with_key_service(&paths, Some(store), &service).await;
            assert!(reopened.problems().is_empty(), "{:?}", reopened.problems());
            assert_eq!(
                exposed(reopened.get("oid-a.tid")).as_deref(),
                Some("rt-after-signing-in-again")
            );
        },
    )
    .await;
}

#[tokio::test]
async fn real_keyring_sign_out_removes_the_account_and_its_token() {
    with_real_keyring(
        "real_keyring_sign_out_removes_the_account_and_its_token",
        &[KEY_ACCOUNT],
        |store, service| async move {
            let (_dir, paths) = home();
            let accounts = AccountStore::open(&paths).await.unwrap();
            let tokens = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
            accounts
                .add_or_replace(account("oid-a.tid", "admin@contoso"))
                .await
                .unwrap();
            accounts
                .add_or_replace(account("oid-b.tid", "reader@contoso"))
                .await
                .unwrap();
            tokens.put("oid-a.tid", secret("rt-admin")).await.unwrap();
            tokens.put("oid-b.tid", secret("rt-reader")).await.unwrap();

            let removed = accounts.remove("oid-a.tid", &tokens).await.unwrap();
            assert_eq!(removed.map(|a| a.username).as_deref(), Some("admin@contoso"));
            assert!(tokens.get("oid-a.tid").is_none());

            // After a restart: the other account and its token are there, the signed-out one is not.
            let accounts = AccountStore::open(&paths).await.unwrap();
            let tokens = TokenCache::open_with_key_service(
                &paths,
                Some(SecureStore::platform().await.unwrap()),
                &service,
            )
            .await;
            let ids: Vec<String> = accounts.list().await.into_iter().map(|a| a.id).collect();
            assert_eq!(ids, ["oid-b.tid"]);
            assert!(tokens.get("oid-a.tid").is_none());
            assert_eq!(exposed(tokens.get("oid-b.tid")).as_deref(), Some("rt-reader"));
            // Signing out twice is harmless.
            assert!(accounts.remove("oid-a.tid", &tokens).await.unwrap().is_none());
        },
    )
    .await;
}

/// With no Secret Service to talk to, `platform()` fails with the fix, and nothing hangs. Runs in a
/// child process, pointed at a D-Bus address where nothing listens.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn without_a_secret_service_the_platform_store_says_what_to_install() {
    const CHILD: &str = "REKEY_TEST_NO_SECRET_SERVICE_CHILD";
    // The test's own name in this binary (the module path without the crate), for `--exact`.
    const NAME: &str = "token_store::without_a_secret_service_the_platform_store_says_what_to_install";
    if std::env::var_os(CHILD).is_some() {
        let error = SecureStore::platform()
            .await
            .expect_err("no Secret Service, yet the store opened");
        assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("No Secret Service is running: install and start gnome-keyring"),
            "{message}"
        );
        println!("child checked: {message}");
        return;
    }
    let output = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/rekey-test/bus",
        )
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("child checked:") && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Keyring faults, through keyring-core's mock
// ---------------------------------------------------------------------------------------------

/// A cache saved once with a token, over the in-memory keyring.
async fn saved_cache(service: &str) -> (TempDir, AppPaths, SecureStore) {
    let (dir, paths) = home();
    let store = SecureStore::in_memory();
    let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), service).await;
    cache.put("oid-a.tid", secret("rt-saved")).await.unwrap();
    (dir, paths, store)
}

#[tokio::test]
async fn a_locked_keyring_makes_the_cache_memory_only_and_leaves_the_file_alone() {
    let service = unique_service();
    let (_dir, paths, store) = saved_cache(&service).await;
    let before = std::fs::read(paths.token_cache_file()).unwrap();
    let locked = KeyringError::NoStorageAccess(io_fault("Secret Service: object locked"));
    store.fail_next_call(&service, KEY_ACCOUNT, locked).unwrap();

    let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
    assert!(!cache.persisted());
    let [problem] = cache.problems() else {
        panic!("expected one problem, got {:?}", cache.problems());
    };
    assert!(
        matches!(problem, TokenCacheError::Keyring(StoreError::NoAccess { .. })),
        "{problem:?}"
    );
    let message = problem.to_string();
    assert!(
        message.contains("will not be remembered") && message.contains("locked"),
        "{message}"
    );
    assert_eq!(problem.code(), "keyring_no_access");

    // It still works, in memory, and writes nothing.
    assert!(cache.get("oid-a.tid").is_none());
    cache.put("oid-a.tid", secret("rt-this-session")).await.unwrap();
    assert_eq!(
        exposed(cache.get("oid-a.tid")).as_deref(),
        Some("rt-this-session")
    );
    cache.remove("oid-a.tid").await.unwrap();
    assert_eq!(std::fs::read(paths.token_cache_file()).unwrap(), before);

    // Once the keyring answers again, the saved token is there: nothing was lost.
    let cache = TokenCache::open_with_key_service(&paths, Some(store), &service).await;
    assert!(cache.persisted() && cache.problems().is_empty());
    assert_eq!(exposed(cache.get("oid-a.tid")).as_deref(), Some("rt-saved"));
}

#[tokio::test]
async fn a_missing_secret_service_is_reported_with_the_fix() {
    let service = unique_service();
    let (_dir, paths, store) = saved_cache(&service).await;
    let gone = KeyringError::PlatformFailure(io_fault(
        "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided",
    ));
    store.fail_next_call(&service, KEY_ACCOUNT, gone).unwrap();

    let cache = TokenCache::open_with_key_service(&paths, Some(store), &service).await;
    assert!(!cache.persisted());
    let [TokenCacheError::Keyring(e @ StoreError::Unavailable { .. })] = cache.problems() else {
        panic!(
            "expected the keyring to be unavailable, got {:?}",
            cache.problems()
        );
    };
    let message = e.to_string();
    assert!(
        message.contains("org.freedesktop.secrets was not provided"),
        "{message}"
    );
    // The fix is this OS's (secure_store.rs `platform::START_FIX`).
    #[cfg(target_os = "linux")]
    assert!(message.contains("install and start gnome-keyring"), "{message}");
    #[cfg(target_os = "macos")]
    assert!(message.contains("security unlock-keychain"), "{message}");
    #[cfg(target_os = "windows")]
    assert!(
        message.contains("Credential Manager service (VaultSvc)"),
        "{message}"
    );
}

#[tokio::test]
async fn access_denied_when_saving_the_key_keeps_the_token_for_this_session() {
    let service = unique_service();
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
    assert!(cache.persisted());
    let denied = KeyringError::NoStorageAccess(io_fault("Secret Service: unlock prompt was dismissed"));
    store.fail_next_call(&service, KEY_ACCOUNT, denied).unwrap();

    let error = cache.put("oid-a.tid", secret("rt-fresh")).await.unwrap_err();
    assert!(
        matches!(error, TokenCacheError::Keyring(StoreError::NoAccess { .. })),
        "{error:?}"
    );
    assert!(!cache.persisted());
    assert_eq!(exposed(cache.get("oid-a.tid")).as_deref(), Some("rt-fresh"));
    assert!(!paths.token_cache_file().exists());
    assert!(store.get(&service, KEY_ACCOUNT).await.unwrap().is_none());
    // From now on it is memory-only: no more keyring calls, no errors.
    cache.put("oid-b.tid", secret("rt-other")).await.unwrap();
    assert!(!paths.token_cache_file().exists());
}

#[tokio::test]
async fn without_a_store_the_cache_is_memory_only() {
    let (dir, paths) = home();
    let cache = TokenCache::open(&paths, None).await;
    assert!(!cache.persisted());
    assert!(cache.problems().is_empty());
    cache.put("oid-a.tid", secret("rt")).await.unwrap();
    assert_eq!(exposed(cache.get("oid-a.tid")).as_deref(), Some("rt"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is written"
    );
}

/// A saved cache reopened after its file was damaged by `damage` and, if given, its keyring entry
/// replaced by `key`.
struct Reopened {
    cache: TokenCache,
    paths: AppPaths,
    store: SecureStore,
    service: String,
    damaged: Vec<u8>,
    _dir: TempDir,
}

async fn reopen_after(damage: impl FnOnce(&Path), key: Option<&str>) -> Reopened {
    let service = unique_service();
    let (dir, paths, store) = saved_cache(&service).await;
    damage(&paths.token_cache_file());
    if let Some(key) = key {
        store.set(&service, KEY_ACCOUNT, &secret(key)).await.unwrap();
    }
    let damaged = std::fs::read(paths.token_cache_file()).unwrap();
    let cache = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
    Reopened {
        cache,
        paths,
        store,
        service,
        damaged,
        _dir: dir,
    }
}

impl Reopened {
    fn problems(&self) -> &[TokenCacheError] {
        self.cache.problems()
    }

    /// The cache starts empty and still saves; the unreadable file is kept as it was.
    fn assert_set_aside(&self) {
        assert!(self.cache.get("oid-a.tid").is_none(), "a fresh, empty cache");
        assert!(self.cache.persisted());
        assert!(!self.paths.token_cache_file().exists());
        let kept = std::fs::read(self.paths.data_dir.join("token-cache.bin.broken")).unwrap();
        assert_eq!(kept, self.damaged);
    }
}

#[tokio::test]
async fn a_tampered_cache_is_detected_and_kept_aside() {
    let reopened = reopen_after(
        |file| {
            let mut bytes = std::fs::read(file).unwrap();
            let inside = bytes.len() - 20;
            bytes[inside] ^= 0x20;
            std::fs::write(file, bytes).unwrap();
        },
        None,
    )
    .await;
    let [problem @ TokenCacheError::Tampered { .. }] = reopened.problems() else {
        panic!("expected tampering, got {:?}", reopened.problems());
    };
    assert!(
        problem.to_string().contains("integrity check failed"),
        "{problem}"
    );
    reopened.assert_set_aside();

    // The key is still good: the next save works and reads back after a restart.
    reopened.cache.put("oid-a.tid", secret("rt-new")).await.unwrap();
    let again =
        TokenCache::open_with_key_service(&reopened.paths, Some(reopened.store.clone()), &reopened.service)
            .await;
    assert!(again.problems().is_empty(), "{:?}", again.problems());
    assert_eq!(exposed(again.get("oid-a.tid")).as_deref(), Some("rt-new"));
}

#[tokio::test]
async fn a_cache_from_another_key_is_reported_as_such() {
    // Another key in the keyring, as after restoring a home folder on another computer.
    let reopened = reopen_after(|_| {}, Some("q2mx9fQ0d1wB8kL4vT6yZ3nR5pS7uV9aC1eG3iK5mO8=")).await;
    let [problem @ TokenCacheError::WrongKey { .. }] = reopened.problems() else {
        panic!("expected another key, got {:?}", reopened.problems());
    };
    assert!(problem.to_string().contains("another key"), "{problem}");
    reopened.assert_set_aside();
}

#[tokio::test]
async fn a_cut_short_or_foreign_file_is_reported_as_corrupt() {
    let reopened = reopen_after(
        |file| std::fs::write(file, b"{\"refreshTokens\": {}}").unwrap(),
        None,
    )
    .await;
    assert!(
        matches!(reopened.problems(), [TokenCacheError::Corrupt { .. }]),
        "{:?}",
        reopened.problems()
    );
    reopened.assert_set_aside();
}

#[tokio::test]
async fn a_keyring_entry_that_is_not_a_key_counts_as_a_lost_key() {
    let reopened = reopen_after(|_| {}, Some("not a key")).await;
    assert!(
        matches!(reopened.problems(), [TokenCacheError::KeyLost { .. }]),
        "{:?}",
        reopened.problems()
    );
    reopened.assert_set_aside();
}

// ---------------------------------------------------------------------------------------------
// The account list
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn accounts_round_trip_with_their_selection() {
    let (_dir, paths) = home();
    let store = AccountStore::open(&paths).await.unwrap();
    assert!(store.problem().is_none());
    assert!(store.list().await.is_empty());
    store
        .add_or_replace(account("oid-a.tid", "admin@contoso"))
        .await
        .unwrap();
    let mut sp = account(&Account::service_principal_id("app-id", "contoso"), "app-id");
    sp.method = SignInMethod::ServicePrincipal;
    sp.cloud = CloudSetting::UsGov;
    store.add_or_replace(sp.clone()).await.unwrap();
    let selection = Selection {
        tenants: vec!["tid".into()],
        subscriptions: vec!["sub-1".into(), "sub-2".into()],
    };
    let info = store.set_selection("oid-a.tid", selection.clone()).await.unwrap();
    assert_eq!(info.selection, selection);

    let reopened = AccountStore::open(&paths).await.unwrap();
    let list = reopened.list().await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, "oid-a.tid");
    assert_eq!(list[0].selection, selection);
    assert_eq!(list[1].id, "sp:app-id@contoso");
    assert_eq!(list[1].selection, Selection::default(), "empty means all");
    assert_eq!(reopened.get("sp:app-id@contoso").await, Some(sp));
    assert_eq!(
        reopened.get("oid-a.tid").await,
        Some(account("oid-a.tid", "admin@contoso"))
    );

    // Signing in again updates the account and keeps what it had selected.
    let mut again = account("oid-a.tid", "admin@contoso.example");
    again.method = SignInMethod::DeviceCode;
    let info = reopened.add_or_replace(again.clone()).await.unwrap();
    assert_eq!(info.username, "admin@contoso.example");
    assert_eq!(info.selection, selection);
    let list = AccountStore::open(&paths).await.unwrap().list().await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].method, SignInMethod::DeviceCode);
    assert_eq!(list[0].selection, selection);
}

#[tokio::test]
async fn selecting_for_an_unknown_account_is_an_error() {
    let (_dir, paths) = home();
    let store = AccountStore::open(&paths).await.unwrap();
    let error = store
        .set_selection("nobody", Selection::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, AccountsError::UnknownAccount(ref id) if id == "nobody"),
        "{error:?}"
    );
    assert!(!paths.accounts_file().exists());
}

#[tokio::test]
async fn a_corrupt_account_list_is_kept_aside_and_the_store_starts_empty() {
    let (_dir, paths) = home();
    std::fs::write(
        paths.accounts_file(),
        b"{\"version\": 1, \"accounts\": [{\"id\": ",
    )
    .unwrap();
    let store = AccountStore::open(&paths).await.unwrap();
    let problem = store.problem().expect("the broken file is reported");
    assert!(matches!(problem, AccountsError::Corrupt { .. }), "{problem:?}");
    assert!(problem.to_string().contains("accounts.json.broken"), "{problem}");
    assert!(store.list().await.is_empty());
    let kept = std::fs::read(paths.config_dir.join("accounts.json.broken")).unwrap();
    assert_eq!(kept, b"{\"version\": 1, \"accounts\": [{\"id\": ");

    store
        .add_or_replace(account("oid-a.tid", "admin@contoso"))
        .await
        .unwrap();
    let reopened = AccountStore::open(&paths).await.unwrap();
    assert!(reopened.problem().is_none());
    assert_eq!(reopened.list().await.len(), 1);
}

#[tokio::test]
async fn an_account_list_from_a_newer_rekey_is_refused_and_left_alone() {
    let (_dir, paths) = home();
    let newer = br#"{"version": 2, "accounts": [], "profiles": {}}"#;
    std::fs::write(paths.accounts_file(), newer).unwrap();
    let error = AccountStore::open(&paths).await.unwrap_err();
    assert!(
        matches!(error, AccountsError::NewerFormat { found: 2, .. }),
        "{error:?}"
    );
    assert_eq!(std::fs::read(paths.accounts_file()).unwrap(), newer);
}

#[tokio::test]
async fn the_account_list_never_holds_a_secret() {
    let service = unique_service();
    let (_dir, paths) = home();
    let accounts = AccountStore::open(&paths).await.unwrap();
    let tokens = TokenCache::open_with_key_service(&paths, Some(SecureStore::in_memory()), &service).await;
    accounts
        .add_or_replace(account("oid-a.tid", "admin@contoso"))
        .await
        .unwrap();
    tokens
        .put("oid-a.tid", secret("rt-very-secret-refresh-token"))
        .await
        .unwrap();
    accounts
        .set_selection(
            "oid-a.tid",
            Selection {
                tenants: vec!["t".into()],
                subscriptions: vec![],
            },
        )
        .await
        .unwrap();

    let bytes = std::fs::read(paths.accounts_file()).unwrap();
    assert!(!contains(&bytes, "rt-very-secret"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut fields: Vec<&str> = json["accounts"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "clientId",
            "cloud",
            "id",
            "method",
            "selection",
            "tenantId",
            "username"
        ]
    );
}

#[tokio::test]
async fn sign_out_keeps_the_account_when_its_token_cannot_be_removed() {
    let service = unique_service();
    let (_dir, paths) = home();
    let accounts = AccountStore::open(&paths).await.unwrap();
    accounts
        .add_or_replace(account("oid-a.tid", "admin@contoso"))
        .await
        .unwrap();
    let store = SecureStore::in_memory();
    let tokens = TokenCache::open_with_key_service(&paths, Some(store.clone()), &service).await;
    tokens.put("oid-a.tid", secret("rt")).await.unwrap();
    // The cache can no longer be written: its folder is now a file.
    let blocker = paths.data_dir.join("token-cache.bin");
    std::fs::remove_file(&blocker).unwrap();
    std::fs::create_dir(&blocker).unwrap();

    let error = accounts.remove("oid-a.tid", &tokens).await.unwrap_err();
    assert!(
        matches!(error, AccountsError::SignOut(TokenCacheError::Io { .. })),
        "{error:?}"
    );
    assert_eq!(
        accounts.list().await.len(),
        1,
        "still listed, so that signing out can be retried"
    );

    assert_eq!(
        exposed(tokens.get("oid-a.tid")).as_deref(),
        Some("rt"),
        "and so is its token"
    );

    std::fs::remove_dir(&blocker).unwrap();
    assert!(accounts.remove("oid-a.tid", &tokens).await.unwrap().is_some());
    assert!(accounts.list().await.is_empty());
    let restarted = TokenCache::open_with_key_service(&paths, Some(store), &service).await;
    assert!(restarted.problems().is_empty(), "{:?}", restarted.problems());
    assert!(restarted.get("oid-a.tid").is_none());
}
