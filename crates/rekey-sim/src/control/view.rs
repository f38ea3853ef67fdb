//! The world as the control API shows it: everything a test needs to check, and no secret or digest.

use serde_json::{json, Value};

use crate::state::{AadProfile, ClusterIdentity, CredentialChange, KeyCredential, PasswordCredential, World};

fn passwords(list: &[PasswordCredential]) -> Value {
    list.iter()
        .map(|c| {
            json!({
                "keyId": c.key_id, "hint": c.hint, "displayName": c.display_name,
                "startDateTime": c.start, "endDateTime": c.end, "created": c.created,
            })
        })
        .collect()
}

fn certificates(list: &[KeyCredential]) -> Value {
    list.iter()
        .map(|c| json!({"keyId": c.key_id, "displayName": c.display_name, "startDateTime": c.start, "endDateTime": c.end}))
        .collect()
}

pub fn world(world: &World, now: chrono::DateTime<chrono::Utc>) -> Value {
    let clusters: Vec<Value> = world
        .clusters
        .iter()
        .map(|c| {
            let (identity, client_id, current_key_id) = match &c.identity {
                ClusterIdentity::ServicePrincipal { client_id, current_key_id } => {
                    ("servicePrincipal", json!(client_id), json!(current_key_id))
                }
                ClusterIdentity::ManagedIdentity { .. } => ("managedIdentity", json!("msi"), Value::Null),
            };
            let (principal_id, user_assigned) = match &c.identity {
                ClusterIdentity::ManagedIdentity { principal_id, user_assigned, .. } => {
                    (json!(principal_id), json!(user_assigned.as_ref().map(|(id, _)| id)))
                }
                ClusterIdentity::ServicePrincipal { .. } => (Value::Null, Value::Null),
            };
            let aad = match &c.aad {
                Some(AadProfile::Legacy { server_app_id, .. }) => json!({
                    "kind": "legacy", "serverAppId": server_app_id,
                    "currentServerKeyId": world.legacy_aad_server_keys.get(&c.arm_id()),
                }),
                Some(AadProfile::Managed { .. }) => json!({"kind": "managed"}),
                None => json!({"kind": "none"}),
            };
            json!({
                "id": c.arm_id(), "name": c.name, "subscriptionId": c.subscription_id, "resourceGroup": c.resource_group,
                "identity": identity, "clientId": client_id, "currentKeyId": current_key_id, "aad": aad,
                "provisioningState": c.provisioning_state, "powerState": c.power_state,
                "principalId": principal_id, "userAssignedIdentity": user_assigned,
                "kubeletIdentity": c.kubelet_identity.as_ref().map(|k| json!({"resourceId": k.resource_id, "clientId": k.client_id, "objectId": k.object_id})),
                // Which identity each pool's nodes use: ARM does not show it, a test needs it.
                "agentPools": c.agent_pools.iter().map(|p| json!({
                    "name": p.name, "count": p.count, "nodeImageVersion": p.node_image_version,
                    "provisioningState": p.provisioning_state, "vnetSubnetId": p.vnet_subnet_id,
                    "nodesUse": if p.nodes_use_kubelet_identity { "kubeletIdentity" } else { "servicePrincipal" },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "now": now,
        "tenants": world.tenants.iter().map(|t| json!({"id": t.id, "displayName": t.display_name, "domain": t.default_domain, "premium": t.premium})).collect::<Vec<_>>(),
        "subscriptions": world.subscriptions.iter().map(|s| json!({"id": s.id, "displayName": s.display_name, "tenantId": s.tenant_id})).collect::<Vec<_>>(),
        "clusters": clusters,
        "applications": world.applications.iter().map(|a| json!({
            "id": a.object_id, "appId": a.app_id, "displayName": a.display_name, "tenantId": a.tenant_id,
            "passwordCredentials": passwords(&a.password_credentials), "keyCredentials": certificates(&a.key_credentials),
        })).collect::<Vec<_>>(),
        "servicePrincipals": world.service_principals.iter().map(|s| json!({
            "id": s.object_id, "appId": s.app_id, "displayName": s.display_name, "tenantId": s.tenant_id,
            "passwordCredentials": passwords(&s.password_credentials), "keyCredentials": certificates(&s.key_credentials),
        })).collect::<Vec<_>>(),
        "users": world.users.iter().map(|u| json!({"id": u.object_id, "userPrincipalName": u.user_principal_name, "displayName": u.display_name})).collect::<Vec<_>>(),
        "operations": world.operations.iter().map(|o| {
            let change = match &o.change {
                CredentialChange::ServicePrincipal { client_id, key_id } => json!({"kind": "servicePrincipal", "clientId": client_id, "keyId": key_id}),
                CredentialChange::LegacyAad { server_app_id, server_key_id, .. } => json!({"kind": "legacyAad", "serverAppId": server_app_id, "keyId": server_key_id}),
                CredentialChange::ManagedIdentity { principal_id, user_assigned, .. } => json!({"kind": "managedIdentity", "principalId": principal_id, "userAssignedIdentity": user_assigned.as_ref().map(|(id, _)| id)}),
                CredentialChange::NodeImage { pool, version } => json!({"kind": "nodeImage", "pool": pool, "version": version}),
            };
            json!({"id": o.id, "resourceId": o.resource_id, "status": o.status.as_str(), "started": o.started, "ends": o.ends, "change": change})
        }).collect::<Vec<_>>(),
        // `resourceGroup`: the group the scope lies in (null at the subscription); `scope` in full.
        "roleAssignments": world.role_assignments.iter().map(|r| json!({
            "id": r.id, "principalId": r.principal_id, "subscriptionId": r.subscription_id, "resourceGroup": r.resource_group,
            "scope": r.scope, "role": r.role.name(), "effectiveFrom": r.effective_from,
        })).collect::<Vec<_>>(),
        "rolePropagationSeconds": world.role_propagation_delay.num_seconds(),
        "identities": world.identities.iter().map(|i| json!({"id": i.arm_id(), "name": i.name, "principalId": i.principal_id, "clientId": i.client_id, "tenantId": i.tenant_id})).collect::<Vec<_>>(),
    })
}
