//! ARM-style paging: a page of `value` and an absolute `nextLink` carrying an opaque `$skiptoken`.

use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use url::Url;

use crate::context::Sim;
use crate::request::SimRequest;
use crate::responses::{arm_error, arm_json};

/// The offset a request asks for, or `None` for a token the simulator did not issue.
pub(crate) fn offset(req: &SimRequest) -> Option<usize> {
    match req.query.get("$skiptoken") {
        None => Some(0),
        Some(token) => URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok())),
    }
}

/// One page of `items` starting at `offset`, with a `nextLink` on `base` when more remain (Key
/// Vault pages the same way, on the vault's own host).
pub(crate) fn page(
    base: &Url,
    req: &SimRequest,
    items: Vec<Value>,
    offset: usize,
    page_size: usize,
) -> Value {
    let total = items.len();
    let end = (offset + page_size).min(total);
    let value: Vec<Value> = items
        .into_iter()
        .skip(offset)
        .take(end.saturating_sub(offset))
        .collect();
    let mut body = json!({ "value": value });
    if end < total {
        let mut next = base.clone();
        next.set_path(&req.path);
        {
            let mut q = next.query_pairs_mut();
            for (k, v) in &req.query {
                if k != "$skiptoken" {
                    q.append_pair(k, v);
                }
            }
            q.append_pair("$skiptoken", &URL_SAFE_NO_PAD.encode(format!("offset:{end}")));
        }
        body["nextLink"] = json!(next.to_string());
    }
    body
}

/// One page of a list response, or 400 for a `$skiptoken` the simulator did not issue.
pub(super) fn paged(sim: &Sim, req: &SimRequest, items: Vec<Value>) -> Response {
    match offset(req) {
        Some(offset) => arm_json(
            StatusCode::OK,
            &page(
                &sim.base_url,
                req,
                items,
                offset,
                sim.state.behaviour.arm_page_size,
            ),
            false,
        ),
        None => arm_error(
            StatusCode::BAD_REQUEST,
            "InvalidSkipToken",
            "The provided skip token is not valid.",
        ),
    }
}
