//! Steps 1 and 2: the user-assigned identity found or created, then the roles its principal (or,
//! after the update, the kubelet's) needs, granted and waited for until Azure lists them — the
//! update must not meet a role that is not there yet.

use super::step::{again, failed, stop, transient, Stop};
use super::Run;
use crate::azure::identity::ResourceId;
use crate::azure::roles::builtin_definition;
use crate::migration::discovery::assignments_for;
use crate::migration::journal::Event;
use crate::migration::model::{IdentityChoice, Who};
use crate::migration::plan::visible;
use crate::rotation::retry::{Budget, Kind};

const IDENTITY: &str = "identity";

impl Run<'_> {
    /// The control-plane identity's principal, when it exists before the update (user-assigned).
    pub(super) async fn identity(&self) -> Result<Option<String>, Stop> {
        let state = self.snapshot().await;
        let IdentityChoice::UserAssigned { id, create, location } = &state.plan.identity else {
            return Ok(None);
        };
        if let Some(p) = &state.principal_id {
            return Ok(Some(p.clone()));
        }
        let step = self.scope(IDENTITY);
        let rid = ResourceId::parse(id).map_err(|e| stop(IDENTITY, e.to_string()))?;
        let arm = &self.ctx.session.arm;
        step.running(if *create {
            format!("creating {id}")
        } else {
            format!("reading {id}")
        });
        let found = if *create {
            transient(IDENTITY, || arm.create_user_assigned_identity(&rid, location)).await?
        } else {
            transient(IDENTITY, || arm.user_assigned_identity(&rid)).await?
        };
        let Some(principal) = found.properties.principal_id.clone() else {
            return Err(stop(IDENTITY, format!("Azure shows no principal ID for {id}")));
        };
        step.done(
            Some(Event::IdentityReady {
                principal_id: principal.clone(),
                client_id: found.properties.client_id.clone(),
            }),
            format!("{id}: principal {principal}"),
        )
        .await?;
        Ok(Some(principal))
    }

    /// Grants `who`'s roles to `principal`, then waits until Azure lists every one of them.
    pub(super) async fn grant(&self, who: Who, principal: &str) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.visible.contains(&who) {
            return Ok(());
        }
        let name: &'static str = match who {
            Who::ControlPlane => "control-plane roles",
            Who::Kubelet => "kubelet roles",
        };
        let grants: Vec<_> = state.plan.to_grant(who).cloned().collect();
        let step = self.scope(name);
        let arm = &self.ctx.session.arm;
        for g in &grants {
            if state.granted(who, &g.role_id, &g.scope) {
                continue;
            }
            step.running(format!("{} on {}", g.role, g.scope));
            let scope = ResourceId::parse(&g.scope).map_err(|e| stop(name, e.to_string()))?;
            // A new identity's principal may not have replicated to ARM yet (PrincipalNotFound).
            again(Budget::waiting(self.ctx.visibility_timeout), |_| async {
                arm.assign_role(&scope, &builtin_definition(&scope, &g.role_id), principal)
                    .await
                    .map_err(|e| failed(name, &e))
            })
            .await
            .map_err(|mut s| {
                s.message =
                    format!(
                    "{} on {} for {}: {}. Nothing else was changed: the cluster still runs on its service \
                     principal",
                    g.role, g.scope, who.label(), s.message
                );
                s
            })?;
            self.record(Event::RoleGranted {
                who,
                role_id: g.role_id.clone(),
                scope: g.scope.clone(),
                principal_id: principal.to_string(),
            })
            .await?;
        }
        if !grants.is_empty() {
            let wanted: Vec<_> = grants.iter().collect();
            let budget = Budget::waiting(self.ctx.visibility_timeout).max_pause(self.ctx.max_poll_interval);
            again(budget, |_| async {
                let has = assignments_for(&self.ctx.session, principal, grants.iter().map(|g| g.scope.as_str()))
                    .await
                    .map_err(|m| Stop {
                        kind: Kind::Transient,
                        ..stop(name, m)
                    })?;
                if visible(&wanted, &has) {
                    return Ok(());
                }
                step.waiting("waiting for the new role assignments to show in Azure (propagation)");
                Err(Stop {
                    kind: Kind::Replication,
                    ..stop(
                        name,
                        format!(
                            "the new role assignments of {} did not show in Azure within {} s; the cluster was \
                             not changed. Resume later",
                            who.label(),
                            self.ctx.visibility_timeout.as_secs()
                        ),
                    )
                })
            })
            .await?;
        }
        step.done(
            Some(Event::RolesVisible { who }),
            format!(
                "{} role(s) granted to the {} and visible",
                grants.len(),
                who.label()
            ),
        )
        .await
    }
}
