//! ARM long-running operations: the 202 that starts one, its two polling URLs
//! (`…/operations/{id}` for status, `…/operationresults/{id}` for the result), and settling them
//! by simulated time. Nothing runs in the background: whoever reads an operation or a cluster
//! settles first, so progress depends only on the clock.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::identity_update;
use super::providers::CONTAINER_SERVICE;
use super::subscriptions::readable;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json, arm_timestamp};
use crate::state::{
    AadProfile, ClusterIdentity, CredentialChange, Operation, OperationError, OperationStatus, World,
};

/// An operation as named in a polling URL.
pub(super) struct OperationPath<'r> {
    pub sub: &'r str,
    pub location: &'r str,
    pub id: &'r str,
}

/// Marks `world.clusters[cluster]` as `running_state` (when the operation is the cluster's, not
/// one pool's) and records an operation that will apply `change` to it, or end `Failed` with
/// `error` when a rule of Azure's makes it fail; `None` if there is no such cluster.
pub(super) fn begin(
    world: &mut World,
    cluster: usize,
    running_state: Option<&str>,
    change: CredentialChange,
    error: Option<OperationError>,
    sim: &Sim,
) -> Option<Operation> {
    let started = sim.state.now();
    let fails = world.fail_next_operations > 0 || error.is_some();
    let cluster = world.clusters.get_mut(cluster)?;
    if let Some(state) = running_state {
        cluster.provisioning_state = state.into();
    }
    let operation = Operation {
        id: Uuid::new_v4(),
        subscription_id: cluster.subscription_id,
        location: cluster.location.clone(),
        resource_id: cluster.arm_id(),
        change,
        started,
        ends: started + sim.state.behaviour.operation_duration,
        fails,
        error,
        status: OperationStatus::InProgress,
    };
    if operation.error.is_none() {
        world.fail_next_operations = world.fail_next_operations.saturating_sub(1);
    }
    world.operations.push(operation.clone());
    Some(operation)
}

/// Brings every operation due by `now` to its terminal status and applies it to its cluster.
/// Call it before reading clusters or operations.
pub fn settle(world: &mut World, now: DateTime<Utc>) {
    let World {
        operations,
        clusters,
        legacy_aad_server_keys,
        identities,
        service_principals,
        subscriptions,
        ..
    } = world;
    for op in operations
        .iter_mut()
        .filter(|op| op.status == OperationStatus::InProgress && op.ends <= now)
    {
        op.status = if op.fails {
            OperationStatus::Failed
        } else {
            OperationStatus::Succeeded
        };
        let Some(cluster) = clusters.iter_mut().find(|c| c.arm_id() == op.resource_id) else {
            continue;
        };
        if op.fails {
            // The cluster keeps the credentials it had; only a new operation recovers it. A pool's
            // own operation fails the pool only.
            match &op.change {
                CredentialChange::NodeImage { pool, .. } => {
                    if let Some(p) = cluster.agent_pools.iter_mut().find(|p| &p.name == pool) {
                        p.provisioning_state = "Failed".into();
                    }
                }
                _ => cluster.provisioning_state = "Failed".into(),
            }
            continue;
        }
        match op.change.clone() {
            CredentialChange::ServicePrincipal { client_id, key_id } => {
                cluster.identity = ClusterIdentity::ServicePrincipal {
                    client_id,
                    current_key_id: Some(key_id),
                };
            }
            CredentialChange::LegacyAad {
                server_app_id,
                client_app_id,
                tenant_id,
                server_key_id,
            } => {
                cluster.aad = Some(AadProfile::Legacy {
                    server_app_id,
                    client_app_id,
                    tenant_id,
                });
                legacy_aad_server_keys.insert(op.resource_id.clone(), server_key_id);
            }
            CredentialChange::ManagedIdentity {
                principal_id,
                tenant_id,
                user_assigned,
                kubelet,
            } => {
                let created = op.ends;
                let directory = identity_update::Directory {
                    identities,
                    service_principals,
                    subscriptions,
                };
                identity_update::apply(
                    directory,
                    cluster,
                    principal_id,
                    tenant_id,
                    user_assigned,
                    kubelet,
                    created,
                );
            }
            CredentialChange::NodeImage { pool, version } => {
                let kubelet = cluster.kubelet_identity.is_some();
                if let Some(p) = cluster.agent_pools.iter_mut().find(|p| p.name == pool) {
                    p.node_image_version = version;
                    p.provisioning_state = "Succeeded".into();
                    // Re-imaged nodes come up with the kubelet identity (docs aks/use-managed-identity:
                    // "the kubelet keeps using the service principal until the node pool is upgraded").
                    p.nodes_use_kubelet_identity = kubelet;
                }
                continue;
            }
        }
        cluster.provisioning_state = "Succeeded".into();
    }
}

/// The reset's 202: no body, and the URLs to poll, in the request's api-version.
pub(super) fn accepted(sim: &Sim, op: &Operation, api_version: &str) -> Response {
    empty(polled(
        sim,
        op,
        api_version,
        StatusCode::ACCEPTED,
        &Value::Null,
        true,
    ))
}

