//! Graph's error envelope, `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`,
//! and the errors the directory returns, with Graph's codes and message texts.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::trace::Trace;

/// A Graph error, rendered into the envelope once the request's trace IDs are known.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// 401s carry a `WWW-Authenticate` challenge.
    pub challenge: bool,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            message: message.into(),
            challenge: false,
        }
    }

    /// 400 from the OData layer (URL and payload syntax).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 400 from the directory (semantics of a valid request).
    pub fn directory_bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    pub fn invalid_token(message: &str) -> Self {
        GraphError {
            challenge: true,
            ..Self::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
        }
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    /// The reports' licence check (Entra ID P1/P2); seen in Graph's answers to `/beta/reports/…`
    /// (microsoftgraph/microsoft-graph-docs issues 11986, 12919, 14118).
    pub fn non_premium_tenant() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        )
    }

    pub fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    pub fn unknown_segment(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }

    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    pub fn unknown_property(property: &str, type_name: &str) -> Self {
        Self::directory_bad_request(format!(
            "Could not find a property named '{property}' on type '{type_name}'."
        ))
    }

    pub fn invalid_value(property: &str, resource: &str) -> Self {
        Self::directory_bad_request(format!(
            "Invalid value specified for property '{property}' of resource '{resource}'."
        ))
    }

    pub fn unreadable_json() -> Self {
        Self::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// The envelope, with the trace IDs of the response it goes out in.
    pub fn body(&self, trace: &Trace) -> Value {
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": trace.date.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": trace.request_id,
                    "client-request-id": trace.client_request_id,
                }
            }
        })
    }
}
