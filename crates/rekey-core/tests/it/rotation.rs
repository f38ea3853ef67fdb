//! Rotations against the simulator, each checked from the simulator's own state: which credential
//! each cluster holds, which secrets exist on the app, and what the vault keeps.

use std::sync::Arc;
use std::time::Duration;

use rekey_core::auth::ClientSecretCredential;
use rekey_core::inventory::{refresh, ClusterRow, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::rotation::journal;
use rekey_core::rotation::model::{Mode, Options, Outcome, Retire};
use rekey_core::rotation::{bulk, engine, plan, Context};
use rekey_core::secure_store::SecureStore;
use rekey_core::session::Session;
use rekey_core::vault::Vault;
use rekey_sim::state::{ClusterIdentity, World};
use tokio::sync::Semaphore;

pub(crate) struct Fixture {
    pub sim: rekey_sim::RunningSim,
    pub session: Arc<Session>,
    pub vault: Vault,
    pub paths: AppPaths,
    pub known: Vec<ClusterRow>,
    _home: tempfile::TempDir,
}

pub(crate) async fn fixture() -> Fixture {
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
    let vault = Vault::with_store(SecureStore::in_memory(), &paths);
    let known = refresh(&session, RefreshOptions::default())
        .await
        .expect("inventory")
        .clusters;
    Fixture {
        sim,
        session,
        vault,
        paths,
        known,
        _home: home,
    }
}

impl Fixture {
    pub(crate) fn options(&self, mode: Mode, retire: Retire) -> Options {
        let mut options = Options::from_settings(&Default::default(), mode, "test@contoso");
        options.retire = retire;
        options.replication_timeout = Duration::from_secs(20);
        options.max_poll_interval = Duration::from_secs(1);
        options
    }

    /// The session of the demo tenant, the only one its plans name.
    pub(crate) fn sessions(&self) -> rekey_core::rotation::bulk::Sessions {
        std::collections::HashMap::from([(
            self.sim.tenant_id().to_string().to_ascii_lowercase(),
            self.session.clone(),
        )])
    }

    pub(crate) fn context(&self, options: Options) -> Context {
        Context {
            session: self.session.clone(),
            vault: self.vault.clone(),
            paths: self.paths.clone(),
            progress: None,
            resets: Arc::new(Semaphore::new(options.concurrency)),
            options,
        }
    }

    pub(crate) fn id(&self, name: &str) -> String {
        self.known
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.clone())
            .unwrap_or_else(|| panic!("no cluster {name}"))
    }

    pub(crate) fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.sim.sim().state.world()
    }

    /// The key ID the simulator says `cluster` holds, and its app ID.
    pub(crate) fn holds(&self, cluster: &str) -> (String, Option<String>) {
        let world = self.world();
        let c = world
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .expect("cluster");
        match &c.identity {
            ClusterIdentity::ServicePrincipal {
                client_id,
                current_key_id,
            } => (client_id.to_string(), current_key_id.map(|k| k.to_string())),
            ClusterIdentity::ManagedIdentity { .. } => ("msi".into(), None),
        }
    }

    pub(crate) fn app_keys(&self, app_id: &str) -> Vec<String> {
        let world = self.world();
        world
            .applications
            .iter()
            .find(|a| a.app_id.to_string().eq_ignore_ascii_case(app_id))
            .map(|a| {
                a.password_credentials
                    .iter()
                    .map(|c| c.key_id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) async fn vault_secret_works(&self, key_id: &str, app_id: &str) -> bool {
        let entry = self.vault.find(key_id).await.expect("in the vault");
        let secret = self.vault.secret(&entry).await.expect("value in the keyring");
        let http = rekey_core::transport::HttpClient::new(&rekey_core::transport::Trust::Only {
            ca_pem: self.sim.ca_pem.clone(),
        })
        .expect("http");
        let cloud = self.session.arm.cloud();
        let credential = ClientSecretCredential::new(
            http,
            &cloud.login_endpoint,
            &self.sim.tenant_id().to_string(),
            app_id,
            secret,
        )
        .expect("credential");
        credential.token(&cloud.arm_scope()).await.is_ok()
    }
}

#[tokio::test]
async fn a_shared_principal_gets_one_new_secret_and_loses_the_old_only_after_both_clusters() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-prod-weu");
    let old_key = old_key.expect("the demo cluster holds a secret");
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-prod-weu")], &f.known, &options).await;
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.groups.len(), 1);
    let group = &plan.groups[0];
    assert_eq!(
        group.clusters.len(),
        2,
        "the cluster sharing the principal joins the plan"
    );
    assert!(group
        .clusters
        .iter()
        .any(|c| c.name == "aks-prod-weu-2" && c.added_as_shared));
    assert!(group.clusters.iter().all(|c| c.production));
    assert!(group.old_secrets.iter().any(|o| o.key_id == old_key));

    let results = bulk::run(&f.context(options), &f.sessions(), &plan).await;
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let new_key = result.new_key_id.clone().expect("a new key");
    assert_ne!(new_key, old_key);
    for cluster in ["aks-prod-weu", "aks-prod-weu-2"] {
        assert_eq!(
            f.holds(cluster),
            (app_id.clone(), Some(new_key.clone())),
            "{cluster}"
        );
    }
    let keys = f.app_keys(&app_id);
    assert!(keys.contains(&new_key));
    assert!(
        !keys.contains(&old_key),
        "the old secret is retired once both clusters are verified"
    );
    assert!(
        f.vault_secret_works(&new_key, &app_id).await,
        "the vault holds the working secret"
    );
    let entry = f.vault.find(&new_key).await.expect("vault entry");
    assert_eq!(entry.clusters.len(), 2);

    // The journal says it is finished, and the audit log has every step without the secret.
    let (states, problems) = journal::list(&f.paths).await;
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(states[0].finished, Some(Outcome::Succeeded));
    let (records, _) = f.vault.audit().read().await.expect("audit");
    let steps: Vec<_> = records.iter().filter_map(|r| r.step.clone()).collect();
    for step in [
        "add secret",
        "store in keyring",
        "prove secret",
        "reset cluster",
        "verify",
        "retire old secret",
    ] {
        assert!(
            steps.iter().any(|s| s == step),
            "no audit record of {step}: {steps:?}"
        );
    }
}

