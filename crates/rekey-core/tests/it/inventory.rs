//! The inventory engine against the simulator over real HTTPS: discovery (Resource Graph, ARM as
//! fallback), credentials through Graph `$batch`, the expiry rating checked against the directory
//! the simulator holds, partial failures, throttling, cancellation, progress, exports and the cache.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rekey_core::inventory::model::{CredentialOwner, ExpiryBucket, InventorySource, Progress, Thresholds};
use rekey_core::inventory::{self, cache, export, refresh, IdentityKind, Inventory, RefreshOptions};
use rekey_core::paths::AppPaths;
use rekey_core::session::Session;
use rekey_sim::{RunningSim, ScenarioSource, SimConfig};
use serde_json::{json, Value};

const ESTATE: &str = "tenants=2,subscriptions=20,clusters=200,seed=7";

async fn start(scenario: &str) -> (RunningSim, Session) {
    let sim = rekey_sim::start_demo(SimConfig {
        scenario: ScenarioSource::Generate(scenario.parse().unwrap()),
        ..Default::default()
    })
    .await
    .unwrap();
    let session = rekey_demo::connect(&sim).await.unwrap();
    (sim, session)
}

use crate::common::control::control;

async fn fault(sim: &RunningSim, method: &str, path: &str, status: u16, body: Value) {
    let rule = json!({"method": method, "path": path,
        "action": {"type": "respond", "status": status, "body": body}});
    control(sim, reqwest::Method::POST, "faults", Some(rule)).await;
}

/// Requests the simulator served, oldest first (the control API is not logged).
async fn requests(sim: &RunningSim) -> Vec<Value> {
    let log = control(sim, reqwest::Method::GET, "requests?limit=5000", None).await;
    log["requests"].as_array().cloned().unwrap_or_default()
}

fn count(log: &[Value], method: &str, path: &str) -> usize {
    log.iter()
        .filter(|r| r["method"] == method && r["path"].as_str().is_some_and(|p| p.eq_ignore_ascii_case(path)))
        .count()
}

// ---- The rating, computed independently from the simulator's directory ------------------------

struct Expected {
    bucket: ExpiryBucket,
    key_id: Option<String>,
    /// Where the rating's credential lives: the app or the SP object, and which app.
    owner: Option<(CredentialOwner, String)>,
}

fn date(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_lowercase()
}

/// Rates `app_id` from the directory the simulator holds, in `tenant`.
fn expected_app(state: &Value, app_id: &str, tenant: &str, now: DateTime<Utc>) -> Expected {
    let mut secrets = Vec::new();
    let mut found = false;
    for (set, owner) in [
        ("applications", CredentialOwner::Application),
        ("servicePrincipals", CredentialOwner::ServicePrincipal),
    ] {
        for object in state[set].as_array().unwrap() {
            if str_of(&object["appId"]) == app_id && str_of(&object["tenantId"]) == tenant {
                found = true;
                for c in object["passwordCredentials"].as_array().unwrap() {
                    secrets.push((str_of(&c["keyId"]), date(&c["endDateTime"]), owner));
                }
            }
        }
    }
    if !found {
        return Expected {
            bucket: ExpiryBucket::Unknown,
            key_id: None,
            owner: None,
        };
    }
    let unexpired = secrets.iter().filter(|s| s.1 > now).min_by_key(|s| s.1);
    let chosen = unexpired.or_else(|| secrets.iter().max_by_key(|s| s.1));
    let bucket = match unexpired {
        None => ExpiryBucket::Expired,
        Some((_, end, _)) => {
            let days = (*end - now).num_seconds().div_euclid(86_400);
            let t = Thresholds::default();
            if days <= t.critical_days {
                ExpiryBucket::Critical
            } else if days <= t.warning_days {
                ExpiryBucket::Warning
            } else if days <= t.notice_days {
                ExpiryBucket::Notice
            } else {
                ExpiryBucket::Ok
            }
        }
    };
    Expected {
        bucket,
        key_id: chosen.map(|c| c.0.clone()),
        owner: chosen.map(|c| (c.2, app_id.to_string())),
    }
}

