//! The inventory, read over real HTTPS from the simulator's demo tenant.

use rekey_core::auth::{AuthError, ClientSecretCredential, Credential};
use rekey_core::azure::AzureError;
use rekey_core::azure::CallError;
use rekey_core::cloud::Cloud;
use rekey_core::inventory::{self, AadIntegration, IdentityKind};
use rekey_core::session::{Session, SessionMode};
use rekey_core::transport::{HttpClient, Trust};
use secrecy::SecretString;
use url::Url;

async fn cloud_of(sim: &rekey_sim::RunningSim, http: &HttpClient) -> Cloud {
    let metadata = Url::parse(&format!(
        "{}metadata/endpoints?api-version=2022-09-01",
        sim.base_url
    ))
    .unwrap();
    Cloud::from_metadata(http, &metadata).await.unwrap()
}

fn session_with_secret(
    sim: &rekey_sim::RunningSim,
    http: HttpClient,
    cloud: Cloud,
    client_id: &str,
    secret: &str,
) -> Session {
    let credential = ClientSecretCredential::new(
        http.clone(),
        &cloud.login_endpoint,
        &sim.tenant_id().to_string(),
        client_id,
        SecretString::from(secret.to_string()),
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

#[tokio::test]
async fn demo_tenant_lists_every_cluster_classified() {
    let demo = rekey_demo::start().await.unwrap();
    assert_eq!(demo.session.info.tenant_label, "Contoso (simulated)");
    assert!(demo.session.info.simulated);

    let found = inventory::list_clusters(&demo.session.arm).await.unwrap();
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    assert_eq!(found.clusters.len(), 12);
    let subscriptions: std::collections::BTreeSet<_> = found
        .clusters
        .iter()
        .map(|c| c.subscription_name.as_str())
        .collect();
    assert_eq!(subscriptions.len(), 3);

    let by_name = |n: &str| found.clusters.iter().find(|c| c.name == n).unwrap();
    let msi = by_name("aks-web-msi");
    assert_eq!(msi.identity_kind, IdentityKind::ManagedIdentity);
    assert_eq!(msi.aad_integration, AadIntegration::Managed);
    assert_eq!(msi.sp_client_id, None);
    let legacy = by_name("aks-portal-legacy");
    assert_eq!(legacy.identity_kind, IdentityKind::ServicePrincipal);
    assert_eq!(legacy.aad_integration, AadIntegration::Legacy);
    assert_eq!(legacy.resource_group, "rg-portal");
    assert_eq!(by_name("aks-stg-batch").power_state.as_deref(), Some("Stopped"));
    assert_eq!(by_name("aks-ci-runners").provisioning_state, "Failed");
    // Two clusters share one service principal.
    assert_eq!(
        by_name("aks-prod-weu").sp_client_id,
        by_name("aks-prod-weu-2").sp_client_id
    );
    assert_eq!(
        found
            .clusters
            .iter()
            .filter(|c| c.identity_kind == IdentityKind::ManagedIdentity)
            .count(),
        3
    );
}

#[tokio::test]
async fn follows_next_links_across_small_pages() {
    let config = rekey_sim::SimConfig {
        behaviour: rekey_sim::Behaviour {
            arm_page_size: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let sim = rekey_sim::start_demo(config).await.unwrap();
    let session = rekey_demo::connect(&sim).await.unwrap();
    assert_eq!(session.arm.list_subscriptions().await.unwrap().len(), 3);
    let found = inventory::list_clusters(&session.arm).await.unwrap();
    assert_eq!(found.clusters.len(), 12);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_aadsts7000215() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let http = HttpClient::new(&Trust::Only {
        ca_pem: sim.ca_pem.clone(),
    })
    .unwrap();
    let cloud = cloud_of(&sim, &http).await;
    let session = session_with_secret(
        &sim,
        http,
        cloud,
        &sim.demo_admin.client_id.to_string(),
        "not-the-secret",
    );
    match session.arm.list_subscriptions().await {
        Err(CallError::Auth(e @ AuthError::InvalidClient { aadsts: 7000215, .. })) => {
            assert_eq!(e.code(), "AADSTS7000215");
            assert!(e.to_string().contains("Invalid client secret"), "{e}");
        }
        other => panic!("expected AADSTS7000215, got {:?}", other.map(|s| s.len())),
    }
}

#[tokio::test]
async fn an_unknown_application_is_refused_with_aadsts700016() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let http = HttpClient::new(&Trust::Only {
        ca_pem: sim.ca_pem.clone(),
    })
    .unwrap();
    let cloud = cloud_of(&sim, &http).await;
    let session = session_with_secret(&sim, http, cloud, "00000000-0000-0000-0000-00000000beef", "x");
    let err = session.arm.list_subscriptions().await.unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Auth(AuthError::UnknownApplication { aadsts: 700016, .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn another_ca_is_not_trusted() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let other = rekey_sim::start_demo(Default::default()).await.unwrap();
    let http = HttpClient::new(&Trust::Only {
        ca_pem: other.ca_pem.clone(),
    })
    .unwrap();
    let metadata = Url::parse(&format!(
        "{}metadata/endpoints?api-version=2022-09-01",
        sim.base_url
    ))
    .unwrap();
    let err = Cloud::from_metadata(&http, &metadata).await.unwrap_err();
    assert!(matches!(err, AzureError::Tls { .. }), "{err}");
}

#[tokio::test]
async fn a_bad_ca_file_is_a_clear_error() {
    let err = HttpClient::new(&Trust::Only {
        ca_pem: "not a certificate".into(),
    })
    .err()
    .unwrap();
    assert!(matches!(err, AzureError::BadCaCertificate(_)), "{err}");
}

#[tokio::test]
async fn an_unreachable_cloud_is_a_network_error() {
    // Bind and drop a listener to get a loopback port nobody serves.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = HttpClient::new(&Trust::System).unwrap();
    let url = Url::parse(&format!(
        "https://127.0.0.1:{port}/metadata/endpoints?api-version=2022-09-01"
    ))
    .unwrap();
    let err = Cloud::from_metadata(&http, &url).await.unwrap_err();
    assert!(matches!(err, AzureError::Network { .. }), "{err}");
    assert_eq!(err.code(), "network");
}
