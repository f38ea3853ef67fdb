//! Starting and stopping the simulator: TLS on a loopback port, one task per connection.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

use crate::context::Sim;
use crate::scenario::{self, DemoAdmin, ScenarioError, ScenarioSource};
use crate::signing::{Signer, SigningError};
use crate::state::{Behaviour, SimState};
use crate::tls::{self, TlsError};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Signing(#[from] SigningError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("could not write the CA certificate to {path}: {source}")]
    WriteCa { path: PathBuf, source: std::io::Error },
}

/// How to start the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Loopback address; port 0 picks a free one.
    pub bind: SocketAddr,
    pub behaviour: Behaviour,
    pub scenario: ScenarioSource,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            behaviour: Behaviour::default(),
            scenario: ScenarioSource::Demo,
        }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct RunningSim {
    pub base_url: Url,
    /// PEM of the simulator's CA: the only certificate a client needs to trust.
    pub ca_pem: String,
    /// The CA written to a file, for clients that take a path.
    pub ca_pem_path: PathBuf,
    /// The principal demo mode signs in as.
    pub demo_admin: DemoAdmin,
    sim: Arc<Sim>,
    _ca_dir: tempfile::TempDir,
    shutdown: watch::Sender<bool>,
}

impl RunningSim {
    /// The simulator's state, for tests and the control API.
    pub fn sim(&self) -> &Arc<Sim> {
        &self.sim
    }

    /// Bearer token for the `/_sim` control API.
    pub fn admin_token(&self) -> &str {
        &self.sim.admin_token
    }

    pub fn tenant_id(&self) -> uuid::Uuid {
        self.demo_admin.tenant_id
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Starts the simulator on `config.scenario` (the built-in demo tenant by default).
pub async fn start_demo(config: SimConfig) -> Result<RunningSim, StartError> {
    start(config).await
}

pub async fn start(config: SimConfig) -> Result<RunningSim, StartError> {
    let now = chrono::Utc::now();
    let (secret, admin_seed) = scenario::new_admin(now);
    let scenario_file = config.scenario.file();
    let mut world = scenario_file.build(now)?;
    let subscriptions: Vec<uuid::Uuid> = scenario_file.unrestricted_subscriptions().collect();
    let (tenant_id, client_id) = scenario::install_admin(&mut world, &admin_seed, &subscriptions);
    let demo_admin = DemoAdmin {
        tenant_id,
        client_id,
        client_secret: secret,
    };
    let tls = tls::generate()?;
    // RSA key generation is CPU work: keep it off the async workers.
    let signer = tokio::task::spawn_blocking(Signer::generate)
        .await
        .map_err(|e| SigningError::KeyGeneration(e.to_string()))??;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.bind,
        source,
    })?;
    let base_url = Url::parse(&format!("https://{addr}/")).map_err(|e| StartError::Bind {
        addr,
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e),
    })?;

    let ca_dir = tempfile::Builder::new()
        .prefix("rekey-sim-")
        .tempdir()
        .map_err(|source| StartError::WriteCa {
            path: std::env::temp_dir(),
            source,
        })?;
    let ca_pem_path = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_pem_path, &tls.ca_pem).map_err(|source| StartError::WriteCa {
        path: ca_pem_path.clone(),
        source,
    })?;

    let admin_token = crate::secrets::generate();
    let sim = Arc::new(Sim {
        state: SimState::new(world, config.behaviour),
        signer,
        base_url: base_url.clone(),
        admin_token: secrecy::ExposeSecret::expose_secret(&admin_token).to_string(),
        admin_seed,
        faults: Default::default(),
        throttle: Default::default(),
        requests: Default::default(),
        vault_hosts: Default::default(),
    });
    let (shutdown, stop) = watch::channel(false);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config);
    // Every Key Vault gets its own listener (its own host), on the same address and certificate.
    let (weak, vault_acceptor, vault_stop) = (Arc::downgrade(&sim), acceptor.clone(), stop.clone());
    sim.vault_hosts.install(
        addr.ip(),
        Box::new(move |vault, listener| {
            if let Some(sim) = weak.upgrade() {
                let app = crate::router::vault_router(sim, vault);
                tokio::spawn(serve(listener, vault_acceptor.clone(), app, vault_stop.clone()));
            }
        }),
    );
    sim.open_vault_hosts();
    tokio::spawn(serve(
        listener,
        acceptor,
        crate::router::router(sim.clone()),
        stop,
    ));
    tracing::info!(%base_url, "simulator listening");
    Ok(RunningSim {
        base_url,
        ca_pem: tls.ca_pem,
        ca_pem_path,
        demo_admin,
        sim,
        _ca_dir: ca_dir,
        shutdown,
    })
}

/// Accepts TLS connections on `listener` and serves `app` until `stop`.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let Ok((tcp, _peer)) = accepted else { continue };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            // A client that never finishes the handshake must not hold a task forever.
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}
