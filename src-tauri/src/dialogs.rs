//! Native dialogs owned by Rust: the confirmations of what can hurt (starting a rotation, deleting or
//! revealing a secret, rolling back, signing out, a custom cloud's hosts) and the choice of a file.
//! Their text comes from Rust's own data, never from the window, and only their answer goes on: a
//! script in the window can call a command, but cannot click a native dialog.
//!
//! Debug builds only: `REKEY_TEST_DIALOGS=<dir>` answers them from files instead of showing them, so
//! that the end-to-end suite can play both the admin and the attacker (`<dir>/confirm` holds
//! `accept` or `deny`, missing = deny; `<dir>/open-file` holds the path a file dialog returns;
//! every dialog asked is appended to `<dir>/asked.jsonl`). A release build always shows them.

use std::path::PathBuf;

use rekey_core::error::IpcError;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// The test answers' folder, in debug builds that ask for it.
fn test_answers() -> Option<PathBuf> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var_os("REKEY_TEST_DIALOGS")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Records what a dialog asked (test builds); never a secret: callers pass titles and plans only.
fn record(dir: &std::path::Path, kind: &str, title: &str, message: &str) {
    use std::io::Write;
    let line = serde_json::json!({"kind": kind, "title": title, "message": message}).to_string();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("asked.jsonl"));
    if let Ok(mut file) = file {
        let _ = writeln!(file, "{line}");
    }
}

fn not_confirmed(what: &str) -> IpcError {
    IpcError::new(
        "not_confirmed",
        format!("{what} was not confirmed in Rekey's own dialog: nothing was done."),
    )
}

/// Asks the admin in a native dialog; `Ok` only when they pressed `accept`.
pub async fn confirm(app: &AppHandle, title: &str, message: &str, accept: &str) -> Result<(), IpcError> {
    if let Some(dir) = test_answers() {
        record(&dir, "confirm", title, message);
        let answer = std::fs::read_to_string(dir.join("confirm")).unwrap_or_default();
        return if answer.trim() == "accept" {
            Ok(())
        } else {
            Err(not_confirmed(title))
        };
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .message(message)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            accept.to_string(),
            "Cancel".into(),
        ));
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.parent(&window);
    }
    dialog.show(move |ok| {
        let _ = tx.send(ok);
    });
    if rx.await.unwrap_or(false) {
        Ok(())
    } else {
        Err(not_confirmed(title))
    }
}

/// Shows `secret` in a native dialog (never in the web view) and returns when it is closed.
pub async fn reveal(app: &AppHandle, title: &str, secret: &str) {
    if let Some(dir) = test_answers() {
        record(&dir, "reveal", title, "");
        return;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .message(secret)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCustom("Close".into()));
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.parent(&window);
    }
    dialog.show(move |_| {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// A file the admin picks in a native open dialog; `None` when cancelled.
pub async fn open_file(app: &AppHandle, title: &str) -> Option<PathBuf> {
    if let Some(dir) = test_answers() {
        record(&dir, "open", title, "");
        let chosen = std::fs::read_to_string(dir.join("open-file")).unwrap_or_default();
        let chosen = chosen.trim();
        return (!chosen.is_empty()).then(|| PathBuf::from(chosen));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title(title);
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    dialog.pick_file(move |chosen| {
        let _ = tx.send(chosen.and_then(|p| p.into_path().ok()));
    });
    rx.await.ok().flatten()
}