#[tokio::test]
async fn with_a_grace_period_the_old_secret_stays_until_it_is_over() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-stg-weu");
    let old_key = old_key.expect("old key");
    let options = f.options(Mode::Secret, Retire::After { hours: 24 });
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options);
    let result = &bulk::run(&ctx, &f.sessions(), &plan).await[0];
    assert_eq!(result.outcome, Outcome::RetirePending, "{:?}", result.message);
    assert!(result.retire_after.is_some());
    let new_key = result.new_key_id.clone().expect("new key");
    assert_eq!(f.holds("aks-stg-weu").1, Some(new_key.clone()));
    assert!(
        f.app_keys(&app_id).contains(&old_key),
        "kept during the grace period"
    );
    // A resume before the grace period is over changes nothing.
    let (again, _) = bulk::resume(&ctx, &f.sessions(), None).await;
    assert!(again.is_empty(), "nothing is due yet");
    assert!(f.app_keys(&app_id).contains(&old_key));
}

#[tokio::test]
async fn the_legacy_aad_server_app_is_reset_on_every_cluster_that_uses_it() {
    let f = fixture().await;
    let options = f.options(Mode::Aad, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-portal-legacy")], &f.known, &options).await;
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let group = &plan.groups[0];
    assert_eq!(group.clusters.len(), 2, "aks-edge-legacy shares the server app");
    assert!(group.clusters[0]
        .checks
        .iter()
        .any(|c| c.detail.contains("aka.ms/aks-managed-aad")));
    let result = &bulk::run(&f.context(options), &f.sessions(), &plan).await[0];
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let new_key = result.new_key_id.clone().expect("new key");
    let world = f.world();
    for name in ["aks-portal-legacy", "aks-edge-legacy"] {
        let cluster = world.clusters.iter().find(|c| c.name == name).expect("cluster");
        assert_eq!(
            world
                .legacy_aad_server_keys
                .get(&cluster.arm_id())
                .map(|k| k.to_string()),
            Some(new_key.clone()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_new_service_principal_takes_over_with_the_old_ones_roles() {
    let f = fixture().await;
    let (old_app, _) = f.holds("aks-ops-tools");
    let options = f.options(Mode::NewSp, Retire::Never);
    let plan = plan(&f.session, &[f.id("aks-ops-tools")], &f.known, &options).await;
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let roles = plan.groups[0].role_assignments.len();
    let result = &bulk::run(&f.context(options), &f.sessions(), &plan).await[0];
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let new_app = result.new_app_id.clone().expect("a new app");
    assert_ne!(new_app, old_app);
    assert_eq!(
        f.holds("aks-ops-tools"),
        (new_app.clone(), result.new_key_id.clone())
    );
    let world = f.world();
    let sp = world
        .service_principals
        .iter()
        .find(|s| s.app_id.to_string() == new_app)
        .expect("new SP");
    let copied = world
        .role_assignments
        .iter()
        .filter(|r| r.principal_id == sp.object_id)
        .count();
    assert_eq!(copied, roles, "every role of the old principal was copied");
}

/// A role the old principal held on a subnet, a route table or a resource group is copied there,
/// never wider: a copy at the subscription would give the new principal rights the old one lacked.
#[tokio::test]
async fn a_new_principal_gets_each_role_at_the_scope_the_old_one_held_it() {
    let f = fixture().await;
    let (old_app, _) = f.holds("aks-prod-weu");
    let options = f.options(Mode::NewSp, Retire::Never);
    let plan = plan(&f.session, &[f.id("aks-prod-weu")], &f.known, &options).await;
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let result = &bulk::run(&f.context(options), &f.sessions(), &plan).await[0];
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let new_app = result.new_app_id.clone().expect("a new app");
    let world = f.world();
    let object_of = |app: &str| {
        world
            .service_principals
            .iter()
            .find(|s| s.app_id.to_string() == app)
            .map(|s| s.object_id)
            .expect("the principal")
    };
    let held = |principal| {
        let mut held: Vec<(String, String)> = world
            .role_assignments
            .iter()
            .filter(|r| r.principal_id == principal)
            .map(|r| (format!("{:?}", r.role), r.scope.to_ascii_lowercase()))
            .collect();
        held.sort();
        held
    };
    let old = held(object_of(&old_app));
    assert!(
        old.iter()
            .any(|(_, scope)| scope.contains("/providers/microsoft.network/")),
        "the demo's principal holds a role on its network: {old:?}"
    );
    assert_eq!(held(object_of(&new_app)), old);
}

#[tokio::test]
async fn a_failed_azure_operation_leaves_the_old_secret_working_and_a_retry_finishes() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-stg-weu");
    let old_key = old_key.expect("old key");
    f.world().fail_next_operations = 1;
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options);
    let result = bulk::run(&ctx, &f.sessions(), &plan).await.remove(0);
    assert_eq!(result.outcome, Outcome::Failed);
    let message = result.message.clone().unwrap_or_default();
    assert!(message.contains("operation failed"), "{message}");
    assert!(
        f.app_keys(&app_id).contains(&old_key),
        "the old secret stays after a failure"
    );
    // Retry: the simulator left the cluster Failed; a new reset fixes it, as in Azure.
    let (again, _) = bulk::resume(&ctx, &f.sessions(), Some(&result.rotation_id)).await;
    assert_eq!(again[0].outcome, Outcome::Succeeded, "{:?}", again[0].message);
    assert_eq!(f.holds("aks-stg-weu").1, again[0].new_key_id);
    assert!(!f.app_keys(&app_id).contains(&old_key));
}

/// Adds a secret named `name` to the application `app_id` behind Rekey's back (another
/// installation's, or a lost answer of this one's); returns its key ID.
fn add_named_secret(f: &Fixture, app_id: &str, name: &str) -> String {
    let mut world = f.world();
    let app = world
        .applications
        .iter_mut()
        .find(|a| a.app_id.to_string().eq_ignore_ascii_case(app_id))
        .expect("application");
    let now = chrono::Utc::now();
    let key_id = uuid::Uuid::new_v4();
    app.password_credentials
        .push(rekey_sim::state::PasswordCredential {
            key_id,
            display_name: Some(name.to_string()),
            hint: "xyz".into(),
            start: now,
            end: now + chrono::Duration::days(30),
            secret_sha256: [0; 32],
            created: now,
        });
    key_id.to_string()
}

#[tokio::test]
async fn orphan_clean_up_removes_only_this_installations_lost_secret() {
    let f = fixture().await;
    let (app_id, _) = f.holds("aks-stg-weu");
    let today = chrono::Utc::now();
    // Two installations (two data folders) on one application, the same day.
    let other_home = tempfile::tempdir().expect("temp dir");
    let ours = rekey_core::installation::id(&f.paths).await.expect("our ID");
    let theirs = rekey_core::installation::id(&AppPaths::at(other_home.path()))
        .await
        .expect("their ID");
    assert_ne!(ours, theirs);
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let group = plan.groups[0].clone();
    let our_name = rekey_core::rotation::orphans::credential_name(&group.rotation_id, today, &ours);
    // Theirs: another installation's rotation of the same application, the same day.
    let their_rotation = uuid::Uuid::new_v4().to_string();
    let their_name = rekey_core::rotation::orphans::credential_name(&their_rotation, today, &theirs);
    let their_key = add_named_secret(&f, &app_id, &their_name);
    // Ours: an addPassword whose answer was lost in a crash, journaled as requested.
    let lost_key = add_named_secret(&f, &app_id, &our_name);
    let object_id = f
        .world()
        .applications
        .iter()
        .find(|a| a.app_id.to_string().eq_ignore_ascii_case(&app_id))
        .map(|a| a.object_id.to_string())
        .expect("application");
    let journal = journal::Journal::new(&f.paths, &group.rotation_id);
    journal
        .append(journal::Event::Planned {
            group: group.clone(),
            actor: "test@contoso".into(),
            pin: Some(Box::new(rekey_core::session::Pin::of(&f.session))),
        })
        .await
        .expect("journal");
    journal
        .append(journal::Event::SecretRequested {
            display_name: our_name.clone(),
            on: rekey_core::azure::directory::ObjectKind::Application,
            object_id,
            app_id: app_id.clone(),
        })
        .await
        .expect("journal");

    let ctx = f.context(options);
    let (results, _) = bulk::resume(&ctx, &f.sessions(), Some(&group.rotation_id)).await;
    assert_eq!(results[0].outcome, Outcome::Succeeded, "{:?}", results[0].message);
    let keys = f.app_keys(&app_id);
    assert!(!keys.contains(&lost_key), "our lost secret is removed");
    assert!(keys.contains(&their_key), "the other installation's secret stays");
    // The new secret carries our marker too.
    let new_key = results[0].new_key_id.clone().expect("new key");
    let world = f.world();
    let new_name = world
        .applications
        .iter()
        .flat_map(|a| a.password_credentials.iter())
        .find(|c| c.key_id.to_string().eq_ignore_ascii_case(&new_key))
        .and_then(|c| c.display_name.clone());
    assert_eq!(new_name.as_deref(), Some(our_name.as_str()));
}

#[tokio::test]
async fn a_keyring_that_refuses_the_secret_stops_before_anything_changes_and_removes_it_from_azure() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-stg-weu");
    let keys_before = f.app_keys(&app_id);
    // Every write is refused: the entry's account is not known in advance, so fail the store itself.
    let store = SecureStore::in_memory();
    let paths = f.paths.clone();
    let broken = Vault::with_store(store, &paths);
    // A read-only index makes the vault refuse after the keyring accepted: the worst case.
    std::fs::create_dir_all(paths.data_dir.join("vault-index.json")).expect("block the index");
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let mut ctx = f.context(options);
    ctx.vault = broken;
    let result = bulk::run(&ctx, &f.sessions(), &plan).await.remove(0);
    assert_eq!(result.outcome, Outcome::RolledBack, "{:?}", result.message);
    assert!(result
        .message
        .clone()
        .unwrap_or_default()
        .contains("removed from Azure"));
    assert_eq!(
        f.app_keys(&app_id),
        keys_before,
        "the new secret was removed again"
    );
    assert_eq!(f.holds("aks-stg-weu").1, old_key, "the cluster is untouched");
}

#[tokio::test]
async fn a_crash_while_azure_runs_the_reset_resumes_polling_instead_of_resetting_again() {
    let f = fixture().await;
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options);
    let group = plan.groups[0].clone();
    let rotation_id = group.rotation_id.clone();
    // "Crash" as soon as the operation is accepted: the task is dropped mid-poll.
    let journal_path = journal::Journal::new(&f.paths, &rotation_id).path().to_path_buf();
    let running = tokio::spawn({
        let ctx = ctx.clone();
        async move { engine::start(&ctx, group).await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(&journal_path).unwrap_or_default();
        if text.contains("\"resetAccepted\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reset was never accepted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.abort();
    let _ = running.await;
    let operations_before = f.world().operations.len();
    let (results, _) = bulk::resume(&ctx, &f.sessions(), None).await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].outcome, Outcome::Succeeded, "{:?}", results[0].message);
    assert_eq!(
        f.world().operations.len(),
        operations_before,
        "no second reset was sent"
    );
    assert_eq!(f.holds("aks-stg-weu").1, results[0].new_key_id);
}

#[tokio::test]
async fn stopped_and_managed_identity_clusters_are_refused_by_the_pre_flight() {
    let f = fixture().await;
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(
        &f.session,
        &[
            f.id("aks-web-msi"),
            f.id("aks-stg-batch"),
            "/subscriptions/x/not-a-cluster".into(),
        ],
        &f.known,
        &options,
    )
    .await;
    assert_eq!(plan.problems.len(), 2, "{:?}", plan.problems);
    assert!(plan
        .problems
        .iter()
        .any(|p| p.detail.contains("managed identity")));
    assert_eq!(plan.groups.len(), 1);
    assert!(plan.groups[0].blocked(), "a stopped cluster is blocked");
    assert!(plan.groups[0].clusters[0]
        .checks
        .iter()
        .any(|c| c.detail.contains("az aks start")));
    let results = bulk::run(&f.context(options), &f.sessions(), &plan).await;
    assert!(results.is_empty(), "blocked groups do not run");
}

#[tokio::test]
async fn a_second_rotation_of_the_same_cluster_waits_its_turn() {
    let f = fixture().await;
    let options = f.options(Mode::Secret, Retire::Now);
    let first = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let second = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options);
    let journal_path = journal::Journal::new(&f.paths, &first.groups[0].rotation_id)
        .path()
        .to_path_buf();
    let running = tokio::spawn({
        let ctx = ctx.clone();
        let group = first.groups[0].clone();
        async move { engine::start(&ctx, group).await }
    });
    while !std::fs::read_to_string(&journal_path)
        .unwrap_or_default()
        .contains("secretRequested")
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = engine::start(&ctx, second.groups[0].clone()).await;
    assert_eq!(refused.outcome, Outcome::Failed);
    let message = refused.message.unwrap_or_default();
    assert!(message.contains("being rotated"), "{message}");
    assert!(
        refused.new_key_id.is_none(),
        "the second rotation changed nothing"
    );
    let done = running.await.expect("first rotation");
    assert_eq!(done.outcome, Outcome::Succeeded, "{:?}", done.message);
    // The refused one left no journal behind to resume.
    let (states, _) = journal::list(&f.paths).await;
    assert_eq!(states.len(), 1);
}

#[tokio::test]
async fn a_group_whose_tenant_has_no_session_is_not_run_with_another_tenants() {
    let f = fixture().await;
    let (app_id, _) = f.holds("aks-stg-weu");
    let before = f.app_keys(&app_id);
    let options = f.options(Mode::Secret, Retire::Now);
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    // The context carries a working session, but none of this group's tenant: it must not be used.
    let ctx = f.context(options);
    let result = &bulk::run(&ctx, &Default::default(), &plan).await[0];
    assert_eq!(result.outcome, Outcome::Failed);
    let message = result.message.clone().unwrap_or_default();
    assert!(message.contains("Sign in again to"), "{message}");
    assert_eq!(f.app_keys(&app_id), before, "no secret was added or removed");
}

/// Appends a journal line as the engine would, e.g. to move a grace period into the past.
pub(crate) fn append_journal(paths: &AppPaths, rotation_id: &str, line: serde_json::Value) {
    use std::io::Write;
    let file = paths
        .data_dir
        .join("rotations")
        .join(format!("{rotation_id}.jsonl"));
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("journal");
    writeln!(out, "{line}").expect("append");
}

#[tokio::test]
async fn a_rotation_goes_on_only_with_the_account_and_endpoints_it_was_planned_with() {
    let f = fixture().await;
    let (app_id, old_key) = f.holds("aks-stg-weu");
    let old_key = old_key.expect("old key");
    let options = f.options(Mode::Secret, Retire::After { hours: 24 });
    let plan = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options.clone());
    let result = bulk::run(&ctx, &f.sessions(), &plan).await.remove(0);
    assert_eq!(result.outcome, Outcome::RetirePending, "{:?}", result.message);
    append_journal(
        &f.paths,
        &result.rotation_id,
        serde_json::json!({"at": chrono::Utc::now(), "type": "retireScheduled", "notBefore": "2001-01-01T00:00:00Z"}),
    );

    // Another account (the same simulator, but not the one that planned it): refused before anything.
    let mut other = rekey_demo::connect(&f.sim).await.expect("session");
    other.account_id = "sp:someone-else@contoso".into();
    let mut elsewhere = f.context(options.clone());
    elsewhere.session = Arc::new(other);
    let refused = engine::resume(&elsewhere, &result.rotation_id).await;
    assert_eq!(refused.outcome, Outcome::Failed);
    let message = refused.message.unwrap_or_default();
    assert!(message.contains("was planned as demo"), "{message}");
    assert!(
        f.app_keys(&app_id).contains(&old_key),
        "the old secret was not touched"
    );

    // The planning session, but the application cannot be seen (another tenant's directory): the
    // retirement fails and says the old secret still works; it is never reported done.
    let home_tenant = {
        let mut world = f.world();
        let app = world
            .applications
            .iter_mut()
            .find(|a| a.app_id.to_string().eq_ignore_ascii_case(&app_id))
            .expect("app");
        let tenant = app.tenant_id;
        app.tenant_id = uuid::Uuid::new_v4();
        tenant
    };
    let blind = engine::resume(&ctx, &result.rotation_id).await;
    assert_eq!(blind.outcome, Outcome::Failed, "{:?}", blind.message);
    let message = blind.message.unwrap_or_default();
    assert!(message.contains("still works"), "{message}");
    {
        let mut world = f.world();
        if let Some(app) = world
            .applications
            .iter_mut()
            .find(|a| a.app_id.to_string().eq_ignore_ascii_case(&app_id))
        {
            app.tenant_id = home_tenant;
        }
    }
    assert!(f.app_keys(&app_id).contains(&old_key));

    // Seen again: the retirement finishes.
    let done = engine::resume(&ctx, &result.rotation_id).await;
    assert_eq!(done.outcome, Outcome::Succeeded, "{:?}", done.message);
    assert!(!f.app_keys(&app_id).contains(&old_key));
}

/// Writes the journals under `tests/fixtures/` that later versions must still resume (run by hand:
/// `cargo test -p rekey-core --test rotation write_journal_fixtures -- --ignored`). Each is the
/// journal of a real rotation against the simulator, made by the version named in its file name.
#[tokio::test]
#[ignore = "writes fixtures; run by hand when the journal format changes"]
async fn write_journal_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&dir).expect("fixtures dir");
    let f = fixture().await;
    // Mode secret, with a failed Azure operation and a retry: every event of the happy path and
    // of a failure.
    f.world().fail_next_operations = 1;
    let options = f.options(Mode::Secret, Retire::Now);
    let planned = plan(&f.session, &[f.id("aks-stg-weu")], &f.known, &options).await;
    let ctx = f.context(options);
    let failed = bulk::run(&ctx, &f.sessions(), &planned).await.remove(0);
    assert_eq!(failed.outcome, Outcome::Failed);
    let (again, _) = bulk::resume(&ctx, &f.sessions(), Some(&failed.rotation_id)).await;
    assert_eq!(again[0].outcome, Outcome::Succeeded, "{:?}", again[0].message);
    let path = journal::Journal::new(&f.paths, &failed.rotation_id)
        .path()
        .to_path_buf();
    std::fs::copy(&path, dir.join("journal-v1-secret.jsonl")).expect("copy");
    // Mode new-sp: a new principal and copied roles.
    let options = f.options(Mode::NewSp, Retire::Never);
    let planned = plan(&f.session, &[f.id("aks-ops-tools")], &f.known, &options).await;
    let result = bulk::run(&f.context(options), &f.sessions(), &planned)
        .await
        .remove(0);
    assert_eq!(result.outcome, Outcome::Succeeded, "{:?}", result.message);
    let path = journal::Journal::new(&f.paths, &result.rotation_id)
        .path()
        .to_path_buf();
    std::fs::copy(&path, dir.join("journal-v1-new-sp.jsonl")).expect("copy");
}

