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
        let detail = scrub(&detail);
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
pub(crate) struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// Turns a non-success response body into an [`AzureError::Api`], keeping Azure's code and message
/// (scrubbed: see [`scrub`]). A body that is not Azure's JSON (a proxy's or a firewall's page) is
/// not shown at all: it can hold anything, from an intranet page to the request it refused.
pub(crate) fn api_error(status: u16, request_id: Option<String>, body: &[u8]) -> AzureError {
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(envelope) => AzureError::Api {
            status,
            code: scrub_code(&envelope.error.code),
            message: scrub(&envelope.error.message),
            request_id: request_id.map(|r| scrub(&r)),
        },
        Err(_) => AzureError::Api {
            status,
            code: format!("Http{status}"),
            message: format!("HTTP {status} with a non-JSON body (not shown)"),
            request_id: request_id.map(|r| scrub(&r)),
        },
    }
}

/// The most characters of outside text (Azure's, a proxy's) Rekey journals, audits or shows.
pub const MAX_OUTSIDE_TEXT: usize = 300;

const REDACTED: &str = "[redacted]";

/// Outside text made safe to journal, audit or show: control characters (line breaks, escapes,
/// bidirectional overrides) become spaces, anything shaped like a secret or a token is replaced by
/// `[redacted]`, and the result is at most [`MAX_OUTSIDE_TEXT`] characters. Azure's error messages
/// can echo what the request carried, and a service in between can answer with anything.
///
/// Redacted: JWTs (`eyJ…`), Entra ID client secrets (`xxxNQ~…`), and other long base64-like runs
/// (32 characters or more mixing upper case, lower case and digits, outside of paths such as ARM
/// IDs). GUIDs, ARM IDs, hosts and Azure's codes are kept: they are what makes an error useful.
pub fn scrub(text: &str) -> String {
    let mut clean = String::with_capacity(text.len().min(4 * MAX_OUTSIDE_TEXT));
    let mut run = String::new();
    let mut last_space = true;
    let flush = |run: &mut String, clean: &mut String| {
        if !run.is_empty() {
            clean.push_str(if secret_like(run) { REDACTED } else { run });
            run.clear();
        }
    };
    for ch in text.chars() {
        if token_char(ch) {
            run.push(ch);
            last_space = false;
            continue;
        }
        flush(&mut run, &mut clean);
        if ch.is_whitespace() || invisible(ch) {
            if !last_space {
                clean.push(' ');
                last_space = true;
            }
        } else {
            clean.push(ch);
            last_space = false;
        }
        // Enough to fill the bound, whatever is redacted after.
        if clean.chars().count() > 2 * MAX_OUTSIDE_TEXT {
            break;
        }
    }
    flush(&mut run, &mut clean);
    let clean = clean.trim();
    if clean.chars().count() <= MAX_OUTSIDE_TEXT {
        return clean.to_string();
    }
    let mut bounded: String = clean.chars().take(MAX_OUTSIDE_TEXT - 1).collect();
    bounded.push('…');
    bounded
}

/// An error code from outside: scrubbed, and short (codes are identifiers, not prose).
fn scrub_code(code: &str) -> String {
    let code = scrub(code);
    if code.chars().count() <= 80 {
        return code;
    }
    code.chars().take(79).chain(['…']).collect()
}

/// Characters of base64, base64url, JWTs, Entra secrets and paths: a run of them is one "word".
fn token_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '+' | '/' | '=' | '_' | '-' | '.' | '~')
}

/// Control characters and the invisible ones that reorder or hide text.
fn invisible(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn secret_like(run: &str) -> bool {
    // A JWT's header (`{"` in base64url), or any run carrying one.
    if run.len() >= 16 && run.split('.').any(|part| part.starts_with("eyJ")) {
        return true;
    }
    // Entra ID client secrets: 40 characters, the fourth a digit, then `Q~`.
    if run.len() >= 34 && run.contains('~') {
        return true;
    }
    let slashes = run.matches('/').count();
    run.len() >= 32
        && slashes < 3
        && run.bytes().any(|b| b.is_ascii_uppercase())
        && run.bytes().any(|b| b.is_ascii_lowercase())
        && run.bytes().any(|b| b.is_ascii_digit())
        // Dotted names and `Microsoft.Provider/type/action` have no long unbroken stretch.
        && run
            .split(['.', '/', '-'])
            .any(|part| part.len() >= 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_page_is_not_shown() {
        let page =
            b"<html><body><h1>502 Bad Gateway</h1>internal page: top secret intranet content</body></html>";
        let error = api_error(502, None, page);
        let text = error.to_string();
        assert!(
            text.contains("HTTP 502 with a non-JSON body (not shown)"),
            "{text}"
        );
        assert!(!text.contains("intranet") && !text.contains('<'), "{text}");
        assert_eq!(error.code(), "Http502");
    }

    #[test]
    fn an_azure_message_echoing_a_secret_or_a_token_is_redacted() {
        let secret = "Ab1Q~x7.Yz-09_aBcDeFgHiJkLmNoPqRsTuVwXyZ012";
        let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let old_style = "kJ8sJd9QwErTy12UiOpAsDfGhJkLzXcVbNm34=";
        let body = serde_json::json!({"error": {
            "code": "BadRequest",
            "message": format!("The value '{secret}' is invalid.\r\nBearer {jwt}\u{1b}[31m, key {old_style}")
        }});
        let error = api_error(400, Some("req-1".into()), body.to_string().as_bytes());
        let text = error.to_string();
        for leak in [secret, jwt, old_style, "eyJ", "Q~", "\r", "\n", "\u{1b}"] {
            assert!(!text.contains(leak), "{leak:?} in {text}");
        }
        assert!(
            text.contains("The value '[redacted]' is invalid. Bearer [redacted]"),
            "{text}"
        );
        assert_eq!(error.code(), "BadRequest");
    }

    #[test]
    fn what_makes_an_error_useful_is_kept() {
        let message = "Client 'a@contoso.com' cannot perform \
            'Microsoft.ContainerService/managedClusters/resetServicePrincipalProfile/action' on \
            '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-Prod01/providers/Microsoft.ContainerService/managedClusters/aks-Prod01'.";
        assert_eq!(
            scrub(message),
            message.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        assert_eq!(
            scrub("AADSTS7000215: Invalid client secret provided."),
            "AADSTS7000215: Invalid client secret provided."
        );
    }

    #[test]
    fn outside_text_is_bounded() {
        let long = "word ".repeat(500);
        let scrubbed = scrub(&long);
        assert_eq!(scrubbed.chars().count(), MAX_OUTSIDE_TEXT);
        assert!(scrubbed.ends_with('…'));
        // Scrubbing again changes nothing: sinks may scrub what was scrubbed at the source.
        assert_eq!(scrub(&scrubbed), scrubbed);
        assert_eq!(scrub_code(&"X".repeat(200)).chars().count(), 80);
    }
}
