//! Building the simulated world from a scenario file: stable IDs from names, secrets and
//! certificates with expiries relative to now, clusters bound to their apps, users with their roles.

use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::file::{last_used, AppSpec, ClusterSpec, CredentialOwner, ScenarioError, ScenarioFile, UserSpec};
use crate::secrets;
use crate::state::credential_use::ARM_APP_ID;
use crate::state::{
    secret_digest, stable_id, AadProfile, AgentPool, Application, ClusterIdentity, DirectoryRoleAssignment,
    GraphGrant, KeyCredential, KubeletIdentity, ManagedCluster, PasswordCredential, Registration, Role,
    RoleAssignment, ServicePrincipal, SignInEvent, Subscription, Tenant, User, World,
};

impl ScenarioFile {
    /// The world this scenario describes, with expiries relative to `now`.
    pub fn build(&self, now: DateTime<Utc>) -> Result<World, ScenarioError> {
        let mut world = World::default();
        for t in &self.tenants {
            world.tenants.push(Tenant {
                id: stable_id("tenant", &t.key),
                display_name: t.name.clone(),
                default_domain: t.domain.clone(),
                premium: t.premium,
            });
        }
        let tenant = |key: &str| -> Result<Uuid, ScenarioError> {
            self.tenants
                .iter()
                .any(|t| t.key == key)
                .then(|| stable_id("tenant", key))
                .ok_or_else(|| ScenarioError::Unknown {
                    kind: "tenant",
                    name: key.into(),
                })
        };
        for s in &self.subscriptions {
            world.subscriptions.push(Subscription {
                id: stable_id("subscription", &s.name),
                tenant_id: tenant(&s.tenant)?,
                display_name: s.name.clone(),
                state: "Enabled".into(),
            });
        }
        for app in &self.apps {
            add_app(&mut world, app, tenant(&app.tenant)?, now);
            seed_sign_ins(&mut world, app, tenant(&app.tenant)?, now)?;
        }
        for c in &self.clusters {
            let mut built = cluster(&world, c)?;
            super::network::attach(&mut world, &mut built, c);
            world.clusters.push(built);
        }
        for u in &self.users {
            add_user(&mut world, u, tenant(&u.tenant)?)?;
        }
        super::vaults::add_all(&mut world, &self.vaults)?;
        Ok(world)
    }
}

fn new_credential(
    key: &str,
    display: &str,
    expires_in_days: i64,
    lifetime_days: i64,
    now: DateTime<Utc>,
) -> PasswordCredential {
    // Nobody knows these secrets: the clusters "hold" them; only a rotation gives out a usable one.
    let secret = secrets::generate();
    let end = now + Duration::days(expires_in_days);
    // A secret always started in the past, however far its end lies ahead.
    let start = (end - Duration::days(lifetime_days.max(1))).min(now - Duration::days(1));
    PasswordCredential {
        key_id: stable_id("key", key),
        display_name: Some(display.to_string()),
        hint: secrets::hint(secret.expose_secret()),
        start,
        end,
        secret_sha256: secret_digest(secret.expose_secret()),
        created: start,
    }
}

fn add_app(world: &mut World, spec: &AppSpec, tenant_id: Uuid, now: DateTime<Utc>) {
    let name = &spec.name;
    let mut app_secrets = Vec::new();
    let mut sp_secrets = Vec::new();
    for s in &spec.secrets {
        let (list, short) = match s.on {
            CredentialOwner::Application => (&mut app_secrets, "app"),
            CredentialOwner::ServicePrincipal => (&mut sp_secrets, "sp"),
        };
        list.push(new_credential(
            &secret_key(name, short, list.len()),
            &s.display_name,
            s.expires_in_days,
            s.lifetime_days,
            now,
        ));
    }
    let certificates = spec
        .certificates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let end = now + Duration::days(c.expires_in_days);
            KeyCredential {
                key_id: stable_id("cert", &format!("{name}/{i}")),
                display_name: Some(c.display_name.clone()),
                start: (end - Duration::days(c.lifetime_days.max(1))).min(now - Duration::days(1)),
                end,
                thumbprint: thumbprint(name, i),
            }
        })
        .collect();
    let created = now - Duration::days(800);
    let app_id = stable_id("app", name);
    world.applications.push(Application(Registration {
        object_id: stable_id("application", name),
        password_credentials: app_secrets,
        key_credentials: certificates,
        ..Registration::new(app_id, tenant_id, name, created)
    }));
    if spec.service_principal {
        world.service_principals.push(ServicePrincipal(Registration {
            object_id: stable_id("sp", name),
            password_credentials: sp_secrets,
            ..Registration::new(app_id, tenant_id, name, created)
        }));
    }
}

