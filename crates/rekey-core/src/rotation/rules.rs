//! The rotation rules the app, the CLI and the window all follow, decided here once and sent as
//! data: blocked and why, which production clusters need their name typed, whether a rotation is
//! due, and the refusals of the commands (typed, each with its code for the window).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::journal::{RotationSummary, State};
use super::model::{due, Check, CheckLevel, Plan, PlanGroup, PlannedCluster, MAX_LIFETIME_DAYS};
use super::options::{Options, Retire};
use crate::azure::models::ManagedCluster;
use crate::error::IpcError;

/// Why a rotation command is refused. `code()` is what the window matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationError {
    /// No cluster was chosen.
    NothingToPlan,
    /// A new secret's lifetime outside 1 to [`MAX_LIFETIME_DAYS`] days.
    BadLifetime(u32),
    /// Signed in or out between planning and running.
    PlanStale,
    /// Production clusters whose exact name was not typed.
    ConfirmationRequired(Vec<String>),
    /// Every cluster of the plan is blocked.
    NothingToRotate,
    /// Every cluster of a move plan is blocked.
    NothingToMove,
    UnknownRotation(String),
    /// Running in this app right now.
    RotationRunning(String),
}

impl RotationError {
    pub fn code(&self) -> &'static str {
        match self {
            RotationError::NothingToPlan => "nothing_to_plan",
            RotationError::BadLifetime(_) => "bad_lifetime",
            RotationError::PlanStale => "plan_stale",
            RotationError::ConfirmationRequired(_) => "confirmation_required",
            RotationError::NothingToRotate => "nothing_to_rotate",
            RotationError::NothingToMove => "nothing_to_move",
            RotationError::UnknownRotation(_) => "unknown_rotation",
            RotationError::RotationRunning(_) => "rotation_running",
        }
    }
}

impl std::fmt::Display for RotationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RotationError::NothingToPlan => f.write_str("Choose at least one cluster to rotate."),
            RotationError::BadLifetime(days) => {
                write!(f, "A new secret lives 1 to {MAX_LIFETIME_DAYS} days, not {days}.")
            }
            RotationError::PlanStale => {
                f.write_str("You signed in or out since this plan was made: plan the rotation again.")
            }
            RotationError::ConfirmationRequired(names) => write!(
                f,
                "Type the name of each production cluster to confirm: {}.",
                names.join(", ")
            ),
            RotationError::NothingToRotate => f.write_str(
                "Every cluster of this plan is blocked by its pre-flight checks: nothing was changed.",
            ),
            RotationError::NothingToMove => {
                f.write_str("No cluster of this plan can move: see its checks. Nothing was changed.")
            }
            RotationError::UnknownRotation(id) => write!(f, "There is no rotation {id}."),
            RotationError::RotationRunning(id) => {
                write!(
                    f,
                    "The rotation {id} is running right now; wait for it to finish."
                )
            }
        }
    }
}

impl std::error::Error for RotationError {}

impl From<RotationError> for IpcError {
    fn from(e: RotationError) -> IpcError {
        IpcError::new(e.code(), e.to_string())
    }
}

/// A plan the app keeps until the admin confirms it: the web view names it by `plan_id`, so that
/// only what was planned and shown can be started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoredPlan {
    pub plan_id: String,
    pub plan: Plan,
    /// The production clusters that will run: each name must be typed to confirm
    /// ([`Plan::clusters_to_confirm`]).
    pub to_confirm: Vec<String>,
    /// What the plan does in Azure CLI commands, per group that can run ([`super::az_terms`]).
    pub az_terms: Vec<super::az_terms::AzScript>,
}

impl StoredPlan {
    pub fn new(plan_id: String, plan: Plan) -> StoredPlan {
        let to_confirm = plan
            .clusters_to_confirm()
            .into_iter()
            .map(str::to_string)
            .collect();
        let now = Utc::now();
        let az_terms = plan
            .groups
            .iter()
            .filter_map(|g| super::az_terms::script(g, now))
            .collect();
        StoredPlan {
            plan_id,
            plan,
            to_confirm,
            az_terms,
        }
    }
}

impl Options {
    /// The settings' options with what the admin chose for this rotation (the wizard or the CLI's
    /// flags): none given keeps the settings' value. A lifetime outside 1 to 730 days is refused.
    pub fn with_overrides(
        mut self,
        lifetime_days: Option<u32>,
        retire: Option<Retire>,
    ) -> Result<Options, RotationError> {
        if let Some(days) = lifetime_days {
            if !(1..=MAX_LIFETIME_DAYS).contains(&days) {
                return Err(RotationError::BadLifetime(days));
            }
            self.lifetime_days = days;
        }
        if let Some(retire) = retire {
            self.retire = retire;
        }
        Ok(self)
    }

    /// New service principal: copy only the role assignments of `chosen` that the plan lists (any
    /// case); none given copies them all, an empty list none.
    pub fn with_roles(mut self, plan: &Plan, chosen: Option<Vec<String>>) -> Options {
        if let Some(chosen) = chosen {
            let known = plan
                .groups
                .iter()
                .flat_map(|g| g.role_assignments.iter().map(|r| r.id.as_str()));
            let known: Vec<&str> = known.collect();
            let chosen: Vec<String> = chosen
                .into_iter()
                .filter(|c| known.iter().any(|k| k.eq_ignore_ascii_case(c)))
                .collect();
            self.copy_roles = !chosen.is_empty();
            self.roles_to_copy = chosen;
        }
        self
    }
}

