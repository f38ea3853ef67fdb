//! A request as the handlers see it: method, decoded path segments, query, headers, body.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};

pub struct SimRequest {
    pub method: Method,
    pub path: String,
    /// Percent-decoded path segments, without empty ones.
    pub segments: Vec<String>,
    /// Query parameters; the first value wins, as ARM does.
    pub query: HashMap<String, String>,
    pub raw_query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl SimRequest {
    pub fn new(method: Method, uri: &axum::http::Uri, headers: HeaderMap, body: Bytes) -> Self {
        let path = uri.path().to_string();
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let mut query = HashMap::new();
        if let Some(q) = uri.query() {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                query.entry(k.into_owned()).or_insert_with(|| v.into_owned());
            }
        }
        SimRequest {
            method,
            path,
            segments,
            query,
            raw_query: uri.query().map(str::to_string),
            headers,
            body,
        }
    }

    /// Matches the path against a pattern of literal segments (compared case-insensitively, as ARM does)
    /// and `*` captures. Returns the captured segments in order.
    pub fn route(&self, pattern: &[&str]) -> Option<Vec<&str>> {
        if self.segments.len() != pattern.len() {
            return None;
        }
        let mut captures = Vec::new();
        for (segment, want) in self.segments.iter().zip(pattern) {
            if *want == "*" {
                captures.push(segment.as_str());
            } else if !segment.eq_ignore_ascii_case(want) {
                return None;
            }
        }
        Some(captures)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A property of a JSON body by name; ARM deserializes property names case-insensitively.
pub fn property<'b>(
    object: &'b serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'b serde_json::Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}
