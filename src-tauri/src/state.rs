//! What the app holds: the built-in simulator (demo mode and the "simulator" cloud), the signed-in
//! workspace, and the sign-in in progress (so it can be cancelled).

use rekey_core::demo::Demo;
use rekey_core::error::IpcError;
use rekey_core::inventory::Inventory;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::session::Session;
use rekey_core::vault::Vault;
use rekey_core::workspace::Workspace;
use std::path::PathBuf;

use rekey_core::cloud::{Cloud, CloudSetting};
use rekey_core::workspace::CloudApproval;
use tauri::{AppHandle, Manager};
use tokio::sync::{Mutex, OnceCell};
use tokio_util::sync::CancellationToken;

/// A file chosen in a native dialog, by what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chosen {
    SecretFile,
    CaFile,
}

#[derive(Default)]
pub struct AppState {
    demo: OnceCell<Result<Demo, IpcError>>,
    workspace: OnceCell<Result<Workspace, IpcError>>,
    /// Opened once it works; until then every use tries again (the user may start a keyring).
    vault: OnceCell<Vault>,
    /// Demo-mode rotations' own folder (journals, locks, vault index, audit log), emptied of the
    /// last run's journals and vault entries once per app start: the simulated world starts afresh.
    demo_rotations: OnceCell<AppPaths>,
    /// The vault of demo-mode rotations: the OS keyring, indexed in the demo folder.
    demo_vault: OnceCell<Vault>,
    paths: std::sync::OnceLock<Result<AppPaths, IpcError>>,
    sign_in: Mutex<Option<CancellationToken>>,
    /// Files the admin chose in Rust's own dialogs (the window only learns their names).
    chosen: Mutex<std::collections::HashMap<Chosen, PathBuf>>,
    /// The app, for the native dialogs that core asks through the workspace (set at start).
    app: std::sync::OnceLock<AppHandle>,
    refresh: Mutex<Option<CancellationToken>>,
    last_inventory: Mutex<Option<Inventory>>,
}

impl AppState {
    /// The demo: the simulator started in-process, and a session signed in to it. A failed start is
    /// remembered and shown, not retried in a loop; restarting the app tries again.
    pub async fn demo(&self) -> Result<&Demo, IpcError> {
        let demo = self
            .demo
            .get_or_init(|| async {
                rekey_core::demo::start().await.map_err(|e| {
                    tracing::error!("demo mode failed to start: {e}");
                    IpcError::from(&e)
                })
            })
            .await;
        demo.as_ref().map_err(Clone::clone)
    }

    pub async fn demo_session(&self) -> Result<&Session, IpcError> {
        Ok(&self.demo().await?.session)
    }

    /// Where Rekey keeps its files (`REKEY_HOME` or the OS's app folders).
    pub fn paths(&self) -> Result<&AppPaths, IpcError> {
        self.paths
            .get_or_init(|| AppPaths::resolve().map_err(|e| IpcError::new("no_home", e.to_string())))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The accounts and their tokens, from the app data folder and the OS keyring. A first sign-in
    /// to a custom cloud asks the admin in a native dialog that shows its hosts.
    pub async fn workspace(&self) -> Result<&Workspace, IpcError> {
        let paths = self.paths()?;
        let workspace = self
            .workspace
            .get_or_init(|| async {
                let workspace = Workspace::open(paths).await?;
                Ok(match self.app.get() {
                    Some(app) => workspace.with_cloud_approval(cloud_approval(app.clone())),
                    None => workspace,
                })
            })
            .await;
        workspace.as_ref().map_err(Clone::clone)
    }

    /// Called once at start: the app the native dialogs belong to.
    pub fn set_app(&self, app: AppHandle) {
        let _ = self.app.set(app);
    }

    /// Remembers a file chosen in a native dialog; the window gets its name only.
    pub async fn choose(&self, what: Chosen, path: Option<PathBuf>) -> Option<String> {
        let path = path?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.chosen.lock().await.insert(what, path);
        Some(name)
    }

    pub async fn chosen(&self, what: Chosen) -> Option<PathBuf> {
        self.chosen.lock().await.get(&what).cloned()
    }

    /// A cloud as the window named it, with every file in it chosen by Rust: the built-in simulator
    /// with its own CA, a custom cloud with the CA file chosen in Rust's dialog (or none). A path the
    /// window sends is never used.
    pub async fn cloud_from_window(&self, cloud: CloudSetting) -> Result<CloudSetting, IpcError> {
        let CloudSetting::Custom { metadata_url, .. } = cloud else {
            return Ok(cloud);
        };
        if let Ok(demo) = self.demo().await {
            let simulator = demo.cloud_setting();
            if matches!(&simulator, CloudSetting::Custom { metadata_url: m, .. } if *m == metadata_url) {
                return Ok(simulator);
            }
        }
        let ca_file = self.chosen(Chosen::CaFile).await.map(|p| p.display().to_string());
        Ok(CloudSetting::Custom {
            metadata_url,
            ca_file,
        })
    }

    /// The vault on the OS keyring, opened at the first use that finds the keyring working. The
    /// error says what to do on this OS (e.g. start a Secret Service).
    pub async fn vault(&self) -> Result<&Vault, IpcError> {
        let paths = self.paths()?;
        self.vault
            .get_or_try_init(|| async {
                Vault::open(paths).await.map_err(|e| {
                    tracing::warn!("the vault is unavailable: {e}");
                    IpcError::from(&e)
                })
            })
            .await
    }

    /// Where demo-mode rotations keep their files (`<data>/demo`). The first call of each app start
    /// clears what the last demo left there (its journals and vault entries name credentials of a
    /// simulated world that no longer exists).
    pub async fn demo_rotation_paths(&self) -> Result<&AppPaths, IpcError> {
        let paths = self.paths()?;
        Ok(self
            .demo_rotations
            .get_or_init(|| async {
                let demo = rekey_core::rotation::service::demo_paths(paths);
                let rotations = demo.data_dir.join("rotations");
                match tokio::fs::remove_dir_all(&rotations).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!("could not clear {}: {e}", rotations.display()),
                }
                // The last demo's secrets: listed now (the index is a file), discarded from the keyring
                // in the background, so that a slow or locked keyring never holds up the dashboard.
                // Secrets stored after this point are not among them.
                let index = Vault::with_store(SecureStore::in_memory(), &demo);
                let stale = index.entries().await.unwrap_or_default();
                if !stale.is_empty() {
                    let demo = demo.clone();
                    tauri::async_runtime::spawn(async move {
                        let vault = match SecureStore::platform().await {
                            Ok(store) => Vault::with_store(store, &demo),
                            Err(e) => {
                                tracing::warn!("the last demo's secrets stay in the keyring: {e}");
                                return;
                            }
                        };
                        for entry in stale {
                            if let Err(e) = vault.discard(&entry).await {
                                tracing::warn!("could not discard the demo secret {}: {e}", entry.key_id);
                            }
                        }
                    });
                }
                demo
            })
            .await)
    }

