//! The control API under `/_sim/…`: scenario, state, faults, latency, throttling, clock, role
//! propagation, app sign-ins, the request log, and what key vaults hold. Protected by the admin
//! token printed at start.

mod sign_ins;
mod vaults;
mod view;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::context::Sim;
use crate::faults::FaultRule;
use crate::request::SimRequest;
use crate::scenario::{self, GenerateParams, ScenarioFile};
use crate::throttle::ThrottleConfig;

/// Routes `/_sim/…`; `None` for any other path.
pub fn route(sim: &Sim, req: &SimRequest) -> Option<Response> {
    if req.segments.first().is_none_or(|s| s != "_sim") {
        return None;
    }
    if !authorized(sim, req) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "The /_sim control API needs the admin token printed at start: Authorization: Bearer <admin_token>.",
        ));
    }
    let m = &req.method;
    let response = match req
        .segments
        .get(1..)
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["state"] if m == Method::GET => {
            let now = sim.state.now();
            let mut world = sim.state.world();
            crate::arm::settle_operations(&mut world, now);
            ok(view::world(&world, now))
        }
        ["clock"] if m == Method::GET => ok(json!({"now": sim.state.now()})),
        ["clock"] if m == Method::POST => advance_clock(sim, req),
        ["faults"] if m == Method::GET => ok(json!({"rules": sim.faults.list()})),
        ["faults"] if m == Method::POST => add_fault(sim, req),
        ["faults"] if m == Method::DELETE => {
            sim.faults.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        ["faults", id] if m == Method::DELETE => {
            match id.parse::<u64>().ok().filter(|id| sim.faults.remove(*id)) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => error(StatusCode::NOT_FOUND, &format!("no fault rule {id}")),
            }
        }
        ["latency"] if m == Method::PUT => set_latency(sim, req),
        ["operations", "fail-next"] if m == Method::POST => fail_next_operations(sim, req),
        ["roles", "propagation"] if m == Method::PUT => set_role_propagation(sim, req),
        ["throttle"] if m == Method::PUT => set_throttle(sim, req),
        ["throttle"] if m == Method::GET => ok(json!({"throttle": sim.throttle.config()})),
        ["requests"] if m == Method::GET => {
            let limit = req
                .query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(200usize);
            ok(json!({"requests": sim.requests.recent(limit)}))
        }
        ["scenario"] if m == Method::POST => load_scenario(sim, req),
        ["sign-ins"] if m == Method::POST => sign_ins::record(sim, req),
        ["sign-ins"] if m == Method::GET => sign_ins::list(sim, req),
        // The stand-in pipelines move to the new secret: they sign in with the old one no more.
        ["pipelines"] if m == Method::DELETE => {
            sim.state.world().credential_use.pipelines.clear();
            ok(json!({"stopped": true}))
        }
        ["token"] if m == Method::POST => mint_token(sim, req),
        ["vaults"] if m == Method::GET => vaults::list(sim),
        ["vaults", vault, "secrets", name] if m == Method::GET => vaults::secret(sim, vault, name),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!("no control endpoint {} {}", req.method, req.path),
        ),
    };
    Some(response)
}

