//! Moves to a managed identity against the simulator, each checked from the simulator's own state:
//! a plain cluster, a custom virtual network, an attached registry, a shared principal, a
//! user-assigned identity, and a move stopped by Azure then resumed from its journal.

use std::sync::Arc;
use std::time::Duration;

use rekey_core::inventory::{refresh, ClusterRow, RefreshOptions};
use rekey_core::migration::engine::{self, Context};
use rekey_core::migration::model::{IdentityChoice, Who};
use rekey_core::migration::plan::plan;
use rekey_core::migration::{IdentityRequest, MigrationPlan, MoveOutcome, PlanOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::Retire;
use rekey_core::secure_store::SecureStore;
use rekey_core::session::Session;
use rekey_core::vault::Vault;
use rekey_sim::state::{ClusterIdentity, Role};

struct Lab {
    sim: rekey_sim::RunningSim,
    session: Arc<Session>,
    known: Vec<ClusterRow>,
    ctx: Context,
    _home: tempfile::TempDir,
}

async fn lab() -> Lab {
    let behaviour = rekey_sim::state::Behaviour {
        operation_duration: chrono::Duration::seconds(1),
        operation_retry_after: chrono::Duration::seconds(1),
        ..Default::default()
    };
    let sim = rekey_sim::start_demo(rekey_sim::SimConfig {
        behaviour,
        ..Default::default()
    })
    .await
    .expect("simulator");
    let session = Arc::new(rekey_demo::connect(&sim).await.expect("session"));
    let home = tempfile::tempdir().expect("temp dir");
    let paths = AppPaths::at(home.path());
    let known = refresh(&session, RefreshOptions::default())
        .await
        .expect("inventory")
        .clusters;
    let ctx = Context {
        session: session.clone(),
        vault: Vault::with_store(SecureStore::in_memory(), &paths),
        paths,
        actor: "test@contoso".into(),
        progress: None,
        visibility_timeout: Duration::from_secs(30),
        max_poll_interval: Duration::from_millis(500),
    };
    Lab {
        sim,
        session,
        known,
        ctx,
        _home: home,
    }
}

impl Lab {
    fn id(&self, name: &str) -> String {
        self.known
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.id.clone())
            .unwrap_or_else(|| panic!("no cluster {name}"))
    }

    async fn plan(&self, name: &str, identity: Option<IdentityRequest>, retire: Retire) -> MigrationPlan {
        self.plan_deleting(name, identity, retire, false).await
    }

    async fn plan_deleting(
        &self,
        name: &str,
        identity: Option<IdentityRequest>,
        retire: Retire,
        delete_principal: bool,
    ) -> MigrationPlan {
        let options = PlanOptions {
            identity,
            retire,
            delete_principal,
        };
        plan(&self.session, "", &[self.id(name)], &self.known, &options).await
    }

    /// Whether the application named `app` and its service principal are in the directory.
    fn app_exists(&self, app: &str) -> (bool, bool) {
        let world = self.sim.sim().state.world();
        let found = world
            .applications
            .iter()
            .find(|a| a.display_name == app)
            .map(|a| a.app_id);
        let sp = world
            .service_principals
            .iter()
            .any(|s| Some(s.app_id) == found || s.display_name == app);
        (found.is_some(), sp)
    }

    fn cluster(&self, name: &str) -> rekey_sim::state::ManagedCluster {
        let world = self.sim.sim().state.world();
        world
            .clusters
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .expect("cluster")
    }

    fn app_secrets(&self, app: &str) -> usize {
        let world = self.sim.sim().state.world();
        world
            .applications
            .iter()
            .find(|a| a.display_name == app)
            .map_or(0, |a| a.password_credentials.len())
    }

    /// Whether `principal` holds `role` at exactly `scope` in the simulator.
    fn holds(&self, principal: &str, role: Role, scope: &str) -> bool {
        let world = self.sim.sim().state.world();
        world.role_assignments.iter().any(|r| {
            r.principal_id.to_string().eq_ignore_ascii_case(principal)
                && r.role == role
                && r.scope.eq_ignore_ascii_case(scope)
        })
    }
}