/// The stable name of an app's `index`th secret on its `short` owner ("app" or "sp"): the first
/// of each owner keeps the short form, so its ID reads "{name}/app".
fn secret_key(name: &str, short: &str, index: usize) -> String {
    if index == 0 {
        format!("{name}/{short}")
    } else {
        format!("{name}/{short}/{index}")
    }
}

/// The last sign-in the scenario declares for each of the app's credentials, as a client-credentials
/// sign-in to ARM would have recorded it (a cluster's cloud provider signs in to ARM).
fn seed_sign_ins(
    world: &mut World,
    spec: &AppSpec,
    tenant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ScenarioError> {
    let app_id = stable_id("app", &spec.name);
    let what = format!("app {}", spec.name);
    let mut uses = Vec::new();
    let (mut on_app, mut on_sp) = (0, 0);
    for s in &spec.secrets {
        let (count, short) = match s.on {
            CredentialOwner::Application => (&mut on_app, "app"),
            CredentialOwner::ServicePrincipal => (&mut on_sp, "sp"),
        };
        let key_id = stable_id("key", &secret_key(&spec.name, short, *count));
        *count += 1;
        if let Some(ago) = last_used(s.last_used_minutes_ago, s.last_used_days_ago, &what)? {
            uses.push((key_id, ago));
        }
        if s.pipeline {
            world.credential_use.pipelines.push((tenant_id, app_id, key_id));
        }
    }
    for (i, c) in spec.certificates.iter().enumerate() {
        let what = format!("certificate {} of app {}", c.display_name, spec.name);
        if let Some(ago) = last_used(c.last_used_minutes_ago, c.last_used_days_ago, &what)? {
            uses.push((stable_id("cert", &format!("{}/{i}", spec.name)), ago));
        }
    }
    for (key_id, ago) in uses {
        world.record_credential_sign_in(SignInEvent {
            tenant_id,
            app_id,
            key_id,
            resource: "https://management.azure.com/".into(),
            resource_app_id: ARM_APP_ID,
            at: now - ago,
            request_id: stable_id("sign-in", &format!("{app_id}/{key_id}")),
        });
    }
    Ok(())
}

/// A stable, realistic-looking base64 SHA-1 thumbprint.
fn thumbprint(name: &str, index: usize) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{name}/{index}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..20])
}

