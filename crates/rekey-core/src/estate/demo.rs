//! Demo mode: the built-in simulator started in this process, and a session signed in to it
//! through the same HTTPS, metadata and token paths a real cloud uses.

use secrecy::SecretString;
use url::Url;

use crate::auth::{ClientSecretCredential, Credential};
use crate::azure::http::{HttpClient, Trust};
use crate::cloud::Cloud;
use crate::error::IpcError;
use crate::session::{Session, SessionMode};

/// The running simulator and the session on it. Keep it alive as long as the session is used.
pub struct Demo {
    pub simulator: rekey_sim::RunningSim,
    /// Shared, so that a rotation can hold it while the app goes on using it.
    pub session: std::sync::Arc<Session>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the built-in simulator could not start: {0}")]
    Start(#[from] rekey_sim::StartError),
    #[error("could not connect to the built-in simulator: {0}")]
    Connect(String),
}

impl From<&DemoError> for IpcError {
    fn from(e: &DemoError) -> Self {
        IpcError::new("demo_unavailable", e.to_string())
    }
}

impl Demo {
    /// The simulator as a custom cloud, so that a person can sign in to it like to Azure.
    pub fn cloud_setting(&self) -> crate::cloud::CloudSetting {
        crate::cloud::CloudSetting::Custom {
            metadata_url: format!(
                "{}metadata/endpoints?api-version=2022-09-01",
                self.simulator.base_url
            ),
            ca_file: Some(self.simulator.ca_pem_path.display().to_string()),
        }
    }
}

/// Starts the simulator on a free loopback port and signs in as its demo administrator.
/// `REKEY_DEMO_GENERATE=tenants=2,subscriptions=100,clusters=1000,seed=7` makes demo mode show a
/// generated estate instead of the small demo tenant (for demonstrations at scale).
pub const GENERATE_ENV: &str = "REKEY_DEMO_GENERATE";

pub async fn start() -> Result<Demo, DemoError> {
    let scenario = match std::env::var(GENERATE_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(params) => rekey_sim::ScenarioSource::Generate(params.parse().map_err(
            |e: rekey_sim::scenario::ParamsError| DemoError::Connect(format!("{GENERATE_ENV}: {e}")),
        )?),
        None => rekey_sim::ScenarioSource::Demo,
    };
    let config = rekey_sim::SimConfig {
        scenario,
        ..rekey_sim::SimConfig::default()
    };
    let simulator = rekey_sim::start_demo(config).await?;
    let session = std::sync::Arc::new(connect(&simulator).await?);
    Ok(Demo { simulator, session })
}

pub async fn connect(sim: &rekey_sim::RunningSim) -> Result<Session, DemoError> {
    let connect_err = |e: &dyn std::fmt::Display| DemoError::Connect(e.to_string());
    // Trust the simulator's own CA and nothing else.
    let http = HttpClient::new(&Trust::Only {
        ca_pem: sim.ca_pem.clone(),
    })
    .map_err(|e| connect_err(&e))?;
    let metadata = Url::parse(&format!(
        "{}metadata/endpoints?api-version=2022-09-01",
        sim.base_url
    ))
    .map_err(|e| connect_err(&e))?;
    let cloud = Cloud::from_metadata(&http, &metadata)
        .await
        .map_err(|e| connect_err(&e))?;
    let admin = &sim.demo_admin;
    let credential = ClientSecretCredential::new(
        http.clone(),
        &cloud.login_endpoint,
        &admin.tenant_id.to_string(),
        &admin.client_id.to_string(),
        SecretString::from(secrecy::ExposeSecret::expose_secret(&admin.client_secret).to_string()),
    )
    .map_err(|e| connect_err(&e))?;
    let mut session = Session::new(
        SessionMode::Demo,
        String::new(),
        http,
        cloud,
        Credential::ClientSecret(credential),
    );
    session.account_id = "demo".into();
    // Sign in now, so that a broken demo shows at start rather than on the first click.
    let tenants = session.arm.list_tenants().await.map_err(|e| connect_err(&e))?;
    session.info.tenant_label = tenants
        .into_iter()
        .map(|t| t.display_name.unwrap_or(t.tenant_id))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(session)
}
