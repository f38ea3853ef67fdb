//! The Rekey desktop shell: thin commands over `rekey-core`, the window and its permissions.

mod alerts;
mod bench;
#[macro_use]
mod commands;
mod dialogs;
mod ipc_recorder;
mod renderer;
mod rotations;
mod state;
mod updater;

use tauri::Manager;

use state::AppState;

/// Started at login: Rekey starts in the tray, without its window.
const BACKGROUND_ARG: &str = "--background";

/// The settings at start (defaults if the file is bad; the reason goes to the log): the one copy
/// in force, which the estate and the alerts share.
fn initial_settings() -> rekey_core::settings::InForce {
    match rekey_core::paths::AppPaths::resolve() {
        Ok(paths) => rekey_core::settings::InForce::load(&paths),
        Err(_) => rekey_core::settings::InForce::default(),
    }
}

pub fn run() {
    bench::mark("main");
    renderer::choose();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("REKEY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let settings = initial_settings();
    let mut builder = tauri::Builder::default();
    if let Some(recorder) = ipc_recorder::plugin() {
        builder = builder.plugin(recorder);
    }
    let result = builder
        // The opener opens the sign-in page from Rust; the web view gets no opener permission.
        .plugin(tauri_plugin_opener::init())
        // The save dialog of the export is opened from Rust; the web view gets no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // Expiry notifications: sent from Rust (on Linux through notify-rust, for the click action);
        // the web view gets no notification permission.
        .plugin(tauri_plugin_notification::init())
        // Start at login, turned on and off from the settings (in Rust); started so, Rekey stays in the tray.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(BACKGROUND_ARG)
                .build(),
        )
        .manage(AppState::new(settings.clone()))
        // Rotation plans shown in the wizard and the rotations running now.
        .manage(rotations::Rotations::default())
        .manage(alerts::Alerts::new(settings))
        // Updates: checked and installed from Rust only (the window gets no updater permission).
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updater::Updates::default())
        .on_window_event(|window, event| {
            // Closing the window keeps Rekey in the tray (a setting), so that alerts keep coming.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let app = window.app_handle();
                let alerts = app.state::<alerts::Alerts>();
                if alerts.close_to_tray() && app.tray_by_id("rekey").is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                    if alerts.first_close_to_tray() {
                        alerts::show(
                            app,
                            rekey_core::alerts::Notice {
                                title: "Rekey is still running".into(),
                                body: "Rekey keeps watching your clusters from the tray. Quit it from the tray's menu.".into(),
                                cluster_id: None,
                                crossings: Vec::new(),
                            },
                        );
                    }
                }
            }
        })
        .invoke_handler(with_commands!(handlers))
        .setup(|app| {
            bench::mark("setup");
            app.state::<AppState>().set_app(app.handle().clone());
            // Start connecting while the window loads, so the first command finds the session ready.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Ok(estate) = handle.state::<AppState>().estate() {
                    let _ = estate.demo().await;
                    bench::mark("demo started");
                }
            });
            let handle = app.handle();
            if let Err(e) = alerts::tray::create(handle) {
                // No tray (no StatusNotifierItem host): Rekey still works, closing quits it.
                tracing::warn!("no tray icon: {e}");
            }
            let settings = handle.state::<alerts::Alerts>().settings();
            let _ = alerts::apply_autostart(handle, settings.start_at_login);
            if std::env::args().any(|a| a == BACKGROUND_ARG) {
                if let Some(window) = handle.get_webview_window("main") {
                    let _ = window.hide();
                }
            }
            alerts::start(handle);
            updater::start(handle);
            bench::mark("setup done");
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|_, event| {
            // However Rekey ends (tray Quit, last window closed), a copied secret still on the
            // clipboard is taken back: the clipboard threads die with the process.
            if let tauri::RunEvent::Exit = event {
                rekey_core::clipboard::clear_all_now();
            }
        }),
        Err(e) => {
            eprintln!("Rekey could not start: {e}");
            std::process::exit(1);
        }
    }
}
