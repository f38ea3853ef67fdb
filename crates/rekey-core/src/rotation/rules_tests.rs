//! The rules' tests (moved here from src-tauri's commands and the window's rotationView).

use chrono::{DateTime, Utc};

use super::*;
use crate::rotation::model::{Check, Outcome, PlanGroup, PlannedCluster};
use crate::rotation::options::{Mode, Options, Retire};
use crate::settings::Settings;

fn cluster(name: &str, production: bool, blocked: bool) -> PlannedCluster {
    PlannedCluster {
        id: format!(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}"
        ),
        name: name.into(),
        resource_group: "rg".into(),
        subscription_id: "s".into(),
        node_count: 3,
        node_pools: 1,
        max_surge: None,
        production,
        added_as_shared: false,
        checks: if blocked {
            vec![Check::block("power state", "Stopped")]
        } else {
            Vec::new()
        },
        blocked_by: None,
    }
}

fn plan(groups: Vec<Vec<PlannedCluster>>) -> Plan {
    Plan {
        groups: groups
            .into_iter()
            .enumerate()
            .map(|(i, clusters)| {
                let mut group = PlanGroup::empty(&format!("r{i}"));
                group.clusters = clusters;
                group
            })
            .collect(),
        problems: Vec::new(),
    }
    .with_verdicts()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_default()
}

#[test]
fn production_clusters_need_their_exact_name() {
    let p = plan(vec![vec![
        cluster("aks-prod-weu", true, false),
        cluster("aks-prod-weu-2", true, false),
        cluster("aks-stg", false, false),
    ]]);
    assert!(p.check_confirmed(&[]).is_err());
    assert!(p.check_confirmed(&["aks-prod-weu".into()]).is_err());
    assert!(p
        .check_confirmed(&["AKS-PROD-WEU".into(), "aks-prod-weu-2".into()])
        .is_err());
    let e = p.check_confirmed(&["aks-prod-weu".into()]).err();
    assert_eq!(e.as_ref().map(RotationError::code), Some("confirmation_required"));
    assert!(e
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("aks-prod-weu-2"));
    assert!(p
        .check_confirmed(&["aks-prod-weu".into(), "aks-prod-weu-2".into()])
        .is_ok());
    // Nothing to confirm without production clusters, nor for a blocked one (it will not run).
    assert!(plan(vec![vec![cluster("aks-stg", false, false)]])
        .check_confirmed(&[])
        .is_ok());
    let stopped = plan(vec![vec![
        cluster("aks-prod-stopped", true, true),
        cluster("aks-stg", false, false),
    ]]);
    assert!(stopped.check_confirmed(&[]).is_ok());
}

#[test]
fn production_clusters_that_will_run_are_confirmed_shared_ones_included() {
    let mut shared = cluster("aks-prod-weu-2", true, false);
    shared.added_as_shared = true;
    let p = plan(vec![
        vec![cluster("aks-prod-weu", true, false), shared],
        vec![cluster("aks-stg-weu", false, false)],
        vec![cluster("aks-prod-stopped", true, true)],
    ]);
    assert_eq!(p.clusters_to_confirm(), ["aks-prod-weu", "aks-prod-weu-2"]);
    let runnable: Vec<&str> = p
        .groups
        .iter()
        .flat_map(|g| g.runnable())
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(runnable, ["aks-prod-weu", "aks-prod-weu-2", "aks-stg-weu"]);
    assert_eq!(p.runnable_groups().count(), 2);
}

#[test]
fn blocked_clusters_and_groups_say_why() {
    let mut p = plan(vec![
        vec![cluster("aks-stopped", false, true)],
        vec![cluster("aks-ok", false, false)],
    ]);
    assert_eq!(
        p.groups[0].clusters[0].blocked_by.as_deref(),
        Some("power state: Stopped")
    );
    assert_eq!(
        p.groups[0].blocked_by.as_deref(),
        Some("every cluster is blocked")
    );
    assert_eq!(p.groups[1].blocked_by, None);
    assert_eq!(p.groups[1].clusters[0].blocked_by, None);
    p.groups[1]
        .checks
        .push(Check::block("write access", "no Contributor role"));
    let p = p.with_verdicts();
    assert_eq!(
        p.groups[1].blocked_by.as_deref(),
        Some("write access: no Contributor role")
    );
    assert!(p.groups[1].blocked() && p.runnable_groups().count() == 0);
    assert!(p.clusters_to_confirm().is_empty());
}

