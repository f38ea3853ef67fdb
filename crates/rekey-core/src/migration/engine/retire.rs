//! The last step: the service principal's secrets by the plan's policy — only once every node pool
//! runs on the kubelet identity, never while another cluster uses the principal (the plan says
//! `never` then). `now` removes them, a grace period schedules them for a resume after it, `never`
//! leaves them to expire. The principal itself goes only when asked ([`super::delete`]).

use chrono::Utc;

use super::step::{failed, stop, transient, Stop};
use super::Run;
use crate::azure::directory::ObjectKind;
use crate::migration::journal::Event;
use crate::migration::model::MoveOutcome;
use crate::rotation::retry::explain;
use crate::rotation::Retire;

const RETIRE: &str = "retire secrets";

impl Run<'_> {
    pub(super) async fn retire(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let step = self.scope(RETIRE);
        let due = match (state.plan.principal_after.retire, state.retire_after) {
            (Retire::Never, _) => {
                return step
                    .done(
                        Some(Event::Finished {
                            outcome: MoveOutcome::Succeeded,
                        }),
                        format!("moved; {}", state.plan.principal_after.note),
                    )
                    .await;
            }
            (_, Some(at)) => at,
            (Retire::Now, None) => Utc::now(),
            (Retire::After { hours }, None) => {
                let at = Utc::now() + chrono::Duration::hours(i64::from(hours));
                self.record(Event::RetireScheduled { not_before: at }).await?;
                return step
                    .done(
                        Some(Event::Finished {
                            outcome: MoveOutcome::RetirePending,
                        }),
                        format!(
                            "moved; the service principal's secrets go after {at} (rekey migrate --resume)"
                        ),
                    )
                    .await;
            }
        };
        if due > Utc::now() {
            step.running(format!("the service principal's secrets go after {due}"));
            return Ok(());
        }
        // The plan found no other cluster on this principal; one may have come since.
        match self.other_cluster().await {
            Ok(None) => {}
            Ok(Some(name)) => {
                return step
                    .done(
                        Some(Event::Finished {
                            outcome: MoveOutcome::Succeeded,
                        }),
                        format!("moved; the service principal keeps its secrets: cluster {name} now uses it"),
                    )
                    .await;
            }
            Err(why) => {
                return Err(stop(
                    RETIRE,
                    format!(
                        "the cluster moved; the old secrets stay until Rekey can see that no other cluster \
                         uses them: {why}. Resume later (rekey migrate --resume)"
                    ),
                ))
            }
        }
        let graph = &self.ctx.session.graph;
        let app_id = state.plan.app_id.clone();
        let app = transient(RETIRE, || graph.application(&app_id)).await?;
        let sp = transient(RETIRE, || graph.service_principal(&app_id)).await?;
        let mut removed = 0;
        for (object, kind) in [(app, ObjectKind::Application), (sp, ObjectKind::ServicePrincipal)] {
            let Some(object) = object else { continue };
            for c in &object.password_credentials {
                if state.removed.contains(&c.key_id) {
                    continue;
                }
                graph
                    .remove_password(kind, &object.id, &c.key_id)
                    .await
                    .map_err(|e| failed(RETIRE, &e))
                    .map_err(|mut s| {
                        s.message = format!(
                            "the cluster moved, but a secret of its old service principal could not be removed: {}",
                            s.message
                        );
                        s
                    })?;
                self.record(Event::SecretRemoved {
                    key_id: c.key_id.clone(),
                })
                .await?;
                removed += 1;
            }
        }
        if removed == 0 && state.removed.is_empty() {
            step.running("the service principal had no secret left");
        }
        self.delete_principal().await?;
        step.done(
            Some(Event::Finished {
                outcome: MoveOutcome::Succeeded,
            }),
            format!(
                "moved; {} secret(s) of the old service principal removed",
                removed + state.removed.len()
            ),
        )
        .await
    }
}

impl Run<'_> {
    /// Another cluster that uses the app now, in any subscription this account sees (read from
    /// Azure: the plan may be days old); `Err` when a list could not be read.
    async fn other_cluster(&self) -> Result<Option<String>, String> {
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
}
