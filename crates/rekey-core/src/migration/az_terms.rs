//! A move plan in the Azure CLI's terms: the `az` commands that do what Rekey will do, step by
//! step, for admins who know the AKS article "Use a managed identity in AKS" (update an existing
//! cluster) and want to check Rekey against it. Rotation's helpers write the script
//! ([`crate::rotation::az_terms`]); shell variables stand where a value Azure gives back goes
//! (`$IDENTITY_PRINCIPAL_ID`, `$KUBELET_OBJECT_ID`, `$KEY_ID`): no command holds a secret.
//!
//! The flags are azure-cli's (`acs/_params.py`: `aks update --enable-managed-identity
//! --assign-identity`, `aks nodepool upgrade --node-image-only`; `role/_params.py`: `role
//! assignment create --assignee-object-id --assignee-principal-type`). Where Rekey differs from the
//! article the step says so: a user-assigned identity gets its roles before the update, and the
//! update is sent again while Azure does not apply them yet.

use super::model::{ClusterMove, IdentityChoice, MoveAzScript, Who};
use crate::azure::arm::ClusterId;
use crate::rotation::az_terms::{by_policy, cluster_flags, sh, text, AzStep};

#[cfg(test)]
mod tests;

impl ClusterMove {
    /// This move in az terms (none when it is blocked). Written here, beside the rest of the az
    /// terms, so that the model that keeps the scripts does not import their writer.
    pub fn in_az_terms(&self) -> Option<MoveAzScript> {
        script(self)
    }
}

/// How long the script waits for Azure to apply new roles before it gives up: AKS's refusals say
/// RBAC can take minutes (the private-DNS-zone check, up to 60: docs troubleshoot
/// customprivatednszonemissingpermissions-error).
const TRIES: u32 = 40;
const PAUSE_SECONDS: u32 = 15;

/// The scripts of every cluster of the plan that can move (a blocked one gets none).
pub fn scripts(clusters: &[ClusterMove]) -> Vec<MoveAzScript> {
    clusters.iter().filter_map(ClusterMove::in_az_terms).collect()
}

