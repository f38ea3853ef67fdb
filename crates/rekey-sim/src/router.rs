//! One entry point for every request: read the body within a limit, then hand the request to the
//! identity platform or ARM by path, as the real hosts would.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::arm_error;
use crate::{arg, arm, control, graph, identity};

/// Bodies larger than this are refused with 413, as ARM refuses oversized requests.
const MAX_BODY: usize = 4 * 1024 * 1024;

pub fn router(sim: Arc<Sim>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(sim)
}

async fn handle(State(sim): State<Arc<Sim>>, request: Request<Body>) -> Response {
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
    tracing::debug!(method = %req.method, path = %req.path, "request");
    // Login paths sit at the root, as on login.microsoftonline.com; Graph under /v1.0; ARM last.
    control::route(&sim, &req)
        .or_else(|| identity::route(&sim, &req))
        .or_else(|| graph::route(&sim, &req))
        .or_else(|| arg::route(&sim, &req))
        .or_else(|| arm::route(&sim, &req))
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
