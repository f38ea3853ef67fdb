//! Steps 2 and 3, add secret and store it: the new secret in Azure and in the vault, or in neither;
//! and the removal of a new secret nobody holds (a crash, a lost answer, a roll-back).

use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;

use super::step::{again, failed, stop, transient, Stop};
use super::{Run, Target};
use crate::azure::directory::ObjectKind;
use crate::inventory::model::CredentialOwner;
use crate::rotation::journal::{CreatedSecret, Event, SecretRequest, State};
use crate::rotation::model::{Outcome, Step};
use crate::rotation::orphans;
use crate::rotation::retry::Budget;
use crate::vault::VaultEntry;

impl Run<'_> {
    /// The new secret, made and stored now or read back from the vault on a resume.
    pub(super) async fn new_secret(&self, target: &Target) -> Result<SecretString, Stop> {
        let state = self.snapshot().await;
        // A secret created but never stored (a crash between the two): its value is gone, so it
        // must go from Azure too.
        if let (Some(created), false) = (&state.created, state.stored) {
            self.remove_new(target, &created.key_id).await?;
        }
        let state = self.snapshot().await;
        if let (Some(created), true) = (&state.created, state.stored) {
            let entry = self.entry(target, created, &state);
            return self.ctx.vault.secret(&entry).await.map_err(|e| {
                stop(
                    Step::StoreSecret,
                    format!(
                        "{e}. The new secret {} cannot be read back: roll this rotation back and start again",
                        created.key_id
                    ),
                )
            });
        }
        // An `addPassword` that may have succeeded without an answer (a crash or a cut connection):
        // remove any secret of ours that nobody holds.
        if state.requested.is_some() {
            self.remove_orphans(target, Some(orphans::READ_LAG)).await?;
        }
        let (created, secret) = self.add_secret(target, &state).await?;
        self.store_secret(target, created, secret).await
    }

    /// `addPassword`, journaled before it is sent so that a lost answer is found again.
    async fn add_secret(
        &self,
        target: &Target,
        state: &State,
    ) -> Result<(CreatedSecret, SecretString), Stop> {
        let step = self.scope(Step::AddSecret, None);
        step.running("");
        // The rotation's marker finds the secret again if the answer is lost; this installation's
        // ID keeps another installation's clean-up away from it.
        let installation = crate::installation::id(&self.ctx.paths)
            .await
            .map_err(|e| stop(Step::AddSecret, e))?;
        let display_name = orphans::credential_name(&self.rotation_id, Utc::now(), &installation);
        let end = Utc::now()
            + chrono::Duration::days(i64::from(
                state
                    .group
                    .lifetime_days
                    .clamp(1, crate::rotation::model::MAX_LIFETIME_DAYS),
            ));
        let graph = &self.ctx.session.graph;
        let made = again(Budget::transient(), |attempt| {
            let display_name = display_name.clone();
            async move {
                // Azure may have written the secret before the answer was lost: remove it (nobody
                // has its value) before asking for another.
                if attempt > 1 {
                    self.remove_orphans(target, Some(orphans::READ_LAG)).await?;
                }
                self.record(Event::SecretRequested {
                    display_name: display_name.clone(),
                    on: target.kind,
                    object_id: target.object_id.clone(),
                    app_id: target.app_id.clone(),
                })
                .await?;
                graph
                    .add_password(target.kind, &target.object_id, &display_name, end)
                    .await
                    .map_err(|e| failed(Step::AddSecret, &e))
            }
        })
        .await?;
        let created = CreatedSecret {
            key_id: made.key_id.clone(),
            hint: made.hint.clone(),
            end: made.end,
        };
        let event = Event::SecretCreated {
            key_id: created.key_id.clone(),
            hint: created.hint.clone(),
            end: created.end,
        };
        step.ok(Some(event), None, Some(created.key_id.clone())).await?;
        Ok((created, made.secret))
    }

    /// The value into the vault (read back), or the secret out of Azure again.
    async fn store_secret(
        &self,
        target: &Target,
        created: CreatedSecret,
        secret: SecretString,
    ) -> Result<SecretString, Stop> {
        let step = self.scope(Step::StoreSecret, None);
        let entry = self.entry(target, &created, &self.snapshot().await);
        if let Err(e) = self.ctx.vault.put(entry.clone(), &secret).await {
            let message = format!(
                "{e}. The new secret was removed from Azure again; nothing changed. Fix the keyring, then retry"
            );
            // Whatever the keyring kept of it is useless now.
            let _ = self.ctx.vault.discard(&entry).await;
            self.remove_new(target, &created.key_id).await?;
            self.record(Event::Finished {
                outcome: Outcome::RolledBack,
            })
            .await?;
            return Err(stop(Step::StoreSecret, message));
        }
        let event = Event::SecretStored {
            key_id: created.key_id.clone(),
        };
        step.ok(Some(event), None, Some(created.key_id)).await?;
        Ok(secret)
    }

    /// The vault's entry for the new secret `created` on `target`.
    pub(super) fn entry(&self, target: &Target, created: &CreatedSecret, state: &State) -> VaultEntry {
        VaultEntry {
            tenant_id: state.group.tenant_id.clone(),
            app_id: target.app_id.clone(),
            key_id: created.key_id.clone(),
            hint: created.hint.clone(),
            display_name: state.requested.as_ref().map(|r| r.display_name.clone()),
            app_display_name: state.group.app_display_name.clone(),
            owner: match target.kind {
                ObjectKind::Application => CredentialOwner::Application,
                ObjectKind::ServicePrincipal => CredentialOwner::ServicePrincipal,
            },
            created: Utc::now(),
            expires: created.end,
            clusters: Vec::new(),
            rotation_id: Some(state.group.rotation_id.clone()),
            key_vault: None,
        }
    }

    /// Removes the new secret `key_id` from Azure (it is unused) and journals it.
    pub(super) async fn remove_new(&self, target: &Target, key_id: &str) -> Result<(), Stop> {
        self.remove_secret(
            Step::RollBack,
            target.kind,
            &target.object_id,
            &target.app_id,
            key_id,
        )
        .await?;
        self.record(Event::NewRemoved {
            key_id: key_id.to_string(),
        })
        .await
    }

    /// `removePassword` of `key_id` on the object `object_id` (of `app_id`). A secret already gone
    /// (removed by a resumed run, or by hand) meets the goal: Azure says so with 404, or with a 400
    /// that also covers other faults, in which case the object is read to be sure.
    pub(super) async fn remove_secret(
        &self,
        step: Step,
        kind: ObjectKind,
        object_id: &str,
        app_id: &str,
        key_id: &str,
    ) -> Result<(), Stop> {
        let graph = &self.ctx.session.graph;
        let removed = transient(step, || graph.remove_password(kind, object_id, key_id)).await;
        let Err(s) = removed else {
            return Ok(());
        };
        let Some(cause) = &s.cause else {
            return Err(s);
        };
        if cause.not_found() {
            return Ok(());
        }
        if !cause.maybe_gone() {
            return Err(s);
        }
        let object = transient(step, || async {
            match kind {
                ObjectKind::Application => graph.application(app_id).await,
                ObjectKind::ServicePrincipal => graph.service_principal(app_id).await,
            }
        })
        .await?;
        let still_there = object.is_some_and(|o| {
            o.password_credentials
                .iter()
                .any(|c| c.key_id.eq_ignore_ascii_case(key_id))
        });
        if still_there {
            Err(s)
        } else {
            Ok(())
        }
    }

    /// Secrets with this rotation's marker that are neither old nor in the vault: created by an
    /// `addPassword` whose answer was lost. Nobody has their value, so they go
    /// ([`orphans`]; `lag`: how long a fresh write may stay invisible to reads).
    pub(super) async fn remove_orphans(&self, target: &Target, lag: Option<Duration>) -> Result<(), Stop> {
        let state = self.snapshot().await;
        let Some(SecretRequest {
            display_name: requested_name,
            ..
        }) = &state.requested
        else {
            return Ok(());
        };
        // Lag matters only while the answer is unknown: a recorded answer means Azure's write is done.
        let lag = lag.filter(|_| state.created.is_none());
        let mut keep: Vec<String> = state.group.old_secrets.iter().map(|o| o.key_id.clone()).collect();
        match self.ctx.vault.entries().await {
            Ok(entries) => keep.extend(entries.into_iter().map(|e| e.key_id)),
            // Without the vault's list nothing can be proven unheld: remove nothing.
            Err(e) => return Err(stop(Step::AddSecret, format!("the vault cannot be listed: {e}"))),
        }
        // A journal from before markers names `rekey <date>` only, which any installation could have
        // made: matched by its exact name only when it carries this installation's ID.
        let installation = crate::installation::id(&self.ctx.paths)
            .await
            .map_err(|e| stop(Step::AddSecret, e))?;
        let requested_name = if crate::installation::is_ours(requested_name, &installation) {
            requested_name.as_str()
        } else {
            ""
        };
        let ours = orphans::Ours {
            rotation_id: &state.group.rotation_id,
            requested_name,
            keep: &keep,
        };
        let graph = &self.ctx.session.graph;
        let found = transient(Step::AddSecret, || {
            orphans::find(graph, target.kind, &target.app_id, &ours, lag)
        })
        .await?;
        for key_id in found {
            tracing::info!(key_id = %key_id, "removing a new secret whose value was lost");
            self.remove_new(target, &key_id).await?;
        }
        Ok(())
    }
}
