//! Step 6, verify: after its reset the cluster is `Succeeded` and uses the expected principal.

use super::step::{stop, transient, Stop};
use super::{Run, Target};
use crate::azure::arm::ClusterId;
use crate::rotation::journal::Event;
use crate::rotation::model::{Mode, Step};

impl Run<'_> {
    pub(super) async fn verify(&self, id: &ClusterId, cluster: &str, target: &Target) -> Result<(), Stop> {
        let step = self.scope(Step::Verify, Some(cluster));
        let state = self.snapshot().await;
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
        let key_id = state
            .created
            .as_ref()
            .map(|c| c.key_id.clone())
            .unwrap_or_default();
        self.record(Event::ClusterVerified {
            cluster: cluster.to_string(),
            key_id: key_id.clone(),
            app_id: target.app_id.clone(),
        })
        .await?;
        if let Err(e) = self.ctx.vault.add_clusters(&key_id, &[cluster.to_string()]).await {
            tracing::warn!("the vault index does not list {cluster} for {key_id}: {e}");
        }
        step.ok(None, None, Some(key_id)).await
    }
}
