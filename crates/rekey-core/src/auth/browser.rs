//! Browser sign-in: OAuth 2.0 authorization code with PKCE (S256), `state` and an OpenID `nonce`,
//! answered on a loopback listener as Entra ID's desktop apps are.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use oauth2::{AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::entra::{self, Grant};
use super::interactive::{InteractiveRequest, Opener, SignedIn};
use super::AuthError;
use crate::auth::account::SignInMethod;

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
    let (listeners, port) = listen_on_loopback().await?;
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
        answer = wait_for_redirect(listeners, state.secret()) => answer?,
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

/// How many ports to try for one free on both loopbacks before giving up.
const PORT_ATTEMPTS: usize = 8;

/// Listens on one port of both loopbacks, 127.0.0.1 and [::1]: the redirect URI says `localhost`
/// (what Entra registers for desktop apps), and a browser may try either address first. Were only
/// one of them ours, whoever holds the same port on the other could answer the browser (hang the
/// sign-in, show a page of its own). Where the machine has no IPv6 loopback, `localhost` cannot
/// reach [::1] either, so 127.0.0.1 alone is enough.
async fn listen_on_loopback() -> Result<(Vec<TcpListener>, u16), AuthError> {
    let loopback = |e: std::io::Error| AuthError::Loopback(e.to_string());
    let mut last_error = None;
    for _ in 0..PORT_ATTEMPTS {
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(loopback)?;
        let port = v4.local_addr().map_err(loopback)?.port();
        match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
            Ok(v6) => return Ok((vec![v4, v6], port)),
            Err(e) if no_ipv6_loopback(&e) => {
                tracing::debug!("no IPv6 loopback ({e}); listening on 127.0.0.1 only");
                return Ok((vec![v4], port));
            }
            // Taken on [::1] (by chance, or by someone waiting for it): another port.
            Err(e) => last_error = Some(e),
        }
    }
    Err(AuthError::Loopback(format!(
        "no port was free on both 127.0.0.1 and [::1] after {PORT_ATTEMPTS} tries ({})",
        last_error.map(|e| e.to_string()).unwrap_or_default()
    )))
}

/// Whether binding [::1] failed because the machine has no IPv6 loopback (IPv6 disabled or absent),
/// rather than because the port is taken.
fn no_ipv6_loopback(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    if matches!(error.kind(), ErrorKind::AddrNotAvailable | ErrorKind::Unsupported) {
        return true;
    }
    // EAFNOSUPPORT (WSAEAFNOSUPPORT on Windows): no IPv6 at all.
    #[cfg(unix)]
    let no_family = libc::EAFNOSUPPORT;
    #[cfg(windows)]
    let no_family = 10047;
    #[cfg(not(any(unix, windows)))]
    let no_family = -1;
    error.raw_os_error() == Some(no_family)
}

/// What one request to the loopback listener turned out to be.
enum Answer {
    /// Not the identity platform's redirect (a favicon, a probe): keep listening.
    Ignored,
    Done(Result<AuthorizationCode, AuthError>),
}

/// Serves the loopback listener until the identity platform's redirect arrives. Each connection
/// is handled on its own task, so a browser's idle pre-connection cannot block the real one.
async fn wait_for_redirect(listeners: Vec<TcpListener>, state: &str) -> Result<AuthorizationCode, AuthError> {
    // Every listener hands its connections to one queue, so that both loopbacks are served alike.
    let (accepted_tx, mut accepted_rx) = tokio::sync::mpsc::channel(16);
    let mut acceptors = JoinSet::new();
    for listener in listeners {
        let accepted_tx = accepted_tx.clone();
        acceptors.spawn(async move {
            loop {
                let accepted = listener.accept().await.map(|(stream, _)| stream);
                let failed = accepted.is_err();
                if accepted_tx.send(accepted).await.is_err() || failed {
                    return;
                }
            }
        });
    }
    drop(accepted_tx);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = accepted_rx.recv() => {
                let stream = accepted
                    .ok_or_else(|| AuthError::Loopback("the listener stopped".into()))?
                    .map_err(|e| AuthError::Loopback(e.to_string()))?;
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
    // Only the browser that went through this sign-in knows the state. An answer without it is
    // refused and ignored: any local process or web page can send one, and it must not be able to
    // end (or decide) the sign-in; the real redirect may still come.
    if get("state") != Some(state.as_str()) {
        respond(
            &mut stream,
            "400 Bad Request",
            "Not this sign-in",
            "This answer belongs to a different sign-in request, so Rekey ignored it. If you are \
             signing in to Rekey, finish in the tab Rekey opened.",
        )
        .await;
        tracing::warn!("the loopback listener ignored an answer with a wrong or missing state");
        return Answer::Ignored;
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
