use rekey_core::error::IpcError;
use rekey_core::session::{SessionInfo, SessionMode};
use tauri::State;

use crate::state::AppState;

/// The demo session, or a summary of the signed-in accounts.
#[tauri::command]
pub async fn session_info(state: State<'_, AppState>) -> Result<SessionInfo, IpcError> {
    let accounts = state.workspace().await?.accounts().await;
    if accounts.is_empty() {
        return Ok(state.demo_session().await?.info.clone());
    }
    let demo_cloud = state.demo().await.ok().map(|d| d.cloud_setting());
    let simulated = accounts.iter().all(|a| Some(&a.cloud) == demo_cloud.as_ref());
    let cloud_name = match &accounts[0].cloud {
        rekey_core::cloud::CloudSetting::Public => "AzureCloud".to_string(),
        rekey_core::cloud::CloudSetting::China => "AzureChinaCloud".to_string(),
        rekey_core::cloud::CloudSetting::UsGov => "AzureUSGovernment".to_string(),
        rekey_core::cloud::CloudSetting::Custom { metadata_url, .. } => {
            if simulated {
                "RekeySimulator".to_string()
            } else {
                metadata_url.clone()
            }
        }
    };
    Ok(SessionInfo {
        mode: SessionMode::Azure,
        simulated,
        cloud_name,
        arm_endpoint: String::new(),
        tenant_label: accounts
            .iter()
            .map(|a| a.username.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}