/// The worse of the SP's and the legacy server app's ratings.
fn worse(a: Expected, b: Expected, state: &Value, now: DateTime<Utc>) -> Expected {
    use ExpiryBucket::*;
    let end_of = |e: &Expected| -> Option<DateTime<Utc>> {
        let key = e.key_id.as_deref()?;
        ["applications", "servicePrincipals"].iter().find_map(|set| {
            state[*set].as_array().unwrap().iter().find_map(|o| {
                o["passwordCredentials"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| str_of(&c["keyId"]) == key)
                    .map(|c| date(&c["endDateTime"]))
            })
        })
    };
    match (a.bucket, b.bucket) {
        (Expired, _) => a,
        (_, Expired) => b,
        (Unknown, _) => a,
        (_, Unknown) => b,
        (AutoRotated, _) => b,
        _ if end_of(&b).unwrap_or(now) < end_of(&a).unwrap_or(now) => b,
        _ => a,
    }
}

/// Every cluster the demo administrator can read, rated from `/_sim/state`: cluster ARM ID (lower
/// case) → expected rating. Clusters of another tenant than the administrator's are Unknown.
fn expected(state: &Value, sim: &RunningSim, now: DateTime<Utc>) -> HashMap<String, Expected> {
    let admin_app = sim.demo_admin.client_id.to_string();
    let admin_tenant = sim.tenant_id().to_string();
    let admin_object = state["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| str_of(&s["appId"]) == admin_app)
        .map(|s| str_of(&s["id"]))
        .unwrap();
    let readable: BTreeSet<String> = state["roleAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| str_of(&r["principalId"]) == admin_object)
        .map(|r| str_of(&r["subscriptionId"]))
        .collect();
    let tenant_of: HashMap<String, String> = state["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (str_of(&s["id"]), str_of(&s["tenantId"])))
        .collect();
    let mut out = HashMap::new();
    for c in state["clusters"].as_array().unwrap() {
        let sub = str_of(&c["subscriptionId"]);
        if !readable.contains(&sub) {
            continue;
        }
        let tenant = tenant_of[&sub].clone();
        let sp = c["identity"] == "servicePrincipal";
        let legacy = c["aad"]["kind"] == "legacy";
        let rate = |app: &Value| {
            if tenant != admin_tenant {
                return Expected {
                    bucket: ExpiryBucket::Unknown,
                    key_id: None,
                    owner: None,
                };
            }
            expected_app(state, &str_of(app), &tenant, now)
        };
        let identity = if sp {
            rate(&c["clientId"])
        } else {
            Expected {
                bucket: ExpiryBucket::AutoRotated,
                key_id: None,
                owner: None,
            }
        };
        let rating = if legacy {
            worse(identity, rate(&c["aad"]["serverAppId"]), state, now)
        } else {
            identity
        };
        out.insert(str_of(&c["id"]), rating);
    }
    out
}

// ---- Discovery, credentials and rating on a generated estate ----------------------------------

#[tokio::test]
async fn every_cluster_is_rated_as_the_directory_says() {
    let (sim, session) = start(ESTATE).await;
    let found = refresh(&session, RefreshOptions::default()).await.unwrap();
    let now = Utc::now();
    let state = control(&sim, reqwest::Method::GET, "state", None).await;
    let expected = expected(&state, &sim, now);

    assert_eq!(found.source, Some(InventorySource::ResourceGraph));
    assert_eq!(found.clusters.len(), expected.len(), "{:?}", found.warnings);
    assert!(
        expected.len() > 150,
        "the estate is large enough to mean something"
    );
    for row in &found.clusters {
        let want = &expected[&row.id.to_lowercase()];
        assert_eq!(
            row.expiry.bucket, want.bucket,
            "{}: {}",
            row.name, row.expiry.reason
        );
        if matches!(
            row.expiry.bucket,
            ExpiryBucket::AutoRotated | ExpiryBucket::Unknown
        ) {
            continue;
        }
        assert_eq!(
            row.expiry.key_id.as_ref().map(|k| k.to_lowercase()),
            want.key_id,
            "{}",
            row.name
        );
        let (owner, app) = want.owner.clone().unwrap();
        let credential = row
            .credentials
            .iter()
            .find(|c| Some(c.key_id.to_lowercase()) == want.key_id)
            .unwrap();
        assert_eq!(
            (credential.owner, credential.app_id.to_lowercase()),
            (owner, app),
            "{}",
            row.name
        );
        // Rekey does not know which secret the cluster holds: every rating by date is an assumption,
        // except "every secret expired", which is certain.
        assert_eq!(
            row.expiry.assumed,
            row.expiry.bucket != ExpiryBucket::Expired,
            "{}",
            row.name
        );
    }
    let buckets: BTreeSet<ExpiryBucket> = found.clusters.iter().map(|c| c.expiry.bucket).collect();
    for bucket in [
        ExpiryBucket::Expired,
        ExpiryBucket::Critical,
        ExpiryBucket::Warning,
        ExpiryBucket::Notice,
        ExpiryBucket::Ok,
        ExpiryBucket::AutoRotated,
        ExpiryBucket::Unknown,
    ] {
        assert!(buckets.contains(&bucket), "no {bucket:?} cluster in {buckets:?}");
    }

    // Managed identities are Azure's business; legacy AAD clusters are rated with their server app.
    for row in found
        .clusters
        .iter()
        .filter(|r| r.identity_kind == IdentityKind::ManagedIdentity)
    {
        assert_eq!(row.expiry.bucket, ExpiryBucket::AutoRotated, "{}", row.name);
        assert!(row.credentials.is_empty());
    }
    let legacy_rated_by_server = found.clusters.iter().any(|r| {
        let server = r.aad_server_app_id.as_deref().map(str::to_lowercase);
        server.is_some()
            && r.credentials.iter().any(|c| {
                Some(c.app_id.to_lowercase()) == server && Some(&c.key_id) == r.expiry.key_id.as_ref()
            })
    });
    assert!(
        legacy_rated_by_server,
        "some legacy AAD cluster is rated by its server app's secret"
    );

    // A secret that lives only on the service principal object counts.
    let by_sp_object = found.clusters.iter().filter(|r| {
        r.credentials.iter().any(|c| {
            c.owner == CredentialOwner::ServicePrincipal && Some(&c.key_id) == r.expiry.key_id.as_ref()
        })
    });
    assert!(
        by_sp_object.count() > 0,
        "some clusters are rated by a secret on the SP object"
    );

    // Other tenants' clusters are listed, Unknown, and explained.
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.contains("Add an account of tenant")),
        "{:?}",
        found.warnings
    );
    let display_names = found
        .clusters
        .iter()
        .filter(|r| r.sp_display_name.is_some())
        .count();
    assert!(display_names > 0);
}

#[tokio::test]
async fn the_demo_tenant_reads_as_its_story_tells() {
    // What the demo and the app call: `list_clusters` on the session's ARM client.
    let demo = rekey_demo::start().await.unwrap();
    let found = inventory::list_clusters(&demo.session.arm).await.unwrap();
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    let rating = |name: &str| {
        let row = found.clusters.iter().find(|c| c.name == name).unwrap();
        (row.expiry.bucket, row.expiry.days_left)
    };
    use ExpiryBucket::*;
    assert_eq!(rating("aks-prod-weu"), (Critical, Some(4)));
    assert_eq!(
        rating("aks-prod-weu-2"),
        (Critical, Some(4)),
        "shares aks-prod-weu's service principal"
    );
    assert_eq!(
        rating("aks-payments"),
        (Ok, Some(129)),
        "the SP object's secret ends first"
    );
    assert_eq!(rating("aks-portal-legacy").0, Expired);
    assert_eq!(rating("aks-ci-runners").0, Expired);
    assert_eq!(rating("aks-stg-weu"), (Warning, Some(24)));
    assert_eq!(rating("aks-stg-batch"), (Notice, Some(69)));
    assert_eq!(
        rating("aks-ops-tools"),
        (Ok, Some(399)),
        "a certificate is listed, not rated"
    );
    assert_eq!(
        rating("aks-edge-legacy"),
        (Warning, Some(14)),
        "the worse of SP (15 d) and server app (20 d)"
    );
    for msi in ["aks-web-msi", "aks-stg-eus", "aks-monitoring"] {
        assert_eq!(rating(msi), (AutoRotated, None));
    }
    let ops = found.clusters.iter().find(|c| c.name == "aks-ops-tools").unwrap();
    assert!(ops
        .credentials
        .iter()
        .any(|c| c.kind == rekey_core::inventory::model::CredentialKind::Certificate));
    assert_eq!(found.stats.clusters, 12);
    assert!(found.generated_at.is_some());
    // Admins know tenants by name: ARM's list of tenants names each row's.
    let named: Vec<_> = found.clusters.iter().map(|c| c.tenant_name.as_deref()).collect();
    assert!(
        named.iter().all(|n| *n == Some("Contoso (simulated)")),
        "{named:?}"
    );
}

#[tokio::test]
async fn shared_service_principals_are_read_once_in_batches_of_twenty() {
    let (sim, session) = start(ESTATE).await;
    let signed_in = requests(&sim).await.len();
    let found = refresh(&session, RefreshOptions::default()).await.unwrap();
    let admin_tenant = sim.tenant_id().to_string();
    let rated: Vec<_> = found
        .clusters
        .iter()
        .filter(|r| r.tenant_id.as_deref() == Some(admin_tenant.as_str()))
        .collect();
    let mut apps: BTreeSet<String> = BTreeSet::new();
    for row in &rated {
        apps.extend(row.sp_client_id.iter().map(|a| a.to_lowercase()));
        apps.extend(row.aad_server_app_id.iter().map(|a| a.to_lowercase()));
    }
    let sp_clusters = rated.iter().filter(|r| r.sp_client_id.is_some()).count();
    assert!(sp_clusters > apps.len(), "the estate shares service principals");
    assert_eq!(found.stats.service_principals as usize, apps.len());
    // Two objects (application, service principal) per app, twenty per batch, each app once.
    let log = requests(&sim).await;
    assert_eq!(count(&log, "POST", "/v1.0/$batch"), (2 * apps.len()).div_ceil(20));
    assert_eq!(
        count(&log, "POST", "/providers/Microsoft.ResourceGraph/resources"),
        1
    );
    assert_eq!(
        log.iter()
            .filter(|r| r["path"].as_str().unwrap_or_default().contains("managedClusters"))
            .count(),
        0,
        "no per-subscription listing when Resource Graph works"
    );
    // Every API request of the refresh is counted (the tenant list for the names too); tokens,
    // cloud metadata and what the sign-in sent before it are not.
    let api = log[signed_in..]
        .iter()
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            !path.contains("/oauth2/") && path != "/metadata/endpoints"
        })
        .count();
    assert_eq!(found.stats.requests as usize, api);
}

