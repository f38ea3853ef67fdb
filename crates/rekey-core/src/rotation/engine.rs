//! The step engine: drives one rotation (one principal and its clusters) from its journal to the end.
//! Every step is journaled before and after it runs, so running it again after a crash picks up
//! where it stopped. Invariants: no secret created in Azure without a vault copy (or it is removed
//! again); no old secret removed while a cluster may still use it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use secrecy::SecretString;
use tokio::sync::{Mutex, Semaphore};

use super::journal::{Event, Journal, State};
use super::model::{
    ClusterFailure, GroupResult, Mode, Outcome, PlanGroup, Progress, Retire, Step, StepStatus,
};
use super::retry::{self, Kind};
use crate::audit::AuditRecord;
use crate::auth::client_secret::ClientSecretCredential;
use crate::auth::AuthError;
use crate::azure::arm::{ArmError, ClusterId};
use crate::azure::directory::ObjectKind;
use crate::azure::lro::{AadReset, OperationEnd, OperationHandle, Started};
use crate::inventory::model::CredentialOwner;
use crate::paths::AppPaths;
use crate::session::{Pin, Session};
use crate::vault::{Vault, VaultEntry};

/// Where progress reports go.
pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// What a rotation runs with.
#[derive(Clone)]
pub struct Context {
    pub session: Arc<Session>,
    pub vault: Vault,
    pub paths: AppPaths,
    pub options: super::model::Options,
    pub progress: Option<ProgressSink>,
    /// Cluster resets in flight, shared by every group of a bulk run.
    pub resets: Arc<Semaphore>,
}

/// A failure that stops the rotation, with the step and Azure's words.
#[derive(Debug)]
struct Stop {
    step: Step,
    message: String,
}

fn stop(step: Step, message: impl Into<String>) -> Stop {
    Stop {
        step,
        // Often Azure's words: scrubbed once here for the journal, the audit log and the UI.
        message: crate::azure::error::scrub(&message.into()),
    }
}

fn words(e: &ArmError) -> String {
    retry::explain(e)
}

impl Context {
    fn report(
        &self,
        rotation_id: &str,
        cluster: Option<&str>,
        step: Step,
        status: StepStatus,
        detail: String,
        since: Instant,
    ) {
        if let Some(sink) = &self.progress {
            sink(Progress {
                rotation_id: rotation_id.to_string(),
                cluster: cluster.map(str::to_string),
                step,
                status,
                detail: crate::azure::error::scrub(&detail),
                elapsed_ms: u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
        }
    }

    async fn audit(
        &self,
        state: &State,
        step: Step,
        outcome: &str,
        cluster: Option<&str>,
        detail: Option<String>,
        since: Instant,
    ) {
        let mut record = AuditRecord::new(self.options.actor.clone(), "rotation.step", outcome);
        record.tenant_id = Some(state.group.tenant_id.clone());
        record.cluster = cluster.map(str::to_string);
        record.app_id = Some(state.group.app_id.clone());
        record.rotation_id = Some(state.group.rotation_id.clone());
        record.mode = Some(state.group.mode.label().to_string());
        record.step = Some(step.label().to_string());
        record.old_key_ids = state.group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
        record.new_key_id = state.created.as_ref().map(|c| c.0.clone());
        record.hint = state.created.as_ref().and_then(|c| c.1.clone());
        record.duration_ms = Some(u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX));
        record.detail = detail;
        self.vault.audit().record_or_warn(record).await;
    }
}

/// Starts a planned group: takes its locks, journals the plan, then runs it.
pub async fn start(ctx: &Context, group: PlanGroup) -> GroupResult {
    let locks = match lock(ctx, &group).await {
        Ok(l) => l,
        Err(result) => return *result,
    };
    let journal = Journal::new(&ctx.paths, &group.rotation_id);
    let planned = Event::Planned {
        group: group.clone(),
        actor: ctx.options.actor.clone(),
        pin: Some(Box::new(Pin::of(&ctx.session))),
    };
    if let Err(e) = journal.append(planned).await {
        return failed_before_start(&group, e.to_string());
    }
    let mut record = AuditRecord::new(ctx.options.actor.clone(), "rotation.start", "started");
    record.tenant_id = Some(group.tenant_id.clone());
    record.app_id = Some(group.app_id.clone());
    record.rotation_id = Some(group.rotation_id.clone());
    record.mode = Some(group.mode.label().to_string());
    record.old_key_ids = group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
    record.detail = Some(format!(
        "clusters: {}",
        group
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ctx.vault.audit().record_or_warn(record).await;
    match open(ctx, &group.rotation_id).await {
        Ok(run) => {
            let result = run.drive().await;
            drop(locks);
            result
        }
        Err(result) => *result,
    }
}

pub(super) fn failed_before_start(group: &PlanGroup, message: String) -> GroupResult {
    GroupResult {
        rotation_id: group.rotation_id.clone(),
        mode: group.mode,
        app_id: group.app_id.clone(),
        outcome: Outcome::Failed,
        new_key_id: None,
        new_hint: None,
        new_app_id: None,
        clusters_done: Vec::new(),
        clusters_failed: Vec::new(),
        retired: Vec::new(),
        retire_after: None,
        message: Some(message),
    }
}

/// The group's clusters and principal, locked against other rotations in any process.
async fn lock(ctx: &Context, group: &PlanGroup) -> Result<super::lock::Locks, Box<GroupResult>> {
    let mut names: Vec<(String, String)> = group
        .clusters
        .iter()
        .map(|c| (c.id.clone(), format!("cluster {}", c.name)))
        .collect();
    names.push((
        format!("app:{}", group.app_id),
        format!("the principal {}", group.app_id),
    ));
    let paths = ctx.paths.clone();
    match tokio::task::spawn_blocking(move || super::lock::acquire(&paths, &names)).await {
        Ok(Ok(l)) => Ok(l),
        Ok(Err(e)) => Err(Box::new(failed_before_start(group, e.to_string()))),
        Err(e) => Err(Box::new(failed_before_start(group, e.to_string()))),
    }
}

/// The rotation `rotation_id` as its journal tells it.
async fn open<'a>(ctx: &'a Context, rotation_id: &str) -> Result<Run<'a>, Box<GroupResult>> {
    let journal = Journal::new(&ctx.paths, rotation_id);
    let unknown = |m: String| Box::new(failed_before_start(&PlanGroup::empty(rotation_id), m));
    let lines = journal.read().await.map_err(|e| unknown(e.to_string()))?;
    let state = State::replay(&lines).ok_or_else(|| {
        unknown(format!(
            "the journal of rotation {rotation_id} does not start with a plan"
        ))
    })?;
    // Its secret goes only where the rotation was planned: the same account, login, ARM and Graph.
    let here = Pin::of(&ctx.session);
    match &state.pin {
        Some(pin) if **pin != here => {
            return Err(Box::new(failed_before_start(
                &state.group,
                format!(
                    "Rotation {rotation_id} was planned as {} on {} (login {}); the session for its \
                     tenant now is {} on {} (login {}). Rekey will not send its secret anywhere else: \
                     sign in again to {} as {}, then resume.",
                    pin.account_id,
                    pin.arm_endpoint,
                    pin.login_endpoint,
                    here.account_id,
                    here.arm_endpoint,
                    here.login_endpoint,
                    pin.arm_endpoint,
                    pin.account_id,
                ),
            )))
        }
        Some(_) => {}
        None => tracing::warn!(
            "rotation {rotation_id} was journaled by an earlier version without a pin; it goes on \
             with the session of its tenant"
        ),
    }
    Ok(Run {
        ctx,
        journal,
        state: Mutex::new(state),
    })
}

/// Opens the rotation `rotation_id` and takes its locks.
async fn open_locked<'a>(
    ctx: &'a Context,
    rotation_id: &str,
) -> Result<(Run<'a>, super::lock::Locks), Box<GroupResult>> {
    let run = open(ctx, rotation_id).await?;
    let group = run.snapshot().await.group;
    let locks = lock(ctx, &group).await?;
    Ok((run, locks))
}

