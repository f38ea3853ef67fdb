//! Step 3: the managed cluster moves to its managed identity — the model read, its `identity`
//! changed and PUT back whole, as `az aks update --enable-managed-identity [--assign-identity ID]`
//! does (azure-cli, acs/managed_cluster_decorator.py, `update_identity`); the operation followed
//! through [`crate::azure::lro`]; then verified: `identity.principalId` (or the user-assigned
//! identity) and `servicePrincipalProfile.clientId == "msi"`. A resumed move that journaled the
//! request but not Azure's answer reads the cluster before sending it again.

use std::time::Duration;

use serde_json::{json, Value};

use super::step::{again, failed, stop, transient, Scope, Stop};
use super::Run;
use crate::azure::arm::ClusterId;
use crate::azure::lro::{OperationHandle, Started};
use crate::azure::models::ManagedCluster;
use crate::migration::journal::Event;
use crate::migration::model::{IdentityChoice, Who};
use crate::rotation::retry::{self, Budget, Kind};

const UPDATE: &str = "update cluster";
const VERIFY: &str = "verify identity";
/// What the cluster still has when the update fails.
const KEPT: &str = "The cluster still runs on its service principal, whose secrets were not touched";

/// `model` with the identity AKS should move to, and without the read-only fields an SDK drops.
pub fn with_identity(mut model: Value, identity: &IdentityChoice) -> Value {
    model["identity"] = match identity {
        IdentityChoice::SystemAssigned => json!({ "type": "SystemAssigned" }),
        IdentityChoice::UserAssigned { id, .. } => {
            json!({ "type": "UserAssigned", "userAssignedIdentities": { id.clone(): {} } })
        }
    };
    if let Some(props) = model.get_mut("properties").and_then(Value::as_object_mut) {
        for read_only in ["provisioningState", "powerState", "currentKubernetesVersion"] {
            props.remove(read_only);
        }
    }
    model
}

/// Whether the cluster already runs on a managed identity (the update went through).
pub fn on_managed_identity(cluster: &ManagedCluster) -> bool {
    cluster
        .properties
        .service_principal_profile
        .as_ref()
        .is_some_and(|s| s.client_id.eq_ignore_ascii_case("msi"))
}

