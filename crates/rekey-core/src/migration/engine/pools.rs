//! Steps 5 and 6: each node pool's image upgraded (`agentPools/{pool}/upgradeNodeImageVersion`, an
//! operation followed through [`crate::azure::lro`]), pool by pool — the moment its kubelet leaves the
//! service principal — then the kubelet identity verified on the cluster.

use super::step::{again, failed, stop, transient, Stop};
use super::Run;
use crate::azure::arm::ClusterId;
use crate::azure::lro::Started;
use crate::azure::models::is_busy;
use crate::migration::journal::Event;
use crate::rotation::retry::{Budget, Kind};

const UPGRADE: &str = "node image upgrade";
const KUBELET: &str = "verify kubelet";
const KEPT: &str = "This pool's nodes keep using the service principal, whose secrets were not touched";

impl Run<'_> {
    pub(super) async fn pools(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.kubelet_verified {
            return Ok(());
        }
        let id = ClusterId::parse(&state.plan.cluster_id).map_err(|e| stop(UPGRADE, e.to_string()))?;
        for pool in &state.plan.pools {
            if self.snapshot().await.pools_done.contains(&pool.name) {
                continue;
            }
            self.upgrade_pool(&id, &pool.name).await?;
        }
        let step = self.scope(KUBELET);
        let cluster = transient(KUBELET, || self.ctx.session.arm.get_cluster(&id)).await?;
        let kubelet = cluster.properties.identity_profile.get("kubeletidentity");
        let Some(object_id) = kubelet.and_then(|k| k.object_id.clone()) else {
            return Err(stop(
                KUBELET,
                "the cluster shows no kubelet identity (identityProfile.kubeletidentity): the service principal's \
                 secrets are kept; resume once it shows",
            ));
        };
        step.done(
            Some(Event::KubeletVerified),
            format!("every pool runs on kubelet identity {object_id}"),
        )
        .await
    }

    async fn upgrade_pool(&self, id: &ClusterId, pool: &str) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let step = self.scope(UPGRADE);
        let arm = &self.ctx.session.arm;
        let accepted = state
            .pools_accepted
            .iter()
            .find(|(p, _)| p == pool)
            .map(|(_, h)| h.clone());
        let mut first_wait = None;
        let handle = match accepted {
            Some(handle) => handle,
            None => {
                let requested = state.pools_requested.iter().any(|p| p == pool);
                let running = requested && {
                    let now = transient(UPGRADE, || arm.agent_pool(id, pool)).await?;
                    is_busy(&now.properties.provisioning_state.unwrap_or_default())
                };
                if running {
                    step.waiting(format!(
                        "{pool}: the upgrade sent before the interruption is running"
                    ));
                    None
                } else {
                    self.wait_idle(id, &step, UPGRADE).await?;
                    self.record(Event::PoolUpgradeRequested { pool: pool.into() })
                        .await?;
                    step.running(format!("{pool}: re-imaging its nodes"));
                    let started = again(Budget::transient(), |_| async {
                        match arm.upgrade_node_image(id, pool).await {
                            Ok(s) => Ok(s),
                            Err(e) => {
                                let s = failed(UPGRADE, &e);
                                if s.kind == Kind::Conflict {
                                    self.wait_idle(id, &step, UPGRADE).await?;
                                }
                                Err(s)
                            }
                        }
                    })
                    .await
                    .map_err(|mut s| {
                        s.message = format!(
                            "pool {pool}: Azure refused the image upgrade: {}. {KEPT}",
                            s.message
                        );
                        s
                    })?;
                    match started {
                        Started::Done => None,
                        Started::Running { handle, retry_after } => {
                            first_wait = retry_after;
                            Some(handle)
                        }
                    }
                }
            }
        };
        if !self
            .snapshot()
            .await
            .pools_accepted
            .iter()
            .any(|(p, _)| p == pool)
        {
            self.record(Event::PoolUpgradeAccepted {
                pool: pool.into(),
                handle: handle.clone(),
            })
            .await?;
        }
        if let Some(handle) = &handle {
            let kept = format!("pool {pool}: {KEPT}");
            if let Err(s) = self.follow(handle, first_wait, &step, UPGRADE, &kept).await {
                if s.operation_failed {
                    // Azure ended it: the nodes are as they were, and a resume sends it again.
                    self.record(Event::PoolUpgradeFailed {
                        pool: pool.into(),
                        code: s.cause.as_ref().and_then(|c| c.code.clone()).unwrap_or_default(),
                    })
                    .await?;
                }
                return Err(s);
            }
        }
        // The pool is idle and Succeeded.
        let agent = transient(UPGRADE, || arm.agent_pool(id, pool)).await?;
        let s = agent.properties.provisioning_state.unwrap_or_default();
        if !s.eq_ignore_ascii_case("Succeeded") {
            self.wait_idle(id, &step, UPGRADE).await?;
            let again = transient(UPGRADE, || arm.agent_pool(id, pool)).await?;
            let s = again.properties.provisioning_state.unwrap_or_default();
            if !s.eq_ignore_ascii_case("Succeeded") {
                return Err(stop(
                    UPGRADE,
                    format!("pool {pool} is '{s}' after its image upgrade. {KEPT}"),
                ));
            }
        }
        step.done(
            Some(Event::PoolUpgraded { pool: pool.into() }),
            format!(
                "{pool}: node image {}",
                agent
                    .properties
                    .node_image_version
                    .unwrap_or_else(|| "upgraded".into())
            ),
        )
        .await
    }
}
