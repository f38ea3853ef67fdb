//! Browser sign-in: OAuth 2.0 authorization code with PKCE (S256), `state` and an OpenID `nonce`,
//! answered on a loopback listener as Entra ID's desktop apps are.

use std::time::Duration;

use oauth2::{AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::entra::{self, Grant};
use super::interactive::{InteractiveRequest, Opener, SignedIn};
use super::AuthError;
use crate::accounts::SignInMethod;

/// How long the person has to finish signing in in the browser.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A browser that connects and never sends a request must not hold a connection open for ever.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Request lines of a loopback redirect are short; anything longer is not the identity platform.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Signs in through the browser `opener` opens, within [`BROWSER_TIMEOUT`].
pub async fn sign_in_browser(
    req: &InteractiveRequest,
    opener: &dyn Opener,
    cancel: &CancellationToken,
) -> Result<SignedIn, AuthError> {
    sign_in_browser_within(req, opener, cancel, BROWSER_TIMEOUT).await
}

/// [`sign_in_browser`] with another time limit.
pub async fn sign_in_browser_within(
    req: &InteractiveRequest,
    opener: &dyn Opener,
    cancel: &CancellationToken,
    timeout: Duration,
) -> Result<SignedIn, AuthError> {
    // Listen on the IPv4 loopback only; `localhost` in the redirect URI is what Entra registers for
    // desktop apps and resolves here.
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| AuthError::Loopback(e.to_string()))?;
    let port = listener
        .local_addr()
        .map_err(|e| AuthError::Loopback(e.to_string()))?
        .port();
    let redirect = RedirectUrl::new(format!("http://localhost:{port}"))
        .map_err(|e| AuthError::Loopback(e.to_string()))?;

    let client = req
        .client()?
        .set_auth_uri(AuthUrl::from_url(req.endpoint("authorize")?))
        .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = CsrfToken::new_random();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(req.scopes().into_iter().map(Scope::new))
        .set_pkce_challenge(challenge)
        .add_extra_param("nonce", nonce.secret())
        // Let people with several accounts pick one rather than reuse the browser's.
        .add_extra_param("prompt", "select_account")
        .url();

    opener.open(&url).map_err(AuthError::Browser)?;

    let code = tokio::select! {
        () = cancel.cancelled() => return Err(AuthError::Cancelled),
        () = tokio::time::sleep(timeout) => {
            return Err(AuthError::TimedOut { seconds: timeout.as_secs() })
        }
        answer = wait_for_redirect(listener, state.secret()) => answer?,
    };

    let token_url = req.endpoint("token")?;
    let response = tokio::select! {
        () = cancel.cancelled() => return Err(AuthError::Cancelled),
        response = client
            .exchange_code(code)
            .set_pkce_verifier(verifier)
            .request_async(req.http.reqwest()) => response,
    };
    let tokens = response
        .map_err(|e| entra::token_error(&token_url, e, Grant::AuthorizationCode))?
        .into();
    req.signed_in(tokens, Some(nonce.secret()), SignInMethod::Browser)
}

/// What one request to the loopback listener turned out to be.
enum Answer {
    /// Not the identity platform's redirect (a favicon, a probe): keep listening.
    Ignored,
    Done(Result<AuthorizationCode, AuthError>),
}

/// Serves the loopback listener until the identity platform's redirect arrives. Each connection
/// is handled on its own task, so a browser's idle pre-connection cannot block the real one.
async fn wait_for_redirect(listener: TcpListener, state: &str) -> Result<AuthorizationCode, AuthError> {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = accepted.map_err(|e| AuthError::Loopback(e.to_string()))?;
                connections.spawn(answer(stream, state.to_string()));
            }
            Some(joined) = connections.join_next() => {
                if let Ok(Answer::Done(result)) = joined {
                    return result;
                }
            }
        }
    }
}

async fn answer(mut stream: TcpStream, state: String) -> Answer {
    let Ok(Some(target)) = tokio::time::timeout(REQUEST_READ_TIMEOUT, read_request_target(&mut stream))
        .await
        .map(Result::ok)
        .map(Option::flatten)
    else {
        return Answer::Ignored;
    };
    let params: Vec<(String, String)> = target
        .split_once('?')
        .map(|(_, query)| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("code").is_none() && get("error").is_none() {
        respond(
            &mut stream,
            "404 Not Found",
            "Not found",
            "This is not a sign-in answer.",
        )
        .await;
        return Answer::Ignored;
    }
    // Only the browser that went through this sign-in knows the state: anything else is refused.
    if get("state") != Some(state.as_str()) {
        respond(
            &mut stream,
            "400 Bad Request",
            "Sign-in failed",
            "This answer belongs to a different sign-in request. Start the sign-in in Rekey again.",
        )
        .await;
        return Answer::Done(Err(AuthError::StateMismatch));
    }
    if let Some(error) = get("error") {
        let rejected = entra::EntraError {
            error: error.to_string(),
            error_description: get("error_description").map(str::to_string),
            error_codes: Vec::new(),
        }
        .into_auth_error(Grant::AuthorizationCode);
        respond(
            &mut stream,
            "200 OK",
            "Sign-in failed",
            "The sign-in did not complete. Return to Rekey to see why.",
        )
        .await;
        return Answer::Done(Err(rejected));
    }
    let code = get("code").unwrap_or_default().to_string();
    respond(
        &mut stream,
        "200 OK",
        "Signed in to Rekey",
        "You can close this tab and return to Rekey.",
    )
    .await;
    Answer::Done(Ok(AuthorizationCode::new(code)))
}

/// The request target of a `GET` (`/?code=…&state=…`), or `None` for anything else.
async fn read_request_target(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_REQUEST_HEAD {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut request_line = text.lines().next().unwrap_or_default().split(' ');
    match (request_line.next(), request_line.next()) {
        (Some("GET"), Some(target)) => Ok(Some(target.to_string())),
        _ => Ok(None),
    }
}

/// A small self-contained page: no scripts, nothing loaded from elsewhere, never cached, and the
/// code in the address is not passed on as a referrer.
async fn respond(stream: &mut TcpStream, status: &str, title: &str, message: &str) {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
<body style=\"font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem\"><h1>{title}</h1><p>{message}</p></body></html>",
        title = escape(title),
        message = escape(message),
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'\r\n\
Connection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser may already be gone; the sign-in's outcome does not depend on this page.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
