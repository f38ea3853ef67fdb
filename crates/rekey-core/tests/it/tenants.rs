//! People who belong to several tenants: a guest's other tenants are listed and scanned with a
//! token of each tenant (the same refresh token, redeemed at that tenant's endpoint) — against the
//! simulator's demo, where `admin@contoso-demo` is an Owner guest on "Fabrikam Shared".

use rekey_core::accounts::AccountInfo;
use rekey_core::cloud::CloudSetting;
use rekey_core::inventory::model::ExpiryBucket;
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

async fn workspace(home: &tempfile::TempDir) -> Workspace {
    Workspace::open_with(&AppPaths::at(home.path()), Some(SecureStore::in_memory()), None)
        .await
        .unwrap()
}

/// A device-code sign-in as `username` (password `demo`), approved on the simulator's page.
async fn device_code_sign_in(ws: &Workspace, sim: &rekey_sim::RunningSim, username: &str) -> AccountInfo {
    let (req, flow) = ws
        .start_device_code(simulator_cloud(sim), Some(sim.tenant_id().to_string()))
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let approve = http
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", flow.prompt().user_code.as_str()),
            ("username", username),
            ("password", "demo"),
            ("action", "approve"),
        ])
        .send();
    let cancel = tokio_util::sync::CancellationToken::new();
    let (approved, info) = tokio::join!(approve, ws.finish_device_code(req, flow, &cancel));
    assert!(approved.unwrap().status().is_success());
    info.unwrap()
}

fn names(subs: &[rekey_core::workspace::SubscriptionInfo]) -> Vec<&str> {
    let mut names: Vec<&str> = subs.iter().map(|s| s.display_name.as_str()).collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn a_guest_sees_and_scans_every_tenant_with_that_tenants_token() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ws = workspace(&home).await;
    let info = device_code_sign_in(&ws, &sim, "admin@contoso-demo.onmicrosoft.com").await;

    let tenants = ws.tenants(&info.id).await.unwrap();
    let mut tenant_names: Vec<_> = tenants.iter().filter_map(|t| t.display_name.as_deref()).collect();
    tenant_names.sort_unstable();
    assert_eq!(tenant_names, ["Contoso (simulated)", "Fabrikam (simulated)"]);

    let subs = ws.subscriptions(&info.id).await.unwrap();
    assert_eq!(
        names(&subs),
        [
            "Contoso Platform",
            "Contoso Production",
            "Contoso Staging",
            "Fabrikam Shared"
        ]
    );
    let fabrikam = tenants
        .iter()
        .find(|t| t.display_name.as_deref() == Some("Fabrikam (simulated)"))
        .unwrap();
    let shared = subs.iter().find(|s| s.display_name == "Fabrikam Shared").unwrap();
    assert_eq!(shared.tenant_id.as_deref(), Some(fabrikam.tenant_id.as_str()));

    let inventory = ws.inventory().await;
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    assert_eq!(inventory.clusters.len(), 13);
    assert_eq!(inventory.stats.subscriptions, 4);
    let guest = inventory
        .clusters
        .iter()
        .find(|c| c.name == "aks-fabrikam-shared")
        .expect("the guest tenant's cluster is listed");
    // Rated: its service principal was read in Fabrikam's own directory.
    assert_ne!(guest.expiry.bucket, ExpiryBucket::Unknown, "{guest:?}");

    // The guest tenant's token came from Fabrikam's token endpoint.
    let log = sim.sim().requests.recent(5000);
    assert!(
        log.iter().any(|r| r.method == "POST"
            && r.path
                .eq_ignore_ascii_case(&format!("/{}/oauth2/v2.0/token", fabrikam.tenant_id))),
        "no token request at Fabrikam's endpoint"
    );
}

#[tokio::test]
async fn a_person_with_one_tenant_and_a_service_principal_see_what_they_did() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let ws = workspace(&home).await;
    let reader = device_code_sign_in(&ws, &sim, "reader@contoso-demo.onmicrosoft.com").await;
    assert_eq!(ws.tenants(&reader.id).await.unwrap().len(), 1);
    assert_eq!(
        names(&ws.subscriptions(&reader.id).await.unwrap()),
        ["Contoso Staging"]
    );
    assert_eq!(ws.inventory().await.clusters.len(), 3);

    let other = tempfile::tempdir().unwrap();
    let ws = workspace(&other).await;
    let secret = SecretString::from(sim.demo_admin.client_secret.expose_secret().to_string());
    let admin = ws
        .sign_in_service_principal(
            simulator_cloud(&sim),
            &sim.tenant_id().to_string(),
            &sim.demo_admin.client_id.to_string(),
            ServicePrincipalSecret::Value(secret),
        )
        .await
        .unwrap();
    assert_eq!(
        names(&ws.subscriptions(&admin.id).await.unwrap()),
        ["Contoso Platform", "Contoso Production", "Contoso Staging"]
    );
    assert_eq!(ws.inventory().await.clusters.len(), 12);
}
