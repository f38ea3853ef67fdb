//! Rotation as the app and the CLI use it: sessions per tenant (from the estate: the signed-in
//! accounts, or the demo simulator), the vault, the settings and the journal folder put together. Neither front end
//! holds rotation logic of its own.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Semaphore;

use super::bulk::{self, Sessions};
use super::engine::{self, Context, ProgressSink};
use super::journal::{self, RotationSummary};
use super::model::{GroupResult, Options, Plan};
use super::preflight;
use crate::error::IpcError;
use crate::inventory::ClusterRow;
use crate::paths::AppPaths;
use crate::session::{Session, TenantSessions};
use crate::vault::Vault;

/// Rotations for one profile of Rekey: `sessions` (the estate) gives each tenant's session.
pub struct Rotator<'a> {
    pub sessions: &'a dyn TenantSessions,
    pub vault: Vault,
    /// Where journals, locks and the audit log go.
    pub paths: AppPaths,
    /// Benchmarks, tests and the CLI's demo only: allow a vault that forgets its secrets when the
    /// process ends.
    pub allow_memory_vault: bool,
}

impl Rotator<'_> {
    async fn session_for(&self, tenant: Option<&str>) -> Result<Arc<Session>, IpcError> {
        self.sessions.session_for_tenant(tenant).await
    }

    /// Plans the rotation of `chosen` (ARM IDs), per tenant. Reads only.
    pub async fn plan(&self, chosen: &[String], known: &[ClusterRow], options: &Options) -> Plan {
        let mut plan = Plan::default();
        for (tenant, ids) in by_tenant(chosen, known) {
            match self.session_for(tenant.as_deref()).await {
                Ok(session) => {
                    let part = preflight::plan(&session, &ids, known, options).await;
                    plan.groups.extend(part.groups);
                    plan.problems.extend(part.problems);
                }
                Err(e) => {
                    for id in ids {
                        plan.problems
                            .push(super::model::Check::block(&id, e.message.clone()));
                    }
                }
            }
        }
        plan.groups
            .sort_by(|a, b| a.app_display_name.cmp(&b.app_display_name));
        plan
    }

    async fn sessions(&self, tenants: impl Iterator<Item = String>) -> (Sessions, Vec<String>) {
        let mut sessions = Sessions::new();
        let mut problems = Vec::new();
        for tenant in tenants {
            let key = tenant.to_ascii_lowercase();
            if sessions.contains_key(&key) {
                continue;
            }
            match self.session_for(Some(&tenant)).await {
                Ok(s) => {
                    sessions.insert(key, s);
                }
                Err(e) => problems.push(format!("tenant {tenant}: {}", e.message)),
            }
        }
        (sessions, problems)
    }

    async fn context(
        &self,
        options: Options,
        progress: Option<ProgressSink>,
        sessions: &Sessions,
    ) -> Result<Context, IpcError> {
        let session = match sessions.values().next() {
            Some(s) => s.clone(),
            None => self.session_for(None).await?,
        };
        Ok(Context {
            session,
            vault: self.vault.clone(),
            paths: self.paths.clone(),
            resets: Arc::new(Semaphore::new(options.concurrency.max(1))),
            options,
            progress,
        })
    }

    /// Runs the plan. Refused when the vault would forget the new secrets (no persistent keyring).
    pub async fn run(
        &self,
        plan: &Plan,
        options: Options,
        progress: Option<ProgressSink>,
    ) -> Result<Vec<GroupResult>, IpcError> {
        if !self.vault.is_persistent() && !self.allow_memory_vault {
            return Err(IpcError::new(
                "keyring_unavailable",
                "Rekey will not rotate without a working OS keyring to keep the new secrets.",
            ));
        }
        let (sessions, problems) = self
            .sessions(plan.groups.iter().map(|g| g.tenant_id.clone()))
            .await;
        if !problems.is_empty() {
            return Err(IpcError::new("sign_in_required", problems.join("; ")));
        }
        let ctx = self.context(options, progress, &sessions).await?;
        Ok(bulk::run(&ctx, &sessions, plan).await)
    }

    /// Goes on with unfinished rotations (or the one `only`), retiring old secrets that are due.
    pub async fn resume(
        &self,
        options: Options,
        progress: Option<ProgressSink>,
        only: Option<&str>,
    ) -> Result<(Vec<GroupResult>, Vec<String>), IpcError> {
        let (states, mut problems) = journal::list(&self.paths).await;
        let (sessions, session_problems) = self
            .sessions(
                states
                    .iter()
                    .filter(|s| s.wanted(only, Utc::now()))
                    .map(|s| s.group.tenant_id.clone()),
            )
            .await;
        problems.extend(session_problems);
        let ctx = self.context(options, progress, &sessions).await?;
        let (results, more) = bulk::resume(&ctx, &sessions, only).await;
        problems.extend(more);
        Ok((results, problems))
    }

    /// The admin's answer to a waiting retirement ([`engine::HoldAnswer`]).
    pub async fn answer_hold(
        &self,
        options: Options,
        rotation_id: &str,
        answer: engine::HoldAnswer,
    ) -> Result<GroupResult, IpcError> {
        let ctx = self.context_for(options, rotation_id).await?;
        Ok(engine::answer_hold(&ctx, rotation_id, answer).await)
    }

    /// Removes the unused new secret of a failed rotation.
    pub async fn roll_back(&self, options: Options, rotation_id: &str) -> Result<GroupResult, IpcError> {
        let ctx = self.context_for(options, rotation_id).await?;
        Ok(engine::roll_back(&ctx, rotation_id).await)
    }

    /// A context with the session of the tenant of the rotation `rotation_id`.
    async fn context_for(&self, options: Options, rotation_id: &str) -> Result<Context, IpcError> {
        let states = journal::list(&self.paths).await.0;
        let tenant = states
            .iter()
            .find(|s| s.group.rotation_id.eq_ignore_ascii_case(rotation_id))
            .map(|s| s.group.tenant_id.clone())
            .ok_or_else(|| {
                IpcError::new("unknown_rotation", format!("There is no rotation {rotation_id}."))
            })?;
        let (sessions, problems) = self.sessions(std::iter::once(tenant)).await;
        if !problems.is_empty() {
            return Err(IpcError::new("sign_in_required", problems.join("; ")));
        }
        self.context(options, None, &sessions).await
    }
}

