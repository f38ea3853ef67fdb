//! `resetServicePrincipalProfile` and `resetAADProfile`: refuse what AKS refuses, validate the new
//! credentials against the directory as AKS does (so a secret that is wrong, expired or still
//! replicating fails here as it would in Azure), then start a long-running operation.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::authentication::Caller;
use super::clusters::{self, ClusterPath};
use super::operations;
use super::providers::CONTAINER_SERVICE;
use crate::context::Sim;
use crate::directory::{find_valid_credential, CredentialProblem};
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};
use crate::state::{AadProfile, ClusterIdentity, CredentialChange, ManagedCluster, World};

/// Which credentials a reset replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ResetKind {
    ServicePrincipal,
    LegacyAad,
}

impl ResetKind {
    /// The kind a `…/managedClusters/{name}/{action}` path asks for.
    pub(super) fn from_action(action: &str) -> Option<Self> {
        [ResetKind::ServicePrincipal, ResetKind::LegacyAad]
            .into_iter()
            .find(|k| k.action().eq_ignore_ascii_case(action))
    }

    fn action(self) -> &'static str {
        match self {
            ResetKind::ServicePrincipal => "resetServicePrincipalProfile",
            ResetKind::LegacyAad => "resetAADProfile",
        }
    }

    /// The cluster's provisioning state while the reset runs.
    fn running_state(self) -> &'static str {
        match self {
            ResetKind::ServicePrincipal => "Updating",
            ResetKind::LegacyAad => "RefreshingAADProfile",
        }
    }

    /// The profile named in AKS's invalid-credentials message.
    fn profile(self) -> &'static str {
        match self {
            ResetKind::ServicePrincipal => "ServicePrincipalProfile",
            ResetKind::LegacyAad => "AADProfile",
        }
    }
}

pub(super) fn reset(
    sim: &Sim,
    req: &SimRequest,
    caller: &Caller,
    path: &ClusterPath,
    kind: ResetKind,
) -> Response {
    let now = sim.state.now();
    let mut world = sim.state.world();
    operations::settle(&mut world, now);
    let action = format!("{CONTAINER_SERVICE}/managedClusters/{}/action", kind.action());
    let (sub, tenant, index) = match clusters::for_write(&world, caller, path, "", &action) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(cluster) = world.clusters.get(index) else {
        return clusters::not_found(&world, sub, path);
    };
    if let Err(refused) = check_cluster(cluster, kind) {
        return refused;
    }
    let body = match json_object(&req.body, kind) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let check = Check {
        world: &world,
        tenant,
        now,
        sim,
    };
    let change = match kind {
        ResetKind::ServicePrincipal => check.service_principal(&body),
        ResetKind::LegacyAad => check.legacy_aad(&body, cluster),
    };
    let change = match change {
        Ok(change) => change,
        Err(response) => return response,
    };
    // AKS's check was a sign-in with the new credential: it shows in the sign-in activity reports.
    let signed_in = match &change {
        CredentialChange::ServicePrincipal { client_id, key_id } => Some((tenant, *client_id, *key_id)),
        CredentialChange::LegacyAad {
            server_app_id,
            tenant_id,
            server_key_id,
            ..
        } => Some((*tenant_id, *server_app_id, *server_key_id)),
        _ => None,
    };
    if let Some((tenant_id, app_id, key_id)) = signed_in {
        let resource = crate::context::ARM_AUDIENCES[1];
        crate::identity::record_app_sign_in(sim, &mut world, tenant_id, app_id, key_id, resource, now);
    }
    let Some(operation) = operations::begin(&mut world, index, Some(kind.running_state()), change, None, sim)
    else {
        return clusters::not_found(&world, sub, path);
    };
    drop(world);
    tracing::info!(operation = %operation.id, cluster = %operation.resource_id, action = kind.action(), "reset accepted");
    let api_version = req.query.get("api-version").map_or("", String::as_str);
    operations::accepted(sim, &operation, api_version)
}

