//! The vault: secrets in the OS keyring (the real Secret Service, and keyring-core's mock for
//! faults), the metadata index beside them, the audit log, whether Azure still has each credential
//! (against the simulator), the clipboard, and a search for the secret everywhere it must not be.
//!
//! The real-keyring tests need a D-Bus session with an unlocked Secret Service, the clipboard tests
//! an X display:
//! `xvfb-run -a crates/rekey-core/tests/with-secret-service.sh cargo nextest run -p rekey-core --test vault`.
//! Without them they fail, unless `REKEY_SKIP_KEYRING_TESTS=1` / `REKEY_SKIP_DISPLAY_TESTS=1` say to
//! skip them (and they print so). After every test the keyring holds nothing the test made.

use std::future::Future;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::admin_graph::{add_password, remove_password};
use crate::common::display::{clipboard_text, clipboard_turn, copy_other, wait_for_clipboard};
use crate::common::keyring::items_for;
use crate::common::keyring::real_keyring;
use crate::common::leaks::{files_holding, holds, prove_search_finds};
use chrono::Utc;
use keyring_core::Error as KeyringError;
use rekey_core::audit::AuditRecord;
use rekey_core::auth::{ClientSecretCredential, Credential};
use rekey_core::clipboard::ClearOutcome;
use rekey_core::cloud::{Cloud, CloudSetting};
use rekey_core::estate::{DemoFiles, DemoSource, DemoWorld, Estate};
use rekey_core::inventory::model::CredentialOwner;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::session::{Session, SessionMode};
use rekey_core::transport::{HttpClient, Trust};
use rekey_core::vault::presence;
use rekey_core::vault::{AzurePresence, Vault, VaultEntry, VaultError, VaultRow, SERVICE};
use rekey_core::workspace::Workspace;
use rekey_sim::RunningSim;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn home() -> (TempDir, AppPaths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(dir.path());
    (dir, paths)
}

/// A secret shaped like the ones Azure makes (40 characters, `~` in the fourth place), different
/// on every call.
fn new_secret() -> SecretString {
    let random = uuid::Uuid::new_v4().simple().to_string();
    SecretString::from(format!(
        "Rk7~{}{}",
        random,
        &uuid::Uuid::new_v4().simple().to_string()[..4]
    ))
}

/// Metadata of a secret of `app` in `tenant`, with a fresh key ID.
fn entry_in(tenant: &str, app: &str, secret: &SecretString) -> VaultEntry {
    entry_with_key(tenant, app, &uuid::Uuid::new_v4().to_string(), secret)
}

fn entry_with_key(tenant: &str, app: &str, key_id: &str, secret: &SecretString) -> VaultEntry {
    VaultEntry {
        tenant_id: tenant.into(),
        app_id: app.into(),
        key_id: key_id.into(),
        hint: Some(secret.expose_secret()[..3].to_string()),
        display_name: Some(format!("rekey {}", Utc::now().format("%Y-%m-%d"))),
        app_display_name: Some("aks-prod-weu-sp".into()),
        owner: CredentialOwner::Application,
        created: Utc::now(),
        expires: Some(Utc::now() + chrono::Duration::days(180)),
        clusters: vec![
            "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-prod/providers/\
             Microsoft.ContainerService/managedClusters/aks-prod-weu"
                .into(),
        ],
        rotation_id: Some(uuid::Uuid::new_v4().to_string()),
        key_vault: None,
    }
}

/// A secret and its metadata in a tenant of its own, so that tests running side by side in one
/// keyring never see each other's entries.
fn new_entry() -> (VaultEntry, SecretString) {
    let secret = new_secret();
    let tenant = uuid::Uuid::new_v4().to_string();
    (
        entry_in(&tenant, &uuid::Uuid::new_v4().to_string(), &secret),
        secret,
    )
}

fn audit_records(vault: &Vault) -> Vec<AuditRecord> {
    let (records, skipped) = vault.audit().read_blocking().unwrap();
    assert_eq!(skipped, 0);
    records
}

