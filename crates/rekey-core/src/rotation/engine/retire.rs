//! Step 7, retire: the old secrets go, by policy (now, after a grace period, never), once every
//! cluster of the group is verified on the new one.

use chrono::Utc;
use serde::Deserialize;

use super::step::{stop, transient, Stop};
use super::Run;
use crate::azure::directory::ObjectKind;
use crate::rotation::journal::Event;
use crate::rotation::model::{OldSecret, Outcome, Retire, Step};

/// The object an old secret is on. The plan names it as the journal does (`application`,
/// `servicePrincipal`); anything else was on the application, as before.
fn holder(old: &OldSecret) -> ObjectKind {
    use serde::de::value::{Error, StrDeserializer};
    ObjectKind::deserialize(StrDeserializer::<Error>::new(&old.on)).unwrap_or(ObjectKind::Application)
}

impl Run<'_> {
    pub(super) async fn retire(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
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
        let step = self.scope(Step::RetireOld, None);
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
            step.skipped(state.group.retire.label());
            return Ok(());
        }
        // The old secrets are on the principal the clusters used before. In mode new-sp that is the
        // old principal, which no cluster of this group uses any more.
        let graph = &self.ctx.session.graph;
        let app_id = state.group.app_id.clone();
        let app = transient(Step::RetireOld, || graph.application(&app_id)).await?;
        let sp = transient(Step::RetireOld, || graph.service_principal(&app_id)).await?;
        let new_key = state.created.as_ref().map(|c| c.key_id.to_ascii_lowercase());
        for old in &state.group.old_secrets {
            let key = old.key_id.to_ascii_lowercase();
            if state.old_removed.contains(&key) || Some(&key) == new_key.as_ref() {
                continue;
            }
            let kind = holder(old);
            let object = match kind {
                ObjectKind::ServicePrincipal => sp.as_ref(),
                ObjectKind::Application => app.as_ref(),
            };
            // Not seeing the object is not seeing the secret gone: the old secret may still work.
            let Some(object) = object else {
                return Err(stop(
                    Step::RetireOld,
                    format!(
                        "the {} of application {app_id} cannot be seen in tenant {} with this \
                         session, so the old secret {} could not be removed and still works; sign in \
                         to that tenant and resume",
                        match kind {
                            ObjectKind::ServicePrincipal => "service principal",
                            ObjectKind::Application => "application",
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
                self.remove_secret(Step::RetireOld, kind, &object.id, &app_id, &old.key_id)
                    .await?;
            }
            self.record(Event::OldRemoved {
                key_id: old.key_id.clone(),
            })
            .await?;
        }
        let finished = Event::Finished {
            outcome: Outcome::Succeeded,
        };
        self.record(finished).await?;
        let removed = self.snapshot().await.old_removed.len();
        step.ok(None, None, Some(format!("{removed} removed"))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old(on: &str) -> OldSecret {
        OldSecret {
            key_id: "k".into(),
            on: on.into(),
            hint: None,
            end: None,
        }
    }

    #[test]
    fn an_old_secret_is_on_the_object_the_plan_names() {
        assert_eq!(holder(&old("servicePrincipal")), ObjectKind::ServicePrincipal);
        assert_eq!(holder(&old("application")), ObjectKind::Application);
        assert_eq!(holder(&old("")), ObjectKind::Application);
    }
}