/// What AKS refuses before it looks at the body: the wrong kind of cluster, a stopped one, or one
/// with another operation in progress.
fn check_cluster(cluster: &ManagedCluster, kind: ResetKind) -> Result<(), Response> {
    match kind {
        ResetKind::ServicePrincipal
            if matches!(cluster.identity, ClusterIdentity::ManagedIdentity { .. }) =>
        {
            return Err(arm_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "This action cannot be performed on a cluster that is not using a service principal",
            ));
        }
        ResetKind::LegacyAad if legacy_tenant(cluster).is_none() => {
            return Err(arm_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "This action cannot be performed on a cluster that is not using the legacy Azure AD integration. Clusters with AKS-managed Azure AD have no AAD profile credentials to reset: see https://aka.ms/aks-managed-aad",
            ));
        }
        _ => {}
    }
    if cluster.power_state.eq_ignore_ascii_case("Stopped") {
        return Err(arm_error(
            StatusCode::BAD_REQUEST,
            "OperationNotAllowed",
            &format!("Operation is not allowed because the managed cluster '{}' is in stopped state. Credentials cannot be updated on a stopped cluster: start it with 'az aks start' and try again.", cluster.name),
        ));
    }
    check_idle(cluster)
}

/// AKS's 409 while another operation runs on the cluster or one of its agent pools, in AKS's
/// words: "Operation is not allowed: Another operation (Updating) is in progress, please wait for
/// it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more
/// details" (Azure/terraform-azurerm-avm-ptn-aks-production#25), and for a pool "Another operation
/// (nodepool1 - Updating)" (Azure/azure-workload-identity#417).
pub(super) fn check_idle(cluster: &ManagedCluster) -> Result<(), Response> {
    let state = cluster.provisioning_state.as_str();
    let running = if !["Succeeded", "Failed", "Canceled"]
        .iter()
        .any(|done| done.eq_ignore_ascii_case(state))
    {
        Some(state.to_string())
    } else {
        cluster
            .agent_pools
            .iter()
            .find(|p| {
                !p.provisioning_state.eq_ignore_ascii_case("Succeeded")
                    && !p.provisioning_state.eq_ignore_ascii_case("Failed")
            })
            .map(|p| format!("{} - {}", p.name, p.provisioning_state))
    };
    match running {
        Some(what) => Err(arm_error(
            StatusCode::CONFLICT,
            "OperationNotAllowed",
            &format!("Operation is not allowed: Another operation ({what}) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details"),
        )),
        None => Ok(()),
    }
}

/// The tenant of a cluster's legacy AAD integration, if it has one.
fn legacy_tenant(cluster: &ManagedCluster) -> Option<Uuid> {
    match cluster.aad {
        Some(AadProfile::Legacy { tenant_id, .. }) => Some(tenant_id),
        _ => None,
    }
}

/// Validates a reset body against the directory at `now`.
struct Check<'a> {
    world: &'a World,
    /// The subscription's tenant, where AKS signs the new credentials in.
    tenant: Uuid,
    now: DateTime<Utc>,
    sim: &'a Sim,
}