/// Runs (or goes on with) the rotation `rotation_id` from its journal.
pub async fn resume(ctx: &Context, rotation_id: &str) -> GroupResult {
    match open_locked(ctx, rotation_id).await {
        Ok((run, _locks)) => run.drive().await,
        Err(result) => *result,
    }
}

/// Removes the unused new secret of a failed rotation and closes it. Refused when a cluster may be
/// using the new secret (its reset was sent).
pub async fn roll_back(ctx: &Context, rotation_id: &str) -> GroupResult {
    match open_locked(ctx, rotation_id).await {
        Ok((run, _locks)) => run.roll_back().await,
        Err(result) => *result,
    }
}

struct Run<'a> {
    ctx: &'a Context,
    journal: Journal,
    state: Mutex<State>,
}

/// The object that receives the new secret, and the app that signs in with it.
#[derive(Clone)]
struct Target {
    kind: ObjectKind,
    object_id: String,
    app_id: String,
}

impl Run<'_> {
    async fn record(&self, event: Event) -> Result<(), Stop> {
        self.journal
            .append(event.clone())
            .await
            .map_err(|e| stop(Step::Done, e.to_string()))?;
        self.state.lock().await.apply(&event);
        Ok(())
    }

    async fn snapshot(&self) -> State {
        self.state.lock().await.clone()
    }

    async fn drive(&self) -> GroupResult {
        let state = self.snapshot().await;
        match state.finished {
            Some(Outcome::Succeeded) | Some(Outcome::RolledBack) => return self.result(None).await,
            _ => {}
        }
        match self.steps().await {
            Ok(()) => self.result(None).await,
            Err(s) => {
                let _ = self
                    .journal
                    .append(Event::StepFailed {
                        step: s.step,
                        message: s.message.clone(),
                    })
                    .await;
                {
                    let mut st = self.state.lock().await;
                    st.last_failure = Some((s.step, s.message.clone()));
                }
                let state = self.snapshot().await;
                self.ctx
                    .audit(
                        &state,
                        s.step,
                        "failed",
                        None,
                        Some(s.message.clone()),
                        Instant::now(),
                    )
                    .await;
                self.ctx.report(
                    &state.group.rotation_id,
                    None,
                    s.step,
                    StepStatus::Failed,
                    s.message.clone(),
                    Instant::now(),
                );
                self.result(Some(s)).await
            }
        }
    }

    async fn steps(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.finished == Some(Outcome::RetirePending) {
            return self.retire().await;
        }
        let target = self.target().await?;
        let secret = self.new_secret(&target).await?;
        self.prove(&target, &secret).await?;
        if self.snapshot().await.group.mode == Mode::NewSp {
            self.copy_roles().await?;
        }
        self.reset_all(&target, &secret).await?;
        self.retire().await
    }

    /// The object the new secret goes on (creating the new principal in mode new-sp).
    async fn target(&self) -> Result<Target, Stop> {
        let state = self.snapshot().await;
        let graph = &self.ctx.session.graph;
        if state.group.mode == Mode::NewSp {
            if let Some((app_id, app_object_id, _)) = &state.new_principal {
                return Ok(Target {
                    kind: ObjectKind::Application,
                    object_id: app_object_id.clone(),
                    app_id: app_id.clone(),
                });
            }
            let since = Instant::now();
            let name = format!(
                "{}-rekey-{}",
                state
                    .group
                    .app_display_name
                    .clone()
                    .unwrap_or_else(|| "aks".into()),
                Utc::now().format("%Y%m%d")
            );
            self.ctx.report(
                &state.group.rotation_id,
                None,
                Step::CreatePrincipal,
                StepStatus::Running,
                name.clone(),
                since,
            );
            self.record(Event::PrincipalRequested {
                display_name: name.clone(),
            })
            .await?;
            let app = transient(Step::CreatePrincipal, || graph.create_application(&name)).await?;
            let sp = replicating(
                Step::CreatePrincipal,
                self.ctx.options.replication_timeout,
                || graph.create_service_principal(&app.app_id),
            )
            .await?;
            self.record(Event::PrincipalCreated {
                app_id: app.app_id.clone(),
                app_object_id: app.id.clone(),
                sp_object_id: sp.id.clone(),
            })
            .await?;
            let state = self.snapshot().await;
            self.ctx
                .audit(
                    &state,
                    Step::CreatePrincipal,
                    "ok",
                    None,
                    Some(format!("new app {}", app.app_id)),
                    since,
                )
                .await;
            self.ctx.report(
                &state.group.rotation_id,
                None,
                Step::CreatePrincipal,
                StepStatus::Ok,
                app.app_id.clone(),
                since,
            );
            return Ok(Target {
                kind: ObjectKind::Application,
                object_id: app.id,
                app_id: app.app_id,
            });
        }
        if let Some((_, kind, object_id, app_id)) = &state.requested {
            return Ok(Target {
                kind: *kind,
                object_id: object_id.clone(),
                app_id: app_id.clone(),
            });
        }
        let app = transient(Step::AddSecret, || graph.application(&state.group.app_id)).await?;
        let app = app.ok_or_else(|| {
            stop(
                Step::AddSecret,
                format!(
                    "the application {} is no longer in the directory",
                    state.group.app_id
                ),
            )
        })?;
        Ok(Target {
            kind: ObjectKind::Application,
            object_id: app.id,
            app_id: app.app_id,
        })
    }

    /// Steps 2 and 3: the new secret, in Azure and in the vault, or neither.
    async fn new_secret(&self, target: &Target) -> Result<SecretString, Stop> {
        let state = self.snapshot().await;
        let rid = state.group.rotation_id.clone();
        let graph = &self.ctx.session.graph;
        // A secret created but never stored (a crash between the two): its value is gone, so it
        // must go from Azure too.
        if let (Some((key_id, _, _)), false) = (&state.created, state.stored) {
            self.remove_new(target, key_id).await?;
        }
        let state = self.snapshot().await;
        if let (Some((key_id, hint, end)), true) = (&state.created, state.stored) {
            let entry = self.entry(target, key_id, hint.clone(), *end, &state);
            return self.ctx.vault.secret(&entry).await.map_err(|e| {
                stop(
                    Step::StoreSecret,
                    format!(
                        "{e}. The new secret {key_id} cannot be read back: roll this rotation back and start again"
                    ),
                )
            });
        }
        // An `addPassword` that may have succeeded without an answer (a crash or a cut connection):
        // remove any secret of ours that nobody holds.
        if state.requested.is_some() {
            self.remove_orphans(target, Some(super::orphans::READ_LAG))
                .await?;
        }
        let since = Instant::now();
        self.ctx.report(
            &rid,
            None,
            Step::AddSecret,
            StepStatus::Running,
            String::new(),
            since,
        );
        // The rotation's marker finds the secret again if the answer is lost; this installation's
        // ID keeps another installation's clean-up away from it.
        let installation = crate::installation::id(&self.ctx.paths)
            .await
            .map_err(|e| stop(Step::AddSecret, e))?;
        let display_name = super::orphans::credential_name(&rid, Utc::now(), &installation);
        let end = Utc::now()
            + chrono::Duration::days(i64::from(
                state
                    .group
                    .lifetime_days
                    .clamp(1, super::model::MAX_LIFETIME_DAYS),
            ));
        let mut attempt = 0;
        let created = loop {
            attempt += 1;
            self.record(Event::SecretRequested {
                display_name: display_name.clone(),
                on: target.kind,
                object_id: target.object_id.clone(),
                app_id: target.app_id.clone(),
            })
            .await?;
            match graph
                .add_password(target.kind, &target.object_id, &display_name, end)
                .await
            {
                Ok(p) => break p,
                // Azure may have written the secret before the answer was lost: remove it (nobody
                // has its value) before asking for another.
                Err(e) if retry::classify(&e) == Kind::Transient && attempt < retry::TRANSIENT_TRIES => {
                    tokio::time::sleep(retry::pause(attempt)).await;
                    self.remove_orphans(target, Some(super::orphans::READ_LAG))
                        .await?;
                }
                Err(e) => return Err(stop(Step::AddSecret, words(&e))),
            }
        };
        self.record(Event::SecretCreated {
            key_id: created.key_id.clone(),
            hint: created.hint.clone(),
            end: created.end,
        })
        .await?;
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::AddSecret, "ok", None, None, since)
            .await;
        self.ctx.report(
            &rid,
            None,
            Step::AddSecret,
            StepStatus::Ok,
            created.key_id.clone(),
            since,
        );

        let since = Instant::now();
        let entry = self.entry(target, &created.key_id, created.hint.clone(), created.end, &state);
        if let Err(e) = self.ctx.vault.put(entry.clone(), &created.secret).await {
            let message = format!(
                "{e}. The new secret was removed from Azure again; nothing changed. Fix the keyring, then retry"
            );
            // Whatever the keyring kept of it is useless now.
            let _ = self.ctx.vault.discard(&entry).await;
            self.remove_new(target, &created.key_id).await?;
            self.record(Event::Finished {
                outcome: Outcome::RolledBack,
            })
            .await?;
            return Err(stop(Step::StoreSecret, message));
        }
        self.record(Event::SecretStored {
            key_id: created.key_id.clone(),
        })
        .await?;
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::StoreSecret, "ok", None, None, since)
            .await;
        self.ctx.report(
            &rid,
            None,
            Step::StoreSecret,
            StepStatus::Ok,
            created.key_id.clone(),
            since,
        );
        Ok(created.secret)
    }

    fn entry(
        &self,
        target: &Target,
        key_id: &str,
        hint: Option<String>,
        end: Option<chrono::DateTime<Utc>>,
        state: &State,
    ) -> VaultEntry {
        VaultEntry {
            tenant_id: state.group.tenant_id.clone(),
            app_id: target.app_id.clone(),
            key_id: key_id.to_string(),
            hint,
            display_name: state.requested.as_ref().map(|r| r.0.clone()),
            app_display_name: state.group.app_display_name.clone(),
            owner: match target.kind {
                ObjectKind::Application => CredentialOwner::Application,
                ObjectKind::ServicePrincipal => CredentialOwner::ServicePrincipal,
            },
            created: Utc::now(),
            expires: end,
            clusters: Vec::new(),
            rotation_id: Some(state.group.rotation_id.clone()),
        }
    }

    /// Removes the new secret `key_id` from Azure (it is unused) and journals it.
    async fn remove_new(&self, target: &Target, key_id: &str) -> Result<(), Stop> {
        let graph = &self.ctx.session.graph;
        transient(Step::RollBack, || {
            graph.remove_password(target.kind, &target.object_id, key_id)
        })
        .await
        .or_else(|s| if gone(&s) { Ok(()) } else { Err(s) })?;
        self.record(Event::NewRemoved {
            key_id: key_id.to_string(),
        })
        .await
    }

    /// Secrets with this rotation's marker that are neither old nor in the vault: created by an
    /// `addPassword` whose answer was lost. Nobody has their value, so they go
    /// ([`super::orphans`]; `lag`: how long a fresh write may stay invisible to reads).
    async fn remove_orphans(&self, target: &Target, lag: Option<Duration>) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let Some((requested_name, ..)) = &state.requested else {
            return Ok(());
        };
        // Lag matters only while the answer is unknown: a recorded answer means Azure's write is done.
        let lag = lag.filter(|_| state.created.is_none());
        let mut keep: Vec<String> = state.group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
        match self.ctx.vault.entries().await {
            Ok(entries) => keep.extend(entries.into_iter().map(|e| e.key_id)),
            // Without the vault's list nothing can be proven unheld: remove nothing.
            Err(e) => return Err(stop(Step::AddSecret, format!("the vault cannot be listed: {e}"))),
        }
        // A journal from before markers names `rekey <date>` only, which any installation could have
        // made: matched by its exact name only when it carries this installation's ID.
        let installation = crate::installation::id(&self.ctx.paths)
            .await
            .map_err(|e| stop(Step::AddSecret, e))?;
        let requested_name = if crate::installation::is_ours(requested_name, &installation) {
            requested_name.as_str()
        } else {
            ""
        };
        let ours = super::orphans::Ours {
            rotation_id: &state.group.rotation_id,
            requested_name,
            keep: &keep,
        };
        let graph = &self.ctx.session.graph;
        let orphans = transient(Step::AddSecret, || {
            super::orphans::find(graph, target.kind, &target.app_id, &ours, lag)
        })
        .await?;
        for key_id in orphans {
            tracing::info!(key_id = %key_id, "removing a new secret whose value was lost");
            self.remove_new(target, &key_id).await?;
        }
        Ok(())
    }

    /// Step 4: Entra ID issues a token for the new secret (retrying while it replicates).
    async fn prove(&self, target: &Target, secret: &SecretString) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.proven {
            return Ok(());
        }
        let rid = state.group.rotation_id.clone();
        let since = Instant::now();
        let session = &self.ctx.session;
        let http = session.arm.pipeline().http();
        let cloud = session.arm.cloud();
        let limit = self.ctx.options.replication_timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let credential = ClientSecretCredential::new(
                http.clone(),
                &cloud.login_endpoint,
                &state.group.tenant_id,
                &target.app_id,
                secret.clone(),
            )
            .map_err(|e| stop(Step::ProveSecret, e.to_string()))?;
            match credential.token(&cloud.arm_scope()).await {
                Ok(_) => break,
                Err(e) => {
                    // Replication (the secret or app not known yet) and passing trouble (network,
                    // throttling, a server error) are waited out; anything else is final.
                    let waiting = match &e {
                        AuthError::InvalidClient { .. }
                        | AuthError::UnknownApplication { .. }
                        | AuthError::Transport(_)
                        | AuthError::Malformed(_) => true,
                        AuthError::Rejected { error, .. } => {
                            matches!(error.as_str(), "temporarily_unavailable" | "server_error")
                        }
                        _ => false,
                    };
                    if !waiting || since.elapsed() >= limit {
                        let why = if waiting {
                            format!(
                                "Entra ID still refuses the new secret after {} s ({e}). The cluster is untouched, on its \
                                 old secret. Retry later, or roll back to remove the unused new secret",
                                limit.as_secs()
                            )
                        } else {
                            format!("{e}. The cluster is untouched, on its old secret")
                        };
                        return Err(stop(Step::ProveSecret, why));
                    }
                    self.ctx.report(
                        &rid,
                        None,
                        Step::ProveSecret,
                        StepStatus::Waiting,
                        "waiting for Entra ID to replicate the new secret".into(),
                        since,
                    );
                    tokio::time::sleep(retry::pause(attempt).min(limit.saturating_sub(since.elapsed())))
                        .await;
                }
            }
        }
        let key_id = state.created.as_ref().map(|c| c.0.clone()).unwrap_or_default();
        self.record(Event::SecretProven {
            key_id: key_id.clone(),
        })
        .await?;
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::ProveSecret, "ok", None, None, since)
            .await;
        self.ctx
            .report(&rid, None, Step::ProveSecret, StepStatus::Ok, key_id, since);
        Ok(())
    }

    /// New principal: the chosen role assignments of the old one, given to the new one.
    async fn copy_roles(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.roles_copied || !self.ctx.options.copy_roles {
            return Ok(());
        }
        let Some((_, _, sp_object_id)) = state.new_principal.clone() else {
            return Ok(());
        };
        let since = Instant::now();
        let chosen: Vec<_> = state
            .group
            .role_assignments
            .iter()
            .filter(|r| {
                self.ctx.options.roles_to_copy.is_empty()
                    || self
                        .ctx
                        .options
                        .roles_to_copy
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&r.id))
            })
            .cloned()
            .collect();
        let arm = &self.ctx.session.arm;
        let mut copied = 0u32;
        for role in &chosen {
            let Some(sub) = role
                .scope
                .trim_start_matches("/subscriptions/")
                .split('/')
                .next()
                .map(str::to_string)
            else {
                continue;
            };
            let result = replicating(Step::CopyRoles, self.ctx.options.replication_timeout, || {
                arm.create_role_assignment(&sub, &role.role_definition_id, &sp_object_id)
            })
            .await;
            match result {
                Ok(_) => copied += 1,
                // Already there (a resumed run): fine.
                Err(s) if s.message.contains("RoleAssignmentExists") => copied += 1,
                Err(s) => return Err(s),
            }
        }
        self.record(Event::RolesCopied { count: copied }).await?;
        let state = self.snapshot().await;
        self.ctx
            .audit(
                &state,
                Step::CopyRoles,
                "ok",
                None,
                Some(format!("{copied} role assignment(s)")),
                since,
            )
            .await;
        self.ctx.report(
            &state.group.rotation_id,
            None,
            Step::CopyRoles,
            StepStatus::Ok,
            format!("{copied} copied"),
            since,
        );
        Ok(())
    }

    /// Steps 5 and 6 for every cluster of the group, side by side (bounded by the shared semaphore).
    async fn reset_all(&self, target: &Target, secret: &SecretString) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let clusters: Vec<_> = state
            .group
            .clusters
            .iter()
            .filter(|c| !c.blocked() && !state.verified(&c.id))
            .cloned()
            .collect();
        let mut failures = Vec::new();
        let results = futures_util::future::join_all(clusters.iter().map(|c| async {
            let _permit = self.ctx.resets.acquire().await;
            (
                c.id.clone(),
                c.name.clone(),
                self.reset_one(target, secret, &c.id).await,
            )
        }))
        .await;
        for (_id, name, result) in results {
            if let Err(s) = result {
                failures.push(format!("{name}: {}", s.message));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(stop(
                Step::ResetCluster,
                format!(
                    "{}. The old secret was kept: every cluster still works. Retry the rotation{}",
                    failures.join("; "),
                    if self.snapshot().await.new_secret_may_be_in_use() {
                        ""
                    } else {
                        ", or roll it back to remove the unused new secret"
                    }
                ),
            ))
        }
    }

    async fn reset_one(&self, target: &Target, secret: &SecretString, cluster: &str) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let rid = state.group.rotation_id.clone();
        let id = ClusterId::parse(cluster).map_err(|e| stop(Step::ResetCluster, e.to_string()))?;
        let since = Instant::now();
        let known = state
            .resets
            .get(&cluster.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        // The starting 202's `Retry-After`: Azure asks not to be polled before it.
        let mut first_wait = None;
        let handle = match (known.accepted, known.handle) {
            (true, handle) => handle,
            _ => {
                // A reset sent without a recorded answer may be running: let it finish first.
                self.wait_idle(&id, cluster, &rid, since).await?;
                self.ctx.report(
                    &rid,
                    Some(cluster),
                    Step::ResetCluster,
                    StepStatus::Running,
                    String::new(),
                    since,
                );
                self.record(Event::ResetRequested {
                    cluster: cluster.to_string(),
                })
                .await?;
                match self.send_reset(target, secret, &id, cluster, &rid, since).await {
                    Ok(Started::Done) => None,
                    Ok(Started::Running { handle, retry_after }) => {
                        first_wait = retry_after;
                        Some(handle)
                    }
                    Err(s) => {
                        self.record(Event::ResetFailed {
                            cluster: cluster.to_string(),
                            code: "reset_refused".into(),
                            message: s.message.clone(),
                        })
                        .await?;
                        return Err(s);
                    }
                }
            }
        };
        if !known.accepted {
            self.record(Event::ResetAccepted {
                cluster: cluster.to_string(),
                handle: handle.clone(),
            })
            .await?;
        }
        if let Some(handle) = handle {
            if let Err(s) = self.follow(&handle, first_wait, cluster, &rid, since).await {
                self.record(Event::ResetFailed {
                    cluster: cluster.to_string(),
                    code: "operation_failed".into(),
                    message: s.message.clone(),
                })
                .await?;
                let state = self.snapshot().await;
                self.ctx
                    .audit(
                        &state,
                        Step::ResetCluster,
                        "failed",
                        Some(cluster),
                        Some(s.message.clone()),
                        since,
                    )
                    .await;
                return Err(s);
            }
        }
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::ResetCluster, "ok", Some(cluster), None, since)
            .await;
        self.verify(&id, cluster, target).await
    }

    async fn send_reset(
        &self,
        target: &Target,
        secret: &SecretString,
        id: &ClusterId,
        cluster: &str,
        rid: &str,
        since: Instant,
    ) -> Result<Started, Stop> {
        let arm = &self.ctx.session.arm;
        let state = self.snapshot().await;
        let aad = if state.group.mode == Mode::Aad {
            let resource = transient(Step::ResetCluster, || arm.get_cluster(id)).await?;
            let profile =
                resource
                    .properties
                    .aad_profile
                    .clone()
                    .unwrap_or(crate::azure::models::AadProfile {
                        managed: None,
                        server_app_id: None,
                        client_app_id: None,
                        tenant_id: None,
                    });
            Some(profile)
        } else {
            None
        };
        let limit = self.ctx.options.replication_timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = match &aad {
                None => {
                    arm.reset_service_principal_profile(id, &target.app_id, secret)
                        .await
                }
                Some(profile) => {
                    let reset = AadReset {
                        client_app_id: profile.client_app_id.as_deref().unwrap_or_default(),
                        server_app_id: &target.app_id,
                        server_app_secret: secret,
                        tenant_id: profile.tenant_id.as_deref(),
                    };
                    arm.reset_aad_profile(id, &reset).await
                }
            };
            match sent {
                Ok(started) => return Ok(started),
                Err(e) => {
                    let kind = retry::classify(&e);
                    let again = match kind {
                        Kind::Transient => attempt < retry::TRANSIENT_TRIES,
                        Kind::Replication => since.elapsed() < limit,
                        Kind::Conflict => since.elapsed() < limit,
                        Kind::Fatal => false,
                    };
                    if !again {
                        return Err(stop(Step::ResetCluster, words(&e)));
                    }
                    let detail = match kind {
                        Kind::Conflict => "another operation runs on the cluster; waiting for it".to_string(),
                        Kind::Replication => {
                            "Azure does not accept the new secret yet (replication); retrying".into()
                        }
                        _ => format!("retrying after: {}", words(&e)),
                    };
                    self.ctx.report(
                        rid,
                        Some(cluster),
                        Step::ResetCluster,
                        StepStatus::Waiting,
                        detail,
                        since,
                    );
                    if kind == Kind::Conflict {
                        self.wait_idle(id, cluster, rid, since).await?;
                    } else {
                        tokio::time::sleep(retry::pause(attempt)).await;
                    }
                }
            }
        }
    }

    /// Waits until the cluster runs no operation (its provisioning state is terminal).
    async fn wait_idle(&self, id: &ClusterId, cluster: &str, rid: &str, since: Instant) -> Result<(), Stop> {
        let arm = &self.ctx.session.arm;
        let limit = self.ctx.options.replication_timeout.max(Duration::from_secs(60));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let resource = transient(Step::ResetCluster, || arm.get_cluster(id)).await?;
            let state = resource.properties.provisioning_state.unwrap_or_default();
            let busy = [
                "updating",
                "refreshingaadprofile",
                "upgrading",
                "scaling",
                "starting",
                "stopping",
            ]
            .contains(&state.to_ascii_lowercase().as_str());
            if !busy {
                return Ok(());
            }
            if since.elapsed() > limit {
                return Err(stop(
                    Step::ResetCluster,
                    format!(
                        "the cluster has been '{state}' for over {} s; try again when it is idle",
                        limit.as_secs()
                    ),
                ));
            }
            self.ctx.report(
                rid,
                Some(cluster),
                Step::ResetCluster,
                StepStatus::Waiting,
                format!("cluster is {state}"),
                since,
            );
            tokio::time::sleep(retry::pause(attempt).min(self.ctx.options.max_poll_interval)).await;
        }
    }

    /// Follows the reset operation to its end ([`crate::azure::lro`] owns the loop and honours
    /// `Retry-After`; `max_poll_interval` caps only the pauses Azure does not ask for).
    async fn follow(
        &self,
        handle: &OperationHandle,
        first: Option<Duration>,
        cluster: &str,
        rid: &str,
        since: Instant,
    ) -> Result<(), Stop> {
        let quiet = Duration::from_secs(5).min(self.ctx.options.max_poll_interval);
        let end = self
            .ctx
            .session
            .arm
            .wait_operation(handle, first, quiet, || {
                self.ctx.report(
                    rid,
                    Some(cluster),
                    Step::ResetCluster,
                    StepStatus::Waiting,
                    "Azure operation running".into(),
                    since,
                )
            })
            .await;
        match end {
            Ok(OperationEnd::Succeeded) => Ok(()),
            Ok(OperationEnd::Failed { code, message }) => Err(stop(
                Step::ResetCluster,
                format!("Azure's operation failed: {code}: {message}"),
            )),
            Err(e) => Err(stop(
                Step::ResetCluster,
                format!("could not follow the operation: {}", words(&e)),
            )),
        }
    }

    /// Step 6: the cluster is `Succeeded` and uses the expected principal.
    async fn verify(&self, id: &ClusterId, cluster: &str, target: &Target) -> Result<(), Stop> {
        let since = Instant::now();
        let state = self.snapshot().await;
        let rid = state.group.rotation_id.clone();
        let arm = &self.ctx.session.arm;
        let resource = transient(Step::Verify, || arm.get_cluster(id)).await?;
        let p = &resource.properties;
        let provisioning = p.provisioning_state.clone().unwrap_or_default();
        let holder = match state.group.mode {
            Mode::Aad => p.aad_profile.as_ref().and_then(|a| a.server_app_id.clone()),
            _ => p.service_principal_profile.as_ref().map(|s| s.client_id.clone()),
        };
        if !provisioning.eq_ignore_ascii_case("Succeeded") {
            let message = format!("after the reset the cluster is '{provisioning}', not Succeeded");
            self.record(Event::ResetFailed {
                cluster: cluster.to_string(),
                code: "verify".into(),
                message: message.clone(),
            })
            .await?;
            return Err(stop(Step::Verify, message));
        }
        if !holder
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(&target.app_id))
        {
            let message = format!(
                "after the reset the cluster uses {} instead of {}",
                holder.unwrap_or_else(|| "no principal".into()),
                target.app_id
            );
            return Err(stop(Step::Verify, message));
        }
        let key_id = state.created.as_ref().map(|c| c.0.clone()).unwrap_or_default();
        self.record(Event::ClusterVerified {
            cluster: cluster.to_string(),
            key_id: key_id.clone(),
            app_id: target.app_id.clone(),
        })
        .await?;
        if let Err(e) = self.ctx.vault.add_clusters(&key_id, &[cluster.to_string()]).await {
            tracing::warn!("the vault index does not list {cluster} for {key_id}: {e}");
        }
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::Verify, "ok", Some(cluster), None, since)
            .await;
        self.ctx
            .report(&rid, Some(cluster), Step::Verify, StepStatus::Ok, key_id, since);
        Ok(())
    }

    /// Step 7: the old secrets, by policy, once every cluster of the group is verified.
    async fn retire(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let rid = state.group.rotation_id.clone();
        let all_verified = state
            .group
            .clusters
            .iter()
            .filter(|c| !c.blocked())
            .all(|c| state.verified(&c.id));
        if !all_verified {
            return Err(stop(
                Step::RetireOld,
                "not every cluster is verified on the new secret; the old secrets stay",
            ));
        }
        let since = Instant::now();
        let due = match state.group.retire {
            Retire::Never => false,
            Retire::Now => true,
            Retire::After { hours } => {
                let after = match state.retire_after {
                    Some(t) => t,
                    None => {
                        let t = Utc::now() + chrono::Duration::hours(i64::from(hours));
                        self.record(Event::RetireScheduled { not_before: t }).await?;
                        t
                    }
                };
                Utc::now() >= after
            }
        };
        if !due {
            let outcome = if state.group.retire == Retire::Never {
                Outcome::Succeeded
            } else {
                Outcome::RetirePending
            };
            if state.finished != Some(outcome) {
                self.record(Event::Finished { outcome }).await?;
            }
            self.ctx.report(
                &rid,
                None,
                Step::RetireOld,
                StepStatus::Skipped,
                state.group.retire.label(),
                since,
            );
            return Ok(());
        }
        // The old secrets are on the principal the clusters used before. In mode new-sp that is the
        // old principal, which no cluster of this group uses any more.
        let graph = &self.ctx.session.graph;
        let app_id = state.group.app_id.clone();
        let app = transient(Step::RetireOld, || graph.application(&app_id)).await?;
        let sp = transient(Step::RetireOld, || graph.service_principal(&app_id)).await?;
        let new_key = state.created.as_ref().map(|c| c.0.to_ascii_lowercase());
        for old in &state.group.old_secrets {
            let key = old.key_id.to_ascii_lowercase();
            if state.old_removed.contains(&key) || Some(&key) == new_key.as_ref() {
                continue;
            }
            let (kind, object) = if old.on == "servicePrincipal" {
                (ObjectKind::ServicePrincipal, sp.as_ref())
            } else {
                (ObjectKind::Application, app.as_ref())
            };
            // Not seeing the object is not seeing the secret gone: the old secret may still work.
            let Some(object) = object else {
                return Err(stop(
                    Step::RetireOld,
                    format!(
                        "the {} of application {app_id} cannot be seen in tenant {} with this \
                         session, so the old secret {} could not be removed and still works; sign in \
                         to that tenant and resume",
                        if kind == ObjectKind::ServicePrincipal {
                            "service principal"
                        } else {
                            "application"
                        },
                        state.group.tenant_id,
                        old.key_id
                    ),
                ));
            };
            let still_there = object
                .password_credentials
                .iter()
                .any(|c| c.key_id.eq_ignore_ascii_case(&key));
            if still_there {
                transient(Step::RetireOld, || {
                    graph.remove_password(kind, &object.id, &old.key_id)
                })
                .await
                .or_else(|s| if gone(&s) { Ok(()) } else { Err(s) })?;
            }
            self.record(Event::OldRemoved {
                key_id: old.key_id.clone(),
            })
            .await?;
        }
        self.record(Event::Finished {
            outcome: Outcome::Succeeded,
        })
        .await?;
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::RetireOld, "ok", None, None, since)
            .await;
        self.ctx.report(
            &rid,
            None,
            Step::RetireOld,
            StepStatus::Ok,
            format!("{} removed", state.old_removed.len()),
            since,
        );
        Ok(())
    }

    async fn roll_back(&self) -> GroupResult {
        let state = self.snapshot().await;
        if state.finished == Some(Outcome::RolledBack) {
            return self.result(None).await;
        }
        if state.new_secret_may_be_in_use() {
            return self
                .result(Some(stop(
                    Step::RollBack,
                    "a cluster was already sent the new secret, so it stays; retry the rotation instead",
                )))
                .await;
        }
        let since = Instant::now();
        if let Some((_, kind, object_id, app_id)) = state.requested.clone() {
            let target = Target {
                kind,
                object_id,
                app_id,
            };
            if let Err(s) = self.remove_orphans(&target, Some(super::orphans::READ_LAG)).await {
                return self.result(Some(s)).await;
            }
            if let Some((key_id, hint, end)) = state.created.clone() {
                if let Err(s) = self.remove_new(&target, &key_id).await {
                    return self.result(Some(s)).await;
                }
                let entry = self.entry(&target, &key_id, hint, end, &state);
                if let Err(e) = self.ctx.vault.discard(&entry).await {
                    tracing::warn!("the unused secret {key_id} stays in the keyring: {e}");
                }
            }
        }
        if let Err(s) = self
            .record(Event::Finished {
                outcome: Outcome::RolledBack,
            })
            .await
        {
            return self.result(Some(s)).await;
        }
        let state = self.snapshot().await;
        self.ctx
            .audit(&state, Step::RollBack, "ok", None, None, since)
            .await;
        self.result(None).await
    }

    async fn result(&self, failure: Option<Stop>) -> GroupResult {
        let state = self.snapshot().await;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for c in &state.group.clusters {
            if state.verified(&c.id) {
                done.push(c.id.clone());
            } else if let Some((_, message)) = state
                .resets
                .get(&c.id.to_ascii_lowercase())
                .and_then(|r| r.failed.clone())
            {
                failed.push(ClusterFailure {
                    cluster: c.id.clone(),
                    step: Step::ResetCluster,
                    message,
                });
            }
        }
        let outcome = match (&failure, state.finished) {
            (None, Some(o)) => o,
            (Some(_), Some(Outcome::RolledBack)) => Outcome::RolledBack,
            _ => Outcome::Failed,
        };
        GroupResult {
            rotation_id: state.group.rotation_id.clone(),
            mode: state.group.mode,
            app_id: state.group.app_id.clone(),
            outcome,
            new_key_id: state.created.as_ref().map(|c| c.0.clone()),
            new_hint: state.created.as_ref().and_then(|c| c.1.clone()),
            new_app_id: state.new_principal.as_ref().map(|p| p.0.clone()),
            clusters_done: done,
            clusters_failed: failed,
            retired: state.old_removed.clone(),
            retire_after: state.retire_after,
            message: failure.map(|s| format!("{}: {}", s.step.label(), s.message)),
        }
    }
}

