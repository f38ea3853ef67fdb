//! A host per Key Vault: each vault gets its own TLS listener on the simulator's address (same CA
//! and certificate), as each real vault has its own host `https://{name}.vault.azure.net/`. A
//! loopback simulator cannot give names, so it gives ports: `vaultUri` is `https://127.0.0.1:{port}/`.
//! What serves a listener is given at start (`server.rs`), so this registry depends on nothing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};

/// Serves one vault (by name) on a listener already bound.
pub type Serve = Box<dyn Fn(String, tokio::net::TcpListener) + Send + Sync>;

#[derive(Default)]
pub struct VaultHosts {
    /// Port by lower-case vault name (vault names are global and case-insensitive in Azure).
    ports: Mutex<HashMap<String, u16>>,
    opener: OnceLock<(IpAddr, Serve)>,
}

impl VaultHosts {
    /// Called once at start: the address to listen on and what serves each listener.
    pub fn install(&self, ip: IpAddr, serve: Serve) {
        let _ = self.opener.set((ip, serve));
    }

    /// Opens a listener for each of `vaults` that has none yet. Must run inside the simulator's
    /// Tokio runtime (start, or a request handler), and without the world lock held.
    pub fn open<'a>(&self, vaults: impl IntoIterator<Item = &'a str>) {
        let Some((ip, serve)) = self.opener.get() else {
            return;
        };
        let mut ports = self.lock();
        for name in vaults {
            let key = name.to_ascii_lowercase();
            if ports.contains_key(&key) {
                continue;
            }
            match listen(*ip) {
                Ok((listener, port)) => {
                    ports.insert(key, port);
                    serve(name.to_string(), listener);
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
        let (ip, _) = self.opener.get()?;
        let port = self.port(vault)?;
        Some(format!("https://{}/", SocketAddr::new(*ip, port)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u16>> {
        self.ports.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A listener on a free port; bound synchronously so that handlers (which are not async) can
/// open one.
fn listen(ip: IpAddr) -> std::io::Result<(tokio::net::TcpListener, u16)> {
    let std_listener = std::net::TcpListener::bind(SocketAddr::new(ip, 0))?;
    std_listener.set_nonblocking(true)?;
    let port = std_listener.local_addr()?.port();
    Ok((tokio::net::TcpListener::from_std(std_listener)?, port))
}
