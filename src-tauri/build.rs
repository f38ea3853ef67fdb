// The app's own commands are declared here so that tauri-build generates their permissions;
// a command not listed in a capability is refused at the IPC boundary.
const COMMANDS: &[&str] = &[
    "session_info",
    "auth_status",
    "sign_in_browser",
    "sign_in_again",
    "sign_in_device_code",
    "sign_in_azure_cli",
    "sign_in_service_principal",
    "choose_secret_file",
    "choose_ca_file",
    "cancel_sign_in",
    "list_tenants",
    "list_subscriptions",
    "set_selection",
    "sign_out",
    "cached_inventory",
    "refresh_inventory",
    "cancel_refresh",
    "export_inventory",
    "get_settings",
    "save_settings",
    "alert_status",
    "subscribe_app_events",
    "refresh_in_background",
    "vault_status",
    "vault_list",
    "vault_copy",
    "vault_reveal",
    "vault_delete",
    "plan_rotation",
    "start_rotation",
    "list_rotations",
    "resume_rotations",
    "roll_back_rotation",
    "rotation_history",
    "export_history",
    "open_aad_migration_guide",
];

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
