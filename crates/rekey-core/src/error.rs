//! The error shape users see, in the app (over IPC) and in the CLI's JSON output.

use serde::Serialize;
use ts_rs::TS;

/// A failure as shown to a user: a stable machine-readable `code` and a message that says what
/// happened and what to do. Never contains a secret.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        IpcError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}