/// The script of one cluster's move; none when it is blocked or its ID is not a cluster's.
pub fn script(m: &ClusterMove) -> Option<MoveAzScript> {
    if m.blocked() {
        return None;
    }
    let id = ClusterId::parse(&m.cluster_id).ok()?;
    let aks = cluster_flags(&id.subscription, &id.resource_group, &id.name, "--name");
    let login = if m.tenant_id.is_empty() {
        "az login".to_string()
    } else {
        format!("az login --tenant {}", sh(&m.tenant_id))
    };
    let mut steps = vec![AzStep {
        what: "Sign in to the cluster's tenant.".into(),
        commands: vec![login],
    }];
    let control: Vec<_> = m.to_grant(Who::ControlPlane).collect();
    let assign = match &m.identity {
        IdentityChoice::SystemAssigned => String::new(),
        IdentityChoice::UserAssigned {
            id: uami,
            create,
            location,
        } => {
            steps.push(identity_step(uami, *create, location));
            steps.extend(grant_step(
                &control,
                "Before the update",
                "$IDENTITY_PRINCIPAL_ID",
            ));
            format!(" --assign-identity {}", sh(uami))
        }
    };
    steps.push(AzStep {
        what: format!(
            "Move the control plane to its {} identity (the nodes keep the service principal until their image \
             is upgraded). Sent again while Azure does not apply a role granted moments ago (AKS refuses then with \
             LinkedAuthorizationFailed, AuthorizationFailed or CustomPrivateDNSZoneMissingPermissionError).",
            m.identity.label()
        ),
        commands: vec![retried(&format!(
            "az aks update {aks} --enable-managed-identity{assign} --yes --output none"
        ))],
    });
    steps.push(AzStep {
        what: "Check that the cluster is Succeeded on its managed identity: clientId reads msi.".into(),
        commands: vec![format!(
            "az aks show {aks} --query \"{{state: provisioningState, identity: identity.type, clientId: \
             servicePrincipalProfile.clientId}}\" --output table"
        )],
    });
    if m.identity == IdentityChoice::SystemAssigned {
        let mut after = vec![format!(
            "IDENTITY_PRINCIPAL_ID=$(az aks show {aks} --query identity.principalId --output tsv)"
        )];
        after.extend(grant_lines(&control, "$IDENTITY_PRINCIPAL_ID"));
        if !control.is_empty() {
            steps.push(AzStep {
                what:
                    "Give the system-assigned identity its roles: it exists only now that the update made it."
                        .into(),
                commands: after,
            });
        }
    }
    let kubelet: Vec<_> = m.to_grant(Who::Kubelet).collect();
    if !kubelet.is_empty() {
        let mut commands = vec![format!(
            "KUBELET_OBJECT_ID=$(az aks show {aks} --query identityProfile.kubeletidentity.objectId --output tsv)"
        )];
        commands.extend(grant_lines(&kubelet, "$KUBELET_OBJECT_ID"));
        steps.push(AzStep {
            what: "Give the kubelet identity its roles before the nodes use it.".into(),
            commands,
        });
    }
    let pools = cluster_flags(&id.subscription, &id.resource_group, &id.name, "--cluster-name");
    steps.push(AzStep {
        what: "Upgrade each node pool's image, pool by pool: its nodes are re-imaged and the kubelet leaves the \
               service principal for the kubelet identity."
            .into(),
        commands: m
            .pools
            .iter()
            .map(|p| {
                format!(
                    "az aks nodepool upgrade {pools} --name {} --node-image-only --yes --output none  # {}",
                    sh(&p.name),
                    p.impact
                )
            })
            .collect(),
    });
    steps.push(AzStep {
        what: "Check the kubelet identity and that every pool is Succeeded on its new image.".into(),
        commands: vec![
            format!(
                "az aks show {aks} --query \"identityProfile.kubeletidentity.{{clientId: clientId, objectId: \
                 objectId}}\" --output table"
            ),
            format!(
                "az aks nodepool list {pools} --query \"[].{{name: name, state: provisioningState, image: \
                 nodeImageVersion}}\" --output table"
            ),
        ],
    });
    steps.push(retire_step(m));
    steps.extend(delete_step(m));
    Some(MoveAzScript {
        migration_id: m.migration_id.clone(),
        cluster: m.name.clone(),
        text: text(&steps),
        steps,
    })
}

/// The user-assigned identity, created when the plan says so, and its principal kept for the grants.
fn identity_step(uami: &str, create: bool, location: &str) -> AzStep {
    let mut commands = Vec::new();
    if create {
        if let Ok(r) = crate::azure::identity::ResourceId::parse(uami) {
            commands.push(format!(
                "az identity create --subscription {} --resource-group {} --name {} --location {} --output none",
                sh(&r.subscription),
                sh(r.after("resourceGroups").unwrap_or_default()),
                sh(r.name()),
                sh(location)
            ));
        }
    }
    commands.push(format!(
        "IDENTITY_PRINCIPAL_ID=$(az identity show --ids {} --query principalId --output tsv)",
        sh(uami)
    ));
    AzStep {
        what: if create {
            "Create the user-assigned identity the cluster moves to.".into()
        } else {
            "Read the user-assigned identity the cluster moves to.".into()
        },
        commands,
    }
}

/// The control-plane roles granted to `principal` before the update, and the wait until Azure lists
/// them (Rekey's own order: no role is missing when AKS looks).
fn grant_step(grants: &[&super::model::Grant], when: &str, principal: &str) -> Option<AzStep> {
    if grants.is_empty() {
        return None;
    }
    let mut commands = grant_lines(grants, principal);
    commands.extend(grants.iter().map(|g| {
        format!(
            "until az role assignment list {} --assignee-object-id \"{principal}\" --role {} --scope {} \
             --fill-principal-name false --query \"[0].id\" --output tsv | grep -q .; do sleep 5; done",
            subscription_of(&g.scope),
            sh(&g.role_id),
            sh(&g.scope)
        )
    }));
    Some(AzStep {
        what: format!(
            "{when}, give the control-plane identity the roles its service principal's work needs, and wait \
             until Azure lists them."
        ),
        commands,
    })
}

