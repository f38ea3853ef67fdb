//! The estate: what Rekey looks after right now — the signed-in accounts, or, while none is signed
//! in, the demo tenant of the built-in simulator. This is the one place that knows which: the app's
//! commands and the CLI ask it for each tenant's session, this mode's folders and vault, the audit
//! actor, the inventory and the rotator, and nothing else branches on demo versus accounts.

pub mod demo;
mod inventory;
pub mod key_vaults;

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt};
use tokio::sync::OnceCell;

pub use demo::{DemoError, DemoTarget, DemoWorld};
pub use inventory::Refreshed;

use crate::audit::AuditLog;
use crate::cloud::CloudSetting;
use crate::error::IpcError;
use crate::migration::journal::migrations_dir;
use crate::paths::AppPaths;
use crate::rotation::journal::rotations_dir;
use crate::rotation::service::Rotator;
use crate::secure_store::SecureStore;
use crate::session::{Session, SessionMode, TenantSessions};
use crate::settings::InForce;
use crate::vault::{presence, Vault, VaultRow};
use crate::workspace::{CloudApproval, Workspace};

/// Starts the built-in simulator (the `rekey-demo` crate gives one).
pub type DemoStarter = Arc<dyn Fn() -> BoxFuture<'static, Result<DemoWorld, DemoError>> + Send + Sync>;

/// Where demo mode comes from.
pub enum DemoSource {
    /// Started at its first use.
    Start(DemoStarter),
    /// Already running (tests and benchmarks).
    Ready(DemoWorld),
    /// There is none, for this reason.
    Unavailable(String),
}

/// Where demo mode keeps what its rotations write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoFiles {
    /// `<data>/demo` and the OS keyring, emptied of the last run's journals and secrets once per
    /// process: the app shows its demo rotations in History until it quits.
    Kept,
    /// A temporary folder and a memory-only vault, gone with the process: the CLI keeps nothing of
    /// a simulated world.
    Discarded,
}

/// The demo's folder: `<data>/demo`, or a temporary one that lives as long as the estate.
struct DemoFolder {
    paths: AppPaths,
    _temporary: Option<tempfile::TempDir>,
}

pub struct Estate {
    paths: AppPaths,
    starter: Option<DemoStarter>,
    demo: OnceCell<Result<DemoWorld, IpcError>>,
    demo_files: DemoFiles,
    workspace: OnceCell<Result<Workspace, IpcError>>,
    approve_cloud: Option<CloudApproval>,
    /// Opened once it works; until then every use tries again (the user may start a keyring).
    vault: OnceCell<Vault>,
    demo_folder: OnceCell<Result<DemoFolder, IpcError>>,
    demo_vault: OnceCell<Vault>,
    /// The settings in force, the one copy the workspace and the app's alerts read.
    settings: InForce,
}

impl Estate {
    pub fn new(paths: AppPaths, demo: DemoSource, demo_files: DemoFiles) -> Estate {
        let (starter, ready) = match demo {
            DemoSource::Start(starter) => (Some(starter), None),
            DemoSource::Ready(world) => (None, Some(Ok(world))),
            DemoSource::Unavailable(reason) => (None, Some(Err(IpcError::new("demo_unavailable", reason)))),
        };
        Estate {
            settings: InForce::load(&paths),
            paths,
            starter,
            demo: OnceCell::new_with(ready),
            demo_files,
            workspace: OnceCell::new(),
            approve_cloud: None,
            vault: OnceCell::new(),
            demo_folder: OnceCell::new(),
            demo_vault: OnceCell::new(),
        }
    }

    /// A first sign-in to a custom cloud asks `approve` (the app's native dialog) before anything
    /// is sent to its hosts.
    pub fn with_cloud_approval(mut self, approve: CloudApproval) -> Estate {
        self.approve_cloud = Some(approve);
        self
    }

    /// Uses `workspace` (tests pass one with an in-memory keyring) instead of opening the saved one.
    pub fn with_workspace(self, mut workspace: Workspace) -> Estate {
        workspace.share_settings(self.settings.clone());
        let _ = self.workspace.set(Ok(workspace));
        self
    }

    /// Holds `settings` (the app's, which its alerts read too) instead of those loaded at start.
    pub fn with_settings(mut self, settings: InForce) -> Estate {
        if let Some(Ok(workspace)) = self.workspace.get_mut() {
            workspace.share_settings(settings.clone());
        }
        self.settings = settings;
        self
    }

    /// The settings in force. Saving new ones replaces them here, for every reader at once.
    pub fn settings(&self) -> &InForce {
        &self.settings
    }