impl Run<'_> {
    /// The update, sent again while Azure refuses it for roles granted moments ago that are not in
    /// effect yet (`LinkedAuthorizationFailed` on the subnet, `AuthorizationFailed` on the route
    /// table; Azure RBAC takes up to minutes to propagate).
    pub(super) async fn update(&self) -> Result<(), Stop> {
        let since = std::time::Instant::now();
        let granted = self
            .snapshot()
            .await
            .plan
            .to_grant(Who::ControlPlane)
            .next()
            .is_some();
        loop {
            let err = match self.update_once().await {
                Ok(()) => return Ok(()),
                Err(s) => s,
            };
            if err.operation_failed {
                // Azure ended it: the cluster stays as it was, and a resume sends it again.
                self.record(Event::UpdateFailed {
                    code: err
                        .cause
                        .as_ref()
                        .and_then(|c| c.code.clone())
                        .unwrap_or_default(),
                })
                .await?;
            }
            let unpropagated = err.operation_failed
                && err
                    .cause
                    .as_ref()
                    .and_then(|c| c.code.as_deref())
                    .is_some_and(|c| {
                        c.eq_ignore_ascii_case("LinkedAuthorizationFailed")
                            || c.eq_ignore_ascii_case("AuthorizationFailed")
                    });
            if !(unpropagated && granted && since.elapsed() < self.ctx.visibility_timeout) {
                return Err(err);
            }
            self.scope(UPDATE)
                .waiting("Azure does not apply the new roles yet (propagation); updating again");
            tokio::time::sleep(self.ctx.max_poll_interval.min(Duration::from_secs(5))).await;
        }
    }

    async fn update_once(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let id = ClusterId::parse(&state.plan.cluster_id).map_err(|e| stop(UPDATE, e.to_string()))?;
        let step = self.scope(UPDATE);
        let arm = &self.ctx.session.arm;
        let mut first_wait = None;
        let handle = match state.update_accepted {
            Some(handle) => handle,
            None => {
                let sent_before = state.update_requested && {
                    let now = transient(UPDATE, || arm.get_cluster(&id)).await?;
                    on_managed_identity(&now) || self.busy(&now)
                };
                if sent_before {
                    step.waiting("the update sent before the interruption is on its way");
                    None
                } else {
                    self.wait_idle(&id, &step, UPDATE).await?;
                    self.record(Event::UpdateRequested).await?;
                    step.running(format!("to the {}", state.plan.identity.label()));
                    match self.send_update(&id, &state.plan.identity, &step).await? {
                        Started::Done => None,
                        Started::Running { handle, retry_after } => {
                            first_wait = retry_after;
                            Some(handle)
                        }
                    }
                }
            }
        };
        if self.snapshot().await.update_accepted.is_none() {
            self.record(Event::UpdateAccepted {
                handle: handle.clone(),
            })
            .await?;
        }
        if let Some(handle) = &handle {
            self.follow(handle, first_wait, &step, UPDATE, KEPT).await?;
        }
        self.wait_idle(&id, &step, UPDATE).await?;
        step.done(None, "Azure finished the update").await?;
        self.verify_identity(&id).await
    }

    /// GET the model, change its identity, PUT it; again after a 409 (another operation) or a
    /// transient failure.
    async fn send_update(
        &self,
        id: &ClusterId,
        identity: &IdentityChoice,
        step: &Scope<'_, '_>,
    ) -> Result<Started, Stop> {
        let arm = &self.ctx.session.arm;
        let budget = Budget::waiting(self.ctx.visibility_timeout.max(Duration::from_secs(60)));
        again(budget, |_| async {
            let model = transient(UPDATE, || arm.cluster_model(id)).await?;
            match arm.put_cluster_model(id, &with_identity(model, identity)).await {
                Ok(started) => Ok(started),
                Err(e) => {
                    let mut s = failed(UPDATE, &e);
                    if s.kind == Kind::Conflict {
                        self.wait_idle(id, step, UPDATE).await?;
                    }
                    s.message = format!("Azure refused the update: {}. {KEPT}", s.message);
                    Err(s)
                }
            }
        })
        .await
    }

    fn busy(&self, cluster: &ManagedCluster) -> bool {
        let state = cluster.properties.provisioning_state.clone().unwrap_or_default();
        crate::azure::models::is_busy(&state)
    }

    /// Waits until the cluster runs no operation.
    pub(super) async fn wait_idle(
        &self,
        id: &ClusterId,
        step: &Scope<'_, '_>,
        name: &'static str,
    ) -> Result<(), Stop> {
        let arm = &self.ctx.session.arm;
        let limit = self.ctx.visibility_timeout.max(Duration::from_secs(120));
        let budget = Budget::waiting(limit).max_pause(self.ctx.max_poll_interval);
        again(budget, |_| async {
            let cluster = transient(name, || arm.get_cluster(id)).await?;
            if !self.busy(&cluster) {
                return Ok(());
            }
            let state = cluster.properties.provisioning_state.unwrap_or_default();
            step.waiting(format!("cluster is {state}"));
            Err(Stop {
                kind: Kind::Conflict,
                ..stop(
                    name,
                    format!(
                        "the cluster has been '{state}' for over {} s; resume when it is idle",
                        limit.as_secs()
                    ),
                )
            })
        })
        .await
    }

    /// Follows an operation to its end; a `Failed` end is Azure's words with `kept` after them.
    pub(super) async fn follow(
        &self,
        handle: &OperationHandle,
        first: Option<Duration>,
        step: &Scope<'_, '_>,
        name: &'static str,
        kept: &str,
    ) -> Result<(), Stop> {
        let arm = &self.ctx.session.arm;
        let waiting = || step.waiting("Azure operation running");
        let after = (format!(". {kept}"), ". Resume to go on".to_string());
        let max_poll = self.ctx.max_poll_interval;
        retry::stop::follow(arm, handle, first, max_poll, waiting, name, (&after.0, &after.1)).await
    }

    async fn verify_identity(&self, id: &ClusterId) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let step = self.scope(VERIFY);
        let cluster = transient(VERIFY, || self.ctx.session.arm.get_cluster(id)).await?;
        let identity = cluster.identity.clone().unwrap_or_default();
        let principal = match &state.plan.identity {
            IdentityChoice::SystemAssigned => identity.principal_id.clone(),
            IdentityChoice::UserAssigned { id: uami, .. } => identity
                .user_assigned_identities
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(uami))
                .and_then(|(_, v)| v.principal_id.clone())
                .or(state.principal_id.clone()),
        };
        let Some(principal) = principal.filter(|p| !p.is_empty()) else {
            return Err(stop(
                VERIFY,
                "Azure shows no principal for the cluster's managed identity after the update",
            ));
        };
        if !on_managed_identity(&cluster) {
            return Err(stop(
                VERIFY,
                "servicePrincipalProfile.clientId is not \"msi\" after the update: the cluster did not move. Its \
                 service principal still works; resume to try again",
            ));
        }
        let kubelet = cluster
            .properties
            .identity_profile
            .get("kubeletidentity")
            .cloned();
        step.done(
            Some(Event::IdentityVerified {
                principal_id: principal.clone(),
                kubelet_object_id: kubelet.as_ref().and_then(|k| k.object_id.clone()),
                kubelet_client_id: kubelet.and_then(|k| k.client_id),
            }),
            format!("control plane on managed identity {principal}; clientId is msi"),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_keeps_everything_but_its_identity_and_read_only_state() {
        let model = json!({
            "location": "westeurope",
            "properties": {"provisioningState": "Succeeded", "servicePrincipalProfile": {"clientId": "a"}, "dnsPrefix": "x"}
        });
        let out = with_identity(
            model,
            &IdentityChoice::UserAssigned {
                id: "/subscriptions/s/u".into(),
                create: false,
                location: String::new(),
            },
        );
        assert_eq!(out["identity"]["type"], "UserAssigned");
        assert!(out["identity"]["userAssignedIdentities"]["/subscriptions/s/u"].is_object());
        assert_eq!(out["properties"]["dnsPrefix"], "x");
        assert_eq!(out["properties"]["servicePrincipalProfile"]["clientId"], "a");
        assert!(out["properties"].get("provisioningState").is_none());
        assert_eq!(
            with_identity(json!({}), &IdentityChoice::SystemAssigned)["identity"]["type"],
            "SystemAssigned"
        );
    }
}
