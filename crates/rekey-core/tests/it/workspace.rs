//! The workspace the app and the CLI share: sign in, remember, list across accounts, sign out —
//! against the simulator over real HTTPS.

use rekey_core::accounts::{Selection, SignInMethod};
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::workspace::{ServicePrincipalSecret, Workspace};
use secrecy::{ExposeSecret, SecretString};

fn simulator_cloud(sim: &rekey_sim::RunningSim) -> CloudSetting {
    CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    }
}

async fn admin_secret(sim: &rekey_sim::RunningSim) -> ServicePrincipalSecret {
    ServicePrincipalSecret::Value(SecretString::from(
        sim.demo_admin.client_secret.expose_secret().to_string(),
    ))
}

#[tokio::test]
async fn a_service_principal_signs_in_lists_clusters_and_is_remembered() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let store = SecureStore::in_memory();
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    let tenant = sim.tenant_id().to_string();
    let client = sim.demo_admin.client_id.to_string();

    let info = ws
        .sign_in_service_principal(simulator_cloud(&sim), &tenant, &client, admin_secret(&sim).await)
        .await
        .unwrap();
    assert_eq!(info.method, SignInMethod::ServicePrincipal);
    assert_eq!(ws.inventory().await.clusters.len(), 12);

    let subs = ws.subscriptions(&info.id).await.unwrap();
    assert_eq!(subs.len(), 3);
    let staging = subs
        .iter()
        .find(|s| s.display_name == "Contoso Staging")
        .unwrap()
        .subscription_id
        .clone();
    ws.set_selection(
        &info.id,
        Selection {
            tenants: vec![],
            subscriptions: vec![staging],
        },
    )
    .await
    .unwrap();
    let staging_only = ws.inventory().await;
    assert!(staging_only.warnings.is_empty(), "{:?}", staging_only.warnings);
    assert_eq!(staging_only.clusters.len(), 3);
    assert!(staging_only
        .clusters
        .iter()
        .all(|c| c.subscription_name == "Contoso Staging"));
    assert_eq!(
        ws.tenants(&info.id).await.unwrap()[0].display_name.as_deref(),
        Some("Contoso (simulated)")
    );

    // A restart: the account, its selection and its secret come back from disk and the keyring.
    drop(ws);
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    assert!(ws.tokens_persisted());
    assert_eq!(ws.inventory().await.clusters.len(), 3);

    ws.sign_out(&info.id).await.unwrap();
    assert!(ws.accounts().await.is_empty());
    let ws = Workspace::open_with(&paths, Some(store), None).await.unwrap();
    assert!(ws.accounts().await.is_empty());
    let file = std::fs::read(paths.token_cache_file()).unwrap_or_default();
    let secret = sim.demo_admin.client_secret.expose_secret().as_bytes();
    assert!(
        !file.windows(secret.len()).any(|w| w == secret),
        "the secret is never on disk in plain text"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_explained_and_nothing_is_kept() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ws = Workspace::open_with(&AppPaths::at(home.path()), Some(SecureStore::in_memory()), None)
        .await
        .unwrap();
    let err = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &sim.tenant_id().to_string(),
            &sim.demo_admin.client_id.to_string(),
            ServicePrincipalSecret::Value(SecretString::from("wrong".to_string())),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, "AADSTS7000215");
    assert!(ws.accounts().await.is_empty());
}

#[tokio::test]
async fn without_a_keyring_sign_in_works_but_is_not_remembered() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let ws = Workspace::open_with(&paths, None, Some("no keyring here".into()))
        .await
        .unwrap();
    assert!(!ws.tokens_persisted());
    assert_eq!(ws.storage_problem().as_deref(), Some("no keyring here"));
    let info = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &sim.tenant_id().to_string(),
            &sim.demo_admin.client_id.to_string(),
            admin_secret(&sim).await,
        )
        .await
        .unwrap();
    assert_eq!(ws.inventory().await.clusters.len(), 12);
    drop(ws);
    let ws = Workspace::open_with(&paths, None, None).await.unwrap();
    let err = ws.session(&info.id).await.err().unwrap();
    assert_eq!(err.code, "sign_in_required");
    let inventory = ws.inventory().await;
    assert!(
        inventory.clusters.is_empty() && inventory.warnings.len() == 1,
        "{:?}",
        inventory.warnings
    );
}

#[tokio::test]
async fn a_device_code_sign_in_shows_what_the_user_may_read() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ws = Workspace::open_with(&AppPaths::at(home.path()), Some(SecureStore::in_memory()), None)
        .await
        .unwrap();
    let (req, flow) = ws
        .start_device_code(simulator_cloud(&sim), Some(sim.tenant_id().to_string()))
        .await
        .unwrap();
    let prompt = flow.prompt();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let approve = http
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", prompt.user_code.as_str()),
            ("username", "reader@contoso-demo.onmicrosoft.com"),
            ("password", "demo"),
            ("action", "approve"),
        ])
        .send();
    let cancel = tokio_util::sync::CancellationToken::new();
    let (approved, info) = tokio::join!(approve, ws.finish_device_code(req, flow, &cancel));
    assert!(approved.unwrap().status().is_success());
    let info = info.unwrap();
    assert_eq!(info.username, "reader@contoso-demo.onmicrosoft.com");
    assert_eq!(info.method, SignInMethod::DeviceCode);
    let subs = ws.subscriptions(&info.id).await.unwrap();
    assert_eq!(
        subs.iter().map(|s| s.display_name.as_str()).collect::<Vec<_>>(),
        ["Contoso Staging"]
    );
    assert_eq!(ws.inventory().await.clusters.len(), 3);
}
