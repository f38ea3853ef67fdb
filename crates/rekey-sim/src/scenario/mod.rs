//! Scenarios: the world the simulator starts with. The built-in demo tenant (`demo.toml`) is what a
//! newcomer sees; other scenarios come from a file or from the generator.

mod build;
mod file;
mod generate;
mod network;
mod vaults;

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

pub use file::{AccessPolicySpec, ScenarioError, ScenarioFile, VaultRoleSpec, VaultSpec};
pub use generate::{generate, GenerateParams, ParamsError};

use crate::secrets;
use crate::state::{
    secret_digest, stable_id, Application, GraphGrant, PasswordCredential, Registration, Role,
    RoleAssignment, ServicePrincipal, World,
};

const DEMO_TOML: &str = include_str!("demo.toml");

/// The demo's people, for interactive sign-in: (user principal name, display name, password).
/// Their passwords are public demo values (also in `demo.toml`), not secrets.
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    ("admin@contoso-demo.onmicrosoft.com", "Avery Admin", "demo"),
    ("reader@contoso-demo.onmicrosoft.com", "Riley Reader", "demo"),
];

/// The principal that demo mode signs in as: a service principal that owns every unrestricted subscription.
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

/// What is needed to put the demo administrator into any world again (after a scenario reload),
/// with the same client ID and secret: the secret's digest, never the secret.
#[derive(Debug, Clone)]
pub struct AdminSeed {
    credential: PasswordCredential,
}

pub(crate) const ADMIN_NAME: &str = "rekey-demo-admin";

/// A new administrator secret: the secret for the client, the seed for the world.
pub fn new_admin(now: DateTime<Utc>) -> (SecretString, AdminSeed) {
    let secret = secrets::generate();
    let start = now - Duration::minutes(5);
    let credential = PasswordCredential {
        key_id: Uuid::new_v4(),
        display_name: Some("demo sign-in".into()),
        hint: secrets::hint(secret.expose_secret()),
        start,
        end: now + Duration::days(365),
        secret_sha256: secret_digest(secret.expose_secret()),
        // Usable at once: the replication delay is for secrets added while running.
        created: start - Duration::days(1),
    };
    (secret, AdminSeed { credential })
}

/// Puts the demo administrator into `world` in the first tenant: Owner on `subscriptions`, and
/// allowed to write applications and read the sign-in activity reports in Graph. Returns its tenant and client ID.
pub fn install_admin(world: &mut World, seed: &AdminSeed, subscriptions: &[Uuid]) -> (Uuid, Uuid) {
    let tenant_id = world
        .tenants
        .first()
        .map(|t| t.id)
        .unwrap_or_else(|| stable_id("tenant", "default"));
    let app_id = stable_id("app", ADMIN_NAME);
    let object_id = stable_id("sp", ADMIN_NAME);
    let created = seed.credential.created;
    world.applications.push(Application(Registration {
        object_id: stable_id("application", ADMIN_NAME),
        password_credentials: vec![seed.credential.clone()],
        ..Registration::new(app_id, tenant_id, ADMIN_NAME, created)
    }));
    world.service_principals.push(ServicePrincipal(Registration {
        object_id,
        ..Registration::new(app_id, tenant_id, ADMIN_NAME, created)
    }));
    for sub in subscriptions {
        world.role_assignments.push(RoleAssignment::at_subscription(
            stable_id("role-assignment", &format!("{ADMIN_NAME}/{sub}")),
            object_id,
            *sub,
            Role::Owner,
        ));
    }
    // Writes applications, and reads the sign-in activity reports (an app needs no directory role).
    for permission in ["Application.ReadWrite.All", "AuditLog.Read.All"] {
        world.graph_grants.push(GraphGrant {
            principal_id: object_id,
            permission: permission.into(),
        });
    }
    (tenant_id, app_id)
}

/// The world of `scenario` with the demo administrator installed.
pub fn load(scenario: &ScenarioFile, seed: &AdminSeed, now: DateTime<Utc>) -> Result<World, ScenarioError> {
    let mut world = scenario.build(now)?;
    let subscriptions: Vec<Uuid> = scenario.unrestricted_subscriptions().collect();
    install_admin(&mut world, seed, &subscriptions);
    Ok(world)
}

/// Where a simulator's world comes from.
#[derive(Debug, Clone, Default)]
pub enum ScenarioSource {
    #[default]
    Demo,
    File(Box<ScenarioFile>),
    Generate(GenerateParams),
}

impl ScenarioSource {
    pub fn file(&self) -> ScenarioFile {
        match self {
            ScenarioSource::Demo => demo_file(),
            ScenarioSource::File(f) => (**f).clone(),
            ScenarioSource::Generate(p) => generate(p),
        }
    }
}

/// The built-in demo scenario.
pub fn demo_file() -> ScenarioFile {
    // demo.toml is compiled in and covered by tests; a broken edit fails them, not users.
    ScenarioFile::from_toml(DEMO_TOML).unwrap_or_default()
}

/// The built-in demo tenant: three subscriptions and a dozen clusters with every kind of identity,
/// expiries spread over the buckets, and two clusters sharing one service principal.
pub fn demo(now: DateTime<Utc>) -> (World, DemoAdmin) {
    let (secret, seed) = new_admin(now);
    let scenario = demo_file();
    let mut world = scenario.build(now).unwrap_or_default();
    let subscriptions: Vec<Uuid> = scenario.unrestricted_subscriptions().collect();
    let (tenant_id, client_id) = install_admin(&mut world, &seed, &subscriptions);
    (
        world,
        DemoAdmin {
            tenant_id,
            client_id,
            client_secret: secret,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_toml_is_valid_and_matches_the_documented_users() {
        let scenario = ScenarioFile::from_toml(DEMO_TOML).expect("demo.toml parses");
        let world = scenario.build(Utc::now()).expect("demo.toml builds");
        // Contoso's 3 subscriptions and 12 clusters, and Fabrikam's shared one with its cluster.
        assert_eq!(world.clusters.len(), 13);
        assert_eq!(world.subscriptions.len(), 4);
        assert_eq!(world.tenants.len(), 2);
        assert_eq!(scenario.unrestricted_subscriptions().count(), 3);
        for (upn, name, password) in DEMO_USERS {
            let user = scenario
                .users
                .iter()
                .find(|u| u.upn == *upn)
                .expect("documented user exists");
            assert_eq!((&user.name as &str, &user.password as &str), (*name, *password));
        }
    }

    #[test]
    fn the_admin_survives_a_reload_with_the_same_secret() {
        let now = Utc::now();
        let (secret, seed) = new_admin(now);
        let world = load(&demo_file(), &seed, now).expect("demo loads");
        let app = world
            .application_by_app_id(stable_id("app", ADMIN_NAME))
            .expect("admin app");
        assert_eq!(
            app.password_credentials[0].secret_sha256,
            secret_digest(secret.expose_secret())
        );
        // Owner on the three unrestricted subscriptions, and Key Vault Secrets Officer on the
        // platform vault (demo.toml).
        let roles: Vec<Role> = world
            .role_assignments
            .iter()
            .filter(|r| r.principal_id == stable_id("sp", ADMIN_NAME))
            .map(|r| r.role)
            .collect();
        assert_eq!(roles.iter().filter(|r| **r == Role::Owner).count(), 3);
        assert_eq!(roles.len(), 4);
        assert!(roles.contains(&Role::KeyVaultSecretsOfficer));
    }
}
