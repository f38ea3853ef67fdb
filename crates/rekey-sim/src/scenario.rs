//! Scenarios: the world the simulator starts with. The built-in demo tenant is what a newcomer sees.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::secrets;
use crate::state::{
    secret_digest, stable_id, AadProfile, Application, ClusterIdentity, GraphGrant, KeyCredential,
    ManagedCluster, PasswordCredential, Role, RoleAssignment, ServicePrincipal, Subscription, Tenant, User,
    World,
};

/// The principal that demo mode signs in as: a service principal that owns every demo subscription.
pub struct DemoAdmin {
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for DemoAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAdmin")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// One demo cluster, described the way an admin would say it.
struct DemoCluster {
    subscription: &'static str,
    resource_group: &'static str,
    name: &'static str,
    location: &'static str,
    identity: DemoIdentity,
    legacy_aad: bool,
    provisioning_state: &'static str,
    power_state: &'static str,
    nodes: u32,
}

enum DemoIdentity {
    /// A service principal by display name; clusters naming the same one share it.
    Sp(&'static str),
    Msi,
}

/// Service principals of the demo tenant: name, days until the secret the cluster holds expires,
/// and whether a second, older secret sits on the service principal object (as `az ad sp credential reset` leaves).
const DEMO_SPS: &[(&str, i64, bool)] = &[
    ("aks-prod-weu-sp", 5, false),
    ("aks-payments-sp", 160, true),
    ("aks-portal-sp", -3, false),
    ("aks-stg-sp", 25, false),
    ("aks-batch-sp", 70, false),
    ("aks-ops-sp", 400, false),
    ("aks-ci-sp", -12, false),
    ("aks-edge-sp", 45, true),
];

const DEMO_SUBSCRIPTIONS: &[&str] = &["Contoso Production", "Contoso Staging", "Contoso Platform"];

fn demo_clusters() -> Vec<DemoCluster> {
    use DemoIdentity::*;
    let c = |subscription, resource_group, name, location, identity, legacy_aad| DemoCluster {
        subscription,
        resource_group,
        name,
        location,
        identity,
        legacy_aad,
        provisioning_state: "Succeeded",
        power_state: "Running",
        nodes: 3,
    };
    vec![
        c(
            "Contoso Production",
            "rg-prod-weu",
            "aks-prod-weu",
            "westeurope",
            Sp("aks-prod-weu-sp"),
            false,
        ),
        c(
            "Contoso Production",
            "rg-prod-weu",
            "aks-prod-weu-2",
            "westeurope",
            Sp("aks-prod-weu-sp"),
            false,
        ),
        DemoCluster {
            nodes: 12,
            ..c(
                "Contoso Production",
                "rg-payments",
                "aks-payments",
                "northeurope",
                Sp("aks-payments-sp"),
                false,
            )
        },
        c(
            "Contoso Production",
            "rg-web",
            "aks-web-msi",
            "westeurope",
            Msi,
            false,
        ),
        c(
            "Contoso Production",
            "rg-portal",
            "aks-portal-legacy",
            "eastus",
            Sp("aks-portal-sp"),
            true,
        ),
        c(
            "Contoso Staging",
            "rg-stg",
            "aks-stg-weu",
            "westeurope",
            Sp("aks-stg-sp"),
            false,
        ),
        c("Contoso Staging", "rg-stg", "aks-stg-eus", "eastus", Msi, false),
        DemoCluster {
            power_state: "Stopped",
            ..c(
                "Contoso Staging",
                "rg-batch",
                "aks-stg-batch",
                "eastus2",
                Sp("aks-batch-sp"),
                false,
            )
        },
        c(
            "Contoso Platform",
            "rg-ops",
            "aks-ops-tools",
            "westeurope",
            Sp("aks-ops-sp"),
            false,
        ),
        DemoCluster {
            provisioning_state: "Failed",
            ..c(
                "Contoso Platform",
                "rg-ci",
                "aks-ci-runners",
                "northeurope",
                Sp("aks-ci-sp"),
                false,
            )
        },
        c(
            "Contoso Platform",
            "rg-monitoring",
            "aks-monitoring",
            "westeurope",
            Msi,
            false,
        ),
        c(
            "Contoso Platform",
            "rg-edge",
            "aks-edge-legacy",
            "uksouth",
            Sp("aks-edge-sp"),
            true,
        ),
    ]
}

fn credential(name: &str, display: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> PasswordCredential {
    // Nobody knows these secrets: the clusters "hold" them, and only a rotation gives out a usable one.
    let secret = secrets::generate();
    PasswordCredential {
        key_id: stable_id("key", name),
        display_name: Some(display.to_string()),
        hint: secrets::hint(secret.expose_secret()),
        start,
        end,
        secret_sha256: secret_digest(secret.expose_secret()),
        created: start,
    }
}

/// The built-in demo tenant: three subscriptions and a dozen clusters with every kind of identity,
/// expiries spread over the buckets, and two clusters sharing one service principal.
pub fn demo(now: DateTime<Utc>) -> (World, DemoAdmin) {
    let tenant_id = stable_id("tenant", "contoso-demo");
    let mut world = World {
        tenants: vec![Tenant {
            id: tenant_id,
            display_name: "Contoso (simulated)".into(),
            default_domain: "contoso-demo.onmicrosoft.com".into(),
        }],
        ..World::default()
    };
    for name in DEMO_SUBSCRIPTIONS {
        world.subscriptions.push(Subscription {
            id: stable_id("subscription", name),
            tenant_id,
            display_name: (*name).into(),
            state: "Enabled".into(),
        });
    }

    for (name, days_left, second_on_sp) in DEMO_SPS {
        let app_id = stable_id("app", name);
        let end = now + Duration::days(*days_left);
        let start = end - Duration::days(365);
        let mut sp = ServicePrincipal {
            object_id: stable_id("sp", name),
            app_id,
            tenant_id,
            display_name: (*name).into(),
            password_credentials: Vec::new(),
            key_credentials: Vec::new(),
            created: start,
        };
        if *second_on_sp {
            // An older secret on the SP object, where the portal does not show it.
            let older_end = end - Duration::days(30);
            sp.password_credentials.push(credential(
                &format!("{name}/sp"),
                "rbac",
                older_end - Duration::days(365),
                older_end,
            ));
        }
        world.service_principals.push(sp);
        world.applications.push(Application {
            object_id: stable_id("application", name),
            app_id,
            tenant_id,
            display_name: (*name).into(),
            password_credentials: vec![credential(&format!("{name}/app"), "rbac", start, end)],
            key_credentials: Vec::new(),
            created: start,
        });
    }
    // A certificate beside the secret on one app, as teams moving to certificates have.
    if let Some(app) = world
        .applications
        .iter_mut()
        .find(|a| a.display_name == "aks-ops-sp")
    {
        app.key_credentials.push(KeyCredential {
            key_id: stable_id("cert", "aks-ops-sp"),
            display_name: Some("CN=aks-ops-sp".into()),
            start: now - Duration::days(30),
            end: now + Duration::days(335),
            thumbprint: "q1wGsPc5y0T4eWj3wKk2r6m1X0Y=".into(),
        });
    }

    // The legacy AAD integration's server and client apps.
    for name in ["aks-aad-server", "aks-aad-client"] {
        let end = now + Duration::days(20);
        world.applications.push(Application {
            object_id: stable_id("application", name),
            app_id: stable_id("app", name),
            tenant_id,
            display_name: name.into(),
            password_credentials: vec![credential(name, "aad", end - Duration::days(730), end)],
            key_credentials: Vec::new(),
            created: end - Duration::days(730),
        });
    }

    for spec in demo_clusters() {
        let identity = match spec.identity {
            DemoIdentity::Sp(sp_name) => ClusterIdentity::ServicePrincipal {
                client_id: stable_id("app", sp_name),
                current_key_id: Some(stable_id("key", &format!("{sp_name}/app"))),
            },
            DemoIdentity::Msi => ClusterIdentity::ManagedIdentity {
                principal_id: stable_id("msi", spec.name),
            },
        };
        let aad = if spec.legacy_aad {
            Some(AadProfile::Legacy {
                server_app_id: stable_id("app", "aks-aad-server"),
                client_app_id: stable_id("app", "aks-aad-client"),
                tenant_id,
            })
        } else if matches!(identity, ClusterIdentity::ManagedIdentity { .. }) {
            Some(AadProfile::Managed { tenant_id })
        } else {
            None
        };
        world.clusters.push(ManagedCluster {
            subscription_id: stable_id("subscription", spec.subscription),
            resource_group: spec.resource_group.into(),
            name: spec.name.into(),
            location: spec.location.into(),
            kubernetes_version: "1.31.2".into(),
            node_count: spec.nodes,
            identity,
            aad,
            provisioning_state: spec.provisioning_state.into(),
            power_state: spec.power_state.into(),
            tags: vec![("owner".into(), "platform-team".into())],
        });
    }

    add_demo_users(&mut world, tenant_id);
    let admin = add_demo_admin(&mut world, tenant_id, now);
    (world, admin)
}

/// The demo's people, for interactive sign-in: their passwords are public demo values, documented
/// in the sign-in page, not secrets.
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    // (user principal name, display name, password)
    ("admin@contoso-demo.onmicrosoft.com", "Avery Admin", "demo"),
    ("reader@contoso-demo.onmicrosoft.com", "Riley Reader", "demo"),
];

/// Avery owns every subscription and may write applications; Riley reads one subscription only.
fn add_demo_users(world: &mut World, tenant_id: Uuid) {
    for (upn, display_name, password) in DEMO_USERS {
        let object_id = stable_id("user", upn);
        world.users.push(User {
            object_id,
            tenant_id,
            user_principal_name: (*upn).into(),
            display_name: (*display_name).into(),
            password_sha256: secret_digest(password),
        });
    }
    let admin = stable_id("user", DEMO_USERS[0].0);
    let reader = stable_id("user", DEMO_USERS[1].0);
    for sub in &world.subscriptions {
        world.role_assignments.push(RoleAssignment {
            id: stable_id("role-assignment", &format!("{admin}/{}", sub.id)),
            principal_id: admin,
            subscription_id: sub.id,
            role: Role::Owner,
        });
    }
    if let Some(staging) = world
        .subscriptions
        .iter()
        .find(|s| s.display_name == "Contoso Staging")
    {
        world.role_assignments.push(RoleAssignment {
            id: stable_id("role-assignment", &format!("{reader}/{}", staging.id)),
            principal_id: reader,
            subscription_id: staging.id,
            role: Role::Reader,
        });
    }
    world.graph_grants.push(GraphGrant {
        principal_id: admin,
        permission: "Application.ReadWrite.All".into(),
    });
    world.graph_grants.push(GraphGrant {
        principal_id: reader,
        permission: "Application.Read.All".into(),
    });
}

/// Adds the service principal that demo mode signs in as, with a fresh secret, Owner on every subscription.
fn add_demo_admin(world: &mut World, tenant_id: Uuid, now: DateTime<Utc>) -> DemoAdmin {
    let name = "rekey-demo-admin";
    let app_id = stable_id("app", name);
    let object_id = stable_id("sp", name);
    let secret = secrets::generate();
    let start = now - Duration::minutes(5);
    world.applications.push(Application {
        object_id: stable_id("application", name),
        app_id,
        tenant_id,
        display_name: name.into(),
        password_credentials: vec![PasswordCredential {
            key_id: Uuid::new_v4(),
            display_name: Some("demo sign-in".into()),
            hint: secrets::hint(secret.expose_secret()),
            start,
            end: now + Duration::days(365),
            secret_sha256: secret_digest(secret.expose_secret()),
            // Usable at once: the replication delay is for secrets added while running.
            created: start - Duration::days(1),
        }],
        key_credentials: Vec::new(),
        created: start - Duration::days(1),
    });
    world.service_principals.push(ServicePrincipal {
        object_id,
        app_id,
        tenant_id,
        display_name: name.into(),
        password_credentials: Vec::new(),
        key_credentials: Vec::new(),
        created: start - Duration::days(1),
    });
    world.graph_grants.push(GraphGrant {
        principal_id: object_id,
        permission: "Application.ReadWrite.All".into(),
    });
    for sub in &world.subscriptions {
        world.role_assignments.push(RoleAssignment {
            id: stable_id("role-assignment", &format!("{name}/{}", sub.id)),
            principal_id: object_id,
            subscription_id: sub.id,
            role: Role::Owner,
        });
    }
    DemoAdmin {
        tenant_id,
        client_id: app_id,
        client_secret: secret,
    }
}