    /// Where Rekey keeps its files (`REKEY_HOME` or the OS's app folders).
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The accounts and their tokens, from the app data folder and the OS keyring.
    pub async fn workspace(&self) -> Result<&Workspace, IpcError> {
        let workspace = self
            .workspace
            .get_or_init(|| async {
                let mut workspace = Workspace::open(&self.paths).await?;
                workspace.share_settings(self.settings.clone());
                Ok(match &self.approve_cloud {
                    Some(approve) => workspace.with_cloud_approval(approve.clone()),
                    None => workspace,
                })
            })
            .await;
        workspace.as_ref().map_err(Clone::clone)
    }

    /// The demo, started at its first use. A failed start is remembered and shown, not retried in a
    /// loop; a new process tries again.
    pub async fn demo(&self) -> Result<&DemoWorld, IpcError> {
        let demo = self
            .demo
            .get_or_init(|| async {
                let Some(start) = &self.starter else {
                    return Err(IpcError::new(
                        "demo_unavailable",
                        "This Rekey has no built-in simulator.",
                    ));
                };
                start().await.map_err(|e| {
                    tracing::error!("demo mode failed to start: {e}");
                    IpcError::from(&e)
                })
            })
            .await;
        demo.as_ref().map_err(Clone::clone)
    }

    /// The one decision: demo mode while no account is signed in.
    pub async fn mode(&self) -> Result<SessionMode, IpcError> {
        Ok(if self.workspace().await?.accounts().await.is_empty() {
            SessionMode::Demo
        } else {
            SessionMode::Azure
        })
    }

    pub async fn is_demo(&self) -> Result<bool, IpcError> {
        Ok(self.mode().await? == SessionMode::Demo)
    }

    /// The built-in simulator as a cloud to sign in to, when it runs.
    pub async fn demo_cloud(&self) -> Option<CloudSetting> {
        self.demo().await.ok().map(|d| d.cloud.clone())
    }

    /// Whether `cloud` is the built-in simulator (Rust's own: nobody is asked to confirm it).
    pub async fn is_simulator(&self, cloud: &crate::cloud::Cloud) -> bool {
        match self.demo.get() {
            Some(Ok(demo)) => cloud.arm_endpoint == demo.arm_endpoint,
            _ => false,
        }
    }

    /// Where this mode's rotations keep their journals, locks, vault index and audit log.
    pub async fn files(&self) -> Result<AppPaths, IpcError> {
        if self.is_demo().await? {
            Ok(self.demo_folder().await?.paths.clone())
        } else {
            Ok(self.paths.clone())
        }
    }

    /// The demo's folder. In `<data>/demo` the first use of each process clears what the last demo
    /// left (its journals and vault entries name credentials of a simulated world that is gone).
    async fn demo_folder(&self) -> Result<&DemoFolder, IpcError> {
        let folder = self
            .demo_folder
            .get_or_init(|| async {
                match self.demo_files {
                    DemoFiles::Discarded => {
                        let dir = tempfile::tempdir()
                            .map_err(|e| IpcError::new("no_home", format!("No temporary folder: {e}")))?;
                        Ok(DemoFolder {
                            paths: AppPaths::at(dir.path()),
                            _temporary: Some(dir),
                        })
                    }
                    DemoFiles::Kept => {
                        let paths = AppPaths::at(self.paths.data_dir.join("demo"));
                        clear_last_demo(&paths).await;
                        Ok(DemoFolder {
                            paths,
                            _temporary: None,
                        })
                    }
                }
            })
            .await;
        folder.as_ref().map_err(Clone::clone)
    }

    /// This mode's vault: the OS keyring (opened at the first use that finds it working; the error
    /// says what to do on this OS), or a memory-only one for a demo that keeps nothing.
    pub async fn vault(&self) -> Result<Vault, IpcError> {
        if !self.is_demo().await? {
            let paths = &self.paths;
            return self
                .vault
                .get_or_try_init(|| async {
                    Vault::open(paths).await.map_err(|e| {
                        tracing::warn!("the vault is unavailable: {e}");
                        IpcError::from(&e)
                    })
                })
                .await
                .cloned();
        }
        let folder = self.demo_folder().await?;
        if self.demo_files == DemoFiles::Discarded {
            return Ok(Vault::with_store(SecureStore::in_memory(), &folder.paths));
        }
        self.demo_vault
            .get_or_try_init(|| async {
                let store = SecureStore::platform().await.map_err(|e| {
                    tracing::warn!("the vault is unavailable: {e}");
                    IpcError::from(&e)
                })?;
                Ok(Vault::with_store(store, &folder.paths))
            })
            .await
            .cloned()
    }

    /// The secrets kept in this profile's keyring and index, whatever the mode (`rekey vault`
    /// manages them also while no account is signed in).
    pub async fn saved_vault(&self) -> Result<Vault, IpcError> {
        Vault::open(&self.paths).await.map_err(|e| IpcError::from(&e))
    }