fn index_bytes(paths: &AppPaths) -> Vec<u8> {
    std::fs::read(paths.data_dir.join("vault-index.json")).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The real Secret Service
// ---------------------------------------------------------------------------------------------

/// Runs `body` with a vault on the real keyring in a fresh folder and `count` secrets made for it
/// (not yet stored); afterwards deletes them from the keyring and checks that it holds none of
/// them, whether `body` passed or not.
async fn with_real_vault<F, Fut>(test: &str, count: usize, body: F)
where
    F: FnOnce(Vault, AppPaths, Vec<(VaultEntry, SecretString)>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(store) = real_keyring(test).await else {
        return;
    };
    let (dir, paths) = home();
    let vault = Vault::open(&paths).await.unwrap();
    assert!(vault.is_persistent());
    let made: Vec<(VaultEntry, SecretString)> = (0..count).map(|_| new_entry()).collect();
    let accounts: Vec<String> = made.iter().map(|(e, _)| e.account()).collect();
    // A task of its own, so that a failing assertion comes back here as a JoinError.
    let outcome = tokio::spawn(body(vault, paths, made)).await;
    for account in &accounts {
        store.delete(SERVICE, account).await.unwrap();
        assert!(
            store.get(SERVICE, account).await.unwrap().is_none(),
            "{account} remains"
        );
        assert_eq!(
            items_for(SERVICE, account).await,
            0,
            "the keyring still holds {account}"
        );
    }
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn real_keyring_stores_finds_reveals_and_deletes_secrets() {
    with_real_vault(
        "real_keyring_stores_finds_reveals_and_deletes_secrets",
        2,
        |vault, paths, made| async move {
            let [(first, first_secret), (second, second_secret)] = made.try_into().unwrap();
            vault.put(first.clone(), &first_secret).await.unwrap();
            vault.put(second.clone(), &second_secret).await.unwrap();
            // Storing the same credential again replaces it: one item, one row.
            vault.put(first.clone(), &first_secret).await.unwrap();
            assert_eq!(items_for(SERVICE, &first.account()).await, 1);

            // A restart: a new keyring connection over the same folder finds both.
            let again = Vault::open(&paths).await.unwrap();
            let entries = again.entries().await.unwrap();
            assert_eq!(entries.len(), 2);
            assert_eq!(entries[0], second, "newest first");
            let found = again.find(&first.key_id[..8].to_uppercase()).await.unwrap();
            assert_eq!(found, first);
            assert!(matches!(
                again.find(&first.key_id[..4]).await,
                Err(VaultError::NotFound(_))
            ));
            assert_eq!(
                again.secret(&first).await.unwrap().expose_secret(),
                first_secret.expose_secret()
            );

            let (revealed, value) = again.reveal(&first.key_id, "admin@contoso").await.unwrap();
            assert_eq!(revealed, first);
            assert_eq!(value.expose_secret(), first_secret.expose_secret());
            let records = audit_records(&again);
            let reveal = records.iter().find(|r| r.action == "vault.reveal").unwrap();
            assert_eq!(
                (reveal.actor.as_str(), reveal.outcome.as_str()),
                ("admin@contoso", "ok")
            );
            assert_eq!(reveal.new_key_id.as_deref(), Some(first.key_id.as_str()));
            assert_eq!(reveal.hint, first.hint);

            // Deleted: gone from the keyring and the index; the other one stays.
            again.delete(&first.key_id, "admin@contoso").await.unwrap();
            assert_eq!(items_for(SERVICE, &first.account()).await, 0);
            assert_eq!(again.entries().await.unwrap(), vec![second.clone()]);
            assert!(again.in_keyring(&second).await.unwrap());

            // A value deleted outside Rekey (Seahorse): listed as missing, and revealing it says so.
            SecureStore::platform()
                .await
                .unwrap()
                .delete(SERVICE, &second.account())
                .await
                .unwrap();
            let rows = presence::rows(&again, &Default::default()).await.unwrap();
            assert_eq!(rows.len(), 1);
            assert!(!rows[0].in_keyring);
            let missing = again.reveal(&second.key_id, "admin@contoso").await.unwrap_err();
            assert!(matches!(missing, VaultError::MissingValue { .. }), "{missing:?}");
            assert!(missing.to_string().contains("deleted outside Rekey"), "{missing}");
            let failed = audit_records(&again)
                .into_iter()
                .filter(|r| r.action == "vault.reveal" && r.outcome == "failed")
                .count();
            assert_eq!(failed, 1);

            // Neither the index nor the audit log ever held a value.
            for secret in [&first_secret, &second_secret] {
                assert_eq!(
                    files_holding(&[&paths.data_dir], secret.expose_secret()),
                    Vec::<std::path::PathBuf>::new()
                );
            }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Keyring faults, through keyring-core's mock
// ---------------------------------------------------------------------------------------------

fn io_fault(kind: std::io::ErrorKind, message: &str) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(std::io::Error::new(kind, message.to_owned()))
}

/// The faults a keyring can answer a write with, what Rekey calls each, and the advice it gives.
fn write_faults() -> Vec<(&'static str, KeyringError, &'static str, &'static str)> {
    use std::io::ErrorKind::{Other, PermissionDenied};
    vec![
        (
            "locked keyring",
            KeyringError::NoStorageAccess(io_fault(Other, "Secret Service: the collection is locked")),
            "keyring_no_access",
            "Unlock",
        ),
        (
            "access denied",
            KeyringError::NoStorageAccess(io_fault(PermissionDenied, "the prompt was dismissed")),
            "keyring_no_access",
            "access was denied",
        ),
        (
            "value too long",
            KeyringError::TooLong("password".into(), 2560),
            "keyring_rejected",
            "longer than the platform limit",
        ),
        (
            "store missing",
            KeyringError::PlatformFailure(io_fault(
                Other,
                "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided",
            )),
            "keyring_unavailable",
            if cfg!(target_os = "linux") {
                "No Secret Service is running: install and start gnome-keyring"
            } else {
                "not available"
            },
        ),
    ]
}

#[tokio::test]
async fn a_keyring_fault_on_storing_leaves_nothing_behind_and_says_what_to_do() {
    for (case, fault, code, advice) in write_faults() {
        let (_dir, paths) = home();
        let store = SecureStore::in_memory();
        let vault = Vault::with_store(store.clone(), &paths);
        let (entry, secret) = new_entry();
        store.fail_next_call(SERVICE, &entry.account(), fault).unwrap();

        let error = vault.put(entry.clone(), &secret).await.unwrap_err();
        assert_eq!(error.code(), code, "{case}: {error}");
        let message = error.to_string();
        assert!(message.contains(advice), "{case}: {message}");
        assert!(!holds(message.as_bytes(), secret.expose_secret()), "{case}");
        // Nothing half-written: no row in the index, no value in the keyring.
        assert!(vault.entries().await.unwrap().is_empty(), "{case}");
        assert!(
            !index_bytes(&paths)
                .windows(8)
                .any(|w| w == &entry.key_id.as_bytes()[..8]),
            "{case}"
        );
        assert!(
            store.get(SERVICE, &entry.account()).await.unwrap().is_none(),
            "{case}"
        );
        // The fault is over: the same put now works.
        vault.put(entry.clone(), &secret).await.unwrap();
        assert_eq!(vault.entries().await.unwrap(), vec![entry], "{case}");
    }
}

#[tokio::test]
async fn an_index_that_cannot_be_written_takes_the_value_back_out_of_the_keyring() {
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let vault = Vault::with_store(store.clone(), &paths);
    let (entry, secret) = new_entry();
    // The index cannot be replaced: its path is a folder.
    std::fs::create_dir_all(paths.data_dir.join("vault-index.json")).unwrap();
    let error = vault.put(entry.clone(), &secret).await.unwrap_err();
    assert!(matches!(error, VaultError::Index { .. }), "{error:?}");
    assert!(
        store.get(SERVICE, &entry.account()).await.unwrap().is_none(),
        "a value the index does not list would be lost in the keyring"
    );
}

#[tokio::test]
async fn a_broken_index_is_refused_and_kept_as_it_is() {
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let vault = Vault::with_store(store.clone(), &paths);
    let broken = b"{\"version\": 1, \"entries\": [{\"tenantId\": ";
    std::fs::write(paths.data_dir.join("vault-index.json"), broken).unwrap();
    let (entry, secret) = new_entry();
    let error = vault.put(entry.clone(), &secret).await.unwrap_err();
    assert!(error.to_string().contains("fix or move the file away"), "{error}");
    assert_eq!(index_bytes(&paths), broken);
    assert!(store.get(SERVICE, &entry.account()).await.unwrap().is_none());
    assert!(vault.entries().await.is_err());
}

#[tokio::test]
async fn a_keyring_fault_on_deleting_keeps_the_entry_listed() {
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let vault = Vault::with_store(store.clone(), &paths);
    let (entry, secret) = new_entry();
    vault.put(entry.clone(), &secret).await.unwrap();
    for (case, fault, code, _) in write_faults() {
        store.fail_next_call(SERVICE, &entry.account(), fault).unwrap();
        let error = vault.delete(&entry.key_id, "admin@contoso").await.unwrap_err();
        assert_eq!(error.code(), code, "{case}");
        assert_eq!(vault.entries().await.unwrap(), vec![entry.clone()], "{case}");
        assert!(vault.in_keyring(&entry).await.unwrap(), "{case}");
    }
    let failed = audit_records(&vault)
        .into_iter()
        .filter(|r| r.action == "vault.delete" && r.outcome == "failed")
        .count();
    assert_eq!(failed, write_faults().len());
    vault.delete(&entry.key_id, "admin@contoso").await.unwrap();
    assert!(vault.entries().await.unwrap().is_empty());
    assert!(store.get(SERVICE, &entry.account()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_keyring_fault_on_revealing_is_audited_without_the_value() {
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let vault = Vault::with_store(store.clone(), &paths);
    let (entry, secret) = new_entry();
    vault.put(entry.clone(), &secret).await.unwrap();
    store
        .fail_next_call(
            SERVICE,
            &entry.account(),
            KeyringError::NoStorageAccess(io_fault(std::io::ErrorKind::Other, "locked")),
        )
        .unwrap();
    let error = vault.reveal(&entry.key_id, "admin@contoso").await.unwrap_err();
    assert_eq!(error.code(), "keyring_no_access");
    let records = audit_records(&vault);
    let [record] = records.as_slice() else {
        panic!("one record: {records:?}");
    };
    assert_eq!(
        (record.action.as_str(), record.outcome.as_str()),
        ("vault.reveal", "failed")
    );
    assert!(
        record.detail.as_deref().is_some_and(|d| d.contains("Unlock")),
        "{record:?}"
    );
    assert!(!holds(
        &std::fs::read(vault.audit().path()).unwrap(),
        secret.expose_secret()
    ));
}

#[tokio::test]
async fn key_ids_are_found_whole_or_by_a_prefix_of_six() {
    let (_dir, paths) = home();
    let vault = Vault::with_store(SecureStore::in_memory(), &paths);
    let secret = new_secret();
    let a = entry_with_key("t", "app", "abcdef01-0000-4000-8000-000000000001", &secret);
    let b = entry_with_key("t", "app", "abcdef02-0000-4000-8000-000000000002", &secret);
    vault.put(a.clone(), &secret).await.unwrap();
    vault.put(b.clone(), &secret).await.unwrap();
    assert_eq!(vault.find("ABCDEF01").await.unwrap(), a);
    assert_eq!(vault.find(&b.key_id).await.unwrap(), b);
    assert!(matches!(
        vault.find("abcdef").await,
        Err(VaultError::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(vault.find("abc").await, Err(VaultError::NotFound(_))));
    assert!(matches!(vault.find("ffffff").await, Err(VaultError::NotFound(_))));
}

// ---------------------------------------------------------------------------------------------
// Whether Azure still has the credential, against the simulator
// ---------------------------------------------------------------------------------------------

fn sim_http(sim: &RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

async fn sim_control(sim: &RunningSim, path: &str, body: Value) -> Value {
    let response = sim_http(sim)
        .post(format!("{}_sim/{path}", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// A session signed in to the simulator as its demo administrator, as demo mode's.
async fn admin_session(sim: &RunningSim) -> Session {
    let http = HttpClient::new(&Trust::Only {
        ca_pem: sim.ca_pem.clone(),
    })
    .unwrap();
    let metadata = url::Url::parse(&format!(
        "{}metadata/endpoints?api-version=2022-09-01",
        sim.base_url
    ))
    .unwrap();
    let cloud = Cloud::from_metadata(&http, &metadata).await.unwrap();
    let credential = ClientSecretCredential::new(
        http.clone(),
        &cloud.login_endpoint,
        &sim.tenant_id().to_string(),
        &sim.demo_admin.client_id.to_string(),
        SecretString::from(sim.demo_admin.client_secret.expose_secret().to_string()),
    )
    .unwrap();
    Session::new(
        SessionMode::Demo,
        "test".into(),
        http,
        cloud,
        Credential::ClientSecret(credential),
    )
}

/// An estate in demo mode whose simulated tenant is `tenant`, signed in as `session` (the presence
/// check asks it for each tenant's session).
async fn demo_estate(paths: &AppPaths, session: Arc<Session>, tenant: String) -> Estate {
    let world = DemoWorld {
        arm_endpoint: session.arm.cloud().arm_endpoint.clone(),
        session,
        tenant_id: tenant,
        cloud: CloudSetting::Public,
        keep_alive: Box::new(()),
    };
    Estate::new(paths.clone(), DemoSource::Ready(world), DemoFiles::Discarded)
        .with_workspace(Workspace::open_with(paths, None, None).await.unwrap())
}

/// An estate with no account signed in and no simulator, for `reason`.
async fn unreachable_estate(paths: &AppPaths, reason: &str) -> Estate {
    Estate::new(
        paths.clone(),
        DemoSource::Unavailable(reason.into()),
        DemoFiles::Discarded,
    )
    .with_workspace(Workspace::open_with(paths, None, None).await.unwrap())
}

fn row<'a>(rows: &'a [VaultRow], entry: &VaultEntry) -> &'a VaultRow {
    rows.iter()
        .find(|r| r.entry.key_id == entry.key_id)
        .unwrap_or_else(|| panic!("no row for {}", entry.key_id))
}

#[tokio::test]
async fn presence_says_whether_azure_still_has_each_credential() {
    let sim = rekey_sim::start_demo(rekey_sim::SimConfig::default())
        .await
        .unwrap();
    let session = admin_session(&sim).await;
    let tenant = sim.tenant_id().to_string();
    let app = sim.demo_admin.client_id.to_string();
    let (kept_key, kept_secret) = add_password(&sim).await;
    let (removed_key, removed_secret) = add_password(&sim).await;

    let (_dir, paths) = home();
    let vault = Vault::with_store(SecureStore::in_memory(), &paths);
    let kept = entry_with_key(&tenant, &app, &kept_key, &kept_secret);
    let removed = entry_with_key(&tenant, &app, &removed_key, &removed_secret);
    let gone_app = entry_in(&tenant, &uuid::Uuid::new_v4().to_string(), &new_secret());
    let elsewhere = entry_in(&uuid::Uuid::new_v4().to_string(), &app, &new_secret());
    for entry in [&kept, &removed, &gone_app, &elsewhere] {
        vault.put(entry.clone(), &new_secret()).await.unwrap();
    }
    let reach = demo_estate(&paths, Arc::new(session), tenant.to_uppercase()).await;

    let rows = presence::list(&vault, &reach).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(row(&rows, &kept).in_azure, AzurePresence::Present);
    assert_eq!(row(&rows, &removed).in_azure, AzurePresence::Present);
    assert!(rows.iter().all(|r| r.in_keyring));

    // Someone removes a credential in the portal: from now on it shows as removed.
    remove_password(&sim, &removed_key).await;
    let rows = presence::list(&vault, &reach).await.unwrap();
    assert_eq!(row(&rows, &kept).in_azure, AzurePresence::Present);
    assert_eq!(row(&rows, &kept).azure_problem, None);
    assert_eq!(row(&rows, &removed).in_azure, AzurePresence::Removed);
    assert_eq!(
        row(&rows, &gone_app).in_azure,
        AzurePresence::Removed,
        "the app itself is gone"
    );
    let other = row(&rows, &elsewhere);
    assert_eq!(other.in_azure, AzurePresence::Unknown);
    assert!(
        other
            .azure_problem
            .as_deref()
            .is_some_and(|p| p.contains("reaches the simulated tenant only")),
        "{other:?}"
    );

    // Graph refuses: unknown, with Graph's words, never "removed".
    let denied = json!({"error": {"code": "Authorization_RequestDenied",
        "message": "Insufficient privileges to complete the operation."}});
    sim_control(
        &sim,
        "faults",
        json!({"method": "POST", "path": "/v1.0/$batch", "times": 20,
            "action": {"type": "respond", "status": 403, "body": denied}}),
    )
    .await;
    let rows = presence::list(&vault, &reach).await.unwrap();
    for entry in [&kept, &removed] {
        let r = row(&rows, entry);
        assert_eq!(r.in_azure, AzurePresence::Unknown, "{r:?}");
        assert!(
            r.azure_problem
                .as_deref()
                .is_some_and(|p| p.contains("Insufficient privileges")),
            "{r:?}"
        );
    }
    let cleared = sim_http(&sim)
        .delete(format!("{}_sim/faults", sim.base_url))
        .bearer_auth(sim.admin_token())
        .send()
        .await
        .unwrap();
    assert!(cleared.status().is_success());

    // No account signed in: the workspace reaches no tenant, and says so.
    let nobody = unreachable_estate(&paths, "No account is signed in: sign in to check it.").await;
    let rows = presence::list(&vault, &nobody).await.unwrap();
    assert!(rows.iter().all(|r| r.in_azure == AzurePresence::Unknown
        && r.azure_problem.as_deref().is_some_and(|p| p.contains("sign in"))));
    let rows = presence::list(&vault, &unreachable_estate(&paths, "Offline.").await)
        .await
        .unwrap();
    assert!(rows
        .iter()
        .all(|r| r.in_azure == AzurePresence::Unknown && r.azure_problem.as_deref() == Some("Offline.")));
}

// ---------------------------------------------------------------------------------------------
// The clipboard (an X display: `xvfb-run -a`)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn clipboard_copy_is_audited_and_taken_back_unless_replaced() {
    let Some(_clipboard) = clipboard_turn("clipboard_copy_is_audited_and_taken_back_unless_replaced").await
    else {
        return;
    };
    let (_dir, paths) = home();
    let store = SecureStore::in_memory();
    let vault = Vault::with_store(store.clone(), &paths);
    let (entry, secret) = new_entry();
    vault.put(entry.clone(), &secret).await.unwrap();
    let value = secret.expose_secret().to_string();
    let is_secret = |t: Option<&str>| t == Some(value.as_str());

    // Held, then cleared when the time is up.
    let (copied, guard) = vault
        .copy(&entry.key_id[..8], "admin@contoso", Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(copied, entry);
    wait_for_clipboard(Duration::from_secs(5), is_secret);
    let outcome = tokio::task::spawn_blocking(move || guard.wait()).await.unwrap();
    assert_eq!(outcome, ClearOutcome::Cleared);
    assert!(
        !is_secret(clipboard_text().as_deref()),
        "the secret is still on the clipboard"
    );

    // Something else copied meanwhile is left alone.
    let (_, guard) = vault
        .copy(&entry.key_id, "admin@contoso", Duration::from_secs(30))
        .await
        .unwrap();
    wait_for_clipboard(Duration::from_secs(5), is_secret);
    let _other = copy_other("a cluster name the admin copied");
    let outcome = tokio::task::spawn_blocking(move || guard.wait()).await.unwrap();
    assert_eq!(outcome, ClearOutcome::Replaced);
    // Read until it answers: a loaded X server can let one read time out (the text is unchanged).
    let left = wait_for_clipboard(Duration::from_secs(5), |t| {
        t == Some("a cluster name the admin copied")
    });
    assert_eq!(left.as_deref(), Some("a cluster name the admin copied"));
    drop(_other);

    // Taken back early (Ctrl-C in the CLI).
    let (_, guard) = vault
        .copy(&entry.key_id, "admin@contoso", Duration::from_secs(30))
        .await
        .unwrap();
    wait_for_clipboard(Duration::from_secs(5), is_secret);
    let outcome = tokio::task::spawn_blocking(move || guard.clear_now())
        .await
        .unwrap();
    assert_eq!(outcome, ClearOutcome::Cleared);
    assert!(!is_secret(clipboard_text().as_deref()));

    // A value the keyring lost is not copied, and the failure is audited.
    store.delete(SERVICE, &entry.account()).await.unwrap();
    let error = vault
        .copy(&entry.key_id, "admin@contoso", Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(matches!(error, VaultError::MissingValue { .. }), "{error:?}");

    let copies: Vec<(String, String)> = audit_records(&vault)
        .into_iter()
        .filter(|r| r.action == "vault.copy")
        .map(|r| (r.actor, r.outcome))
        .collect();
    let ok = ("admin@contoso".to_string(), "ok".to_string());
    let failed = ("admin@contoso".to_string(), "failed".to_string());
    assert_eq!(copies, vec![ok.clone(), ok.clone(), ok, failed]);
    assert!(!holds(&std::fs::read(vault.audit().path()).unwrap(), &value));
}

/// The formats the clipboard's owner offers (X11 `TARGETS`), as a clipboard manager asks for them.
#[cfg(target_os = "linux")]
fn clipboard_targets() -> Vec<String> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, CreateWindowAux, WindowClass};
    use x11rb::protocol::Event;

    let (conn, screen) = x11rb::connect(None).unwrap();
    let root = conn.setup().roots[screen].root;
    let window = conn.generate_id().unwrap();
    conn.create_window(
        x11rb::COPY_DEPTH_FROM_PARENT,
        window,
        root,
        0,
        0,
        1,
        1,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new(),
    )
    .unwrap();
    let atom = |name: &str| {
        conn.intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let (clipboard, targets, property) = (atom("CLIPBOARD"), atom("TARGETS"), atom("REKEY_TARGETS"));
    conn.convert_selection(window, clipboard, targets, property, x11rb::CURRENT_TIME)
        .unwrap();
    conn.flush().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match conn.poll_for_event().unwrap() {
            Some(Event::SelectionNotify(e)) if e.property == x11rb::NONE => return Vec::new(),
            Some(Event::SelectionNotify(_)) => break,
            Some(_) => {}
            None => {
                assert!(std::time::Instant::now() < deadline, "no answer to TARGETS");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let reply = conn
        .get_property(true, window, property, AtomEnum::ATOM, 0, 1024)
        .unwrap()
        .reply()
        .unwrap();
    reply
        .value32()
        .into_iter()
        .flatten()
        .map(|a| {
            let name = conn.get_atom_name(a).unwrap().reply().unwrap().name;
            String::from_utf8_lossy(&name).into_owned()
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn clipboard_copy_is_marked_for_clipboard_managers_to_keep_out_of_history() {
    let Some(_clipboard) =
        clipboard_turn("clipboard_copy_is_marked_for_clipboard_managers_to_keep_out_of_history").await
    else {
        return;
    };
    let secret = new_secret();
    let value = secret.expose_secret().to_string();
    let guard = rekey_core::clipboard::copy_for(secret, Duration::from_secs(30)).unwrap();
    wait_for_clipboard(Duration::from_secs(5), |t| t == Some(value.as_str()));
    let targets = tokio::task::spawn_blocking(clipboard_targets).await.unwrap();
    assert!(
        targets.iter().any(|t| t == "x-kde-passwordManagerHint"),
        "the copy does not carry KDE's password-manager hint: {targets:?}"
    );
    assert_eq!(
        tokio::task::spawn_blocking(move || guard.clear_now())
            .await
            .unwrap(),
        ClearOutcome::Cleared
    );
}

#[tokio::test]
async fn clipboard_clear_all_now_takes_back_every_pending_copy_on_exit() {
    let Some(_clipboard) =
        clipboard_turn("clipboard_clear_all_now_takes_back_every_pending_copy_on_exit").await
    else {
        return;
    };
    let secret = new_secret();
    let value = secret.expose_secret().to_string();
    // The app drops its guard at once: the copy is pending only in the clipboard thread.
    drop(rekey_core::clipboard::copy_for(secret, Duration::from_secs(30)).unwrap());
    wait_for_clipboard(Duration::from_secs(5), |t| t == Some(value.as_str()));
    let pending = tokio::task::spawn_blocking(rekey_core::clipboard::clear_all_now)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    // Cleared before `clear_all_now` returned, not later.
    assert_ne!(
        clipboard_text().as_deref(),
        Some(value.as_str()),
        "the secret is still on the clipboard"
    );
    assert_eq!(
        tokio::task::spawn_blocking(rekey_core::clipboard::clear_all_now)
            .await
            .unwrap(),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// The leak test
// ---------------------------------------------------------------------------------------------

/// Everything written to it, shared: the log as `REKEY_LOG=trace` would print it on stderr.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

/// Store, list (with the Azure check, over HTTPS to the simulator), copy and reveal through the core,
/// with every crate logging at trace level, then look for the value in every file of the data and
/// config folders, in the log and in everything the test printed of what the core returned.
#[tokio::test]
async fn leak_clipboard_a_stored_secret_is_in_no_file_log_or_output() {
    const TEST: &str = "leak_clipboard_a_stored_secret_is_in_no_file_log_or_output";
    let Some(_clipboard) = clipboard_turn(TEST).await else {
        return;
    };
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let Some(store) = real_keyring(TEST).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let paths = AppPaths {
        data_dir: dir.path().join("data"),
        config_dir: dir.path().join("config"),
    };
    std::fs::create_dir_all(&paths.config_dir).unwrap();
    let sim = rekey_sim::start_demo(rekey_sim::SimConfig::default())
        .await
        .unwrap();
    let session = Arc::new(admin_session(&sim).await);
    let (key_id, secret) = add_password(&sim).await;
    let value = secret.expose_secret().to_string();
    let entry = entry_with_key(
        &sim.tenant_id().to_string(),
        &sim.demo_admin.client_id.to_string(),
        &key_id,
        &secret,
    );

    let mut printed = Vec::new();
    let outcome = tokio::spawn({
        let (paths, entry) = (paths.clone(), entry.clone());
        async move {
            let mut printed = Vec::new();
            let vault = Vault::open(&paths).await.unwrap();
            vault.put(entry.clone(), &secret).await.unwrap();
            // What a careless caller might print: the Debug forms of all the core returns.
            let workspace = Workspace::open(&paths).await.unwrap();
            let reach = demo_estate(&paths, session.clone(), entry.tenant_id.clone()).await;
            let rows = presence::list(&vault, &reach).await.unwrap();
            assert_eq!(rows[0].in_azure, AzurePresence::Present);
            writeln!(printed, "{rows:?}\n{}", serde_json::to_string(&rows).unwrap()).unwrap();
            let (copied, guard) = vault
                .copy(&entry.key_id, "admin@contoso", Duration::from_secs(1))
                .await
                .unwrap();
            writeln!(printed, "{copied:?} {guard:?}").unwrap();
            let outcome = tokio::task::spawn_blocking(move || guard.wait()).await.unwrap();
            writeln!(printed, "{outcome:?}").unwrap();
            let revealed = vault.reveal(&entry.key_id[..8], "admin@contoso").await.unwrap();
            assert_eq!(revealed.1.expose_secret(), secret.expose_secret());
            writeln!(
                printed,
                "{revealed:?} {vault:?} {:?}",
                workspace.status(None).await
            )
            .unwrap();
            drop(workspace);
            printed
        }
    })
    .await;
    if let Ok(out) = &outcome {
        printed.extend_from_slice(out);
    }

    // Cleaned up whatever happened, and the keyring checked.
    store.delete(SERVICE, &entry.account()).await.unwrap();
    assert_eq!(items_for(SERVICE, &entry.account()).await, 0);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }

    let logged = log.bytes();
    assert!(
        String::from_utf8_lossy(&logged).contains("TRACE"),
        "the log was captured at trace level"
    );
    let roots = [paths.data_dir.as_path(), paths.config_dir.as_path()];
    let files: Vec<String> = walk(&roots);
    assert!(
        files.iter().any(|f| f.ends_with("vault-index.json"))
            && files.iter().any(|f| f.ends_with("audit.jsonl")),
        "the vault wrote its files: {files:?}"
    );
    assert_eq!(files_holding(&roots, &value), Vec::<std::path::PathBuf>::new());
    assert!(!holds(&logged, &value), "the log holds the secret");
    assert!(
        !holds(&printed, &value),
        "what the core returned shows the secret"
    );
    // And the search would have seen it.
    prove_search_finds(&paths.data_dir, &logged, &value);
}

/// The files under `roots`, for the record of what was searched.
fn walk(roots: &[&Path]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending: Vec<std::path::PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
