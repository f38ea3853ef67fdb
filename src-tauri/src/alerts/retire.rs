//! Retiring old secrets on time: after each refresh, the finished rotations whose grace period (or
//! held retirement's wait) is over have their old secrets removed (off the refresh's path), unless
//! one is still in use: then the retirement is held and a notification says so.

use chrono::Utc;
use rekey_core::error::IpcError;
use rekey_core::rotation::{service, Mode, Outcome};
use tauri::{AppHandle, Manager};

use super::Alerts;
use crate::rotations::Rotations;
use crate::state::AppState;

/// After a refresh: removes the old secrets of finished rotations whose grace period is over (the
/// retire policy "after 24 h" is done by a later refresh). Unfinished rotations are left to the
/// admin (the resume banner). Failures go to the log; the next refresh tries again.
pub async fn retire_due(app: AppHandle) {
    let outcome: Result<usize, IpcError> = async {
        let state = app.state::<AppState>();
        let rotations = app.state::<Rotations>();
        let paths = state.estate()?.files().await?;
        let (list, _) = service::list(&paths).await;
        let now = Utc::now();
        let held = list
            .iter()
            .filter(|s| s.outcome == Some(Outcome::RetireHeld))
            .count();
        let alerts = app.state::<Alerts>();
        if alerts.held() != held {
            alerts.set_held(held);
            super::tray::update(&app);
        }
        let ids: Vec<String> = list
            .iter()
            .filter(|s| matches!(s.outcome, Some(Outcome::RetirePending | Outcome::RetireHeld)) && s.due(now))
            .filter(|s| !rotations.is_running(&s.rotation_id))
            .map(|s| s.rotation_id.clone())
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let _running = rotations.begin(ids.clone())?;
        let tenant = list.first().map(|s| s.tenant_id.clone());
        let options = state.rotation_options(Mode::Secret, tenant.as_deref()).await?;
        let rotator = state.estate()?.rotator(true).await?;
        for id in &ids {
            let (results, _) = rotator.resume(options.clone(), None, Some(id)).await?;
            let was_held = list
                .iter()
                .any(|s| s.rotation_id == *id && s.outcome == Some(Outcome::RetireHeld));
            for result in results.iter().filter(|_| !was_held) {
                let app_name = list
                    .iter()
                    .find(|s| s.rotation_id == result.rotation_id)
                    .and_then(|s| s.app_display_name.clone())
                    .unwrap_or_else(|| result.app_id.clone());
                if let Some(hold) = &result.hold {
                    let cluster = result.clusters_done.first().cloned();
                    super::window::show(&app, rekey_core::alerts::held_notice(&app_name, hold, cluster));
                }
            }
        }
        Ok(ids.len())
    }
    .await;
    match outcome {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!("retired the old secrets of {n} rotation(s) whose grace period was over");
            app.state::<Alerts>().request_refresh();
        }
        Err(e) => tracing::warn!("old secrets due to go were not retired yet: {}", e.message),
    }
}