/// A write answered with a body while its operation runs (a managed-cluster PUT answers 200, an
/// agent-pool action 202): the body, `Azure-AsyncOperation` to poll, and `Location` when asked.
pub(super) fn polled(
    sim: &Sim,
    op: &Operation,
    api_version: &str,
    status: StatusCode,
    body: &Value,
    location: bool,
) -> Response {
    let mut response = arm_json(status, body, true);
    set_header(
        &mut response,
        "azure-asyncoperation",
        &url(sim, op, "operations", api_version),
    );
    if location {
        set_header(
            &mut response,
            "location",
            &url(sim, op, "operationresults", api_version),
        );
    }
    retry_after(sim, &mut response);
    response
}

/// `GET …/operations/{id}`: the operation's status ([CT5] `OperationStatusResult`).
pub(super) fn status(sim: &Sim, caller: &Caller, path: &OperationPath) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    settle(&mut world, now);
    let op = match find(&world, caller, path) {
        Ok(op) => op,
        Err(response) => return response,
    };
    let mut body = json!({
        "id": format!("/subscriptions/{}/providers/{CONTAINER_SERVICE}/locations/{}/operations/{}", op.subscription_id, op.location, op.id),
        "name": op.id,
        "status": op.status.as_str(),
        "startTime": arm_timestamp(op.started),
        "percentComplete": percent_complete(op, now),
    });
    match op.status {
        OperationStatus::InProgress => {}
        OperationStatus::Succeeded => body["endTime"] = json!(arm_timestamp(op.ends)),
        OperationStatus::Failed => {
            body["endTime"] = json!(arm_timestamp(op.ends));
            body["error"] = failure(op);
        }
    }
    let in_progress = op.status == OperationStatus::InProgress;
    drop(world);
    let mut response = arm_json(StatusCode::OK, &body, false);
    if in_progress {
        retry_after(sim, &mut response);
    }
    response
}

/// `GET …/operationresults/{id}`: 202 while running, then 204 (the resets have no result body),
/// or the failure with an error status.
pub(super) fn result(sim: &Sim, req: &SimRequest, caller: &Caller, path: &OperationPath) -> Response {
    let mut world = sim.state.world();
    settle(&mut world, sim.state.now());
    let (status, error) = match find(&world, caller, path) {
        Ok(op) => (op.status, failure(op)),
        Err(response) => return response,
    };
    drop(world);
    match status {
        OperationStatus::InProgress => {
            let mut response = empty(arm_json(StatusCode::ACCEPTED, &Value::Null, false));
            let mut again = sim.base_url.clone();
            again.set_path(&req.path);
            again.set_query(req.raw_query.as_deref());
            set_header(&mut response, "location", again.as_str());
            retry_after(sim, &mut response);
            response
        }
        OperationStatus::Succeeded => empty(arm_json(StatusCode::NO_CONTENT, &Value::Null, false)),
        OperationStatus::Failed => arm_json(StatusCode::BAD_REQUEST, &json!({"error": error}), false),
    }
}

/// The operation a polling URL names, if the caller may read its subscription; 404 otherwise.
fn find<'w>(world: &'w World, caller: &Caller, path: &OperationPath) -> Result<&'w Operation, Response> {
    let sub = readable(world, caller, path.sub)?.id;
    Uuid::parse_str(path.id)
        .ok()
        .and_then(|id| {
            world.operations.iter().find(|op| {
                op.id == id && op.subscription_id == sub && op.location.eq_ignore_ascii_case(path.location)
            })
        })
        .ok_or_else(|| {
            arm_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!(
                    "Operation '{}' was not found in location '{}'.",
                    path.id, path.location
                ),
            )
        })
}

/// The error of a failed operation, as AKS reports one that ends in provisioning state Failed.
/// ARM's error body (common-types v5 `ErrorDetail`) always carries a `details` array; the inner
/// entry is the rule's cause, or the one the simulator's fault switch stands for.
fn failure(op: &Operation) -> Value {
    if let Some(e) = &op.error {
        return json!({
            "code": "ResourceOperationFailure",
            "message": "The resource operation completed with terminal provisioning state 'Failed'.",
            "details": [{"code": e.code, "message": e.message}]
        });
    }
    json!({
        "code": "ResourceOperationFailure",
        "message": "The resource operation completed with terminal provisioning state 'Failed'.",
        "details": [{
            "code": "InternalOperationError",
            "message": "An internal error occurred while updating the cluster's credentials. Retry the operation."
        }]
    })
}

fn percent_complete(op: &Operation, now: DateTime<Utc>) -> f64 {
    if op.status != OperationStatus::InProgress {
        return 100.0;
    }
    let total = (op.ends - op.started).num_milliseconds().max(1) as f64;
    let done = (now - op.started).num_milliseconds() as f64;
    (done / total * 100.0).clamp(0.0, 99.0).floor()
}

fn url(sim: &Sim, op: &Operation, kind: &str, api_version: &str) -> String {
    format!(
        "{}subscriptions/{}/providers/{CONTAINER_SERVICE}/locations/{}/{kind}/{}?api-version={api_version}",
        sim.base_url, op.subscription_id, op.location, op.id
    )
}

fn retry_after(sim: &Sim, response: &mut Response) {
    let seconds = sim.state.behaviour.operation_retry_after.num_seconds().max(0);
    set_header(response, "retry-after", &seconds.to_string());
}

fn set_header(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// Keeps ARM's headers but drops the body (202 and 204 carry none).
fn empty(mut response: Response) -> Response {
    response.headers_mut().remove(CONTENT_TYPE);
    *response.body_mut() = Body::empty();
    response
}
