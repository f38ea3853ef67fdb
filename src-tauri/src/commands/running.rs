//! How the window's long runs (rotations, resumes, roll-backs, moves) run: in a task of their own,
//! with their IDs marked running, progress to the window while it listens, and a refresh after.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rekey_core::error::IpcError;
use rekey_core::rotation::service::Rotator;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::alerts::Alerts;
use crate::rotations::Rotations;
use crate::state::AppState;

/// Demo mode: no account signed in (the built-in simulator). The estate decides; a kept plan
/// remembers it so that signing in or out between planning and running is noticed.
pub(super) async fn is_demo(state: &AppState) -> Result<bool, IpcError> {
    state.estate()?.is_demo().await
}

/// Progress of a rotation or a move, sent to the window's channel while it listens.
pub(super) fn sink<T: tauri::ipc::IpcResponse + Send + Sync + 'static>(
    channel: Channel<T>,
) -> Arc<dyn Fn(T) + Send + Sync> {
    // A closed or reloaded window is no reason to stop the rotation or the move.
    Arc::new(move |p: T| {
        let _ = channel.send(p);
    })
}

/// Runs going on in this app right now are not due for a resume (`runs`: each one's ID and due).
pub(super) fn not_due_while_running<'a>(
    rotations: &Rotations,
    runs: impl IntoIterator<Item = (&'a str, &'a mut bool)>,
) {
    for (id, due) in runs {
        if rotations.is_running(id) {
            *due = false;
        }
    }
}

/// What a run does with the estate's rotator.
pub(super) type Work<T> = Box<
    dyn for<'r> FnOnce(Rotator<'r>) -> Pin<Box<dyn Future<Output = Result<T, IpcError>> + Send + 'r>> + Send,
>;

/// Runs `work` in a task of its own, so that a window closed to the tray or reloaded does not
/// cancel it, with `ids` (rotations or moves) marked running meanwhile; `vault`: the rotator writes
/// new secrets to the keyring. After it, a background refresh brings the new expiries to the tray
/// and to the window (also when the window did not follow it to its end).
pub(super) async fn detached<T: Send + 'static>(
    app: &AppHandle,
    what: &str,
    ids: Vec<String>,
    vault: bool,
    work: Work<T>,
) -> Result<T, IpcError> {
    let handle = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let result = async {
            let rotations = handle.state::<Rotations>();
            let _running = rotations.begin(ids)?;
            let state = handle.state::<AppState>();
            let rotator = state.estate()?.rotator(vault).await?;
            work(rotator).await
        }
        .await;
        handle.state::<Alerts>().request_refresh();
        result
    });
    task.await
        .map_err(|e| IpcError::new("rotation_task", format!("The {what} task stopped: {e}")))?
}
