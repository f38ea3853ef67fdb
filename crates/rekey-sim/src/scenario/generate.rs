//! The scenario generator: `tenants=2,subscriptions=100,clusters=1000,seed=7` becomes a realistic
//! estate — a mix of identities, secrets on the app and on the service principal, expiries in every
//! bucket, shared service principals, and some subscriptions the administrator cannot read.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::file::{
    AppSpec, CertificateSpec, ClusterSpec, CredentialOwner, RoleSpec, ScenarioFile, SecretSpec,
    SubscriptionSpec, TenantSpec, UserSpec,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateParams {
    pub tenants: usize,
    pub subscriptions: usize,
    pub clusters: usize,
    pub seed: u64,
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            tenants: 1,
            subscriptions: 10,
            clusters: 100,
            seed: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("bad generator parameters '{input}': {reason} (expected e.g. tenants=2,subscriptions=100,clusters=1000,seed=7)")]
pub struct ParamsError {
    input: String,
    reason: String,
}

/// Upper bounds that keep a typo from exhausting memory.
const MAX_TENANTS: usize = 50;
const MAX_SUBSCRIPTIONS: usize = 20_000;
const MAX_CLUSTERS: usize = 200_000;

impl std::str::FromStr for GenerateParams {
    type Err = ParamsError;

    fn from_str(input: &str) -> Result<Self, ParamsError> {
        let err = |reason: String| ParamsError {
            input: input.to_string(),
            reason,
        };
        let mut p = GenerateParams::default();
        for pair in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| err(format!("'{pair}' is not key=value")))?;
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| err(format!("'{value}' is not a whole number")))?;
            let n_usize = usize::try_from(n).map_err(|_| err(format!("{n} is too large")))?;
            match key.trim() {
                "tenants" => p.tenants = n_usize,
                "subscriptions" => p.subscriptions = n_usize,
                "clusters" => p.clusters = n_usize,
                "seed" => p.seed = n,
                other => return Err(err(format!("unknown key '{other}'"))),
            }
        }
        if p.tenants == 0 || p.tenants > MAX_TENANTS {
            return Err(err(format!("tenants must be 1..={MAX_TENANTS}")));
        }
        if p.subscriptions < p.tenants || p.subscriptions > MAX_SUBSCRIPTIONS {
            return Err(err(format!(
                "subscriptions must be at least tenants and at most {MAX_SUBSCRIPTIONS}"
            )));
        }
        if p.clusters > MAX_CLUSTERS {
            return Err(err(format!("clusters must be at most {MAX_CLUSTERS}")));
        }
        Ok(p)
    }
}

const TEAMS: &[&str] = &[
    "payments", "search", "identity", "data", "web", "mobile", "ml", "ops", "billing", "edge",
];
const ENVS: &[&str] = &["prod", "stg", "dev", "test"];
const LOCATIONS: &[&str] = &[
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "westus3",
    "uksouth",
    "swedencentral",
];
const VERSIONS: &[&str] = &["1.29.9", "1.30.5", "1.31.2", "1.32.0"];

/// Days until expiry, spread over Rekey's buckets: expired, ≤7, ≤30, ≤90 and later.
fn expiry_days(rng: &mut ChaCha8Rng) -> i64 {
    match rng.gen_range(0..100) {
        0..=4 => rng.gen_range(-60..0),
        5..=11 => rng.gen_range(0..=7),
        12..=21 => rng.gen_range(8..=30),
        22..=36 => rng.gen_range(31..=90),
        _ => rng.gen_range(91..=720),
    }
}