/// Every pool's nodes on the kubelet identity, and the cluster on a managed identity.
fn fully_moved(c: &rekey_sim::state::ManagedCluster) -> bool {
    matches!(c.identity, ClusterIdentity::ManagedIdentity { .. })
        && c.kubelet_identity.is_some()
        && c.agent_pools.iter().all(|p| p.nodes_use_kubelet_identity)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_cluster_moves_to_a_system_assigned_identity_and_its_secrets_go() {
    let lab = lab().await;
    let plan = lab.plan("aks-ops-tools", None, Retire::Now).await;
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let m = &plan.clusters[0];
    assert_eq!(m.identity, IdentityChoice::SystemAssigned);
    assert!(m.grants.is_empty(), "{:?}", m.grants);
    assert!(!m.blocked(), "{:?}", m.checks);
    assert!(!m.pools.is_empty());
    assert!(lab.app_secrets("aks-ops-sp") > 0);
    let result = engine::start(&lab.ctx, m.clone()).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    let c = lab.cluster("aks-ops-tools");
    assert!(fully_moved(&c), "{c:?}");
    assert_eq!(result.pools_upgraded.len(), m.pools.len());
    assert_eq!(
        lab.app_secrets("aks-ops-sp"),
        0,
        "the unused principal's secrets are retired"
    );
    // Its journal says it finished: a resume has nothing left to do.
    let again = engine::resume(&lab.ctx, &m.migration_id).await;
    assert_eq!(again.outcome, MoveOutcome::Succeeded);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_network_gets_its_roles_on_a_new_user_assigned_identity_before_the_update() {
    let lab = lab().await;
    // Kubenet with its own route table: AKS takes no system-assigned identity.
    let system = lab
        .plan("aks-prod-weu", Some(IdentityRequest::System), Retire::Now)
        .await;
    assert!(system.clusters[0].blocked());
    assert!(
        system.clusters[0]
            .blocked_by
            .as_deref()
            .unwrap_or_default()
            .contains("route table"),
        "{:?}",
        system.clusters[0].blocked_by
    );
    // Started anyway (as a stale or edited plan could be), the engine refuses it before any call.
    let refused = engine::start(&lab.ctx, system.clusters[0].clone()).await;
    assert_eq!(refused.outcome, MoveOutcome::Failed);
    assert!(
        refused
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("nothing was changed"),
        "{:?}",
        refused.message
    );
    assert!(matches!(
        lab.cluster("aks-prod-weu").identity,
        ClusterIdentity::ServicePrincipal { .. }
    ));
    let plan = lab.plan("aks-prod-weu", None, Retire::Now).await;
    let m = plan.clusters[0].clone();
    assert!(!m.blocked(), "{:?}", m.checks);
    // The principal's roles on the subnet and its route table become the new identity's.
    let scopes: Vec<String> = m.to_grant(Who::ControlPlane).map(|g| g.scope.clone()).collect();
    let subnet = scopes
        .iter()
        .find(|s| s.ends_with("/subnets/snet-aks-prod"))
        .cloned();
    let table = scopes
        .iter()
        .find(|s| s.ends_with("/routeTables/rt-aks-prod"))
        .cloned();
    let (Some(subnet), Some(table)) = (subnet, table) else {
        panic!("{scopes:?}")
    };
    assert!(m
        .grants
        .iter()
        .all(|g| g.role == "Network Contributor" && !g.source.is_empty()));
    // A user-assigned identity by default: its roles can be granted before the update.
    assert!(
        matches!(&m.identity, IdentityChoice::UserAssigned { id, create: true, .. } if id.ends_with("/aks-prod-weu-identity")),
        "{:?}",
        m.identity
    );
    // It shares its principal with aks-prod-weu-2: the secrets stay.
    assert_eq!(m.principal_after.shared_with, vec!["aks-prod-weu-2".to_string()]);
    assert_eq!(m.principal_after.retire, Retire::Never);
    let before = lab.app_secrets("aks-prod-weu-sp");
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    let c = lab.cluster("aks-prod-weu");
    assert!(fully_moved(&c), "{c:?}");
    let ClusterIdentity::ManagedIdentity { principal_id, .. } = &c.identity else {
        panic!("{:?}", c.identity)
    };
    assert!(lab.holds(&principal_id.to_string(), Role::NetworkContributor, &subnet));
    assert!(lab.holds(&principal_id.to_string(), Role::NetworkContributor, &table));
    assert_eq!(lab.app_secrets("aks-prod-weu-sp"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attached_registry_gives_the_kubelet_identity_acr_pull_before_the_nodes_move() {
    let lab = lab().await;
    let plan = lab
        .plan("aks-payments", Some(IdentityRequest::System), Retire::Never)
        .await;
    let m = plan.clusters[0].clone();
    let registry: Vec<_> = m.to_grant(Who::Kubelet).collect();
    assert_eq!(registry.len(), 1, "{:?}", m.grants);
    assert_eq!(registry[0].role, "AcrPull");
    assert!(registry[0].scope.ends_with("/registries/acrpayments"));
    let scope = registry[0].scope.clone();
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    let c = lab.cluster("aks-payments");
    assert!(fully_moved(&c));
    let kubelet = c.kubelet_identity.expect("kubelet").object_id.to_string();
    assert!(
        lab.holds(&kubelet, Role::AcrPull, &scope),
        "the kubelet identity pulls from the registry"
    );
    assert!(
        lab.app_secrets("aks-payments-sp") > 0,
        "--retire-old never keeps them"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_principal_keeps_its_secrets_for_the_other_cluster() {
    let lab = lab().await;
    let before = lab.app_secrets("aks-prod-weu-sp");
    let plan = lab.plan("aks-prod-weu-2", None, Retire::Now).await;
    let m = plan.clusters[0].clone();
    assert_eq!(m.principal_after.shared_with, vec!["aks-prod-weu".to_string()]);
    // The shared principal's network roles are for aks-prod-weu's subnet and route table: this
    // cluster (no custom subnet) needs none of them.
    assert!(
        m.grants
            .iter()
            .all(|g| !g.scope.to_ascii_lowercase().contains("/microsoft.network/")),
        "{:?}",
        m.grants
    );
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    assert!(fully_moved(&lab.cluster("aks-prod-weu-2")));
    assert_eq!(lab.app_secrets("aks-prod-weu-sp"), before);
    assert!(matches!(
        lab.cluster("aks-prod-weu").identity,
        ClusterIdentity::ServicePrincipal { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_assigned_identity_is_created_and_given_the_private_dns_zone_first() {
    let lab = lab().await;
    let plan = lab.plan("aks-stg-weu", None, Retire::Now).await;
    let m = plan.clusters[0].clone();
    assert!(!m.blocked(), "{:?}", m.checks);
    let IdentityChoice::UserAssigned { id, create: true, .. } = m.identity.clone() else {
        panic!("{:?}", m.identity)
    };
    let zone = m
        .to_grant(Who::ControlPlane)
        .find(|g| g.role == "Private DNS Zone Contributor")
        .map(|g| g.scope.clone())
        .expect("zone grant");
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    let c = lab.cluster("aks-stg-weu");
    let ClusterIdentity::ManagedIdentity {
        principal_id,
        user_assigned: Some((uami, _)),
        ..
    } = &c.identity
    else {
        panic!("{:?}", c.identity)
    };
    assert!(uami.eq_ignore_ascii_case(&id));
    assert!(lab.holds(&principal_id.to_string(), Role::PrivateDnsZoneContributor, &zone));
    assert!(fully_moved(&c));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_leaves_the_service_principal_working_and_a_resume_finishes() {
    let lab = lab().await;
    let plan = lab.plan("aks-portal-legacy", None, Retire::Now).await;
    let m = plan.clusters[0].clone();
    assert!(!m.blocked(), "{:?}", m.checks);
    lab.sim.sim().state.world().fail_next_operations = 1;
    let first = engine::start(&lab.ctx, m.clone()).await;
    assert_eq!(first.outcome, MoveOutcome::Failed);
    let message = first.message.unwrap_or_default();
    assert!(message.contains("service principal"), "{message}");
    assert!(matches!(
        lab.cluster("aks-portal-legacy").identity,
        ClusterIdentity::ServicePrincipal { .. }
    ));
    let again = engine::resume(&lab.ctx, &m.migration_id).await;
    assert_eq!(again.outcome, MoveOutcome::Succeeded, "{:?}", again.message);
    assert!(fully_moved(&lab.cluster("aks-portal-legacy")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_cluster_or_a_managed_identity_one_is_blocked_with_why() {
    let lab = lab().await;
    let plan = lab.plan("aks-stg-batch", None, Retire::Now).await;
    let m = &plan.clusters[0];
    assert!(m.blocked());
    assert!(
        m.blocked_by.as_deref().unwrap_or_default().contains("Stopped"),
        "{:?}",
        m.blocked_by
    );
    let plan = lab.plan("aks-web-msi", None, Retire::Now).await;
    assert!(plan.clusters.is_empty());
    assert!(
        plan.problems[0]
            .detail
            .contains("already uses a managed identity"),
        "{:?}",
        plan.problems
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_cluster_with_its_own_dns_zone_is_not_moved_to_a_system_assigned_identity() {
    let lab = lab().await;
    let plan = lab
        .plan("aks-stg-weu", Some(IdentityRequest::System), Retire::Now)
        .await;
    let m = &plan.clusters[0];
    let why = m.blocked_by.clone().unwrap_or_default();
    assert!(
        why.contains("CustomPrivateDNSZoneMissingPermissionError") && why.contains("privateDnsZones/"),
        "{why}"
    );
    // Left to itself, the plan gives the cluster a new user-assigned identity and the zone first.
    let plan = lab.plan("aks-stg-weu", None, Retire::Now).await;
    let m = &plan.clusters[0];
    assert!(
        matches!(m.identity, IdentityChoice::UserAssigned { .. }),
        "{:?}",
        m.identity
    );
    assert!(m
        .to_grant(Who::ControlPlane)
        .any(|g| g.role == "Private DNS Zone Contributor" && g.scope.contains("/privateDnsZones/")));
}

#[tokio::test(flavor = "multi_thread")]
async fn asked_to_delete_an_unused_principal_it_goes_after_its_secrets_with_its_cluster_roles() {
    let lab = lab().await;
    let plan = lab.plan_deleting("aks-ops-tools", None, Retire::Now, true).await;
    let m = plan.clusters[0].clone();
    assert!(m.principal_after.delete, "{:?}", m.principal_after);
    assert!(
        m.principal_after.note.contains("deleted"),
        "{}",
        m.principal_after.note
    );
    let sp = m.sp_object_id.clone().expect("the principal's object ID");
    let cluster_roles: Vec<String> = m
        .held
        .iter()
        .filter(|h| h.for_cluster)
        .map(|h| h.assignment.id.clone())
        .collect();
    assert_eq!(lab.app_exists("aks-ops-sp"), (true, true));
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    assert_eq!(
        lab.app_exists("aks-ops-sp"),
        (false, false),
        "the application and its principal are gone"
    );
    let world = lab.sim.sim().state.world();
    let left: Vec<String> = world
        .role_assignments
        .iter()
        .filter(|r| r.principal_id.to_string().eq_ignore_ascii_case(&sp))
        .map(|r| r.scope.clone())
        .collect();
    assert!(
        left.is_empty(),
        "no assignment of the deleted principal is left: {left:?} (held {cluster_roles:?})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_principal_is_kept_when_another_cluster_uses_it_at_plan_time_or_by_deletion_time() {
    let lab = lab().await;
    // Shared when planned: the plan keeps it although deletion was asked.
    let plan = lab.plan_deleting("aks-prod-weu-2", None, Retire::Now, true).await;
    let shared = &plan.clusters[0].principal_after;
    assert!(!shared.delete);
    assert!(shared.note.contains("kept"), "{}", shared.note);
    // Unused when planned, used by another cluster by the time of deletion: checked again, kept.
    let plan = lab.plan_deleting("aks-ops-tools", None, Retire::Now, true).await;
    let m = plan.clusters[0].clone();
    assert!(m.principal_after.delete);
    let app_id: uuid::Uuid = m.app_id.parse().expect("app ID");
    {
        let mut world = lab.sim.sim().state.world();
        let other = world
            .clusters
            .iter_mut()
            .find(|c| c.name == "aks-prod-weu")
            .expect("another cluster");
        other.identity = ClusterIdentity::ServicePrincipal {
            client_id: app_id,
            current_key_id: None,
        };
    }
    let result = engine::start(&lab.ctx, m).await;
    assert_eq!(result.outcome, MoveOutcome::Succeeded, "{:?}", result.message);
    assert_eq!(
        lab.app_exists("aks-ops-sp"),
        (true, true),
        "a principal in use is never deleted"
    );
    assert!(
        lab.app_secrets("aks-ops-sp") > 0,
        "nor are the secrets another cluster now uses removed"
    );
}
