//! Roll back: the unused new secret of a failed rotation goes from Azure and the vault, and the
//! rotation is closed. Refused once a cluster may be using the new secret.

use super::step::stop;
use super::{Run, Target};
use crate::rotation::journal::Event;
use crate::rotation::model::{GroupResult, Outcome, Step};
use crate::rotation::orphans;

impl Run<'_> {
    pub(super) async fn roll_back(&self) -> GroupResult {
        let state = self.snapshot().await;
        if state.finished == Some(Outcome::RolledBack) {
            return self.result(None).await;
        }
        if state.new_secret_may_be_in_use() {
            let refused = stop(
                Step::RollBack,
                "a cluster was already sent the new secret, so it stays; retry the rotation instead",
            );
            return self.result(Some(refused)).await;
        }
        let step = self.scope(Step::RollBack, None);
        if let Some(requested) = state.requested.clone() {
            let target = Target {
                kind: requested.on,
                object_id: requested.object_id,
                app_id: requested.app_id,
            };
            if let Err(s) = self.remove_orphans(&target, Some(orphans::READ_LAG)).await {
                return self.result(Some(s)).await;
            }
            if let Some(created) = state.created.clone() {
                if let Err(s) = self.remove_new(&target, &created.key_id).await {
                    return self.result(Some(s)).await;
                }
                let entry = self.entry(&target, &created, &state);
                if let Err(e) = self.ctx.vault.discard(&entry).await {
                    tracing::warn!("the unused secret {} stays in the keyring: {e}", created.key_id);
                }
            }
        }
        let finished = Event::Finished {
            outcome: Outcome::RolledBack,
        };
        if let Err(s) = step.ok(Some(finished), None, None).await {
            return self.result(Some(s)).await;
        }
        self.result(None).await
    }
}