/// Whether a removal failed because the secret is already gone (removed by a resumed run, or by
/// hand): the goal is met.
fn gone(s: &Stop) -> bool {
    let m = s.message.to_ascii_lowercase();
    m.contains("no password credential") || m.contains("not found") || m.contains("does not exist")
}

/// Runs `call` again on transient failures (network, 5xx, throttling beyond the HTTP layer), within
/// the step's request budget; when it runs out, the reason says so.
async fn transient<T, F, Fut>(step: Step, call: F) -> Result<T, Stop>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ArmError>>,
{
    let mut budget = retry::Budget::new(retry::TRANSIENT_TRIES, STEP_TIME);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if retry::classify(&e) == Kind::Transient => {
                if !budget.spend() {
                    return Err(stop(step, budget.spent(&words(&e))));
                }
                tokio::time::sleep(retry::pause(budget.used())).await;
            }
            Err(e) => return Err(stop(step, words(&e))),
        }
    }
}

/// The longest a step retries transient failures (the HTTP layer's own retries come on top).
const STEP_TIME: Duration = Duration::from_secs(600);

/// [`transient`], and also while Entra ID replicates something new, up to `limit`.
async fn replicating<T, F, Fut>(step: Step, limit: Duration, call: F) -> Result<T, Stop>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ArmError>>,
{
    let since = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let again = match retry::classify(&e) {
                    Kind::Transient => attempt < retry::TRANSIENT_TRIES,
                    Kind::Replication => since.elapsed() < limit,
                    _ => false,
                };
                if !again {
                    return Err(stop(step, words(&e)));
                }
                tokio::time::sleep(retry::pause(attempt)).await;
            }
        }
    }
}
