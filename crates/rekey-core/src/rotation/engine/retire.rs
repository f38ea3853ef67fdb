//! Step 7, retire: the old secrets go, by policy (now, after a grace period, never), once every
//! cluster of the group is verified on the new one — unless one of them signed in after the clusters
//! moved (Graph's sign-in activity report): then something else still uses it, and the retirement is
//! held until nothing has signed in with it for the hold's wait, or the admin retires it anyway.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::step::{stop, transient, Stop};
use super::Run;
use crate::azure::directory::ObjectKind;
use crate::azure::reports::Usage;
use crate::rotation::journal::{Event, State};
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
            } else if state.finished == Some(Outcome::RetireHeld) {
                // Still held: its wait is not over.
                Outcome::RetireHeld
            } else {
                Outcome::RetirePending
            };
            if state.finished != Some(outcome) {
                self.record(Event::Finished { outcome }).await?;
            }
            step.skipped(state.group.retire.label());
            return Ok(());
        }
        if self.held(&state).await? {
            step.skipped("held: an old secret is still in use");
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

/// The old secrets (lower-case key IDs) still to retire, never the new one.
fn still_to_retire(state: &State) -> Vec<String> {
    let new_key = state.created.as_ref().map(|c| c.key_id.to_ascii_lowercase());
    state
        .group
        .old_secrets
        .iter()
        .map(|o| o.key_id.to_ascii_lowercase())
        .filter(|k| !state.old_removed.contains(k) && Some(k) != new_key.as_ref())
        .collect()
}

/// Of the old secrets `left` to retire, those in use: signed in after the clusters moved (`moved`),
/// unless that sign-in is the one an earlier hold already waited out (nothing newer since).
fn in_use(
    state: &State,
    left: Vec<String>,
    usage: &crate::azure::reports::SignIns,
    moved: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>)> {
    left.into_iter()
        .filter_map(|key| {
            let last = usage.last(&key)?;
            let waited_out = state.held.get(&key).is_some_and(|held| *held >= last);
            (last > moved && !waited_out).then_some((key, last))
        })
        .collect()
}

impl Run<'_> {
    /// Whether the retirement is held now (journaled, with why). Usage that cannot be read is
    /// journaled too, and the policy followed.
    async fn held(&self, state: &State) -> Result<bool, Stop> {
        let left = still_to_retire(state);
        if state.forced || left.is_empty() {
            return Ok(false);
        }
        // Held, and its wait is not over: nothing to look at yet.
        if state.finished == Some(Outcome::RetireHeld) && state.retire_after.is_some_and(|t| t > Utc::now()) {
            return Ok(true);
        }
        let sign_ins = match self.ctx.session.graph.usage(Some(&state.group.app_id)).await {
            Usage::Known(s) => s,
            Usage::Unknown(reason) => {
                if state.usage_unknown.as_deref() != Some(reason.as_str()) {
                    self.record(Event::UsageUnknown { reason }).await?;
                }
                return Ok(false);
            }
        };
        let moved = state.verified_at.unwrap_or(state.started);
        let used = in_use(state, left, &sign_ins, moved);
        if used.is_empty() {
            return Ok(false);
        }
        let recheck_after = Utc::now() + chrono::Duration::hours(i64::from(self.ctx.options.hold_hours));
        for (key_id, last_used) in &used {
            self.record(Event::RetireHeld {
                key_id: key_id.clone(),
                last_used: *last_used,
                recheck_after,
            })
            .await?;
        }
        self.record(Event::RetireScheduled {
            not_before: recheck_after,
        })
        .await?;
        if state.finished != Some(Outcome::RetireHeld) {
            self.record(Event::Finished {
                outcome: Outcome::RetireHeld,
            })
            .await?;
        }
        Ok(true)
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