fn cluster(world: &World, c: &ClusterSpec) -> Result<ManagedCluster, ScenarioError> {
    let sub = subscription_named(world, &c.subscription)?;
    let identity = if c.identity.eq_ignore_ascii_case("msi") {
        ClusterIdentity::ManagedIdentity {
            principal_id: stable_id("msi", &c.name),
            tenant_id: sub.tenant_id,
            user_assigned: None,
        }
    } else {
        let app_id = stable_id("app", &c.identity);
        let app = world
            .application_by_app_id(app_id)
            .ok_or_else(|| ScenarioError::Unknown {
                kind: "app",
                name: c.identity.clone(),
            })?;
        if world.service_principal_by_app_id(app_id).is_none() {
            return Err(ScenarioError::Invalid(format!(
                "cluster {} uses app {} which has no service principal",
                c.name, c.identity
            )));
        }
        ClusterIdentity::ServicePrincipal {
            client_id: app_id,
            current_key_id: app.password_credentials.first().map(|p| p.key_id),
        }
    };
    let aad = match c.aad.as_deref().unwrap_or("none") {
        "none" => None,
        "managed" => Some(AadProfile::Managed {
            tenant_id: sub.tenant_id,
        }),
        "legacy" => {
            let app = |field: &Option<String>, what: &'static str| -> Result<Uuid, ScenarioError> {
                let name = field
                    .as_deref()
                    .ok_or_else(|| ScenarioError::Invalid(format!("cluster {} needs {what}", c.name)))?;
                world
                    .applications
                    .iter()
                    .find(|a| a.display_name == name)
                    .map(|a| a.app_id)
                    .ok_or_else(|| ScenarioError::Unknown {
                        kind: "app",
                        name: name.into(),
                    })
            };
            Some(AadProfile::Legacy {
                server_app_id: app(&c.aad_server_app, "aad_server_app")?,
                client_app_id: app(&c.aad_client_app, "aad_client_app")?,
                tenant_id: sub.tenant_id,
            })
        }
        other => {
            return Err(ScenarioError::Invalid(format!(
                "cluster {}: aad must be none, managed or legacy, not {other}",
                c.name
            )))
        }
    };
    let kubelet_identity = matches!(identity, ClusterIdentity::ManagedIdentity { .. }).then(|| KubeletIdentity {
        resource_id: format!(
            "/subscriptions/{}/resourcegroups/MC_{}_{}_{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}-agentpool",
            sub.id, c.resource_group, c.name, c.location, c.name
        ),
        client_id: stable_id("kubelet-client", &c.name),
        object_id: stable_id("kubelet", &c.name),
    });
    let mut system_pool = AgentPool::system(c.node_count);
    system_pool.nodes_use_kubelet_identity = kubelet_identity.is_some();
    Ok(ManagedCluster {
        subscription_id: sub.id,
        resource_group: c.resource_group.clone(),
        name: c.name.clone(),
        location: c.location.clone(),
        kubernetes_version: c.kubernetes_version.clone(),
        node_count: c.node_count,
        identity,
        aad,
        provisioning_state: c.provisioning_state.clone(),
        power_state: c.power_state.clone(),
        tags: if c.tags.is_empty() {
            vec![("owner".into(), "platform-team".into())]
        } else {
            c.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        },
        agent_pools: vec![system_pool],
        route_table: None,
        private_dns_zone: None,
        kubelet_identity,
    })
}

fn parse_role(name: &str) -> Result<Role, ScenarioError> {
    match name.to_ascii_lowercase().as_str() {
        "reader" => Ok(Role::Reader),
        "contributor" => Ok(Role::Contributor),
        "owner" => Ok(Role::Owner),
        _ => Err(ScenarioError::Unknown {
            kind: "role",
            name: name.into(),
        }),
    }
}

fn add_user(world: &mut World, u: &UserSpec, tenant_id: Uuid) -> Result<(), ScenarioError> {
    let object_id = stable_id("user", &u.upn);
    world.users.push(User {
        object_id,
        tenant_id,
        user_principal_name: u.upn.clone(),
        display_name: u.name.clone(),
        password_sha256: secret_digest(&u.password),
    });
    for r in &u.roles {
        let sub = subscription_named(world, &r.subscription)?.id;
        world.role_assignments.push(RoleAssignment::at_subscription(
            stable_id("role-assignment", &format!("{object_id}/{sub}")),
            object_id,
            sub,
            parse_role(&r.role)?,
        ));
    }
    for role in &u.directory_roles {
        world.directory_roles.push(DirectoryRoleAssignment {
            tenant_id,
            principal_id: object_id,
            role: role.clone(),
        });
    }
    for permission in &u.graph {
        world.graph_grants.push(GraphGrant {
            principal_id: object_id,
            permission: permission.clone(),
        });
    }
    Ok(())
}

/// A subscription of the scenario by its name.
fn subscription_named<'w>(world: &'w World, name: &str) -> Result<&'w Subscription, ScenarioError> {
    world
        .subscriptions
        .iter()
        .find(|s| s.display_name == name)
        .ok_or_else(|| ScenarioError::Unknown {
            kind: "subscription",
            name: name.into(),
        })
}
