//! The principal steps: which object gets the new secret, creating the new principal (mode new-sp),
//! and copying the old principal's role assignments to it.

use chrono::Utc;

use super::step::{replicating, stop, transient, Stop};
use super::{Run, Target};
use crate::azure::directory::ObjectKind;
use crate::azure::identity::ResourceId;
use crate::rotation::journal::{Event, NewPrincipal, SecretRequest};
use crate::rotation::model::{Mode, Step};

impl Run<'_> {
    /// The object the new secret goes on (creating the new principal in mode new-sp).
    pub(super) async fn target(&self) -> Result<Target, Stop> {
        let state = self.snapshot().await;
        if state.group.mode == Mode::NewSp {
            if let Some(NewPrincipal {
                app_id,
                app_object_id,
                ..
            }) = &state.new_principal
            {
                return Ok(Target {
                    kind: ObjectKind::Application,
                    object_id: app_object_id.clone(),
                    app_id: app_id.clone(),
                });
            }
            return self.create_principal().await;
        }
        if let Some(SecretRequest {
            on,
            object_id,
            app_id,
            ..
        }) = &state.requested
        {
            return Ok(Target {
                kind: *on,
                object_id: object_id.clone(),
                app_id: app_id.clone(),
            });
        }
        let graph = &self.ctx.session.graph;
        let app = transient(Step::AddSecret, || graph.application(&state.group.app_id)).await?;
        let app = app.ok_or_else(|| {
            stop(
                Step::AddSecret,
                format!(
                    "the application {} is no longer in the directory",
                    state.group.app_id
                ),
            )
        })?;
        Ok(Target {
            kind: ObjectKind::Application,
            object_id: app.id,
            app_id: app.app_id,
        })
    }

    /// Mode new-sp: a new application and its service principal, named after the old one.
    async fn create_principal(&self) -> Result<Target, Stop> {
        let state = self.snapshot().await;
        let graph = &self.ctx.session.graph;
        let step = self.scope(Step::CreatePrincipal, None);
        let name = format!(
            "{}-rekey-{}",
            state
                .group
                .app_display_name
                .clone()
                .unwrap_or_else(|| "aks".into()),
            Utc::now().format("%Y%m%d")
        );
        step.running(name.clone());
        self.record(Event::PrincipalRequested {
            display_name: name.clone(),
        })
        .await?;
        let app = transient(Step::CreatePrincipal, || graph.create_application(&name)).await?;
        let sp = replicating(
            Step::CreatePrincipal,
            self.ctx.options.replication_timeout,
            || graph.create_service_principal(&app.app_id),
        )
        .await?;
        let created = Event::PrincipalCreated {
            app_id: app.app_id.clone(),
            app_object_id: app.id.clone(),
            sp_object_id: sp.id.clone(),
        };
        step.ok(
            Some(created),
            Some(format!("new app {}", app.app_id)),
            Some(app.app_id.clone()),
        )
        .await?;
        Ok(Target {
            kind: ObjectKind::Application,
            object_id: app.id,
            app_id: app.app_id,
        })
    }

    /// New principal: the chosen role assignments of the old one, given to the new one.
    pub(super) async fn copy_roles(&self) -> Result<(), Stop> {
        let state = self.snapshot().await;
        if state.roles_copied || !self.ctx.options.copy_roles {
            return Ok(());
        }
        let Some(NewPrincipal { sp_object_id, .. }) = state.new_principal.clone() else {
            return Ok(());
        };
        let step = self.scope(Step::CopyRoles, None);
        let wanted = &self.ctx.options.roles_to_copy;
        let chosen = state
            .group
            .role_assignments
            .iter()
            .filter(|r| wanted.is_empty() || wanted.iter().any(|c| c.eq_ignore_ascii_case(&r.id)));
        let arm = &self.ctx.session.arm;
        let mut copied = 0u32;
        for role in chosen {
            // At the scope the old principal held it: never wider (a resource group's role must not
            // become the subscription's).
            let scope = ResourceId::parse(&role.scope).map_err(|e| {
                stop(
                    Step::CopyRoles,
                    format!(
                        "the role assignment {} has a scope Rekey cannot read: {e}",
                        role.id
                    ),
                )
            })?;
            let result = replicating(Step::CopyRoles, self.ctx.options.replication_timeout, || {
                arm.assign_role(&scope, &role.role_definition_id, &sp_object_id)
            })
            .await;
            match result {
                Ok(_) => copied += 1,
                // Already there (a resumed run): fine.
                Err(s) if s.cause.as_ref().is_some_and(|c| c.exists()) => copied += 1,
                Err(s) => return Err(s),
            }
        }
        step.ok(
            Some(Event::RolesCopied { count: copied }),
            Some(format!("{copied} role assignment(s)")),
            Some(format!("{copied} copied")),
        )
        .await
    }
}