#[tokio::test]
async fn a_known_secret_is_used_instead_of_an_assumption() {
    let (sim, session) = start("tenants=1,subscriptions=5,clusters=40,seed=3").await;
    let state = control(&sim, reqwest::Method::GET, "state", None).await;
    // Only this test reads which secret each cluster holds: as if Rekey had put it there.
    let known: HashMap<String, String> = state["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            Some((
                c["id"].as_str()?.to_string(),
                c["currentKeyId"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert!(!known.is_empty());
    let options = RefreshOptions {
        known_key_ids: known.clone(),
        ..RefreshOptions::default()
    };
    let found = refresh(&session, options).await.unwrap();
    let mut checked = 0;
    for row in found.clusters.iter().filter(|r| r.aad_server_app_id.is_none()) {
        let Some(key) = known.get(&row.id) else { continue };
        assert_eq!(row.expiry.key_id.as_deref(), Some(key.as_str()), "{}", row.name);
        assert!(!row.expiry.assumed, "{}: {}", row.name, row.expiry.reason);
        checked += 1;
    }
    assert!(checked > 5);
}

// ---- Partial failure -------------------------------------------------------------------------

#[tokio::test]
async fn arm_listing_takes_over_when_resource_graph_fails() {
    let (sim, session) = start("tenants=1,subscriptions=6,clusters=40,seed=5").await;
    let with_graph = refresh(&session, RefreshOptions::default()).await.unwrap();
    fault(
        &sim,
        "POST",
        "/providers/Microsoft.ResourceGraph/resources",
        403,
        json!({"error": {"code": "AuthorizationFailed", "message": "injected: no Resource Graph"}}),
    )
    .await;
    let with_arm = refresh(&session, RefreshOptions::default()).await.unwrap();
    assert_eq!(with_arm.source, Some(InventorySource::Arm));
    assert!(
        with_arm
            .warnings
            .iter()
            .any(|w| w.contains("Resource Graph") && w.contains("ARM")),
        "{:?}",
        with_arm.warnings
    );
    let summary = |i: &Inventory| -> Vec<(String, ExpiryBucket, Option<u32>, Option<String>)> {
        i.clusters
            .iter()
            .map(|c| {
                (
                    c.id.to_lowercase(),
                    c.expiry.bucket,
                    c.node_count,
                    c.power_state.clone(),
                )
            })
            .collect()
    };
    assert_eq!(summary(&with_arm), summary(&with_graph));
    let log = requests(&sim).await;
    let listings = log
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/managedClusters")
        })
        .count();
    assert_eq!(
        listings as u32, with_arm.stats.subscriptions,
        "one ARM listing per subscription"
    );
}

