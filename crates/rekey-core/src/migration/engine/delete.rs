//! Asked for, after the secrets: the old principal deleted — its role assignments that served this
//! cluster, then its application (which takes the service principal with it; Entra ID keeps both
//! among deleted items for 30 days). Checked again first, from Azure, since the plan may be days
//! old: no other cluster of any subscription this account sees uses the app (the retirement has
//! just checked it), and the principal holds no role the plan did not explain. What cannot be read
//! keeps the principal: never deleted on a guess.

use super::step::{failed, transient, Stop};
use super::Run;
use crate::azure::directory::ObjectKind;
use crate::migration::discovery::roles_everywhere;
use crate::migration::journal::Event;
use crate::migration::model::ClusterMove;

const DELETE: &str = "delete principal";

impl Run<'_> {
    /// Deletes the principal, or says why it is kept; `Ok` either way (the move itself is done).
    /// Called by the retirement right after it found, in Azure, no other cluster on the principal.
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
        if let Some(why) = self.unexplained_roles(&state.plan, &sp).await {
            return self.keep(&why).await;
        }
        let arm = &self.ctx.session.arm;
        let for_cluster: Vec<&str> = state
            .plan
            .held
            .iter()
            .filter(|h| h.for_cluster)
            .map(|h| h.assignment.id.as_str())
            .collect();
        for id in &for_cluster {
            transient(DELETE, || arm.delete_role_assignment(id)).await?;
        }
        let graph = &self.ctx.session.graph;
        let app_id = state.plan.app_id.clone();
        if let Some(app) = transient(DELETE, || graph.application(&app_id)).await? {
            graph
                .delete_object(ObjectKind::Application, &app.id)
                .await
                .map_err(|e| failed(DELETE, &e))?;
        }
        let removed = for_cluster.len();
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

    /// A role the principal `sp` holds now that the plan did not explain (or that could not be
    /// read), if any.
    async fn unexplained_roles(&self, plan: &ClusterMove, sp: &str) -> Option<String> {
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
        (!unexplained.is_empty()).then(|| {
            format!(
                "it holds roles the plan did not explain ({})",
                unexplained.join(", ")
            )
        })
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
