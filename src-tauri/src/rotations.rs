//! What the app holds for rotations and moves to a managed identity: the plans the wizards showed
//! (only a stored plan can be started, so the web view cannot make one up) and the rotations and
//! moves running in this process (so the app does not offer to resume, retry or roll back what is
//! still going on).

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rekey_core::error::IpcError;
use rekey_core::migration::MigrationPlan;
use rekey_core::rotation::{Options, Plan};

/// Plans kept at most; planning again is cheap, a forgotten wizard must not grow memory.
const KEPT_PLANS: usize = 16;

/// A plan as the admin saw it, with the options it was made with.
#[derive(Clone)]
pub struct KeptPlan {
    pub plan: Plan,
    pub options: Options,
    /// Planned in demo mode (no account signed in): it must also run there.
    pub demo: bool,
}

/// A move plan as the admin saw it.
#[derive(Clone)]
pub struct KeptMigration {
    pub plan: MigrationPlan,
    /// Planned in demo mode (no account signed in): it must also run there.
    pub demo: bool,
}

/// Plans kept by ID, the newest [`KEPT_PLANS`]; each can be taken once.
pub struct Kept<T> {
    prefix: &'static str,
    next: AtomicU64,
    plans: Mutex<VecDeque<(String, T)>>,
}

impl<T: Clone> Kept<T> {
    fn new(prefix: &'static str) -> Kept<T> {
        Kept {
            prefix,
            next: AtomicU64::new(0),
            plans: Mutex::new(VecDeque::new()),
        }
    }

    /// Keeps `plan` and returns its ID.
    pub fn keep(&self, plan: T) -> String {
        let id = format!(
            "{}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::Relaxed) + 1
        );
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        plans.push_back((id.clone(), plan));
        while plans.len() > KEPT_PLANS {
            plans.pop_front();
        }
        id
    }

    /// The plan `id`, still kept (for checks before it is taken).
    pub fn get(&self, id: &str) -> Result<T, IpcError> {
        let plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        plans
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, p)| p.clone())
            .ok_or_else(unknown_plan)
    }

    /// Takes the plan `id` out: a plan runs once (its IDs name journals).
    pub fn take(&self, id: &str) -> Result<T, IpcError> {
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        let at = plans.iter().position(|(k, _)| k == id).ok_or_else(unknown_plan)?;
        plans.remove(at).map(|(_, p)| p).ok_or_else(unknown_plan)
    }
}

pub struct Rotations {
    plans: Kept<KeptPlan>,
    /// Moves to a managed identity, kept the same way.
    pub migrations: Kept<KeptMigration>,
    /// Rotation and migration IDs running now.
    running: Mutex<HashSet<String>>,
}

impl Default for Rotations {
    fn default() -> Self {
        Rotations {
            plans: Kept::new("plan"),
            migrations: Kept::new("move"),
            running: Mutex::default(),
        }
    }
}

/// Releases the rotations it marked as running when dropped (also when the task panics).
pub struct Running<'a> {
    rotations: &'a Rotations,
    ids: Vec<String>,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut running = self.rotations.running.lock().unwrap_or_else(|e| e.into_inner());
        for id in &self.ids {
            running.remove(&id.to_ascii_lowercase());
        }
    }
}

impl Rotations {
    /// Keeps a rotation's `plan` and returns its ID.
    pub fn keep(&self, plan: KeptPlan) -> String {
        self.plans.keep(plan)
    }

    /// The rotation plan `id`, still kept (for checks before it is taken).
    pub fn get(&self, id: &str) -> Result<KeptPlan, IpcError> {
        self.plans.get(id)
    }

    /// Takes the rotation plan `id` out: a plan runs once (its rotation IDs name journals).
    pub fn take(&self, id: &str) -> Result<KeptPlan, IpcError> {
        self.plans.take(id)
    }

    /// Marks `ids` as running until the returned guard is dropped; refused if one already runs.
    pub fn begin(&self, ids: Vec<String>) -> Result<Running<'_>, IpcError> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(busy) = ids.iter().find(|id| running.contains(&id.to_ascii_lowercase())) {
            return Err(IpcError::new(
                "rotation_running",
                format!("The rotation {busy} is running right now; wait for it to finish."),
            ));
        }
        running.extend(ids.iter().map(|id| id.to_ascii_lowercase()));
        Ok(Running { rotations: self, ids })
    }

    pub fn is_running(&self, id: &str) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id.to_ascii_lowercase())
    }
}

fn unknown_plan() -> IpcError {
    IpcError::new(
        "unknown_plan",
        "This plan is no longer available (it ran already, or Rekey restarted). Plan again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_core::rotation::Mode;
    use rekey_core::settings::Settings;

    fn kept() -> KeptPlan {
        KeptPlan {
            plan: Plan::default(),
            options: Options::from_settings(&Settings::default(), Mode::Secret, "test"),
            demo: true,
        }
    }

    #[test]
    fn a_plan_runs_once_and_old_plans_are_forgotten() {
        let rotations = Rotations::default();
        let first = rotations.keep(kept());
        assert!(rotations.get(&first).is_ok());
        assert!(rotations.take(&first).is_ok());
        assert_eq!(
            rotations.take(&first).err().map(|e| e.code),
            Some("unknown_plan".into())
        );
        let ids: Vec<String> = (0..KEPT_PLANS + 1).map(|_| rotations.keep(kept())).collect();
        assert!(rotations.get(&ids[0]).is_err());
        assert!(rotations.get(&ids[KEPT_PLANS]).is_ok());
        assert!(rotations.get("made-up").is_err());
    }

    #[test]
    fn a_move_plan_is_kept_apart_from_rotation_plans_and_runs_once() {
        let rotations = Rotations::default();
        let plan = rotations.keep(kept());
        let id = rotations.migrations.keep(KeptMigration {
            plan: MigrationPlan::default(),
            demo: true,
        });
        assert_ne!(plan, id);
        assert!(rotations.get(&id).is_err(), "a move plan is not a rotation plan");
        assert!(rotations.migrations.get(&plan).is_err());
        assert!(rotations.migrations.take(&id).is_ok());
        assert!(rotations.migrations.take(&id).is_err());
    }

    #[test]
    fn a_running_rotation_cannot_start_twice_and_is_released() {
        let rotations = Rotations::default();
        let guard = rotations.begin(vec!["R1".into()]);
        assert!(guard.is_ok());
        assert!(rotations.is_running("r1"));
        assert!(rotations.begin(vec!["r2".into(), "r1".into()]).is_err());
        assert!(!rotations.is_running("r2"));
        drop(guard);
        assert!(!rotations.is_running("R1"));
    }
}
