//! The one retry policy and the one pager against the simulator over HTTPS: a long `Retry-After` is
//! waited for (not cut short), a 5xx on a cluster listing is retried, and every page of a principal's
//! role assignments is read.

use std::time::{Duration, Instant};

use rekey_core::azure::identity::ResourceId;
use rekey_core::inventory::model::InventorySource;
use rekey_core::inventory::{refresh, RefreshOptions};
use rekey_sim::faults::{FaultAction, FaultRule};
use rekey_sim::{Behaviour, RunningSim, SimConfig};

async fn start(behaviour: Behaviour) -> (RunningSim, rekey_core::session::Session) {
    let sim = rekey_sim::start_demo(SimConfig {
        behaviour,
        ..SimConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("simulator: {e}"));
    let session = rekey_demo::connect(&sim)
        .await
        .unwrap_or_else(|e| panic!("session: {e}"));
    (sim, session)
}

fn respond(method: &str, path: &str, status: u16, headers: &[(&str, &str)], times: Option<u32>) -> FaultRule {
    FaultRule {
        id: 0,
        method: Some(method.into()),
        path: path.into(),
        action: FaultAction::Respond {
            status,
            body: Some(serde_json::json!({"error": {"code": "Injected", "message": "injected"}})),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        },
        times,
        probability: 1.0,
    }
}

/// A 429 with `Retry-After: 3` is waited for about three seconds (measured loosely: at least 2.5 s),
/// then the inventory completes with nothing left out.
#[tokio::test(flavor = "multi_thread")]
async fn a_three_second_retry_after_is_waited_for() {
    let (sim, session) = start(Behaviour::default()).await;
    let calm = refresh::refresh(&session, RefreshOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sim.sim()
        .faults
        .add(respond(
            "GET",
            "/subscriptions",
            429,
            &[("Retry-After", "3")],
            Some(1),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let since = Instant::now();
    let throttled = refresh::refresh(&session, RefreshOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        since.elapsed() >= Duration::from_millis(2_500),
        "{:?}",
        since.elapsed()
    );
    assert_eq!(throttled.clusters.len(), calm.clusters.len());
    assert!(throttled.blind_spots.is_empty(), "{:?}", throttled.blind_spots);
}

/// Resource Graph is refused (so ARM lists each subscription) and ARM's cluster listing answers 500
/// twice: the GET is retried and no subscription goes missing.
#[tokio::test(flavor = "multi_thread")]
async fn a_500_on_a_cluster_listing_is_retried() {
    let (sim, session) = start(Behaviour::default()).await;
    let calm = refresh::refresh(&session, RefreshOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let faults = &sim.sim().faults;
    faults
        .add(respond(
            "POST",
            "*/Microsoft.ResourceGraph/resources",
            403,
            &[],
            None,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    faults
        .add(respond("GET", "*/managedClusters", 500, &[], Some(2)))
        .unwrap_or_else(|e| panic!("{e}"));
    let inventory = refresh::refresh(&session, RefreshOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inventory.source, Some(InventorySource::Arm));
    assert_eq!(inventory.clusters.len(), calm.clusters.len());
    assert!(inventory.blind_spots.is_empty(), "{:?}", inventory.blind_spots);
}

/// With one assignment per page, a principal with several assignments still shows all of them (the
/// pre-flight's "no Owner or Contributor" warning depends on it).
#[tokio::test(flavor = "multi_thread")]
async fn every_page_of_role_assignments_is_read() {
    let (sim, session) = start(Behaviour {
        arm_page_size: 1,
        ..Behaviour::default()
    })
    .await;
    // A principal with one assignment gets two more, so that its list spans three pages.
    let (principal, subscription) = {
        let world = sim.sim().state.world();
        let first = world
            .role_assignments
            .iter()
            .find(|r| r.resource_group.is_none())
            .unwrap_or_else(|| panic!("the demo world has role assignments"));
        (first.principal_id.to_string(), first.subscription_id.to_string())
    };
    for role in [
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
    ] {
        let definition =
            format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role}");
        // An assignment that already exists (409) is fine: the count comes from the world below.
        let scope =
            ResourceId::parse(&format!("/subscriptions/{subscription}")).unwrap_or_else(|e| panic!("{e}"));
        let _ = session.arm.assign_role(&scope, &definition, &principal).await;
    }
    let count = sim
        .sim()
        .state
        .world()
        .role_assignments
        .iter()
        .filter(|r| {
            r.resource_group.is_none()
                && r.principal_id.to_string() == principal
                && r.subscription_id.to_string() == subscription
        })
        .count();
    assert!(count >= 2, "{count} assignment(s)");
    let read = session
        .arm
        .role_assignments_of(&subscription, &principal)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(read.len() >= count, "{} of {count}", read.len());
}
