//! What a Graph handler returns, and how it becomes either an HTTP response or a `$batch` item,
//! both with the headers Graph sends.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::errors::GraphError;
use super::trace::Trace;
use crate::context::Sim;

pub const CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Graph names the serving scale unit in every response; clients log it for support cases.
const AGS_DIAGNOSTIC: &str = r#"{"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"REKEY-SIM"}}"#;

/// A successful Graph result. No `Debug`: an `addPassword` body holds the new secret.
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub location: Option<String>,
    /// Graph's cost accounting (`x-ms-resource-unit`).
    pub resource_units: u32,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Some(body),
            location: None,
            resource_units: 1,
        }
    }

    pub fn created(body: Value, location: String) -> Self {
        Reply {
            status: StatusCode::CREATED,
            location: Some(location),
            ..Self::ok(body)
        }
    }

    pub fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            resource_units: 1,
        }
    }

    pub fn with_units(self, resource_units: u32) -> Self {
        Reply {
            resource_units,
            ..self
        }
    }
}

pub type Outcome = Result<Reply, GraphError>;

/// A response ready to send: status, headers (in Graph's spelling) and body.
pub struct Finished {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Value>,
}

/// Adds Graph's headers and renders an error into its envelope.
pub fn finish(outcome: Outcome, trace: &Trace, sim: &Sim) -> Finished {
    let (status, body, location, units, challenge) = match outcome {
        Ok(r) => (r.status, r.body, r.location, r.resource_units, false),
        Err(e) => (e.status, Some(e.body(trace)), None, 1, e.challenge),
    };
    let mut headers = vec![
        ("Cache-Control", "no-cache".to_string()),
        ("Content-Type", CONTENT_TYPE.to_string()),
        ("OData-Version", "4.0".to_string()),
        ("request-id", trace.request_id.clone()),
        ("client-request-id", trace.client_request_id.clone()),
        ("x-ms-ags-diagnostic", AGS_DIAGNOSTIC.to_string()),
        ("x-ms-resource-unit", units.to_string()),
    ];
    if let Some(location) = location {
        headers.push(("Location", location));
    }
    if challenge {
        headers.push((
            "WWW-Authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                sim.authority()
            ),
        ));
    }
    Finished {
        status,
        headers,
        body,
    }
}

impl Finished {
    pub fn into_response(self) -> Response {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(n, v);
            }
        }
        headers.insert(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000"),
        );
        let body = self.body.map(|b| b.to_string()).unwrap_or_default();
        (self.status, headers, body).into_response()
    }

    /// One entry of a `$batch` response's `responses` array.
    pub fn into_batch_item(self, id: &str) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .into_iter()
            .map(|(name, value)| (name.to_string(), Value::String(value)))
            .collect();
        let mut item = Map::new();
        item.insert("id".into(), Value::String(id.to_string()));
        item.insert("status".into(), Value::from(self.status.as_u16()));
        item.insert("headers".into(), Value::Object(headers));
        if let Some(body) = self.body {
            item.insert("body".into(), body);
        }
        Value::Object(item)
    }
}
