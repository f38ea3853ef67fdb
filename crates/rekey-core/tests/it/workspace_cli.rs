//! What the CLI needs of the workspace it shares with the app, against the simulator over real HTTPS:
//! a service principal signed in from a secret file (the file's path is remembered, never the secret,
//! and every later sign-in reads the file again: no keyring is needed, and a secret rotated in the
//! file is picked up), and the accounts an inventory could not list, kept apart from its warnings.

use rekey_core::accounts::{AccountInfo, SignInMethod};
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::workspace::{ServicePrincipalSecret, Workspace};
use secrecy::ExposeSecret;

fn simulator_cloud(sim: &rekey_sim::RunningSim) -> CloudSetting {
    CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    }
}

/// Whether a new session of `id` can get an ARM token (the secret it read is accepted).
async fn signs_in(paths: &AppPaths, id: &str) -> Result<(), String> {
    let ws = Workspace::open_with(paths, None, Some("no keyring in this test".into()))
        .await
        .map_err(|e| e.to_string())?;
    let session = ws.session(id).await.map_err(|e| e.code)?;
    session
        .arm
        .credential()
        .token(&session.arm.cloud().arm_scope())
        .await
        .map(drop)
        .map_err(|e| e.code())
}

#[tokio::test]
async fn a_secret_file_is_read_again_at_each_sign_in_without_a_keyring() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("client-secret");
    let secret = sim.demo_admin.client_secret.expose_secret().to_string();
    std::fs::write(&file, format!("{secret}\n")).unwrap();

    let ws = Workspace::open_with(&paths, None, Some("no keyring in this test".into()))
        .await
        .unwrap();
    assert!(!ws.tokens_persisted());
    let info = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &sim.tenant_id().to_string(),
            &sim.demo_admin.client_id.to_string(),
            ServicePrincipalSecret::File(file.clone()),
        )
        .await
        .unwrap();
    assert_eq!(info.method, SignInMethod::ServicePrincipal);
    drop(ws);

    // The account list names the file, and no file Rekey wrote holds the secret.
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(paths.accounts_file()).unwrap()).unwrap();
    assert_eq!(saved["accounts"][0]["secretFile"], file.display().to_string());
    for entry in std::fs::read_dir(home.path()).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the secret",
            entry.path().display()
        );
    }

    // A later run, still without a keyring, signs in from the file.
    assert_eq!(signs_in(&paths, &info.id).await, Ok(()));

    // Without a keyring the account's binding is a MAC under the secret itself: another secret in
    // the file (or an edited account file) is refused before anything is sent; the right one works.
    std::fs::write(&file, "not-the-secret~0123456789abcdefghij").unwrap();
    assert_eq!(signs_in(&paths, &info.id).await, Err("account_changed".into()));
    std::fs::write(&file, &secret).unwrap();
    assert_eq!(signs_in(&paths, &info.id).await, Ok(()));

    // A file that is gone says which file.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(signs_in(&paths, &info.id).await, Err("secret_unreadable".into()));
}

#[tokio::test]
async fn signing_in_from_a_file_replaces_a_saved_secret() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let store = SecureStore::in_memory();
    let secret = sim.demo_admin.client_secret.expose_secret().to_string();
    let (tenant, client) = (sim.tenant_id().to_string(), sim.demo_admin.client_id.to_string());
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    ws.sign_in_service_principal(
        simulator_cloud(&sim),
        &tenant,
        &client,
        ServicePrincipalSecret::Value(secret.clone().into()),
    )
    .await
    .unwrap();

    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("secret");
    std::fs::write(&file, &secret).unwrap();
    let info = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &tenant,
            &client,
            ServicePrincipalSecret::File(file.clone()),
        )
        .await
        .unwrap();
    drop(ws);

    // The file is the one source now: with it gone, the secret saved before is not used instead.
    std::fs::remove_file(&file).unwrap();
    let ws = Workspace::open_with(&paths, Some(store), None).await.unwrap();
    assert!(ws.tokens_persisted());
    let err = ws.session(&info.id).await.err().map(|e| e.code);
    assert_eq!(err.as_deref(), Some("secret_unreadable"));
}

