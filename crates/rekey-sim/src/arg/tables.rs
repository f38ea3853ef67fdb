//! Resource Graph's tables as the simulator fills them: `resources` (the AKS clusters) and
//! `resourcecontainers` (subscriptions and resource groups), with ARG's columns.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::arm::cluster_json;
use crate::kql::{Column, ColumnType, Table};
use crate::state::{ManagedCluster, World};

/// Columns of the `resources` and `resourcecontainers` tables, in Resource Graph's order.
const COLUMNS: &[(&str, ColumnType)] = &[
    ("id", ColumnType::String),
    ("name", ColumnType::String),
    ("type", ColumnType::String),
    ("tenantId", ColumnType::String),
    ("kind", ColumnType::String),
    ("location", ColumnType::String),
    ("resourceGroup", ColumnType::String),
    ("subscriptionId", ColumnType::String),
    ("managedBy", ColumnType::String),
    ("sku", ColumnType::Dynamic),
    ("plan", ColumnType::Dynamic),
    ("properties", ColumnType::Dynamic),
    ("tags", ColumnType::Dynamic),
    ("identity", ColumnType::Dynamic),
    ("zones", ColumnType::Dynamic),
    ("extendedLocation", ColumnType::Dynamic),
];

/// The named table over `scope`, sorted by `id` so that pages are stable; `None` if unknown.
pub(super) fn source_table(world: &World, scope: &[Uuid], name: &str) -> Option<Table> {
    let mut records = if name.eq_ignore_ascii_case("resources") {
        world
            .clusters
            .iter()
            .filter(|c| scope.contains(&c.subscription_id))
            .map(|c| cluster_record(world, c))
            .collect()
    } else if name.eq_ignore_ascii_case("resourcecontainers") {
        container_records(world, scope)
    } else {
        return None;
    };
    records.sort_by_cached_key(|r| r.get("id").and_then(Value::as_str).unwrap_or("").to_lowercase());
    Some(Table {
        columns: COLUMNS
            .iter()
            .map(|(name, kind)| Column::new(name, *kind))
            .collect(),
        rows: records.into_iter().map(into_row).collect(),
    })
}

fn into_row(mut record: Map<String, Value>) -> Vec<Value> {
    COLUMNS
        .iter()
        .map(|(name, _)| record.remove(*name).unwrap_or(Value::Null))
        .collect()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn tenant_of(world: &World, subscription: Uuid) -> String {
    world
        .subscription(subscription)
        .map(|s| s.tenant_id.to_string())
        .unwrap_or_default()
}

/// A cluster as Resource Graph stores it: the ARM resource plus ARG's columns, `type` lowercased.
fn cluster_record(world: &World, cluster: &ManagedCluster) -> Map<String, Value> {
    let mut resource = cluster_json(cluster);
    let mut take = |key: &str| resource.get_mut(key).map(Value::take).unwrap_or(Value::Null);
    let id = cluster.arm_id();
    object(json!({
        "id": id,
        "name": take("name"),
        "type": take("type").as_str().unwrap_or_default().to_lowercase(),
        "tenantId": tenant_of(world, cluster.subscription_id),
        "kind": "",
        "location": take("location"),
        "resourceGroup": resource_group_of(&id),
        "subscriptionId": cluster.subscription_id.to_string(),
        "managedBy": "",
        "sku": take("sku"),
        "properties": take("properties"),
        "tags": take("tags"),
        "identity": take("identity"),
    }))
}

/// The resource group segment of an ARM id, as written there.
fn resource_group_of(id: &str) -> String {
    let mut segments = id.split('/');
    segments
        .by_ref()
        .find(|s| s.eq_ignore_ascii_case("resourcegroups"));
    segments.next().unwrap_or_default().to_string()
}

/// `resourcecontainers`: the subscriptions in scope and the resource groups holding their clusters.
fn container_records(world: &World, scope: &[Uuid]) -> Vec<Map<String, Value>> {
    let mut records: Vec<Map<String, Value>> = world
        .subscriptions
        .iter()
        .filter(|s| scope.contains(&s.id))
        .map(|s| {
            object(json!({
                "id": format!("/subscriptions/{}", s.id),
                "name": s.display_name,
                "type": "microsoft.resources/subscriptions",
                "tenantId": s.tenant_id.to_string(),
                "kind": "",
                "location": "",
                "resourceGroup": "",
                "subscriptionId": s.id.to_string(),
                "managedBy": "",
                "properties": {
                    "state": s.state,
                    "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                    "managementGroupAncestorsChain": []
                },
                "tags": {},
            }))
        })
        .collect();
    let mut groups: Vec<(Uuid, String)> = Vec::new();
    for c in world
        .clusters
        .iter()
        .filter(|c| scope.contains(&c.subscription_id))
    {
        let key = (c.subscription_id, c.resource_group.to_lowercase());
        if groups.contains(&key) {
            continue;
        }
        groups.push(key);
        records.push(object(json!({
            "id": format!("/subscriptions/{}/resourceGroups/{}", c.subscription_id, c.resource_group),
            "name": c.resource_group,
            "type": "microsoft.resources/subscriptions/resourcegroups",
            "tenantId": tenant_of(world, c.subscription_id),
            "kind": "",
            "location": c.location,
            "resourceGroup": c.resource_group,
            "subscriptionId": c.subscription_id.to_string(),
            "managedBy": "",
            "properties": {"provisioningState": "Succeeded"},
            "tags": {},
        })));
    }
    records
}
