//! One entry point for every request: read the body within a limit, apply fault rules and
//! throttling, hand the request to the control API, the identity platform, Graph, Resource Graph
//! or ARM by path (as the real hosts would), or to a Key Vault by the listener it came to, and log
//! it with secrets redacted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::context::Sim;
use crate::faults::FaultAction;
use crate::request::SimRequest;
use crate::request_log::{redact_query, LoggedRequest};
use crate::responses::arm_error;
use crate::throttle::Admission;
use crate::{arg, arm, control, graph, identity, keyvault};

/// Bodies larger than this are refused with 413, as ARM refuses oversized requests.
const MAX_BODY: usize = 4 * 1024 * 1024;

pub fn router(sim: Arc<Sim>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(sim)
}

/// The router of one Key Vault's own listener (`vault_hosts`): every request is that vault's.
pub fn vault_router(sim: Arc<Sim>, vault: String) -> axum::Router {
    axum::Router::new()
        .fallback(handle_vault)
        .with_state((sim, Arc::<str>::from(vault)))
}

/// Which Azure host a request belongs to: it decides throttling and error shapes.
#[derive(Clone, PartialEq, Eq)]
enum Host {
    Control,
    Login,
    Graph,
    Arm,
    /// A Key Vault, by name: known from the listener, not the path (`https://{vault}.vault.azure.net`).
    Vault(Arc<str>),
}

fn host_of(req: &SimRequest) -> Host {
    match req.segments.first().map(String::as_str) {
        Some("_sim") => Host::Control,
        Some("v1.0") | Some("beta") | Some("$batch") => Host::Graph,
        Some(s)
            if s.eq_ignore_ascii_case("subscriptions")
                || s.eq_ignore_ascii_case("providers")
                || s.eq_ignore_ascii_case("tenants")
                || s.eq_ignore_ascii_case("metadata") =>
        {
            Host::Arm
        }
        _ => Host::Login,
    }
}

async fn handle(State(sim): State<Arc<Sim>>, request: Request<Body>) -> Response {
    entry(sim, request, None).await
}

async fn handle_vault(State((sim, vault)): State<(Arc<Sim>, Arc<str>)>, request: Request<Body>) -> Response {
    entry(sim, request, Some(Host::Vault(vault))).await
}

async fn entry(sim: Arc<Sim>, request: Request<Body>, host: Option<Host>) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return arm_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "The request content length exceeds the maximum allowed size.",
            )
        }
    };
    let req = SimRequest::new(parts.method, &parts.uri, parts.headers, body);
    let host = host.unwrap_or_else(|| host_of(&req));
    tracing::debug!(method = %req.method, path = %req.path, "request");

    let verdict = if host == Host::Control {
        Default::default()
    } else {
        sim.faults.check(req.method.as_str(), &req.path)
    };
    if verdict.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(verdict.delay_ms)).await;
    }
    let response = match verdict.outcome {
        Some(FaultAction::Respond {
            status,
            body,
            headers,
        }) => injected(status, body, &headers),
        Some(FaultAction::Drop) => dropped_connection(),
        Some(FaultAction::Lose) => {
            let _ = dispatch(&sim, &req, &host);
            dropped_connection()
        }
        _ => match admit(&sim, &host) {
            Err(throttled) => throttled,
            Ok(remaining) => with_remaining_budget(dispatch(&sim, &req, &host), remaining, &req),
        },
    };
    let response = routed_at(&sim, response);

    if host != Host::Control {
        sim.requests.push(LoggedRequest {
            seq: 0,
            time: sim.state.now(),
            method: req.method.to_string(),
            path: req.path.clone(),
            query: req.raw_query.as_deref().map(redact_query),
            status: response.status().as_u16(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            faults: verdict.rule_ids,
            vault: match &host {
                Host::Vault(name) => Some(name.to_string()),
                _ => None,
            },
        });
    }
    response
}

fn dispatch(sim: &Sim, req: &SimRequest, host: &Host) -> Response {
    if let Host::Vault(vault) = host {
        return keyvault::route(sim, vault, req);
    }
    // Login paths sit at the root, as on login.microsoftonline.com; Graph under /v1.0; ARM last.
    control::route(sim, req)
        .or_else(|| identity::route(sim, req))
        .or_else(|| graph::route(sim, req))
        .or_else(|| arg::route(sim, req))
        .or_else(|| arm::route(sim, req))
        .unwrap_or_else(|| {
            arm_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!(
                    "No HTTP resource was found that matches the request URI '{}'.",
                    req.path
                ),
            )
        })
}

/// ARM's `x-ms-routing-request-id` is `{region}:{yyyyMMddTHHmmssZ}:{request id}`; its time is the
/// simulated clock's, like every other time the simulator shows (response builders have no clock).
fn routed_at(sim: &Sim, mut response: Response) -> Response {
    const NAME: &str = "x-ms-routing-request-id";
    let rewritten = response
        .headers()
        .get(NAME)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let mut parts = v.splitn(3, ':');
            let (region, _, id) = (parts.next()?, parts.next()?, parts.next()?);
            let when = sim.state.now().format("%Y%m%dT%H%M%SZ");
            axum::http::HeaderValue::from_str(&format!("{region}:{when}:{id}")).ok()
        });
    if let Some(value) = rewritten {
        response.headers_mut().insert(NAME, value);
    }
    response
}

/// The budget left when the request may go on (`None` when throttling is off), or a 429 in the
/// host's own shape when it is spent.
fn admit(sim: &Sim, host: &Host) -> Result<Option<u32>, Response> {
    if !matches!(host, Host::Arm | Host::Graph) {
        return Ok(None);
    }
    let retry_after = match sim.throttle.admit() {
        Admission::Allowed(remaining) => return Ok(remaining),
        Admission::Throttled { retry_after_secs } => retry_after_secs,
    };
    let body = if *host == Host::Graph {
        json!({"error": {"code": "TooManyRequests", "message": "Too many requests.",
            "innerError": {"code": "TooManyRequests", "date": sim.state.now(), "message": "Please retry after", "request-id": uuid::Uuid::new_v4(), "status": "429"}}})
    } else {
        json!({"error": {"code": "SubscriptionRequestsThrottled",
            "message": format!("Number of requests exceeded the limit. Please try again after '{retry_after}' seconds.")}})
    };
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert("retry-after", v);
    }
    Err(response)
}

/// ARM's remaining-budget header tells clients how close they are to throttling.
fn with_remaining_budget(mut response: Response, remaining: Option<u32>, req: &SimRequest) -> Response {
    let Some(remaining) = remaining else {
        return response;
    };
    let name = if req.method == axum::http::Method::GET {
        "x-ms-ratelimit-remaining-subscription-reads"
    } else {
        "x-ms-ratelimit-remaining-subscription-writes"
    };
    if let Ok(v) = HeaderValue::from_str(&remaining.to_string()) {
        response.headers_mut().insert(name, v);
    }
    response
}

fn injected(
    status: u16,
    body: Option<serde_json::Value>,
    headers: &std::collections::BTreeMap<String, String>,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = body.map(|b| b.to_string()).unwrap_or_default();
    let mut response = (status, [("content-type", "application/json")], text).into_response();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

/// A response whose body fails at once: hyper then closes the connection mid-response, which the
/// client sees as a network failure.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: drop",
        ))
    });
    let mut response = Response::new(Body::from_stream(failing));
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("1024"));
    response
}
