//! The secure store's tests: the in-memory store and the keyring's answers.

use super::*;

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[tokio::test]
async fn in_memory_round_trip() -> Result<(), StoreError> {
    let store = SecureStore::in_memory();
    assert!(store.get("svc", "a").await?.is_none());
    store.set("svc", "a", &secret("one")).await?;
    store.set("svc", "a", &secret("two")).await?;
    let got = store.get("svc", "a").await?;
    assert_eq!(got.as_ref().map(|s| s.expose_secret()), Some("two"));
    store.delete("svc", "a").await?;
    store.delete("svc", "a").await?;
    assert!(store.get("svc", "a").await?.is_none());
    assert!(!store.is_persistent());
    Ok(())
}

#[tokio::test]
async fn keyring_errors_map_to_plain_advice_without_the_secret() -> Result<(), StoreError> {
    let store = SecureStore::in_memory();
    let io = |m: &str| Box::new(std::io::Error::other(m.to_owned()));
    let cases: Vec<(KeyringError, &str, &str)> = vec![
        (
            KeyringError::NoStorageAccess(io("Secret Service: object locked")),
            "keyring_no_access",
            "Unlock",
        ),
        (
            KeyringError::PlatformFailure(io("ServiceUnknown")),
            "keyring_unavailable",
            platform::START_FIX,
        ),
        (
            KeyringError::BadEncoding(b"hunter2-token".to_vec()),
            "keyring_corrupt",
            "delete it",
        ),
        (
            KeyringError::Ambiguous(Vec::new()),
            "keyring_ambiguous",
            "several entries",
        ),
    ];
    for (error, code, advice) in cases {
        store.fail_next_call("svc", "a", error)?;
        let Err(e) = store.get("svc", "a").await else {
            panic!("the injected {code} fault did not surface");
        };
        assert_eq!(e.code(), code);
        assert!(e.to_string().contains(advice), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
    Ok(())
}

#[tokio::test]
async fn a_keyring_that_never_answers_times_out() {
    /// A store whose entries block like an unlock prompt nobody answers.
    struct Hanging;
    impl keyring_core::api::CredentialStoreApi for Hanging {
        fn vendor(&self) -> String {
            "hanging".into()
        }
        fn id(&self) -> String {
            "hanging".into()
        }
        fn build(&self, _: &str, _: &str, _: Option<&HashMap<&str, &str>>) -> keyring_core::Result<Entry> {
            std::thread::sleep(Duration::from_secs(2));
            Err(KeyringError::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    let store = SecureStore {
        store: Arc::new(Hanging),
        backend: Backend::InMemory,
        timeout: Duration::from_millis(100),
    };
    let result = store.get("svc", "a").await;
    assert!(matches!(result, Err(StoreError::Timeout { .. })), "{result:?}");
}

#[test]
fn fault_injection_is_refused_outside_the_mock() {
    let store = SecureStore {
        backend: Backend::Platform,
        ..SecureStore::in_memory()
    };
    assert!(store.fail_next_call("svc", "a", KeyringError::NoEntry).is_err());
}