/// The first `through` lines of a committed journal, as a crash would have left them, moved to the
/// fresh simulator of `f` (only its port differs: every ID of the demo world is derived from names).
fn journal_fixture(f: &Fixture, name: &str, through: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(path).expect("fixture");
    let pin = rekey_core::session::Pin::of(&f.session);
    let mut kept = String::new();
    let mut rotation_id = String::new();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("fixture line");
        if value["type"] == "planned" {
            rotation_id = value["group"]["rotationId"].as_str().expect("id").to_string();
            let recorded = value["pin"]["armEndpoint"].as_str().expect("pin").to_string();
            kept.push_str(&line.replace(&recorded, &pin.arm_endpoint));
        } else {
            kept.push_str(line);
        }
        kept.push('\n');
        if value["type"] == through {
            break;
        }
    }
    let dir = f.paths.data_dir.join("rotations");
    std::fs::create_dir_all(&dir).expect("rotations dir");
    std::fs::write(dir.join(format!("{rotation_id}.jsonl")), kept).expect("journal");
    rotation_id
}

#[tokio::test]
async fn a_journal_written_by_version_1_resumes_and_finishes() {
    // Crashed while `addPassword` ran (its answer lost), and after Azure made the new secret but
    // before the keyring had it: either way the unheld secret goes and a new one is made.
    for crashed_after in ["secretRequested", "secretCreated"] {
        let f = fixture().await;
        let (app_id, old_key) = f.holds("aks-stg-weu");
        let old_key = old_key.expect("old key");
        let rotation_id = journal_fixture(&f, "journal-v1-secret.jsonl", crashed_after);
        let ctx = f.context(f.options(Mode::Secret, Retire::Now));
        let result = engine::resume(&ctx, &rotation_id).await;
        assert_eq!(
            result.outcome,
            Outcome::Succeeded,
            "{crashed_after}: {:?}",
            result.message
        );
        let new_key = result.new_key_id.clone().expect("new key");
        assert_ne!(new_key, "eea03f12-9b4d-4ac1-abf5-07ea185af5cd");
        assert_eq!(f.holds("aks-stg-weu"), (app_id.clone(), Some(new_key.clone())));
        assert!(
            !f.app_keys(&app_id).contains(&old_key),
            "the old secret is retired"
        );
        assert!(f.vault_secret_works(&new_key, &app_id).await);
    }
}
