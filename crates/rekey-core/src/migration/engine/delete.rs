//! Asked for, after the secrets: the old principal deleted — its role assignments that served this
//! cluster, then its application (which takes the service principal with it; Entra ID keeps both
//! among deleted items for 30 days). Checked again first, from Azure, since the plan may be days
//! old: no other cluster of any subscription this account sees uses the app, and the principal
//! holds no role the plan did not explain. What cannot be read keeps the principal: never deleted
//! on a guess.

use super::step::{failed, transient, Stop};
use super::Run;
use crate::azure::directory::ObjectKind;
use crate::migration::discovery::roles_everywhere;
use crate::migration::journal::Event;
use crate::rotation::retry::explain;

const DELETE: &str = "delete principal";

impl Run<'_> {
    /// Deletes the principal, or says why it is kept; `Ok` either way (the move itself is done).
    pub(super) async fn delete_principal(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if !state.plan.principal_after.delete || state.principal_done {
            return Ok(());
        }
        let step = self.scope(DELETE);
        step.running("checking that nothing else uses the principal");
        let Some(sp) = state.plan.sp_object_id.clone() else {
            return self.keep("its service principal's object ID is unknown").await;
        };
        if let Some(why) = self.still_used(&sp).await {
            return self.keep(&why).await;
        }
        let arm = &self.ctx.session.arm;
        for h in state.plan.held.iter().filter(|h| h.for_cluster) {
            let id = h.assignment.id.clone();
            transient(DELETE, || arm.delete_role_assignment(&id)).await?;
        }
        let graph = &self.ctx.session.graph;
        let app_id = state.plan.app_id.clone();
        if let Some(app) = transient(DELETE, || graph.application(&app_id)).await? {
            graph
                .delete_object(ObjectKind::Application, &app.id)
                .await
                .map_err(|e| failed(DELETE, &e))?;
        }
        let removed = state.plan.held.iter().filter(|h| h.for_cluster).count();
        step.done(
            Some(Event::PrincipalDone {
                deleted: true,
                kept: None,
            }),
            format!(
                "application {app_id} deleted with {removed} role assignment(s) it held for this cluster \
                 (restorable from Entra ID's deleted items for 30 days)"
            ),
        )
        .await
    }

    /// Another cluster that uses the app now, in any subscription this account sees (read from
    /// Azure: the plan may be days old); `Err` when a list could not be read.
    pub(super) async fn other_cluster(&self) -> Result<Option<String>, String> {
        let plan = self.snapshot().await.plan;
        let arm = &self.ctx.session.arm;
        let subscriptions = arm
            .list_subscriptions()
            .await
            .map_err(|e| format!("the subscriptions could not be listed ({})", explain(&e)))?;
        for sub in &subscriptions {
            let clusters = arm
                .list_managed_clusters(&sub.subscription_id)
                .await
                .map_err(|e| {
                    format!(
                        "the clusters of subscription {} could not be listed ({})",
                        sub.subscription_id,
                        explain(&e)
                    )
                })?;
            let other = clusters.into_iter().find(|c| {
                !c.id.eq_ignore_ascii_case(&plan.cluster_id)
                    && c.properties
                        .service_principal_profile
                        .as_ref()
                        .is_some_and(|p| p.client_id.eq_ignore_ascii_case(&plan.app_id))
            });
            if let Some(other) = other {
                return Ok(Some(other.name));
            }
        }
        Ok(None)
    }

    /// What still uses the principal `sp` (or could not be read), if anything.
    async fn still_used(&self, sp: &str) -> Option<String> {
        match self.other_cluster().await {
            Ok(Some(name)) => return Some(format!("cluster {name} now uses it")),
            Ok(None) => {}
            Err(why) => return Some(why),
        }
        let plan = self.snapshot().await.plan;
        let (held, unreadable) = roles_everywhere(&self.ctx.session, sp, &[]).await;
        if let Some(first) = unreadable.first() {
            return Some(format!("{first} could not be read"));
        }
        let unexplained: Vec<&str> = held
            .iter()
            .filter(|a| {
                !plan
                    .held
                    .iter()
                    .any(|h| h.for_cluster && h.assignment.id.eq_ignore_ascii_case(&a.id))
            })
            .map(|a| a.scope.as_str())
            .collect();
        if !unexplained.is_empty() {
            return Some(format!(
                "it holds roles the plan did not explain ({})",
                unexplained.join(", ")
            ));
        }
        None
    }

    async fn keep(&self, why: &str) -> Result<(), Stop> {
        let step = self.scope(DELETE);
        step.done(
            Some(Event::PrincipalDone {
                deleted: false,
                kept: Some(why.to_string()),
            }),
            format!("the principal is kept: {why}"),
        )
        .await
    }
}
