//! Azure failures as typed errors, with Azure's own words kept.

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    #[error("could not reach {host}: {detail}. Check the network connection and proxy settings.")]
    Network { host: String, detail: String },
    #[error("the TLS certificate of {host} is not trusted: {detail}")]
    Tls { host: String, detail: String },
    #[error("Azure answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    #[error("Azure sent a {what} Rekey cannot read: {detail}")]
    Malformed { what: String, detail: String },
    #[error("the certificate authority file is not valid PEM: {0}")]
    BadCaCertificate(String),
    #[error("could not set up HTTPS: {0}")]
    Client(String),
}

impl AzureError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> String {
        match self {
            AzureError::Network { .. } => "network".into(),
            AzureError::Tls { .. } => "tls".into(),
            AzureError::Api { code, .. } => code.clone(),
            AzureError::Malformed { .. } => "malformed_response".into(),
            AzureError::BadCaCertificate(_) => "bad_ca_certificate".into(),
            AzureError::Client(_) => "http_client".into(),
        }
    }

    pub(crate) fn from_reqwest(url: &url::Url, e: reqwest::Error) -> AzureError {
        let host = url.host_str().unwrap_or("Azure").to_string();
        // reqwest hides the TLS cause in the source chain.
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        if detail.contains("certificate") || detail.contains("UnknownIssuer") {
            AzureError::Tls { host, detail }
        } else {
            AzureError::Network { host, detail }
        }
    }
}

impl From<&AzureError> for crate::error::IpcError {
    fn from(e: &AzureError) -> Self {
        crate::error::IpcError::new(e.code(), e.to_string())
    }
}

/// ARM's `{"error":{"code","message"}}` envelope (Graph uses the same outer shape).
#[derive(Deserialize)]
pub(crate) struct ArmErrorEnvelope {
    pub error: ArmErrorBody,
}

#[derive(Deserialize)]
pub(crate) struct ArmErrorBody {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// Turns a non-success response body into an [`AzureError::Api`], keeping Azure's code and message.
pub(crate) fn api_error(status: u16, request_id: Option<String>, body: &[u8]) -> AzureError {
    match serde_json::from_slice::<ArmErrorEnvelope>(body) {
        Ok(envelope) => AzureError::Api {
            status,
            code: envelope.error.code,
            message: envelope.error.message,
            request_id,
        },
        Err(_) => AzureError::Api {
            status,
            code: format!("Http{status}"),
            message: String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
            request_id,
        },
    }
}