#[tokio::test]
async fn a_graph_403_gives_unknown_rows_and_a_warning_not_an_empty_inventory() {
    let (sim, session) = start("tenants=1,subscriptions=5,clusters=40,seed=9").await;
    fault(
        &sim,
        "POST",
        "/v1.0/$batch",
        403,
        json!({"error": {"code": "Authorization_RequestDenied",
            "message": "Insufficient privileges to complete the operation."}}),
    )
    .await;
    let found = refresh(&session, RefreshOptions::default()).await.unwrap();
    assert!(!found.clusters.is_empty());
    for row in &found.clusters {
        let want = if row.identity_kind == IdentityKind::ManagedIdentity && row.aad_server_app_id.is_none() {
            ExpiryBucket::AutoRotated
        } else {
            ExpiryBucket::Unknown
        };
        assert_eq!(row.expiry.bucket, want, "{}", row.name);
    }
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.contains("403") && w.contains("Authorization_RequestDenied")),
        "{:?}",
        found.warnings
    );
    let unknown = found
        .clusters
        .iter()
        .find(|r| r.expiry.bucket == ExpiryBucket::Unknown)
        .unwrap();
    assert!(
        unknown.expiry.reason.contains("Insufficient privileges"),
        "{}",
        unknown.expiry.reason
    );
}

