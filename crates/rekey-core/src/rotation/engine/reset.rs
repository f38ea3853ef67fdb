//! Step 5, reset: every cluster of the group is sent the new secret (side by side, bounded by the
//! shared semaphore), after any operation already running on it; Azure's operation is followed to
//! its end, then the cluster is verified.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use secrecy::SecretString;

use super::step::{again, failed, given_up, stop, transient, Scope, Stop};
use super::{Run, Target};
use crate::azure::arm::ClusterId;
use crate::azure::lro::{AadReset, OperationHandle, Started};
use crate::azure::models::AadProfile;
use crate::rotation::journal::Event;
use crate::rotation::model::{Mode, Step};
use crate::rotation::retry::{self, Budget, Kind};

impl Run<'_> {
    /// Steps 5 and 6 for every cluster of the group not verified yet.
    pub(super) async fn reset_all(&self, target: &Target, secret: &SecretString) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let clusters: Vec<_> = state
            .group
            .clusters
            .iter()
            .filter(|c| !c.blocked() && !state.verified(&c.id))
            .cloned()
            .collect();
        let results = futures_util::future::join_all(clusters.iter().map(|c| async {
            let _permit = self.ctx.resets.acquire().await;
            (c.name.clone(), self.reset_one(target, secret, &c.id).await)
        }))
        .await;
        let failures: Vec<String> = results
            .into_iter()
            .filter_map(|(name, result)| result.err().map(|s| format!("{name}: {}", s.message)))
            .collect();
        if failures.is_empty() {
            return Ok(());
        }
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

    async fn reset_one(&self, target: &Target, secret: &SecretString, cluster: &str) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let id = ClusterId::parse(cluster).map_err(|e| stop(Step::ResetCluster, e.to_string()))?;
        let step = self.scope(Step::ResetCluster, Some(cluster));
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
                self.wait_idle(&id, &step).await?;
                step.running("");
                self.record(Event::ResetRequested {
                    cluster: cluster.to_string(),
                })
                .await?;
                match self.send_reset(target, secret, &id, &step).await {
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
            if let Err(s) = self.follow(&handle, first_wait, &step).await {
                self.record(Event::ResetFailed {
                    cluster: cluster.to_string(),
                    code: "operation_failed".into(),
                    message: s.message.clone(),
                })
                .await?;
                step.audit_failed(&s).await;
                return Err(s);
            }
        }
        step.ok(None, None, None).await?;
        self.verify(&id, cluster, target).await
    }

    /// The reset request, tried again while Azure does not know the new secret yet (replication),
    /// after another operation on the cluster, and on transient failures.
    async fn send_reset(
        &self,
        target: &Target,
        secret: &SecretString,
        id: &ClusterId,
        step: &Scope<'_, '_>,
    ) -> Result<Started, Stop> {
        let arm = &self.ctx.session.arm;
        let aad = if self.snapshot().await.group.mode == Mode::Aad {
            let resource = transient(Step::ResetCluster, || arm.get_cluster(id)).await?;
            Some(resource.properties.aad_profile.unwrap_or(AadProfile {
                managed: None,
                server_app_id: None,
                client_app_id: None,
                tenant_id: None,
            }))
        } else {
            None
        };
        // After a 409 for another operation, the next try waits for the cluster to be idle.
        let busy = AtomicBool::new(false);
        let mut budget = Budget::waiting(self.ctx.options.replication_timeout);
        let sent = retry::retrying(
            &mut budget,
            |_| async {
                if busy.load(Ordering::Relaxed) {
                    self.wait_idle(id, step).await?;
                }
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
                sent.map_err(|e| failed(Step::ResetCluster, &e))
            },
            |s: &Stop, budget| {
                let pause = budget.next(s.kind)?;
                step.waiting(match s.kind {
                    Kind::Conflict => "another operation runs on the cluster; waiting for it".to_string(),
                    Kind::Replication => {
                        "Azure does not accept the new secret yet (replication); retrying".into()
                    }
                    _ => format!("retrying after: {}", s.message),
                });
                busy.store(s.kind == Kind::Conflict, Ordering::Relaxed);
                // The wait for the idle cluster is the pause.
                Some(if s.kind == Kind::Conflict {
                    Duration::ZERO
                } else {
                    pause
                })
            },
        )
        .await;
        sent.map_err(|s| given_up(s, &budget))
    }

    /// Waits until the cluster runs no operation (its provisioning state is terminal).
    async fn wait_idle(&self, id: &ClusterId, step: &Scope<'_, '_>) -> Result<(), Stop> {
        let arm = &self.ctx.session.arm;
        let limit = self.ctx.options.replication_timeout.max(Duration::from_secs(60));
        let budget = Budget::waiting(limit).max_pause(self.ctx.options.max_poll_interval);
        again(budget, |_| async {
            let resource = transient(Step::ResetCluster, || arm.get_cluster(id)).await?;
            let state = resource.properties.provisioning_state.unwrap_or_default();
            if !crate::azure::models::is_busy(&state) {
                return Ok(());
            }
            step.waiting(format!("cluster is {state}"));
            Err(Stop {
                kind: Kind::Conflict,
                ..stop(
                    Step::ResetCluster,
                    format!(
                        "the cluster has been '{state}' for over {} s; try again when it is idle",
                        limit.as_secs()
                    ),
                )
            })
        })
        .await
    }

    /// Follows the reset operation to its end (the engines' one [`retry::stop::follow`]).
    async fn follow(
        &self,
        handle: &OperationHandle,
        first: Option<Duration>,
        step: &Scope<'_, '_>,
    ) -> Result<(), Stop> {
        let arm = &self.ctx.session.arm;
        let waiting = || step.waiting("Azure operation running");
        let max_poll = self.ctx.options.max_poll_interval;
        retry::stop::follow(
            arm,
            handle,
            first,
            max_poll,
            waiting,
            Step::ResetCluster,
            ("", ""),
        )
        .await
    }
}
