//! Sign-in, accounts, tenants and subscriptions: bridges to `rekey_core::workspace`.

use rekey_core::accounts::{AccountInfo, Selection};
use rekey_core::auth::{DeviceCodePrompt, Opener};
use rekey_core::cloud::CloudSetting;
use rekey_core::error::IpcError;
use rekey_core::workspace::{AuthStatus, ServicePrincipalSecret, SubscriptionInfo, TenantInfo};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::dialogs;
use crate::state::{AppState, Chosen};

/// Opens the sign-in page in the system browser, or with the command in `REKEY_BROWSER` (a browser
/// of the admin's choice, or the end-to-end tests' stand-in that completes the page).
struct SystemBrowser(AppHandle);

impl Opener for SystemBrowser {
    fn open(&self, url: &url::Url) -> Result<(), String> {
        match std::env::var_os("REKEY_BROWSER").filter(|b| !b.is_empty()) {
            Some(browser) => std::process::Command::new(&browser)
                .arg(url.as_str())
                .spawn()
                .map(drop)
                .map_err(|e| format!("could not start {}: {e}", browser.to_string_lossy())),
            None => self
                .0
                .opener()
                .open_url(url.as_str(), None::<&str>)
                .map_err(|e| e.to_string()),
        }
    }
}

#[tauri::command]
pub async fn auth_status(state: State<'_, AppState>) -> Result<AuthStatus, IpcError> {
    crate::bench::mark("auth_status called");
    let status = state.estate()?.auth_status().await;
    crate::bench::mark("auth_status answered");
    status
}

#[tauri::command]
pub async fn sign_in_browser(
    app: AppHandle,
    state: State<'_, AppState>,
    cloud: CloudSetting,
    tenant: Option<String>,
) -> Result<AccountInfo, IpcError> {
    let cloud = state.cloud_from_window(cloud).await?;
    let cancel = state.begin_sign_in().await;
    state
        .workspace()
        .await?
        .sign_in_browser(cloud, tenant, &SystemBrowser(app), &cancel)
        .await
}

/// Signs a saved account in again through the browser, in its cloud and tenant, after Azure refused
/// its saved sign-in (`AuthStatus::needs_sign_in`). Cancelled by `cancel_sign_in`.
#[tauri::command]
pub async fn sign_in_again(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: String,
) -> Result<AccountInfo, IpcError> {
    let cancel = state.begin_sign_in().await;
    state
        .workspace()
        .await?
        .sign_in_again(&account_id, &SystemBrowser(app), &cancel)
        .await
}

#[tauri::command]
pub async fn sign_in_device_code(
    state: State<'_, AppState>,
    cloud: CloudSetting,
    tenant: Option<String>,
    on_prompt: Channel<DeviceCodePrompt>,
) -> Result<AccountInfo, IpcError> {
    let cloud = state.cloud_from_window(cloud).await?;
    let cancel = state.begin_sign_in().await;
    let workspace = state.workspace().await?;
    let (req, flow) = workspace.start_device_code(cloud, tenant).await?;
    on_prompt
        .send(flow.prompt())
        .map_err(|e| IpcError::new("ui_unreachable", format!("Could not show the code: {e}")))?;
    workspace.finish_device_code(req, flow, &cancel).await
}

#[tauri::command]
pub async fn sign_in_azure_cli(
    state: State<'_, AppState>,
    tenant: Option<String>,
) -> Result<AccountInfo, IpcError> {
    state
        .workspace()
        .await?
        .sign_in_azure_cli(CloudSetting::Public, tenant)
        .await
}

/// Opens a native dialog (in Rust) to choose the file that holds a service principal's client
/// secret. The window learns the file's name only; the path stays here for the sign-in.
#[tauri::command]
pub async fn choose_secret_file(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<String>, IpcError> {
    let chosen = dialogs::open_file(&app, "Choose the file with the client secret").await;
    Ok(state.choose(Chosen::SecretFile, chosen).await)
}

/// Opens a native dialog to choose the PEM file of a custom cloud's certificate authority (the
/// window cannot name a file: it learns the name only).
#[tauri::command]
pub async fn choose_ca_file(app: AppHandle, state: State<'_, AppState>) -> Result<Option<String>, IpcError> {
    let chosen = dialogs::open_file(&app, "Choose the custom cloud's CA certificate (PEM)").await;
    Ok(state.choose(Chosen::CaFile, chosen).await)
}

/// Signs in as a service principal whose secret is in the file chosen with `choose_secret_file`:
/// the window never names a path. The secret is read in Rust; the file's path is remembered (sealed
/// with the account) and read again at each sign-in.
#[tauri::command]
pub async fn sign_in_service_principal(
    state: State<'_, AppState>,
    cloud: CloudSetting,
    tenant: String,
    client_id: String,
) -> Result<AccountInfo, IpcError> {
    let Some(file) = state.chosen(Chosen::SecretFile).await else {
        return Err(IpcError::new(
            "secret_file_not_chosen",
            "Choose the file with the client secret first (Choose file…).",
        ));
    };
    let cloud = state.cloud_from_window(cloud).await?;
    state
        .workspace()
        .await?
        .sign_in_service_principal(
            cloud,
            tenant.trim(),
            client_id.trim(),
            ServicePrincipalSecret::File(file),
        )
        .await
}

#[tauri::command]
pub async fn cancel_sign_in(state: State<'_, AppState>) -> Result<(), IpcError> {
    state.cancel_sign_in().await;
    Ok(())
}

#[tauri::command]
pub async fn list_tenants(
    state: State<'_, AppState>,
    account_id: String,
) -> Result<Vec<TenantInfo>, IpcError> {
    state.workspace().await?.tenants(&account_id).await
}

#[tauri::command]
pub async fn list_subscriptions(
    state: State<'_, AppState>,
    account_id: String,
) -> Result<Vec<SubscriptionInfo>, IpcError> {
    state.workspace().await?.subscriptions(&account_id).await
}

#[tauri::command]
pub async fn set_selection(
    state: State<'_, AppState>,
    account_id: String,
    selection: Selection,
) -> Result<AccountInfo, IpcError> {
    state
        .workspace()
        .await?
        .set_selection(&account_id, selection)
        .await
}

/// Signs an account out after the admin confirms it in a native dialog that names it.
#[tauri::command]
pub async fn sign_out(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: String,
) -> Result<(), IpcError> {
    let workspace = state.workspace().await?;
    let account = workspace
        .accounts()
        .await
        .into_iter()
        .find(|a| a.id == account_id)
        .ok_or_else(|| IpcError::new("unknown_account", "There is no such signed-in account."))?;
    dialogs::confirm(
        &app,
        "Sign out of Rekey?",
        &format!(
            "Sign out {} (tenant {})?\n\nRekey forgets its sign-in. Rotations of its tenant cannot go \
             on until an account of that tenant signs in again.",
            account.username, account.tenant_id
        ),
        "Sign out",
    )
    .await?;
    workspace.sign_out(&account_id).await
}