#[tokio::test]
async fn no_graph_token_still_lists_every_cluster() {
    let (sim, session) = start("tenants=1,subscriptions=5,clusters=40,seed=19").await;
    let calm = refresh(&session, RefreshOptions::default()).await.unwrap();
    // A second session whose sign-in cached an ARM token, and no Graph one.
    let session = rekey_demo::connect(&sim).await.unwrap();
    // The ARM token is already cached (the sign-in listed tenants); the Graph one is refused.
    fault(
        &sim,
        "POST",
        "*/oauth2/v2.0/token",
        400,
        json!({"error": "invalid_grant", "error_description": "AADSTS65001: The user or administrator has not consented.",
            "error_codes": [65001]}),
    )
    .await;
    let found = refresh(&session, RefreshOptions::default()).await.unwrap();
    assert_eq!(found.clusters.len(), calm.clusters.len());
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.contains("Microsoft Graph could not be used") && w.contains("65001")),
        "{:?}",
        found.warnings
    );
    for row in &found.clusters {
        let graph_needed =
            row.identity_kind == IdentityKind::ServicePrincipal || row.aad_server_app_id.is_some();
        assert_eq!(
            row.expiry.bucket == ExpiryBucket::Unknown,
            graph_needed,
            "{}",
            row.name
        );
    }
    let batches = count(&requests(&sim).await, "POST", "/v1.0/$batch");
    assert_eq!(
        batches,
        (2 * calm.stats.service_principals as usize).div_ceil(20),
        "none after the refusal"
    );
}