/// The blocking checks of `checks` in words, or none.
pub(crate) fn blocking(checks: &[Check]) -> Option<String> {
    let why: Vec<String> = checks
        .iter()
        .filter(|c| c.level == CheckLevel::Block)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    (!why.is_empty()).then(|| why.join("; "))
}

impl PlannedCluster {
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Block)
    }
}

impl PlanGroup {
    /// Blocked as a whole (no write access, app missing…), or every cluster blocked.
    pub fn blocked(&self) -> bool {
        self.checks.iter().any(|c| c.level == CheckLevel::Block) || self.clusters.iter().all(|c| c.blocked())
    }

    /// Its clusters that will run (none when the group is blocked).
    pub fn runnable(&self) -> impl Iterator<Item = &PlannedCluster> {
        let open = !self.blocked();
        self.clusters.iter().filter(move |c| open && !c.blocked())
    }
}

impl Plan {
    /// The plan with each group's and cluster's `blocked_by` set from its checks.
    pub fn with_verdicts(mut self) -> Plan {
        for group in &mut self.groups {
            for cluster in &mut group.clusters {
                cluster.blocked_by = blocking(&cluster.checks);
            }
            group.blocked_by = match blocking(&group.checks) {
                Some(why) => Some(why),
                None if group.blocked() => Some("every cluster is blocked".to_string()),
                None => None,
            };
        }
        self
    }

    /// The groups that will run.
    pub fn runnable_groups(&self) -> impl Iterator<Item = &PlanGroup> {
        self.groups.iter().filter(|g| !g.blocked())
    }

    /// The production clusters that will run: each name must be typed to confirm.
    pub fn clusters_to_confirm(&self) -> Vec<&str> {
        self.groups
            .iter()
            .flat_map(|g| g.runnable())
            .filter(|c| c.production)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Refused unless every production cluster that will run is named exactly in `confirmed`.
    pub fn check_confirmed(&self, confirmed: &[String]) -> Result<(), RotationError> {
        check_typed(self.clusters_to_confirm(), confirmed)
    }
}

/// Refused unless every name of `to_confirm` (the production clusters a rotation or a move will
/// change) is typed exactly in `confirmed`: the window's typed names catch a wrong cluster before
/// Rust's own dialog asks.
pub fn check_typed<'n>(
    to_confirm: impl IntoIterator<Item = &'n str>,
    confirmed: &[String],
) -> Result<(), RotationError> {
    let missing: Vec<String> = to_confirm
        .into_iter()
        .filter(|name| !confirmed.iter().any(|n| n == name))
        .map(str::to_string)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RotationError::ConfirmationRequired(missing))
    }
}

impl RotationSummary {
    /// See [`due`].
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        due(self.outcome, self.retire_after, now)
    }
}

impl State {
    /// Whether a resume goes on with this rotation: the one `only` names (any state), else a due one.
    pub fn wanted(&self, only: Option<&str>, now: DateTime<Utc>) -> bool {
        match only {
            Some(id) => self.group.rotation_id.eq_ignore_ascii_case(id),
            None => due(self.finished, self.retire_after, now),
        }
    }
}

/// Which rotations a resume goes on with, from the listed ones: the one `only` names (refused when
/// there is none), else every due one that `running` (in this app, now) does not hold. Also whether
/// that is every due one, so that they can run side by side as one set.
pub fn to_resume(
    list: &[RotationSummary],
    only: Option<&str>,
    running: impl Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, bool), RotationError> {
    if let Some(id) = only {
        if !list.iter().any(|s| s.rotation_id.eq_ignore_ascii_case(id)) {
            return Err(RotationError::UnknownRotation(id.to_string()));
        }
        return Ok((vec![id.to_string()], false));
    }
    let due: Vec<&RotationSummary> = list.iter().filter(|s| s.due(now)).collect();
    let ids: Vec<String> = due
        .iter()
        .filter(|s| !running(&s.rotation_id))
        .map(|s| s.rotation_id.clone())
        .collect();
    let all = due.len() == ids.len();
    Ok((ids, all))
}

/// Tagged as production (`environment=production`, `env=prod`, `tier=prd`…): its name must be
/// typed to confirm a rotation.
pub fn production(cluster: &ManagedCluster) -> bool {
    cluster.tags.as_ref().is_some_and(|tags| {
        tags.iter().any(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let v = v.to_ascii_lowercase();
            ["environment", "env", "stage", "tier"].contains(&k.as_str())
                && (v == "prod" || v == "production" || v == "prd")
        })
    })
}

/// Refused when the estate changed between planning and running (signed in or out meanwhile).
pub fn same_estate(planned_in_demo: bool, demo_now: bool) -> Result<(), RotationError> {
    if planned_in_demo == demo_now {
        Ok(())
    } else {
        Err(RotationError::PlanStale)
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
