//! The Rekey desktop shell: thin commands over `rekey-core`, the window and its permissions.

mod commands;
mod state;

use tauri::Manager;

use state::AppState;

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REKEY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        // The opener opens the sign-in page from Rust; the web view gets no opener permission.
        .plugin(tauri_plugin_opener::init())
        // The save dialog of the export is opened from Rust; the web view gets no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        .manage(AppState::default())
        .invoke_handler(tauri::generate_handler![
            commands::session::session_info,
            commands::clusters::list_clusters,
            commands::auth::auth_status,
            commands::auth::sign_in_browser,
            commands::auth::sign_in_again,
            commands::auth::sign_in_device_code,
            commands::auth::sign_in_azure_cli,
            commands::auth::sign_in_service_principal,
            commands::auth::cancel_sign_in,
            commands::auth::list_tenants,
            commands::auth::list_subscriptions,
            commands::auth::set_selection,
            commands::auth::sign_out,
            commands::inventory::cached_inventory,
            commands::inventory::refresh_inventory,
            commands::inventory::cancel_refresh,
            commands::inventory::export_inventory
        ])
        .setup(|app| {
            // Start connecting while the window loads, so the first command finds the session ready.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let _ = handle.state::<AppState>().demo().await;
            });
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Rekey could not start: {e}");
        std::process::exit(1);
    }
}