#[tokio::test]
async fn throttling_is_waited_out_and_the_inventory_completes() {
    let (sim, session) = start("tenants=1,subscriptions=10,clusters=120,seed=11").await;
    let calm = refresh(&session, RefreshOptions::default()).await.unwrap();
    control(
        &sim,
        reqwest::Method::PUT,
        "throttle",
        Some(json!({"limit": 3, "window_seconds": 1})),
    )
    .await;
    let throttled = refresh(&session, RefreshOptions::default()).await.unwrap();
    control(
        &sim,
        reqwest::Method::PUT,
        "throttle",
        Some(json!({"limit": null})),
    )
    .await;
    let log = requests(&sim).await;
    assert!(
        log.iter().any(|r| r["status"] == 429),
        "the simulator did throttle"
    );
    assert!(throttled.warnings.is_empty(), "{:?}", throttled.warnings);
    let ratings = |i: &Inventory| -> Vec<(String, ExpiryBucket)> {
        i.clusters
            .iter()
            .map(|c| (c.id.clone(), c.expiry.bucket))
            .collect()
    };
    assert_eq!(ratings(&throttled), ratings(&calm));
    assert!(
        throttled.stats.requests > calm.stats.requests,
        "retries are counted"
    );
}

#[tokio::test]
async fn inner_batch_throttling_is_retried_after_its_retry_after() {
    let simulator = rekey_sim::start_demo(rekey_sim::SimConfig::default())
        .await
        .expect("simulator");
    let demo_session = rekey_demo::connect(&simulator).await.expect("demo starts");
    let sim = &simulator;
    let calm = refresh(&demo_session, RefreshOptions::default()).await.unwrap();
    // The next `$batch` answers 200 with every inner request throttled, as Graph may.
    let throttled: Vec<Value> = (0..10)
        .flat_map(|i| ["a", "s"].map(|o| format!("{i}{o}")))
        .map(|id| {
            json!({"id": id, "status": 429, "headers": {"Retry-After": "1"},
                "body": {"error": {"code": "TooManyRequests", "message": "Too many requests."}}})
        })
        .collect();
    let rule = json!({"method": "POST", "path": "/v1.0/$batch", "times": 1,
        "action": {"type": "respond", "status": 200, "body": {"responses": throttled}}});
    control(sim, reqwest::Method::POST, "faults", Some(rule)).await;
    let started = std::time::Instant::now();
    let again = refresh(&demo_session, RefreshOptions::default()).await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After was waited for"
    );
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    let ratings = |i: &Inventory| -> Vec<(String, ExpiryBucket)> {
        i.clusters
            .iter()
            .map(|c| (c.name.clone(), c.expiry.bucket))
            .collect()
    };
    assert_eq!(ratings(&again), ratings(&calm));
    let log = requests(sim).await;
    assert_eq!(
        count(&log, "POST", "/v1.0/$batch"),
        3,
        "one calm batch, one throttled, one retry"
    );
}

#[tokio::test]
async fn resource_graph_pages_and_groups_subscriptions_by_three_hundred() {
    let (sim, session) = start("tenants=1,subscriptions=400,clusters=2600,seed=4").await;
    let found = refresh(&session, RefreshOptions::default()).await.unwrap();
    let state = control(&sim, reqwest::Method::GET, "state", None).await;
    let expected = expected(&state, &sim, Utc::now());
    assert_eq!(found.source, Some(InventorySource::ResourceGraph));
    assert_eq!(found.clusters.len(), expected.len());
    // The same grouping, worked out here: subscriptions in listing order, 300 a query, 1,000 rows a page.
    let subscriptions = session.arm.list_subscriptions().await.unwrap();
    assert!(subscriptions.len() > 300);
    let clusters_in = |group: &[rekey_core::azure::models::Subscription]| {
        let ids: BTreeSet<String> = group.iter().map(|s| s.subscription_id.to_lowercase()).collect();
        found
            .clusters
            .iter()
            .filter(|c| ids.contains(&c.subscription_id.to_lowercase()))
            .count()
    };
    let pages: usize = subscriptions
        .chunks(300)
        .map(|group| clusters_in(group).div_ceil(1000).max(1))
        .sum();
    assert!(pages >= 3, "the estate needs paging: {pages}");
    let log = requests(&sim).await;
    assert_eq!(
        count(&log, "POST", "/providers/Microsoft.ResourceGraph/resources"),
        pages
    );
}

// ---- Cancellation and progress ---------------------------------------------------------------