    /// What a command line says before it works on the demo tenant, if it does.
    pub async fn demo_notice(&self) -> Option<String> {
        if !self.is_demo().await.unwrap_or(false) {
            return None;
        }
        Some(match self.demo().await {
            Ok(demo) => format!(
                "Demo mode: simulated tenant {} (no account is signed in; sign in with `rekey login`). \
                 Nothing done on it is kept after this command.",
                demo.session.info.tenant_label
            ),
            Err(e) => format!(
                "No account is signed in and the built-in simulator did not start: {}",
                e.message
            ),
        })
    }

    /// The session that works in `tenant` (or, with none, the first account's / the demo's). Demo
    /// mode reaches the simulated tenant only.
    pub async fn session_for_tenant(&self, tenant: Option<&str>) -> Result<Arc<Session>, IpcError> {
        let tenant = tenant.filter(|t| !t.is_empty());
        if self.is_demo().await? {
            let demo = self.demo().await?;
            return match tenant {
                Some(t) if !t.eq_ignore_ascii_case(&demo.tenant_id) => Err(IpcError::new(
                    "no_account_for_tenant",
                    format!("Demo mode reaches the simulated tenant only, not {t}: sign in to it."),
                )),
                _ => Ok(demo.session.clone()),
            };
        }
        let workspace = self.workspace().await?;
        match tenant {
            Some(t) => workspace.session_for_tenant(t).await,
            None => {
                let first = workspace
                    .accounts()
                    .await
                    .into_iter()
                    .next()
                    .ok_or_else(|| IpcError::new("sign_in_required", "Sign in to Azure first."))?;
                workspace.session(&first.id).await
            }
        }
    }

    /// Who the audit log names for an action in `tenant`: the signed-in account of that tenant (else
    /// the first one), or the OS user (`local:<user>`) in demo mode.
    pub async fn actor_for(&self, tenant: Option<&str>) -> String {
        let accounts = match self.workspace().await {
            Ok(w) => w.accounts().await,
            Err(_) => Vec::new(),
        };
        crate::vault::actor_for(&accounts, tenant.unwrap_or_default())
    }

    /// Cluster ARM ID → the key ID this mode's rotations last verified it on.
    pub async fn known_key_ids(&self) -> Result<HashMap<String, String>, IpcError> {
        Ok(crate::rotation::service::known_key_ids(&self.files().await?).await)
    }

    /// The rotator of this mode. With `vault` false (planning reads only) no keyring is needed.
    pub async fn rotator(&self, vault: bool) -> Result<Rotator<'_>, IpcError> {
        let paths = self.files().await?;
        let vault = if vault {
            self.vault().await?
        } else {
            Vault::with_store(SecureStore::in_memory(), &paths)
        };
        let allow_memory_vault = self.demo_files == DemoFiles::Discarded && self.is_demo().await?;
        Ok(Rotator {
            sessions: self,
            vault,
            paths,
            allow_memory_vault,
        })
    }

    /// The Vault page's rows: every stored secret, and whether Azure still has its credential (asked
    /// with the session of each secret's tenant).
    pub async fn vault_rows(&self) -> Result<Vec<VaultRow>, IpcError> {
        self.rows_of(&self.vault().await?).await
    }

    /// [`Estate::vault_rows`] of another vault (the CLI's [`Estate::saved_vault`]).
    pub async fn rows_of(&self, vault: &Vault) -> Result<Vec<VaultRow>, IpcError> {
        presence::list(vault, self).await.map_err(|e| IpcError::from(&e))
    }
}

impl TenantSessions for Estate {
    fn session_for_tenant<'a>(
        &'a self,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Arc<Session>, IpcError>> {
        Estate::session_for_tenant(self, tenant).boxed()
    }
}

/// Clears what the last demo left in `demo`: its rotations' and moves' journals and its audit log
/// now (they describe a simulated world that is gone: History would list rows nothing backs), its
/// keyring secrets in the background (a slow or locked keyring must never hold up the dashboard).
/// Secrets stored after this point are not among them.
async fn clear_last_demo(demo: &AppPaths) {
    let audit = AuditLog::new(demo).path().to_path_buf();
    for path in [rotations_dir(demo), migrations_dir(demo), audit] {
        let removed = if path.is_dir() {
            tokio::fs::remove_dir_all(&path).await
        } else {
            tokio::fs::remove_file(&path).await
        };
        match removed {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("could not clear {}: {e}", path.display()),
        }
    }
    let index = Vault::with_store(SecureStore::in_memory(), demo);
    let stale = index.entries().await.unwrap_or_default();
    if stale.is_empty() {
        return;
    }
    let demo = demo.clone();
    tokio::spawn(async move {
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
