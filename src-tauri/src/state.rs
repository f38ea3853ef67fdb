//! What the app holds: the session, created once (demo mode until an Azure account is configured).

use rekey_core::demo::Demo;
use rekey_core::error::IpcError;
use rekey_core::session::Session;
use tokio::sync::OnceCell;

#[derive(Default)]
pub struct AppState {
    demo: OnceCell<Result<Demo, IpcError>>,
}

impl AppState {
    /// The session, connecting on first use. A failed start is remembered and shown, not retried
    /// in a loop; restarting the app tries again.
    pub async fn session(&self) -> Result<&Session, IpcError> {
        let demo = self
            .demo
            .get_or_init(|| async {
                rekey_core::demo::start().await.map_err(|e| {
                    tracing::error!("demo mode failed to start: {e}");
                    IpcError::from(&e)
                })
            })
            .await;
        match demo {
            Ok(d) => Ok(&d.session),
            Err(e) => Err(e.clone()),
        }
    }
}