fn authorized(sim: &Sim, req: &SimRequest) -> bool {
    let presented = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compare in constant time: the token guards the simulator's whole state.
    presented.len() == sim.admin_token.len()
        && presented
            .bytes()
            .zip(sim.admin_token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    let code = status.canonical_reason().unwrap_or("Error").replace(' ', "");
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

fn body<T: for<'de> Deserialize<'de>>(req: &SimRequest) -> Result<T, Response> {
    serde_json::from_slice(&req.body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("the request body is not valid: {e}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    #[serde(default)]
    advance_seconds: i64,
    #[serde(default)]
    advance_days: i64,
}

fn advance_clock(sim: &Sim, req: &SimRequest) -> Response {
    let r: ClockRequest = match body(req) {
        Ok(r) => r,
        Err(e) => return e,
    };
    // Bounded so the arithmetic cannot overflow chrono's range.
    let seconds = r.advance_seconds.clamp(-3_650 * 86_400, 3_650 * 86_400)
        + r.advance_days.clamp(-3_650, 3_650) * 86_400;
    sim.state.advance_clock(chrono::Duration::seconds(seconds));
    ok(json!({"now": sim.state.now()}))
}

fn add_fault(sim: &Sim, req: &SimRequest) -> Response {
    let rule: FaultRule = match body(req) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match sim.faults.add(rule) {
        Ok(rule) => (
            StatusCode::CREATED,
            [("content-type", "application/json")],
            json!(rule).to_string(),
        )
            .into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNextRequest {
    count: u32,
}

/// The next `count` credential resets end `Failed` and leave their cluster `Failed`, as Azure's do
/// when the node image upgrade behind them breaks.
fn fail_next_operations(sim: &Sim, req: &SimRequest) -> Response {
    match body::<FailNextRequest>(req) {
        Ok(r) if r.count <= 100 => {
            sim.state.world().fail_next_operations = r.count;
            ok(json!({"count": r.count}))
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "count must be at most 100"),
        Err(e) => e,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PropagationRequest {
    seconds: i64,
}

/// How long new role assignments take to count for authorization checks (simulated time).
fn set_role_propagation(sim: &Sim, req: &SimRequest) -> Response {
    match body::<PropagationRequest>(req) {
        Ok(r) if (0..=3600).contains(&r.seconds) => {
            sim.state.world().role_propagation_delay = chrono::Duration::seconds(r.seconds);
            ok(json!({"seconds": r.seconds}))
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "seconds must be between 0 and 3600"),
        Err(e) => e,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyRequest {
    ms: u64,
}

fn set_latency(sim: &Sim, req: &SimRequest) -> Response {
    match body::<LatencyRequest>(req) {
        Ok(r) if r.ms <= 60_000 => {
            sim.faults.set_latency_ms(r.ms);
            ok(json!({"ms": r.ms}))
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "latency must be at most 60000 ms"),
        Err(e) => e,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThrottleRequest {
    limit: Option<u32>,
    #[serde(default = "default_window")]
    window_seconds: u64,
}

fn default_window() -> u64 {
    10
}

fn set_throttle(sim: &Sim, req: &SimRequest) -> Response {
    match body::<ThrottleRequest>(req) {
        Ok(r) => {
            let config = r.limit.map(|limit| ThrottleConfig {
                limit,
                window_seconds: r.window_seconds.clamp(1, 3600),
            });
            sim.throttle.configure(config);
            ok(json!({"throttle": config}))
        }
        Err(e) => e,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    /// A service principal's display name or app ID, or a user's UPN.
    principal: String,
    /// `arm`, `graph`, or a resource URI.
    audience: String,
    #[serde(default = "default_lifetime")]
    lifetime_seconds: i64,
}

fn default_lifetime() -> i64 {
    3599
}

/// An access token for any principal, for tests and benchmarks that must not need its secret.
fn mint_token(sim: &Sim, req: &SimRequest) -> Response {
    let r: TokenRequest = match body(req) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let aud = match r.audience.as_str() {
        "arm" => crate::context::ARM_AUDIENCES[0].to_string(),
        "graph" => crate::context::GRAPH_PUBLIC_AUDIENCE.to_string(),
        other => other.to_string(),
    };
    let world = sim.state.world();
    let sp = world
        .service_principals
        .iter()
        .find(|s| s.display_name == r.principal || s.app_id.to_string() == r.principal);
    let user = world
        .users
        .iter()
        .find(|u| u.user_principal_name.eq_ignore_ascii_case(&r.principal));
    let (tid, oid, appid, upn) = match (sp, user) {
        (Some(sp), _) => (sp.tenant_id, sp.object_id, Some(sp.app_id.to_string()), None),
        (None, Some(u)) => (
            u.tenant_id,
            u.object_id,
            None,
            Some(u.user_principal_name.clone()),
        ),
        (None, None) => {
            return error(
                StatusCode::NOT_FOUND,
                &format!("no service principal or user '{}'", r.principal),
            )
        }
    };
    drop(world);
    let now = chrono::Utc::now().timestamp();
    let claims = crate::signing::Claims {
        aud,
        iss: format!("{}/{tid}/v2.0", sim.authority()),
        iat: now,
        nbf: now,
        exp: now + r.lifetime_seconds.clamp(-86_400, 86_400),
        tid: tid.to_string(),
        oid: oid.to_string(),
        sub: oid.to_string(),
        idtyp: Some(if upn.is_some() { "user" } else { "app" }.into()),
        scp: upn.as_ref().map(|_| "user_impersonation".to_string()),
        appid,
        upn,
        roles: Vec::new(),
        ver: "2.0".into(),
    };
    match sim.signer.sign(&claims) {
        Ok(token) => ok(json!({"access_token": token, "token_type": "Bearer"})),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `{"generate": "tenants=2,…"}`, a scenario as JSON, or TOML with `content-type: application/toml`.
fn load_scenario(sim: &Sim, req: &SimRequest) -> Response {
    let is_toml = req.header("content-type").is_some_and(|c| c.contains("toml"));
    let text = String::from_utf8_lossy(&req.body);
    let file = if is_toml {
        ScenarioFile::from_toml(&text).map_err(|e| e.to_string())
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(o)) if o.len() == 1 && o.contains_key("generate") => o
                .get("generate")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    "generate must be a string such as \"tenants=2,subscriptions=100\"".to_string()
                })
                .and_then(|p| p.parse::<GenerateParams>().map_err(|e| e.to_string()))
                .map(|p| scenario::generate(&p)),
            Ok(_) => ScenarioFile::from_json(&text).map_err(|e| e.to_string()),
            Err(e) => Err(format!("the request body is not JSON: {e}")),
        }
    };
    let world =
        file.and_then(|f| scenario::load(&f, &sim.admin_seed, sim.state.now()).map_err(|e| e.to_string()));
    match world {
        Ok(world) => {
            // The demo administrator now lives in the first tenant of the new world.
            let summary = json!({
                "adminTenantId": world.tenants.first().map(|t| t.id),
                "tenants": world.tenants.len(), "subscriptions": world.subscriptions.len(),
                "clusters": world.clusters.len(), "applications": world.applications.len(),
            });
            *sim.state.world() = world;
            // The new world's vaults need hosts of their own.
            sim.open_vault_hosts();
            ok(summary)
        }
        Err(message) => error(StatusCode::BAD_REQUEST, &message),
    }
}
