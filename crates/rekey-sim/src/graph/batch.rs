//! `POST /$batch`: up to 20 requests, each run through the same Graph routing with the batch's caller,
//! in `dependsOn` order; a request whose dependency failed gets 424.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::Deserialize;
use serde_json::{json, Value};

use super::errors::GraphError;
use super::reply::{finish, Outcome, Reply};
use super::trace::Trace;
use crate::context::Sim;
use crate::request::SimRequest;

pub const MAX_REQUESTS: usize = 20;

/// Characters clients leave unescaped in batch URLs (`$filter=appId eq '…'`) that a URI may not hold.
const URL_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

#[derive(Deserialize)]
struct Batch {
    requests: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default, rename = "dependsOn")]
    depends_on: Vec<String>,
}

impl Item {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Runs a batch; `execute` answers one inner request as the Graph router would, with the batch's
/// caller (passed in, so the router and the batch do not import each other).
pub fn run(sim: &Sim, req: &SimRequest, trace: &Trace, execute: &dyn Fn(&SimRequest) -> Outcome) -> Outcome {
    let batch: Batch = serde_json::from_slice(&req.body)
        .map_err(|_| GraphError::bad_request("Invalid batch payload format."))?;
    let items = batch.requests;
    validate(&items)?;
    let mut statuses: HashMap<&str, StatusCode> = HashMap::new();
    let mut responses = vec![Value::Null; items.len()];
    for index in execution_order(&items)? {
        let item = &items[index];
        let inner_trace = Trace::new(
            sim,
            item.header("client-request-id")
                .or(Some(trace.client_request_id.as_str())),
        );
        let failed = item
            .depends_on
            .iter()
            .find(|d| statuses.get(d.as_str()).is_none_or(|s| !s.is_success()));
        let outcome = match failed {
            Some(dependency) => Err(GraphError::new(
                StatusCode::FAILED_DEPENDENCY,
                "FailedDependency",
                format!("The request depends on request '{dependency}', which failed."),
            )),
            None => inner_request(item).and_then(|r| execute(&r)),
        };
        let finished = finish(outcome, &inner_trace, sim);
        statuses.insert(&item.id, finished.status);
        responses[index] = finished.into_batch_item(&item.id);
    }
    Ok(Reply::ok(json!({ "responses": responses })))
}

/// The rules that make a whole batch a 400.
fn validate(items: &[Item]) -> Result<(), GraphError> {
    if items.is_empty() {
        return Err(GraphError::bad_request("Invalid batch payload format."));
    }
    if items.len() > MAX_REQUESTS {
        return Err(GraphError::bad_request(format!(
            "The number of requests in the batch ({}) exceeds the limit of {MAX_REQUESTS}.",
            items.len()
        )));
    }
    for (i, item) in items.iter().enumerate() {
        if item.id.trim().is_empty() {
            return Err(GraphError::bad_request("Each request in a batch needs an id."));
        }
        if items[..i].iter().any(|other| other.id == item.id) {
            return Err(GraphError::bad_request(format!(
                "Request id '{}' appears more than once in the batch.",
                item.id
            )));
        }
        if let Some(missing) = item
            .depends_on
            .iter()
            .find(|d| !items.iter().any(|o| &o.id == *d))
        {
            return Err(GraphError::bad_request(format!(
                "Request '{}' depends on request '{missing}', which is not in the batch.",
                item.id
            )));
        }
        if item.body.is_some() && item.header("content-type").is_none() {
            return Err(GraphError::bad_request(format!(
                "Request '{}' has a body but no Content-Type header.",
                item.id
            )));
        }
        if method(item).is_none() {
            return Err(GraphError::bad_request(format!(
                "Invalid HTTP method '{}' in request '{}'.",
                item.method, item.id
            )));
        }
    }
    Ok(())
}

fn method(item: &Item) -> Option<Method> {
    let method = Method::from_bytes(item.method.trim().to_ascii_uppercase().as_bytes()).ok()?;
    [
        Method::GET,
        Method::POST,
        Method::PATCH,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(&method)
    .then_some(method)
}

/// Indices in an order where every request runs after the ones it depends on (input order otherwise).
fn execution_order(items: &[Item]) -> Result<Vec<usize>, GraphError> {
    let mut order: Vec<usize> = Vec::with_capacity(items.len());
    while order.len() < items.len() {
        let ready = (0..items.len()).find(|i| {
            !order.contains(i)
                && items[*i]
                    .depends_on
                    .iter()
                    .all(|d| order.iter().any(|done| &items[*done].id == d))
        });
        match ready {
            Some(i) => order.push(i),
            None => {
                return Err(GraphError::bad_request(
                    "The dependsOn references of the batch form a cycle.",
                ))
            }
        }
    }
    Ok(order)
}

/// The request a batch item describes, as if it had come over the wire to `/v1.0{url}`.
fn inner_request(item: &Item) -> Result<SimRequest, GraphError> {
    let url = item.url.trim();
    let invalid_url = || {
        GraphError::bad_request(format!(
            "Invalid request URL '{url}'; use a URL relative to /v1.0."
        ))
    };
    if url.contains("://") {
        return Err(invalid_url());
    }
    let encoded = utf8_percent_encode(url.trim_start_matches('/'), URL_UNSAFE).to_string();
    let uri: Uri = format!("/v1.0/{encoded}").parse().map_err(|_| invalid_url())?;
    let mut headers = HeaderMap::new();
    for (name, value) in &item.headers {
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return Err(GraphError::bad_request(format!("Invalid header '{name}'.")));
        };
        headers.insert(n, v);
    }
    let body = match &item.body {
        Some(body) => Bytes::from(body.to_string()),
        None => Bytes::new(),
    };
    let method = method(item).ok_or_else(GraphError::method_not_allowed)?;
    Ok(SimRequest::new(method, &uri, headers, body))
}