    /// The vault demo-mode rotations store their secrets in: the OS keyring, indexed under
    /// [`AppState::demo_rotation_paths`]. Opened at the first use that finds the keyring working.
    pub async fn demo_vault(&self) -> Result<&Vault, IpcError> {
        let paths = self.demo_rotation_paths().await?;
        self.demo_vault
            .get_or_try_init(|| async {
                let store = rekey_core::secure_store::SecureStore::platform()
                    .await
                    .map_err(|e| {
                        tracing::warn!("the vault is unavailable: {e}");
                        IpcError::from(&e)
                    })?;
                Ok(Vault::with_store(store, paths))
            })
            .await
    }

    /// A cancellation token for a new refresh; it cancels a refresh still running.
    pub async fn begin_refresh(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(previous) = self.refresh.lock().await.replace(token.clone()) {
            previous.cancel();
        }
        token
    }

    pub async fn cancel_refresh(&self) {
        if let Some(token) = self.refresh.lock().await.take() {
            token.cancel();
        }
    }

    /// The inventory the dashboard shows, for export.
    pub async fn set_last_inventory(&self, inventory: Inventory) {
        *self.last_inventory.lock().await = Some(inventory);
    }

    pub async fn last_inventory(&self) -> Option<Inventory> {
        self.last_inventory.lock().await.clone()
    }

    /// A cancellation token for a new sign-in; it cancels any sign-in still waiting.
    pub async fn begin_sign_in(&self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(previous) = self.sign_in.lock().await.replace(token.clone()) {
            previous.cancel();
        }
        token
    }

    pub async fn cancel_sign_in(&self) {
        if let Some(token) = self.sign_in.lock().await.take() {
            token.cancel();
        }
    }
}

/// The native confirmation of a custom cloud's hosts, before a first sign-in sends anything there.
/// The built-in simulator is Rust's own and is not asked about.
fn cloud_approval(app: AppHandle) -> CloudApproval {
    std::sync::Arc::new(move |cloud: Cloud| {
        let app = app.clone();
        Box::pin(async move {
            let state = app.state::<AppState>();
            if let Ok(demo) = state.demo().await {
                if cloud.arm_endpoint.as_str() == demo.simulator.base_url.as_str() {
                    return true;
                }
            }
            let host = |u: &url::Url| u.host_str().unwrap_or_default().to_string();
            let warning = if cloud.login_outside_arm_domain() {
                "\n\nThe sign-in host is outside the ARM host's domain. Go on only if you know this \
                 cloud signs in there: your sign-in and secrets will be sent to it."
            } else {
                ""
            };
            let message = format!(
                "Sign in to the custom cloud \"{}\"?\n\nSign-in (credentials go here): {}\nAzure Resource \
                 Manager: {}\nMicrosoft Graph: {}{warning}",
                cloud.name,
                host(&cloud.login_endpoint),
                host(&cloud.arm_endpoint),
                host(&cloud.graph_endpoint),
            );
            crate::dialogs::confirm(&app, "Sign in to a custom cloud?", &message, "Sign in")
                .await
                .is_ok()
        })
    })
}