#[test]
fn a_rotation_is_due_when_unfinished_or_its_grace_period_is_over() {
    let now = at("2030-01-02T00:00:00Z");
    assert!(due(None, None, now));
    assert!(!due(Some(Outcome::Succeeded), None, now));
    assert!(!due(Some(Outcome::Failed), None, now));
    assert!(!due(Some(Outcome::RolledBack), None, now));
    assert!(due(Some(Outcome::RetirePending), None, now));
    assert!(due(
        Some(Outcome::RetirePending),
        Some(at("2030-01-01T00:00:00Z")),
        now
    ));
    assert!(!due(
        Some(Outcome::RetirePending),
        Some(at("2030-01-03T00:00:00Z")),
        now
    ));
}

#[test]
fn a_plan_runs_in_the_estate_it_was_made_in() {
    assert!(same_estate(true, true).is_ok());
    assert_eq!(
        same_estate(true, false).err().map(|e| e.code()),
        Some("plan_stale")
    );
}

#[test]
fn overrides_are_checked_once_for_the_app_and_the_cli() {
    let base = Options::from_settings(&Settings::default(), Mode::Secret, "test");
    let defaults = base.clone().with_overrides(None, None);
    assert_eq!(
        defaults.as_ref().map(|o| (o.lifetime_days, o.retire)).ok(),
        Some((base.lifetime_days, base.retire))
    );
    let chosen = base.clone().with_overrides(Some(30), Some(Retire::Never));
    assert_eq!(
        chosen.map(|o| (o.lifetime_days, o.retire)).ok(),
        Some((30, Retire::Never))
    );
    for bad in [0, 731] {
        let e = base.clone().with_overrides(Some(bad), None).err();
        assert_eq!(e, Some(RotationError::BadLifetime(bad)));
    }
    assert_eq!(RotationError::BadLifetime(0).code(), "bad_lifetime");
}

#[test]
fn only_the_plans_roles_are_copied() {
    let mut p = plan(vec![vec![cluster("aks", false, false)]]);
    p.groups[0]
        .role_assignments
        .push(crate::azure::roles::RoleAssignment {
            id: "/ra/One".into(),
            scope: "/subscriptions/s".into(),
            role_definition_id: "/x/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7".into(),
            principal_id: "p".into(),
            role_name: "Reader".into(),
        });
    let base = Options::from_settings(&Settings::default(), Mode::NewSp, "test");
    let all = base.clone().with_roles(&p, None);
    assert!(all.copy_roles && all.roles_to_copy.is_empty());
    let some = base
        .clone()
        .with_roles(&p, Some(vec!["/RA/one".into(), "/ra/elsewhere".into()]));
    assert!(some.copy_roles);
    assert_eq!(some.roles_to_copy, ["/RA/one"]);
    let none = base.with_roles(&p, Some(Vec::new()));
    assert!(!none.copy_roles);
}

#[test]
fn a_resume_takes_the_named_rotation_or_every_due_one_not_running_here() {
    let now = at("2030-01-02T00:00:00Z");
    let summary = |id: &str, outcome: Option<Outcome>| RotationSummary {
        rotation_id: id.into(),
        mode: Mode::Secret,
        tenant_id: "t".into(),
        app_id: "a".into(),
        app_display_name: None,
        clusters: Vec::new(),
        cluster_names: Vec::new(),
        started: now,
        updated: now,
        outcome,
        due: false,
        new_key_id: None,
        new_hint: None,
        retire: Retire::Now,
        retire_after: None,
        last_failure: None,
        actor: "test".into(),
        held: Vec::new(),
        hold: None,
        usage_unknown: None,
        key_vault: None,
    };
    let list = [
        summary("open-1", None),
        summary("open-2", None),
        summary("done", Some(Outcome::Succeeded)),
    ];
    assert_eq!(
        to_resume(&list, None, |_| false, now),
        Ok((vec!["open-1".into(), "open-2".into()], true))
    );
    assert_eq!(
        to_resume(&list, None, |id| id == "open-1", now),
        Ok((vec!["open-2".into()], false))
    );
    assert_eq!(
        to_resume(&list, Some("DONE"), |_| false, now),
        Ok((vec!["DONE".into()], false))
    );
    assert_eq!(
        to_resume(&list, Some("gone"), |_| false, now)
            .err()
            .map(|e| e.code()),
        Some("unknown_rotation")
    );
}
