//! `POST /_sim/sign-ins` plays an app's sign-in with one of its credentials exactly as the token
//! endpoint records it (a stand-in for "a pipeline still signs in with the old secret");
//! `GET /_sim/sign-ins?appId=` lists what was recorded, latest per credential and resource.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{body, error, ok};
use crate::context::{Sim, ARM_AUDIENCES, GRAPH_PUBLIC_AUDIENCE};
use crate::request::SimRequest;
use crate::state::{stable_id, CredentialSignIn};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignInRequest {
    /// A tenant ID or the scenario's tenant key (`contoso-demo`).
    tenant: String,
    app_id: Uuid,
    key_id: Uuid,
    /// When (RFC 3339); the simulated clock's now by default.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
    /// `arm` (default), `graph`, or a resource URI.
    #[serde(default)]
    resource: Option<String>,
}

fn to_json(s: &CredentialSignIn) -> Value {
    json!({
        "tenantId": s.tenant_id, "appId": s.app_id, "keyId": s.key_id,
        "credentialOrigin": s.origin.as_str(), "keyType": s.key_type.as_str(),
        "resource": s.resource, "resourceId": s.resource_app_id,
        "at": s.at, "requestId": s.request_id,
    })
}

pub fn record(sim: &Sim, req: &SimRequest) -> Response {
    let r: SignInRequest = match body(req) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let now = sim.state.now();
    let at = r.at.unwrap_or(now);
    if at > now {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("at ({at}) lies after the simulated clock's now ({now}): a sign-in cannot happen in the future"),
        );
    }
    let resource = match r.resource.as_deref().unwrap_or("arm") {
        "arm" => ARM_AUDIENCES[1].to_string(),
        "graph" => GRAPH_PUBLIC_AUDIENCE.to_string(),
        other if other.starts_with("https://") => other.to_string(),
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("resource must be arm, graph or an https:// resource URI, not '{other}'"),
            )
        }
    };
    let mut world = sim.state.world();
    let tenant_id = Uuid::parse_str(&r.tenant).unwrap_or_else(|_| stable_id("tenant", &r.tenant));
    if !world.tenants.iter().any(|t| t.id == tenant_id) {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no tenant '{}' (give its ID or scenario key)", r.tenant),
        );
    }
    let known_app = world
        .applications
        .iter()
        .any(|a| a.app_id == r.app_id && a.tenant_id == tenant_id)
        || world
            .service_principals
            .iter()
            .any(|s| s.app_id == r.app_id && s.tenant_id == tenant_id);
    if !known_app {
        return error(
            StatusCode::NOT_FOUND,
            &format!(
                "no application or service principal with appId {} in tenant {tenant_id}",
                r.app_id
            ),
        );
    }
    if let Some(end) = world
        .credential_end(tenant_id, r.app_id, r.key_id)
        .filter(|end| at >= *end)
    {
        return error(
            StatusCode::CONFLICT,
            &format!(
                "credential {} ended at {end}: Entra ID refuses a sign-in with it then (AADSTS7000222)",
                r.key_id
            ),
        );
    }
    let recorded =
        crate::identity::record_app_sign_in(sim, &mut world, tenant_id, r.app_id, r.key_id, &resource, at);
    match recorded {
        Some(s) => (
            StatusCode::CREATED,
            [("content-type", "application/json")],
            to_json(&s).to_string(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!(
                "app {} has no secret or certificate with keyId {} on its application or service principal",
                r.app_id, r.key_id
            ),
        ),
    }
}

pub fn list(sim: &Sim, req: &SimRequest) -> Response {
    let app_id = match req.query.get("appId").map(|a| Uuid::parse_str(a)) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "appId must be a GUID"),
    };
    let world = sim.state.world();
    let sign_ins: Vec<Value> = world
        .credential_use
        .per_resource()
        .filter(|s| app_id.is_none_or(|a| a == s.app_id))
        .map(to_json)
        .collect();
    ok(json!({"signIns": sign_ins}))
}