fn grant_lines(grants: &[&super::model::Grant], principal: &str) -> Vec<String> {
    grants
        .iter()
        .map(|g| {
            format!(
                "az role assignment create {} --assignee-object-id \"{principal}\" --assignee-principal-type \
                 ServicePrincipal --role {} --scope {} --output none  # {}: {}",
                subscription_of(&g.scope),
                sh(&g.role_id),
                sh(&g.scope),
                g.role,
                g.why
            )
        })
        .collect()
}

/// `--subscription` of the scope's own subscription: `az role` resolves a role's GUID to a
/// definition in the command's subscription (azure-cli role/custom.py `_resolve_role_id`).
fn subscription_of(scope: &str) -> String {
    crate::azure::identity::ResourceId::parse(scope)
        .map(|r| format!("--subscription {}", sh(&r.subscription)))
        .unwrap_or_default()
}

/// `command`, tried again every [`PAUSE_SECONDS`] while it fails, [`TRIES`] times at the most.
fn retried(command: &str) -> String {
    format!(
        "for try in $(seq {TRIES}); do {command} && break; [ \"$try\" -lt {TRIES} ] || exit 1; \
         sleep {PAUSE_SECONDS}; done"
    )
}

/// The old principal's secrets (on its application and on its service principal), by the policy.
fn retire_step(m: &ClusterMove) -> AzStep {
    let app = sh(&m.principal_after.app_id);
    let deletes = ["app", "sp"]
        .iter()
        .map(|object| {
            format!(
                "for KEY_ID in $(az ad {object} credential list --id {app} --query \"[].keyId\" --output tsv); \
                 do az ad {object} credential delete --id {app} --key-id \"$KEY_ID\"; done"
            )
        })
        .collect();
    let mut step = by_policy(
        m.principal_after.retire,
        &m.principal_after.shared_with,
        "Remove the old service principal's secrets, now that every node pool runs on the kubelet identity \
         (the principal itself stays: delete it only when nothing else uses it).",
        deletes,
    );
    if step.what.starts_with("Keep the old secrets") {
        step.what = format!(
            "Keep the old service principal's secrets: {} still use it.",
            m.principal_after.shared_with.join(", ")
        );
    }
    step
}

/// Asked for, after the secrets: the old principal's role assignments that served this cluster,
/// then its application (which takes the service principal with it), as the engine's last step.
fn delete_step(m: &ClusterMove) -> Option<AzStep> {
    let after = &m.principal_after;
    if !after.delete || !after.shared_with.is_empty() {
        return None;
    }
    let mut deletes: Vec<String> = m
        .held
        .iter()
        .filter(|h| h.for_cluster)
        .map(|h| format!("az role assignment delete --ids {} --yes", sh(&h.assignment.id)))
        .collect();
    deletes.push(format!("az ad app delete --id {}", sh(&after.app_id)));
    let (what, commands) = match after.retire {
        crate::rotation::Retire::Now => (
            "Delete the old principal: its role assignments for this cluster, then its application (Entra ID \
             keeps it among deleted items for 30 days)."
                .to_string(),
            deletes,
        ),
        crate::rotation::Retire::After { hours } => (
            format!("Delete the old principal {hours} hours after every pool is moved, with its secrets."),
            deletes.into_iter().map(|d| format!("# after {hours} h: {d}")).collect(),
        ),
        crate::rotation::Retire::Never => (
            "Keep the old principal: its secrets are left to expire.".to_string(),
            deletes.into_iter().map(|d| format!("# not run: {d}")).collect(),
        ),
    };
    Some(AzStep { what, commands })
}
