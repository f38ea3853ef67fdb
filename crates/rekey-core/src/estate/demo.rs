//! Demo mode as core sees it: a session on the built-in simulator, given as plain data. Starting the
//! simulator is the `rekey-demo` crate's job (core does not depend on the simulator); core only signs
//! in to it through the same HTTPS, metadata and token paths a real cloud uses.

use std::any::Any;
use std::sync::Arc;

use secrecy::SecretString;
use url::Url;

use crate::auth::{ClientSecretCredential, Credential};
use crate::cloud::{Cloud, CloudSetting};
use crate::error::IpcError;
use crate::session::{Session, SessionMode};
use crate::transport::{HttpClient, Trust};

/// Where the simulator listens and how its demo administrator signs in.
pub struct DemoTarget {
    /// `https://127.0.0.1:PORT/`.
    pub base_url: Url,
    /// The simulator's own CA (PEM): the only root its session trusts.
    pub ca_pem: String,
    /// The CA written to a file, for people signing in to the simulator as a custom cloud.
    pub ca_pem_path: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// The running demo: the simulator (kept alive by `keep_alive`) and a session signed in to it.
pub struct DemoWorld {
    /// Shared, so that a rotation can hold it while the app goes on using it.
    pub session: Arc<Session>,
    pub tenant_id: String,
    /// The simulator as a custom cloud, so that a person can sign in to it like to Azure.
    pub cloud: CloudSetting,
    /// The simulator's ARM endpoint (its own, so no one is asked to confirm it).
    pub arm_endpoint: Url,
    pub keep_alive: Box<dyn Any + Send + Sync>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the built-in simulator could not start: {0}")]
    Start(String),
    #[error("could not connect to the built-in simulator: {0}")]
    Connect(String),
}

impl From<&DemoError> for IpcError {
    fn from(e: &DemoError) -> Self {
        IpcError::new("demo_unavailable", e.to_string())
    }
}

/// The metadata URL of the simulator at `base_url`.
fn metadata_url(base_url: &Url) -> String {
    format!("{base_url}metadata/endpoints?api-version=2022-09-01")
}

/// Signs in to the simulator as its demo administrator and says who that is.
pub async fn connect(
    target: DemoTarget,
    keep_alive: Box<dyn Any + Send + Sync>,
) -> Result<DemoWorld, DemoError> {
    let session = session(&target).await?;
    Ok(DemoWorld {
        session: Arc::new(session),
        tenant_id: target.tenant_id.clone(),
        cloud: CloudSetting::Custom {
            metadata_url: metadata_url(&target.base_url),
            ca_file: Some(target.ca_pem_path.clone()),
        },
        arm_endpoint: target.base_url.clone(),
        keep_alive,
    })
}

/// A session on the simulator at `target`, trusting its CA only, signed in now so that a broken demo
/// shows at start rather than on the first click.
pub async fn session(target: &DemoTarget) -> Result<Session, DemoError> {
    let connect_err = |e: &dyn std::fmt::Display| DemoError::Connect(e.to_string());
    let http = HttpClient::new(&Trust::Only {
        ca_pem: target.ca_pem.clone(),
    })
    .map_err(|e| connect_err(&e))?;
    let metadata = Url::parse(&metadata_url(&target.base_url)).map_err(|e| connect_err(&e))?;
    let cloud = Cloud::from_metadata(&http, &metadata)
        .await
        .map_err(|e| connect_err(&e))?;
    let credential = ClientSecretCredential::new(
        http.clone(),
        &cloud.login_endpoint,
        &target.tenant_id,
        &target.client_id,
        target.client_secret.clone(),
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
    let tenants = session.arm.list_tenants().await.map_err(|e| connect_err(&e))?;
    session.info.tenant_label = tenants
        .into_iter()
        .map(|t| t.display_name.unwrap_or(t.tenant_id))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(session)
}