#[tokio::test]
async fn progress_arrives_in_order_and_ends_with_the_totals() {
    let (_sim, session) = start(ESTATE).await;
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    let options = RefreshOptions {
        progress: Some(Arc::new(move |p| sink.lock().unwrap().push(p))),
        ..RefreshOptions::default()
    };
    let found = refresh(&session, options).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let rank = |p: &Progress| {
        ["subscriptions", "clusters", "credentials", "done"]
            .iter()
            .position(|x| *x == p.phase)
            .unwrap()
    };
    for pair in seen.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(rank(a) <= rank(b), "{a:?} then {b:?}");
        assert!(
            a.subscriptions_scanned <= b.subscriptions_scanned,
            "{a:?} then {b:?}"
        );
        assert!(a.clusters_found <= b.clusters_found, "{a:?} then {b:?}");
        assert!(
            a.credentials_resolved <= b.credentials_resolved,
            "{a:?} then {b:?}"
        );
    }
    let phases: Vec<&str> = seen.iter().map(|p| p.phase.as_str()).collect();
    for phase in ["subscriptions", "clusters", "credentials", "done"] {
        assert!(phases.contains(&phase), "{phases:?}");
    }
    let last = seen.last().unwrap();
    assert_eq!(last.phase, "done");
    assert_eq!(last.clusters_found, found.stats.clusters);
    assert_eq!(last.subscriptions_scanned, found.stats.subscriptions);
    assert_eq!(last.credentials_resolved, found.stats.service_principals);
}

#[tokio::test]
async fn cancelling_stops_before_the_credentials_are_read() {
    let (sim, session) = start(ESTATE).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let trigger = cancel.clone();
    let options = RefreshOptions {
        cancel: cancel.clone(),
        progress: Some(Arc::new(move |p: Progress| {
            if p.phase == "clusters" && p.clusters_found > 0 {
                trigger.cancel();
            }
        })),
        ..RefreshOptions::default()
    };
    let found = refresh(&session, options).await.unwrap();
    assert!(
        found.warnings.iter().any(|w| w.contains("cancelled")),
        "{:?}",
        found.warnings
    );
    assert!(!found.clusters.is_empty(), "what was found so far is kept");
    let log = requests(&sim).await;
    assert_eq!(
        count(&log, "POST", "/v1.0/$batch"),
        0,
        "no credential was read after the cancel"
    );
    assert!(found
        .clusters
        .iter()
        .filter(|r| r.identity_kind == IdentityKind::ServicePrincipal)
        .all(|r| r.expiry.bucket == ExpiryBucket::Unknown));
}

// ---- Exports and cache -----------------------------------------------------------------------

/// An RFC 4180 reader, written here so that the export is checked by something it did not write.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        record.is_empty() && field.is_empty(),
        "the last record ends with CRLF"
    );
    records
}

#[tokio::test]
async fn csv_and_json_exports_round_trip_the_table() {
    let (_sim, session) = start("tenants=1,subscriptions=5,clusters=40,seed=13").await;
    let mut found = refresh(&session, RefreshOptions::default()).await.unwrap();
    // Awkward text survives quoting; a formula-looking name is defused.
    found.clusters[0].sp_display_name = Some("ops, \"blue\"\nteam".into());
    found.clusters[1].sp_display_name = Some("=HYPERLINK(\"http://x\")".into());

    let records = parse_csv(&export::to_csv(&found));
    assert_eq!(records[0], export::CSV_HEADER.map(String::from).to_vec());
    assert_eq!(records.len(), found.clusters.len() + 1);
    for (record, row) in records[1..].iter().zip(&found.clusters) {
        let display = row.sp_display_name.clone().unwrap_or_default();
        let display = if display.starts_with('=') {
            format!("'{display}")
        } else {
            display
        };
        let status = serde_json::to_value(row.expiry.bucket).unwrap();
        let identity = serde_json::to_value(row.identity_kind).unwrap();
        let want = vec![
            row.name.clone(),
            row.tenant_id.clone().unwrap_or_default(),
            row.subscription_name.clone(),
            row.resource_group.clone(),
            identity.as_str().unwrap().to_string(),
            display,
            row.sp_client_id.clone().unwrap_or_default(),
            row.expiry
                .expires_at
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            row.expiry.days_left.map(|d| d.to_string()).unwrap_or_default(),
            status.as_str().unwrap().to_string(),
            row.expiry.assumed.to_string(),
        ];
        assert_eq!(record, &want);
        if let Ok(expires) = record[7].parse::<DateTime<Utc>>() {
            assert_eq!(
                Some(expires.timestamp()),
                row.expiry.expires_at.map(|d| d.timestamp())
            );
        }
    }
    let json = export::to_json(&found).unwrap();
    let back: Inventory = serde_json::from_str(&json).unwrap();
    assert_eq!(back, found);
}

