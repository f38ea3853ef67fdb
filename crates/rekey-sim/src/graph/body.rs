//! Request payloads: a JSON object, or Graph's `BadRequest` when it is not one.

use serde_json::{Map, Value};

use super::errors::GraphError;
use crate::request::SimRequest;

/// The body as a JSON object. With `allow_empty`, no body at all reads as `{}` (actions with optional parameters).
pub fn object(req: &SimRequest, allow_empty: bool) -> Result<Map<String, Value>, GraphError> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return if allow_empty {
            Ok(Map::new())
        } else {
            Err(GraphError::bad_request("Empty Payload. JSON content expected."))
        };
    }
    match serde_json::from_slice(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GraphError::unreadable_json()),
    }
}

/// An optional string property; `null` reads as absent, any other non-string is an invalid value.
pub fn optional_string(
    map: &Map<String, Value>,
    property: &str,
    resource: &str,
) -> Result<Option<String>, GraphError> {
    match map.get(property) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::invalid_value(property, resource)),
    }
}
