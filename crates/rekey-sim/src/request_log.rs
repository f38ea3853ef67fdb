//! The request log the control API shows: what was asked and answered, with secrets redacted.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

const CAPACITY: usize = 5_000;

/// Query parameters whose values may be secrets or grant access.
const SENSITIVE: &[&str] = &[
    "code",
    "client_secret",
    "refresh_token",
    "access_token",
    "password",
    "device_code",
    "code_verifier",
    "assertion",
    "client_assertion",
];

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    pub time: chrono::DateTime<chrono::Utc>,
    pub method: String,
    pub path: String,
    /// The query string with sensitive values replaced by `***`. Bodies are never logged.
    pub query: Option<String>,
    pub status: u16,
    pub duration_ms: u64,
    /// Fault rules that affected the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<u64>,
    /// The Key Vault whose own host the request came to (its paths alone do not say which).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<(u64, VecDeque<LoggedRequest>)>,
}

impl RequestLog {
    pub fn push(&self, mut entry: LoggedRequest) {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard.0 += 1;
        entry.seq = guard.0;
        if guard.1.len() == CAPACITY {
            guard.1.pop_front();
        }
        guard.1.push_back(entry);
    }

    /// The most recent `limit` entries, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<LoggedRequest> {
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let skip = guard.1.len().saturating_sub(limit);
        guard.1.iter().skip(skip).cloned().collect()
    }
}

/// The query string with the values of sensitive parameters masked.
pub fn redact_query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let value = if SENSITIVE.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                "***".into()
            } else {
                v.into_owned()
            };
            format!("{k}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn sensitive_values_are_masked() {
        assert_eq!(
            super::redact_query("code=abc&state=xyz&Client_Secret=s3cr3t"),
            "code=***&state=xyz&Client_Secret=***"
        );
    }
}