#[tokio::test]
async fn the_cache_keeps_the_last_inventory_and_ignores_a_broken_file() {
    let (sim, session) = start("tenants=1,subscriptions=5,clusters=40,seed=17").await;
    let found = inventory::list_clusters(&session.arm).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path().join("data"));
    assert_eq!(cache::load(&paths).await, None, "no cache yet");
    cache::save(&paths, &found).await.unwrap();
    assert_eq!(cache::load(&paths).await, Some(found.clone()));

    let text = std::fs::read_to_string(cache::cache_file(&paths)).unwrap();
    let secret = secrecy::ExposeSecret::expose_secret(&sim.demo_admin.client_secret).to_string();
    assert!(!text.contains(&secret), "never a secret in the cache");
    assert!(!text.contains("secretText"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cache::cache_file(&paths))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    std::fs::write(cache::cache_file(&paths), b"{\"format\": 1, \"inventory\": [").unwrap();
    assert_eq!(cache::load(&paths).await, None, "a corrupt cache is ignored");
    std::fs::write(cache::cache_file(&paths), b"{\"format\": 99, \"inventory\": {}}").unwrap();
    assert_eq!(cache::load(&paths).await, None, "another format is ignored");
}

// ---- Several accounts: each tenant read by its own -------------------------------------------

#[tokio::test]
async fn each_tenant_is_read_by_the_account_that_signs_in_to_it() {
    use rekey_core::secure_store::SecureStore;
    use rekey_core::workspace::{ServicePrincipalSecret, Workspace};
    use secrecy::ExposeSecret;

    let (sim, _session) = start("tenants=2,subscriptions=10,clusters=80,seed=21").await;
    let cloud = rekey_core::cloud::CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    };
    let home = tempfile::tempdir().unwrap();
    let ws = Workspace::open_with(&AppPaths::at(home.path()), Some(SecureStore::in_memory()), None)
        .await
        .unwrap();
    let secret = secrecy::SecretString::from(sim.demo_admin.client_secret.expose_secret().to_string());
    ws.sign_in_service_principal(
        cloud.clone(),
        &sim.tenant_id().to_string(),
        &sim.demo_admin.client_id.to_string(),
        ServicePrincipalSecret::Value(secret),
    )
    .await
    .unwrap();
    // Alone, the demo administrator cannot read the second tenant's service principals.
    let alone = ws.inventory().await;
    assert!(alone
        .clusters
        .iter()
        .any(|c| c.expiry.bucket == ExpiryBucket::Unknown));

    // The second tenant's administrator signs in by device code, approved on the sign-in page.
    let state = control(&sim, reqwest::Method::GET, "state", None).await;
    let second = state["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .find(|t| *t != sim.tenant_id().to_string())
        .unwrap();
    let (req, flow) = ws.start_device_code(cloud, Some(second.clone())).await.unwrap();
    let approved = crate::common::control::client(&sim)
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", flow.prompt().user_code.as_str()),
            ("username", "admin@fabrikam2.onmicrosoft.com"),
            ("password", "demo"),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert!(approved.status().is_success());
    let cancel = tokio_util::sync::CancellationToken::new();
    ws.finish_device_code(req, flow, &cancel).await.unwrap();

    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = seen.clone();
    let both = ws
        .inventory_with(RefreshOptions {
            progress: Some(Arc::new(move |p| sink.lock().unwrap().push(p))),
            ..RefreshOptions::default()
        })
        .await;
    assert!(both.warnings.is_empty(), "{:?}", both.warnings);
    assert_eq!(both.clusters.len(), alone.clusters.len(), "each cluster once");
    assert!(both
        .clusters
        .iter()
        .all(|c| c.expiry.bucket != ExpiryBucket::Unknown));
    assert!(both
        .clusters
        .iter()
        .any(|c| c.tenant_id.as_deref() == Some(second.as_str())));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last().map(|p| p.phase.as_str()), Some("done"));
    assert_eq!(seen.last().map(|p| p.clusters_found), Some(both.stats.clusters));
}