pub fn generate(p: &GenerateParams) -> ScenarioFile {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut f = ScenarioFile::default();
    for t in 0..p.tenants {
        f.tenants.push(TenantSpec {
            key: format!("tenant-{t}"),
            name: format!("Fabrikam {} (generated)", t + 1),
            domain: format!("fabrikam{}.onmicrosoft.com", t + 1),
            premium: true,
        });
        // One legacy AAD integration pair per tenant, shared by its legacy clusters.
        for role in ["server", "client"] {
            f.apps.push(AppSpec {
                name: format!("aks-aad-{role}-{t}"),
                tenant: format!("tenant-{t}"),
                service_principal: false,
                secrets: if role == "server" {
                    vec![SecretSpec {
                        on: CredentialOwner::Application,
                        expires_in_days: expiry_days(&mut rng),
                        lifetime_days: 730,
                        display_name: "aad".into(),
                        last_used_minutes_ago: None,
                        last_used_days_ago: None,
                        pipeline: false,
                    }]
                } else {
                    Vec::new()
                },
                certificates: Vec::new(),
            });
        }
    }
    for s in 0..p.subscriptions {
        let team = TEAMS[s % TEAMS.len()];
        let env = ENVS[(s / TEAMS.len()) % ENVS.len()];
        f.subscriptions.push(SubscriptionSpec {
            name: format!("{team}-{env}-{s:05}"),
            tenant: format!("tenant-{}", s % p.tenants),
            // About one in twenty: the administrator holds no role there.
            restricted: rng.gen_ratio(1, 20),
        });
    }
    // Service principals per tenant; a cluster reuses a recent one about a third of the time.
    let mut pools: Vec<Vec<String>> = vec![Vec::new(); p.tenants];
    for c in 0..p.clusters {
        let sub_index = rng.gen_range(0..p.subscriptions.max(1));
        let Some(sub) = f.subscriptions.get(sub_index).cloned() else {
            break;
        };
        let tenant_index = sub_index % p.tenants;
        let team = TEAMS[sub_index % TEAMS.len()];
        let name = format!("aks-{team}-{c:06}");
        let kind = rng.gen_range(0..100);
        let (identity, aad) = if kind < 35 {
            ("msi".to_string(), Some("managed".to_string()))
        } else {
            let pool = &mut pools[tenant_index];
            let reuse = !pool.is_empty() && rng.gen_ratio(1, 3);
            let sp = if reuse {
                pool[pool.len() - 1 - rng.gen_range(0..pool.len().min(5))].clone()
            } else {
                let sp = format!("sp-{team}-{c:06}");
                f.apps.push(sp_app(&sp, &sub.tenant, &mut rng));
                pool.push(sp.clone());
                sp
            };
            (
                sp,
                if kind >= 90 {
                    Some("legacy".to_string())
                } else {
                    None
                },
            )
        };
        let legacy = aad.as_deref() == Some("legacy");
        f.clusters.push(ClusterSpec {
            name,
            subscription: sub.name.clone(),
            resource_group: format!("rg-{team}-{}", c % 7),
            location: LOCATIONS.choose(&mut rng).unwrap_or(&"westeurope").to_string(),
            identity,
            aad,
            aad_server_app: legacy.then(|| format!("aks-aad-server-{tenant_index}")),
            aad_client_app: legacy.then(|| format!("aks-aad-client-{tenant_index}")),
            provisioning_state: if rng.gen_ratio(1, 50) {
                "Failed".into()
            } else {
                "Succeeded".into()
            },
            power_state: if rng.gen_ratio(1, 25) {
                "Stopped".into()
            } else {
                "Running".into()
            },
            kubernetes_version: VERSIONS.choose(&mut rng).unwrap_or(&"1.31.2").to_string(),
            node_count: rng.gen_range(1..=30),
            tags: Default::default(),
            network: None,
            private_dns_zone: None,
            registry: None,
            pools: Vec::new(),
        });
    }
    for t in 0..p.tenants {
        let tenant = format!("tenant-{t}");
        let roles = f
            .subscriptions
            .iter()
            .filter(|s| s.tenant == tenant && !s.restricted)
            .map(|s| RoleSpec {
                subscription: s.name.clone(),
                role: "Owner".into(),
            })
            .collect();
        f.users.push(UserSpec {
            upn: format!("admin@fabrikam{}.onmicrosoft.com", t + 1),
            name: format!("Fabrikam {} Admin", t + 1),
            password: "demo".into(),
            tenant,
            roles,
            graph: vec!["Application.ReadWrite.All".into()],
            directory_roles: Vec::new(),
        });
    }
    f
}

fn sp_app(name: &str, tenant: &str, rng: &mut ChaCha8Rng) -> AppSpec {
    let mut secrets = vec![SecretSpec {
        on: CredentialOwner::Application,
        expires_in_days: expiry_days(rng),
        lifetime_days: 365,
        display_name: "rbac".into(),
        last_used_minutes_ago: None,
        last_used_days_ago: None,
        pipeline: false,
    }];
    // `az ad sp credential reset` leaves secrets on the service principal object.
    if rng.gen_ratio(3, 10) {
        secrets.push(SecretSpec {
            on: CredentialOwner::ServicePrincipal,
            expires_in_days: expiry_days(rng),
            lifetime_days: 365,
            display_name: "rbac".into(),
            last_used_minutes_ago: None,
            last_used_days_ago: None,
            pipeline: false,
        });
    }
    let certificates = if rng.gen_ratio(1, 20) {
        vec![CertificateSpec {
            expires_in_days: expiry_days(rng),
            lifetime_days: 365,
            display_name: format!("CN={name}"),
            last_used_minutes_ago: None,
            last_used_days_ago: None,
        }]
    } else {
        Vec::new()
    };
    AppSpec {
        name: name.to_string(),
        tenant: tenant.to_string(),
        service_principal: true,
        secrets,
        certificates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spelling_and_rejects_typos() {
        let p: GenerateParams = "tenants=2,subscriptions=100,clusters=1000,seed=7"
            .parse()
            .expect("valid");
        assert_eq!(
            p,
            GenerateParams {
                tenants: 2,
                subscriptions: 100,
                clusters: 1000,
                seed: 7
            }
        );
        assert!("tenant=2".parse::<GenerateParams>().is_err());
        assert!("clusters=-1".parse::<GenerateParams>().is_err());
        assert!("tenants=0".parse::<GenerateParams>().is_err());
        assert!("clusters=99999999".parse::<GenerateParams>().is_err());
    }

    #[test]
    fn a_generated_estate_is_deterministic_and_mixed() {
        let p: GenerateParams = "tenants=2,subscriptions=100,clusters=1000,seed=7"
            .parse()
            .expect("valid");
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(serde_json::to_string(&a).ok(), serde_json::to_string(&b).ok());
        let world = a.build(chrono::Utc::now()).expect("generated scenario builds");
        assert_eq!(world.clusters.len(), 1000);
        assert_eq!(world.tenants.len(), 2);
        let msi = a.clusters.iter().filter(|c| c.identity == "msi").count();
        let legacy = a
            .clusters
            .iter()
            .filter(|c| c.aad.as_deref() == Some("legacy"))
            .count();
        assert!((250..450).contains(&msi), "msi {msi}");
        assert!((50..150).contains(&legacy), "legacy {legacy}");
        let sp_apps = a.apps.iter().filter(|app| app.service_principal).count();
        assert!(sp_apps < 1000 - msi, "some service principals are shared");
        assert!(a.subscriptions.iter().any(|s| s.restricted));
        let expired = a
            .apps
            .iter()
            .flat_map(|app| &app.secrets)
            .filter(|s| s.expires_in_days < 0)
            .count();
        assert!(expired > 0);
    }
}