/// `chosen` (ARM IDs) by the tenant the inventory `known` puts each in (lowercase; none when the
/// inventory does not know it): plans are made with each tenant's own session.
pub fn by_tenant(chosen: &[String], known: &[ClusterRow]) -> HashMap<Option<String>, Vec<String>> {
    let mut out: HashMap<Option<String>, Vec<String>> = HashMap::new();
    for id in chosen {
        let tenant = known
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .and_then(|r| r.tenant_id.clone())
            .map(|t| t.to_ascii_lowercase());
        out.entry(tenant).or_default().push(id.clone());
    }
    out
}

/// Every rotation, newest first, and the journals that could not be read.
pub async fn list(paths: &AppPaths) -> (Vec<RotationSummary>, Vec<String>) {
    let (states, problems) = journal::list(paths).await;
    (states.iter().map(|s| s.summary()).collect(), problems)
}

/// Cluster ARM ID → the key ID Rekey last verified it on, for the inventory's expiry rating.
pub async fn known_key_ids(paths: &AppPaths) -> HashMap<String, String> {
    let (mut states, _) = journal::list(paths).await;
    // Oldest first, so that a later rotation wins.
    states.reverse();
    let mut known = HashMap::new();
    for state in &states {
        if let Some(super::journal::CreatedSecret { key_id, .. }) = &state.created {
            for cluster in &state.group.clusters {
                if state.verified(&cluster.id) {
                    known.insert(cluster.id.to_ascii_lowercase(), key_id.clone());
                }
            }
        }
    }
    known
}
