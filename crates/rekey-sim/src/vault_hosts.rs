//! A host per Key Vault: each vault gets its own TLS listener on the simulator's address (same CA
//! and certificate), as each real vault has its own host `https://{name}.vault.azure.net/`. A
//! loopback simulator cannot give names, so it gives ports: `vaultUri` is `https://127.0.0.1:{port}/`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tokio::sync::watch;

use crate::context::Sim;

/// What opening a listener needs, kept from the start so that vaults created later (a scenario
/// reload) get theirs too.
struct Opener {
    sim: Weak<Sim>,
    ip: IpAddr,
    acceptor: tokio_rustls::TlsAcceptor,
    stop: watch::Receiver<bool>,
}

#[derive(Default)]
pub struct VaultHosts {
    /// Port by lower-case vault name (vault names are global and case-insensitive in Azure).
    ports: Mutex<HashMap<String, u16>>,
    opener: OnceLock<Opener>,
}

impl VaultHosts {
    /// Called once at start: remembers how to open listeners and opens one per vault of the world.
    pub(crate) fn install(
        &self,
        sim: &Arc<Sim>,
        ip: IpAddr,
        acceptor: tokio_rustls::TlsAcceptor,
        stop: watch::Receiver<bool>,
    ) {
        let _ = self.opener.set(Opener {
            sim: Arc::downgrade(sim),
            ip,
            acceptor,
            stop,
        });
        self.open_missing();
    }

    /// Opens a listener for every vault of the world that has none yet. Must run inside the
    /// simulator's Tokio runtime (start, or a request handler).
    pub fn open_missing(&self) {
        let Some(opener) = self.opener.get() else {
            return;
        };
        let Some(sim) = opener.sim.upgrade() else {
            return;
        };
        let names: Vec<String> = sim.state.world().vaults.iter().map(|v| v.name.clone()).collect();
        let mut ports = self.lock();
        for name in names {
            let key = name.to_ascii_lowercase();
            if ports.contains_key(&key) {
                continue;
            }
            match listen(opener.ip) {
                Ok((listener, port)) => {
                    ports.insert(key, port);
                    tokio::spawn(crate::server::serve(
                        listener,
                        opener.acceptor.clone(),
                        crate::router::vault_router(sim.clone(), name.clone()),
                        opener.stop.clone(),
                    ));
                    tracing::info!(vault = %name, port, "key vault listening");
                }
                Err(e) => tracing::warn!(vault = %name, error = %e, "could not open the vault's listener"),
            }
        }
    }

    pub fn port(&self, vault: &str) -> Option<u16> {
        self.lock().get(&vault.to_ascii_lowercase()).copied()
    }

    /// `https://{ip}:{port}/`, the vault's `vaultUri`; `None` for a vault without a listener.
    pub fn uri(&self, vault: &str) -> Option<String> {
        let ip = self.opener.get()?.ip;
        let port = self.port(vault)?;
        Some(format!("https://{}/", SocketAddr::new(ip, port)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u16>> {
        self.ports.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A loopback listener on a free port; bound synchronously so that handlers (which are not async)
/// can open one.
fn listen(ip: IpAddr) -> std::io::Result<(tokio::net::TcpListener, u16)> {
    let std_listener = std::net::TcpListener::bind(SocketAddr::new(ip, 0))?;
    std_listener.set_nonblocking(true)?;
    let port = std_listener.local_addr()?.port();
    Ok((tokio::net::TcpListener::from_std(std_listener)?, port))
}
