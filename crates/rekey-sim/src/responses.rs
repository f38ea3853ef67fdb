//! Response builders in the shapes Azure uses: ARM `CloudError`, identity-platform token errors,
//! and the headers every ARM response carries.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

/// A JSON response with ARM's standard headers.
pub fn arm_json(status: StatusCode, body: &Value, write: bool) -> Response {
    let mut headers = HeaderMap::new();
    let request_id = Uuid::new_v4().to_string();
    set(&mut headers, "content-type", "application/json; charset=utf-8");
    set(&mut headers, "cache-control", "no-cache");
    set(&mut headers, "pragma", "no-cache");
    set(
        &mut headers,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(&mut headers, "x-ms-request-id", &request_id);
    set(&mut headers, "x-ms-correlation-request-id", &request_id);
    set(
        &mut headers,
        "x-ms-routing-request-id",
        &format!("LOCAL:{}:{request_id}", Utc::now().format("%Y%m%dT%H%M%SZ")),
    );
    if write {
        set(
            &mut headers,
            "x-ms-ratelimit-remaining-subscription-writes",
            "1199",
        );
    } else {
        set(
            &mut headers,
            "x-ms-ratelimit-remaining-subscription-reads",
            "11999",
        );
    }
    (status, headers, body.to_string()).into_response()
}

/// A time as ARM writes it: UTC, fractional seconds, `Z`.
pub fn arm_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// ARM's error envelope: `{"error":{"code","message"}}`.
pub fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    arm_json(
        status,
        &json!({"error": {"code": code, "message": message}}),
        false,
    )
}

/// ARM's 400 for a body it cannot deserialize, in the words of real traffic ("The request content was
/// invalid and could not be deserialized: 'Error reading string. Unexpected token: …'.",
/// microsoft/azure-tools-for-java#1014; Azure/azure-cli#31885).
pub fn invalid_request_content(detail: &str) -> Response {
    arm_error(
        StatusCode::BAD_REQUEST,
        "InvalidRequestContent",
        &format!("The request content was invalid and could not be deserialized: '{detail}'."),
    )
}

/// ARM's 405 for a verb the resource does not serve.
pub fn arm_method_not_allowed(method: &Method) -> Response {
    arm_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("The requested resource does not support http method '{method}'."),
    )
}

/// An ARM 401 with the `WWW-Authenticate` challenge clients use to find the authority:
/// `Bearer authorization_uri="{login}/{tenant}", error="invalid_token", error_description="…"`, the
/// tenant being the subscription's when the path names one (the "find the tenant of a subscription"
/// probe of Azure/azure-sdk-for-go's and go-autorest's `FindTenantID`; azure-core's challenge tests).
pub fn arm_unauthorized(code: &str, message: &str, description: &str, authorization_uri: &str) -> Response {
    let mut response = arm_error(StatusCode::UNAUTHORIZED, code, message);
    let challenge = format!(
        "Bearer authorization_uri=\"{authorization_uri}\", error=\"invalid_token\", error_description=\"{description}\""
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert("www-authenticate", v);
    }
    response
}

/// The identity platform's token error body (`AADSTS` codes with trace and correlation IDs).
pub fn token_error(
    status: StatusCode,
    error: &str,
    aadsts: u32,
    description: &str,
    sim: &crate::context::Sim,
) -> Response {
    let authority = sim.authority();
    let trace_id = Uuid::new_v4();
    let correlation_id = Uuid::new_v4();
    // The simulated clock, as every other time the simulator shows.
    let timestamp = sim.state.now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{aadsts}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [aadsts],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("{}/error?code={aadsts}", authority.trim_end_matches('/')),
    });
    identity_json(status, &body)
}

/// A JSON response with the identity platform's headers (tokens are never cached).
pub fn identity_json(status: StatusCode, body: &Value) -> Response {
    let mut headers = HeaderMap::new();
    set(&mut headers, "content-type", "application/json; charset=utf-8");
    set(&mut headers, "cache-control", "no-store, no-cache");
    set(&mut headers, "pragma", "no-cache");
    set(&mut headers, "x-ms-request-id", &Uuid::new_v4().to_string());
    set(&mut headers, "x-ms-ests-server", "rekey-sim");
    (status, headers, body.to_string()).into_response()
}