impl Check<'_> {
    /// `{"clientId","secret"}`: AKS signs in as the service principal with the new secret.
    fn service_principal(&self, body: &Map<String, Value>) -> Result<CredentialChange, Response> {
        let client_id = required(body, "clientId", "servicePrincipalProfile.clientId")?;
        let secret = required(body, "secret", "servicePrincipalProfile.secret")?;
        // Signing in needs a service principal, so an app without one is as unknown as a bad ID.
        let app = Uuid::parse_str(client_id)
            .ok()
            .filter(|id| self.world.service_principal_by_app_id(*id).is_some());
        let Some(app) = app else {
            return Err(self.invalid(
                ResetKind::ServicePrincipal,
                client_id,
                CredentialProblem::UnknownApp,
            ));
        };
        let key_id = self
            .credential(app, secret)
            .map_err(|problem| self.invalid(ResetKind::ServicePrincipal, client_id, problem))?;
        Ok(CredentialChange::ServicePrincipal {
            client_id: app,
            key_id,
        })
    }

    /// `{"clientAppID","serverAppID","serverAppSecret","tenantID"?}`: the server app's new secret is
    /// what changes; `tenantID` may be null (Azure CLI sends null when it is not given).
    fn legacy_aad(
        &self,
        body: &Map<String, Value>,
        cluster: &ManagedCluster,
    ) -> Result<CredentialChange, Response> {
        let client_app = required(body, "clientAppID", "aadProfile.clientAppID")?;
        let server_app = required(body, "serverAppID", "aadProfile.serverAppID")?;
        let secret = required(body, "serverAppSecret", "aadProfile.serverAppSecret")?;
        let client_app_id = guid(client_app, "aadProfile.clientAppID")?;
        let tenant_id = match optional(body, "tenantID", "aadProfile.tenantID")? {
            Some(text) => guid(text, "aadProfile.tenantID")?,
            None => legacy_tenant(cluster).unwrap_or(self.tenant),
        };
        let key_id = Uuid::parse_str(server_app)
            .map_err(|_| CredentialProblem::UnknownApp)
            .and_then(|app| self.credential(app, secret).map(|key| (app, key)));
        let (server_app_id, server_key_id) =
            key_id.map_err(|problem| self.invalid(ResetKind::LegacyAad, server_app, problem))?;
        Ok(CredentialChange::LegacyAad {
            server_app_id,
            client_app_id,
            tenant_id,
            server_key_id,
        })
    }

    fn credential(&self, app: Uuid, secret: &str) -> Result<Uuid, CredentialProblem> {
        let delay = self.sim.state.behaviour.replication_delay;
        find_valid_credential(self.world, app, secret, self.now, delay)
    }

    /// AKS's 400 for credentials Entra ID refused, quoting the token endpoint's answer as ADAL saw it.
    fn invalid(&self, kind: ResetKind, client_id: &str, problem: CredentialProblem) -> Response {
        let (status, error, aadsts, description) = match problem {
            CredentialProblem::InvalidSecret => (401, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")),
            CredentialProblem::Expired => (401, "invalid_client", 7000222, format!("The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")),
            CredentialProblem::UnknownApp | CredentialProblem::NotReplicated => (400, "unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", self.tenant)),
        };
        let (trace, correlation) = (Uuid::new_v4(), Uuid::new_v4());
        let timestamp = self.now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        let description = format!(
            "AADSTS{aadsts}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
        );
        // Written out by hand: the token endpoint's field order, which a JSON map would not keep.
        let token_body = format!(
            r#"{{"error":{},"error_description":{},"error_codes":[{aadsts}],"timestamp":{},"trace_id":"{trace}","correlation_id":"{correlation}"}}"#,
            json!(error),
            json!(description),
            json!(timestamp),
        );
        arm_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("The credentials in {} were invalid. Please see https://aka.ms/aks-sp-help for more details. (Details: adal: Refresh request failed. Status Code = '{status}'. Response body: {token_body})", kind.profile()),
        )
    }
}

/// The body as a JSON object. Its text never reaches an error message or a log: it holds a secret.
fn json_object(body: &[u8], kind: ResetKind) -> Result<Map<String, Value>, Response> {
    let parameter = match kind {
        ResetKind::ServicePrincipal => "servicePrincipalProfile",
        ResetKind::LegacyAad => "aadProfile",
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid_parameter(
            parameter,
            &format!(
                "The value of parameter {parameter} is invalid: the request body must be a JSON object."
            ),
        )),
    }
}

/// A string property (names compare case-insensitively, as ARM deserializes them); `None` if absent or null.
fn optional<'b>(
    body: &'b Map<String, Value>,
    field: &str,
    target: &str,
) -> Result<Option<&'b str>, Response> {
    match body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
    {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
        Some(_) => Err(invalid_parameter(
            target,
            &format!("The value of parameter {target} is invalid."),
        )),
    }
}

fn required<'b>(body: &'b Map<String, Value>, field: &str, target: &str) -> Result<&'b str, Response> {
    optional(body, field, target)?
        .ok_or_else(|| invalid_parameter(target, &format!("Required parameter {target} is missing (null).")))
}

fn guid(text: &str, target: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(text).map_err(|_| {
        invalid_parameter(
            target,
            &format!("The value of parameter {target} is invalid: '{text}' is not a GUID."),
        )
    })
}

/// AKS's `InvalidParameter`, with the property as `target`.
fn invalid_parameter(target: &str, message: &str) -> Response {
    arm_json(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "InvalidParameter", "message": message, "target": target}}),
        false,
    )
}