#[tokio::test]
async fn an_account_that_cannot_be_listed_is_reported_apart() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("secret");
    std::fs::write(&file, sim.demo_admin.client_secret.expose_secret()).unwrap();
    let ws = Workspace::open_with(&paths, None, Some("no keyring in this test".into()))
        .await
        .unwrap();
    let (tenant, client) = (sim.tenant_id().to_string(), sim.demo_admin.client_id.to_string());
    let cloud = simulator_cloud(&sim);
    ws.sign_in_service_principal(
        cloud,
        &tenant,
        &client,
        ServicePrincipalSecret::File(file.clone()),
    )
    .await
    .unwrap();
    let accounts: Vec<AccountInfo> = ws.accounts().await;
    let all = ws.inventory_of(accounts.clone(), Default::default()).await;
    assert!(all.failed.is_empty(), "{:?}", all.failed);
    assert_eq!(all.inventory.clusters.len(), 12);
    assert_eq!(
        ws.inventory_of(Vec::new(), Default::default())
            .await
            .inventory
            .clusters
            .len(),
        0
    );

    // A secret rotated away: this run's session still has the old one, a new run reads the file.
    std::fs::write(&file, "not-the-secret~0123456789abcdefghij").unwrap();
    drop(ws);
    let ws = Workspace::open_with(&paths, None, None).await.unwrap();
    let found = ws.inventory_of(accounts, Default::default()).await;
    assert!(found.inventory.clusters.is_empty());
    assert!(
        found.inventory.warnings.is_empty(),
        "{:?}",
        found.inventory.warnings
    );
    let codes: Vec<&str> = found.failed.iter().map(|f| f.error.code.as_str()).collect();
    // Without a keyring a secret replaced in the file needs a new sign-in (the binding's MAC is
    // under the secret): refused before anything is sent.
    assert_eq!(codes, ["account_changed"]);
    assert_eq!(found.failed[0].account.username, client);
    // The app's view: the failure as a warning.
    let as_app_sees_it = found.with_failures_as_warnings();
    assert_eq!(as_app_sees_it.warnings.len(), 1);
    assert!(
        as_app_sees_it.warnings[0].starts_with(&format!("{client}: The saved account")),
        "{:?}",
        as_app_sees_it.warnings
    );
}

/// The review's M1 and H2 as tests: someone who can edit `accounts.json` (a synced config folder, a
/// same-user process) points an account at another host; a web view re-adds it on another cloud.
#[tokio::test]
async fn an_edited_account_file_or_another_cloud_never_receives_the_sealed_sign_in() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let store = SecureStore::in_memory();
    let secret = sim.demo_admin.client_secret.expose_secret().to_string();
    let (tenant, client) = (sim.tenant_id().to_string(), sim.demo_admin.client_id.to_string());
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    let info = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &tenant,
            &client,
            ServicePrincipalSecret::Value(secret.clone().into()),
        )
        .await
        .unwrap();

    // The same tenant and client on another cloud (a second simulator plays the attacker's cloud;
    // its IDs are the same, its secret its own) is refused, not swapped in place.
    let other = rekey_sim::start_demo(Default::default()).await.unwrap();
    assert_eq!(other.tenant_id(), sim.tenant_id());
    let moved = ws
        .sign_in_service_principal(
            simulator_cloud(&other),
            &tenant,
            &client,
            ServicePrincipalSecret::Value(other.demo_admin.client_secret.expose_secret().to_string().into()),
        )
        .await
        .err()
        .map(|e| e.code);
    assert_eq!(moved.as_deref(), Some("account_exists_elsewhere"));
    assert_eq!(ws.accounts().await[0].cloud, simulator_cloud(&sim));
    drop(ws);

    // The account file edited to point at another host: refused before any request is made.
    let file = paths.accounts_file();
    let text = std::fs::read_to_string(&file).unwrap();
    let original = format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url);
    std::fs::write(
        &file,
        text.replace(
            &original,
            "https://127.0.0.1:9/metadata/endpoints?api-version=2022-09-01",
        ),
    )
    .unwrap();
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    let refused = ws.session(&info.id).await.err().map(|e| (e.code, e.message));
    let (code, message) = refused.expect("refused");
    assert_eq!(code, "account_changed");
    assert!(message.contains("sign in again"), "{message}");
    drop(ws);

    // Put back: it works again.
    std::fs::write(&file, &text).unwrap();
    let ws = Workspace::open_with(&paths, Some(store), None).await.unwrap();
    assert!(ws.session(&info.id).await.is_ok());

    // Tenants that would move the login host are refused where the credential is built.
    for hostile in ["//127.0.0.1:9", "https://127.0.0.1:9/abs", "a/b", ".."] {
        let e = ws
            .sign_in_service_principal(
                simulator_cloud(&sim),
                hostile,
                &client,
                ServicePrincipalSecret::Value(secret.clone().into()),
            )
            .await
            .err()
            .map(|e| e.code);
        assert_eq!(e.as_deref(), Some("invalid_tenant"), "{hostile}");
    }
}
