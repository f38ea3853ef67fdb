//! Sign-in, accounts, tenants and subscriptions: bridges to `rekey_core::workspace`.

use rekey_core::accounts::{AccountInfo, Selection};
use rekey_core::auth::{DeviceCodePrompt, Opener};
use rekey_core::cloud::CloudSetting;
use rekey_core::error::IpcError;
use rekey_core::workspace::{AuthStatus, ServicePrincipalSecret, SubscriptionInfo, TenantInfo};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::state::AppState;

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
    let demo_cloud = state.demo().await.ok().map(|d| d.cloud_setting());
    Ok(state.workspace().await?.status(demo_cloud).await)
}

#[tauri::command]
pub async fn sign_in_browser(
    app: AppHandle,
    state: State<'_, AppState>,
    cloud: CloudSetting,
    tenant: Option<String>,
) -> Result<AccountInfo, IpcError> {
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

/// The secret is read from a file in Rust: it never passes through the web view. The file's path
/// is remembered, and the file read again at each sign-in.
#[tauri::command]
pub async fn sign_in_service_principal(
    state: State<'_, AppState>,
    cloud: CloudSetting,
    tenant: String,
    client_id: String,
    secret_file: String,
) -> Result<AccountInfo, IpcError> {
    let secret = ServicePrincipalSecret::File(secret_file.into());
    state
        .workspace()
        .await?
        .sign_in_service_principal(cloud, tenant.trim(), client_id.trim(), secret)
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

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>, account_id: String) -> Result<(), IpcError> {
    state.workspace().await?.sign_out(&account_id).await
}
