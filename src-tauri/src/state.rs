//! What the app holds: core's estate (demo mode or the signed-in accounts), the sign-in and refresh
//! in progress (so they can be cancelled), files chosen in Rust's dialogs, the last inventory.

use rekey_core::error::IpcError;
use rekey_core::estate::{DemoFiles, DemoSource, Estate, Refreshed};
use rekey_core::inventory::refresh::RefreshOptions;
use rekey_core::inventory::{ClusterRow, Inventory};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::{Mode, Options};
use rekey_core::settings::InForce;
use rekey_core::workspace::Workspace;
use std::path::PathBuf;

use rekey_core::cloud::{Cloud, CloudSetting};
use rekey_core::workspace::CloudApproval;
use tauri::{AppHandle, Manager};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// A file chosen in a native dialog, by what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chosen {
    SecretFile,
    CaFile,
}

#[derive(Default)]
pub struct AppState {
    /// Demo mode or the signed-in accounts: core's one owner of that question.
    estate: std::sync::OnceLock<Result<Estate, IpcError>>,
    sign_in: Mutex<Option<CancellationToken>>,
    /// Files the admin chose in Rust's own dialogs (the window only learns their names).
    chosen: Mutex<std::collections::HashMap<Chosen, PathBuf>>,
    /// The app, for the native dialogs that core asks through the workspace (set at start).
    app: std::sync::OnceLock<AppHandle>,
    refresh: Mutex<Option<CancellationToken>>,
    last_inventory: Mutex<Option<Inventory>>,
    /// The settings in force, given to the estate (the alerts hold the same copy).
    settings: InForce,
}

impl AppState {
    /// The app's state around `settings`, the copy in force that the alerts read too.
    pub fn new(settings: InForce) -> AppState {
        AppState {
            settings,
            ..AppState::default()
        }
    }

    /// The estate: the built-in simulator while no account is signed in (its rotations' files in
    /// `<data>/demo`, kept until the app quits), else the signed-in accounts. A first sign-in to a
    /// custom cloud asks the admin in a native dialog that shows its hosts.
    /// A full refresh of the estate (every signed-in account, or the demo tenant): the window's
    /// refresh and the background one both come here.
    pub async fn refresh_all(&self, options: RefreshOptions) -> Result<Refreshed, IpcError> {
        self.estate()?.refresh(options, |_| true).await
    }

    /// Who the audit log names: the account of `tenant` (else the first one), or the OS user in
    /// demo mode.
    pub async fn actor(&self, tenant: Option<&str>) -> Result<String, IpcError> {
        Ok(self.estate()?.actor_for(tenant).await)
    }

    /// The rotation options of the settings in force, for `mode`, naming the account of `tenant`.
    pub async fn rotation_options(&self, mode: Mode, tenant: Option<&str>) -> Result<Options, IpcError> {
        let actor = self.actor(tenant).await?;
        Ok(Options::from_settings(&self.settings.get(), mode, actor))
    }

    pub fn estate(&self) -> Result<&Estate, IpcError> {
        self.estate
            .get_or_init(|| {
                let paths = AppPaths::resolve().map_err(|e| IpcError::new("no_home", e.to_string()))?;
                let estate = Estate::new(paths, DemoSource::Start(rekey_demo::starter()), DemoFiles::Kept)
                    .with_settings(self.settings.clone());
                Ok(match self.app.get() {
                    Some(app) => estate.with_cloud_approval(cloud_approval(app.clone())),
                    None => estate,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The accounts and their tokens, from the app data folder and the OS keyring.
    pub async fn workspace(&self) -> Result<&Workspace, IpcError> {
        self.estate()?.workspace().await
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
        if let Some(simulator) = self.estate()?.demo_cloud().await {
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

    /// The clusters of the last inventory: the only ones a plan may name.
    pub async fn known_clusters(&self) -> Vec<ClusterRow> {
        self.last_inventory
            .lock()
            .await
            .as_ref()
            .map(|i| i.clusters.clone())
            .unwrap_or_default()
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
            if let Ok(estate) = state.estate() {
                if estate.is_simulator(&cloud).await {
                    return true;
                }
            }
            // Host and port: one host can serve several clouds on different ports.
            let host = |u: &url::Url| match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => String::new(),
            };
            let warning = if cloud.login_outside_arm_domain() {
                "\n\nThe sign-in host is outside the ARM host's domain. Go on only if you know this \
                 cloud signs in there: your sign-in and secrets will be sent to it."
            } else {
                ""
            };
            // The hosts are what matters; the cloud's name is its own claim, shown bounded and last.
            let name: String = cloud.name.chars().filter(|c| !c.is_control()).take(60).collect();
            let message = format!(
                "Sign-in (credentials go here): {}\nAzure Resource Manager: {}\nMicrosoft Graph: {}\n\nThe \
                 cloud calls itself \"{name}\".{warning}",
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
