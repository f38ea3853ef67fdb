//! `/{tenant}/oauth2/v2.0/authorize`: the browser sign-in page (GET) and its form (POST), which
//! ends in a redirect to the app's loopback `redirect_uri` with a single-use code.

use std::net::Ipv4Addr;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use url::{Host, Url};
use uuid::Uuid;

use super::html::{self, escape, hidden};
use super::params::Params;
use super::scope::Scopes;
use super::sign_in::{demo_accounts_note, sign_in};
use super::tenancy::Tenancy;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::state::sign_ins::{code_lifetime, AuthorizationCode, Challenge, ChallengeMethod, UserGrant};

/// Request parameters the sign-in form carries from the GET to its POST.
const CARRIED: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
];

pub fn authorize(sim: &Sim, tenant: &str, req: &SimRequest) -> Response {
    let params = match req.method {
        Method::GET => Params::from_query(req),
        Method::POST => match Params::from_body(&req.body) {
            Some(p) => p,
            None => return error_page(StatusCode::BAD_REQUEST, "The sign-in form could not be read."),
        },
        _ => {
            return error_page(
                StatusCode::METHOD_NOT_ALLOWED,
                "This page only accepts GET and POST.",
            )
        }
    };
    let request = match AuthorizeRequest::parse(sim, tenant, &params) {
        Ok(r) => r,
        Err(Rejection::Page(message)) => return error_page(StatusCode::BAD_REQUEST, &message),
        Err(Rejection::Redirect(reply, error, description)) => return reply.error(error, &description),
    };
    if req.method == Method::GET {
        if params.get("prompt") == Some("none") {
            // There is never a signed-in browser session to use silently.
            return request.reply.error(
                "login_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            );
        }
        let hint = params.get("login_hint").unwrap_or_default();
        return sign_in_page(sim, &request, &params, hint, None);
    }
    if params.get("action") == Some("cancel") {
        return request.reply.error(
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
        );
    }
    let username = params.get("username").unwrap_or_default();
    let password = params.get("password").unwrap_or_default();
    let retry = |message: &str| sign_in_page(sim, &request, &params, username, Some(message));
    if username.trim().is_empty() || password.is_empty() {
        return retry("Enter your account and password.");
    }
    let now = sim.state.now();
    let mut world = sim.state.world();
    let signed_in = sign_in(&world, request.tenancy, username, password)
        .person("That account does not exist in this tenant. Sign in with an account of this organization.");
    let person = match signed_in {
        Ok(person) => person,
        Err(message) => {
            drop(world);
            return retry(message);
        }
    };
    let code = world.identity_flows.issue_code(
        AuthorizationCode {
            grant: UserGrant {
                user_id: person.object_id,
                tenant_id: person.tenant_id,
                client_id: request.client_id,
                scope: request.scope.clone(),
            },
            redirect_uri: request.reply.redirect_uri.clone(),
            challenge: request.challenge.clone(),
            nonce: request.nonce.clone(),
            expires: now + code_lifetime(),
        },
        now,
    );
    drop(world);
    request.reply.send(&[("code", &code)])
}

/// A sign-in request whose parameters have been checked.
struct AuthorizeRequest {
    tenant: String,
    tenancy: Tenancy,
    client_id: Uuid,
    reply: Reply,
    scope: String,
    nonce: Option<String>,
    challenge: Option<Challenge>,
}

/// Why a request is refused: before the redirect URI is trusted only a page can say so; after, the
/// app is told through its redirect URI, as OAuth requires.
enum Rejection {
    Page(String),
    Redirect(Reply, &'static str, String),
}

impl AuthorizeRequest {
    fn parse(sim: &Sim, tenant: &str, params: &Params) -> Result<Self, Rejection> {
        let Some(tenancy) = Tenancy::of(&sim.state.world(), tenant) else {
            return Err(Rejection::Page(format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")));
        };
        let Some(client) = params.value("client_id") else {
            return Err(Rejection::Page(
                "AADSTS900144: The request body must contain the following parameter: 'client_id'.".into(),
            ));
        };
        // Any GUID is a registered public client with loopback redirects (there is no app
        // registration for Rekey's own client in the world).
        let Ok(client_id) = Uuid::parse_str(client) else {
            return Err(Rejection::Page(format!("AADSTS700016: Application with identifier '{client}' was not found in the directory '{tenant}'.")));
        };
        let Some(redirect_uri) = params.value("redirect_uri") else {
            return Err(Rejection::Page(
                "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.".into(),
            ));
        };
        let Some(target) = loopback(redirect_uri) else {
            return Err(Rejection::Page(format!("AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Desktop apps must use http://localhost or http://127.0.0.1.")));
        };
        let state = params.value("state").map(str::to_string);
        let mut reply = Reply {
            redirect_uri: redirect_uri.to_string(),
            target,
            state,
            mode: ResponseMode::Query,
        };
        let refuse =
            |reply: Reply, error, description: String| Err(Rejection::Redirect(reply, error, description));
        reply.mode = match params.value("response_mode") {
            None | Some("query") => ResponseMode::Query,
            Some("fragment") => ResponseMode::Fragment,
            Some("form_post") => ResponseMode::FormPost,
            Some(other) => {
                return refuse(
                    reply,
                    "invalid_request",
                    format!("AADSTS90043: The response_mode '{other}' is not supported."),
                )
            }
        };
        match params.value("response_type") {
            Some("code") => {}
            None => {
                return refuse(
                    reply,
                    "invalid_request",
                    "AADSTS900144: The request body must contain the following parameter: 'response_type'."
                        .into(),
                )
            }
            Some(other) => {
                return refuse(
                    reply,
                    "unsupported_response_type",
                    format!("AADSTS700054: response_type '{other}' is not enabled for the application."),
                )
            }
        }
        let Some(scope) = params.value("scope") else {
            return refuse(
                reply,
                "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'scope'.".into(),
            );
        };
        if let Some(unknown) = Scopes::new(scope)
            .resource_items()
            .map(|s| super::scope::resource_of(s).resource)
            .find(|r| !sim.known_resource(r))
        {
            return refuse(
                reply,
                "invalid_resource",
                format!("AADSTS500011: The resource principal named {unknown} was not found in the tenant named {tenant}."),
            );
        }
        let challenge = match challenge(params) {
            Ok(c) => c,
            Err(description) => return refuse(reply, "invalid_request", description),
        };
        Ok(AuthorizeRequest {
            tenant: tenant.to_string(),
            tenancy,
            client_id,
            reply,
            scope: scope.to_string(),
            nonce: params.value("nonce").map(str::to_string),
            challenge,
        })
    }
}

/// The PKCE challenge: `S256` or `plain` (the default when a challenge comes without a method).
fn challenge(params: &Params) -> Result<Option<Challenge>, String> {
    let method = params.value("code_challenge_method");
    let Some(value) = params.value("code_challenge") else {
        return match method {
            None => Ok(None),
            Some(_) => Err(
                "AADSTS900144: The request body must contain the following parameter: 'code_challenge'."
                    .into(),
            ),
        };
    };
    let method = match method {
        None | Some("plain") => ChallengeMethod::Plain,
        Some("S256") => ChallengeMethod::S256,
        Some(other) => {
            return Err(format!(
                "The code_challenge_method '{other}' is not supported. Use 'S256' or 'plain'."
            ))
        }
    };
    // RFC 7636: 43 to 128 characters.
    if !(43..=128).contains(&value.len()) {
        return Err("AADSTS501491: Invalid size of Code_Challenge parameter.".into());
    }
    Ok(Some(Challenge {
        value: value.to_string(),
        method,
    }))
}

/// A desktop app's redirect URI: plain HTTP to the loopback host, any port and path.
fn loopback(uri: &str) -> Option<Url> {
    let url = Url::parse(uri).ok()?;
    let host_ok = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip == Ipv4Addr::LOCALHOST,
        _ => false,
    };
    let plain = url.username().is_empty() && url.password().is_none() && url.fragment().is_none();
    (url.scheme() == "http" && host_ok && plain).then_some(url)
}

#[derive(Debug, Clone, Copy)]
enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// Where and how the result goes back to the app.
struct Reply {
    /// As the app sent it: the code is bound to this exact text.
    redirect_uri: String,
    target: Url,
    state: Option<String>,
    mode: ResponseMode,
}

impl Reply {
    /// Sends `fields` (and the app's `state`, unchanged) back to the app.
    fn send(&self, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(state) = &self.state {
            all.push(("state", state));
        }
        let mut target = self.target.clone();
        match self.mode {
            ResponseMode::Query => {
                target.query_pairs_mut().extend_pairs(&all);
                html::redirect(target.as_str())
            }
            ResponseMode::Fragment => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&all)
                    .finish();
                target.set_fragment(Some(&encoded));
                html::redirect(target.as_str())
            }
            ResponseMode::FormPost => {
                // Without scripts the person presses the button once; the result is the same POST.
                let fields: String = all.iter().map(|(k, v)| hidden(k, v)).collect();
                html::page(
                    StatusCode::OK,
                    "Return to the application",
                    &format!(
                        "<form method=\"post\" action=\"{}\">{fields}<div class=\"actions\"><button class=\"primary\" type=\"submit\">Continue</button></div></form>",
                        escape(target.as_str())
                    ),
                )
            }
        }
    }

    fn error(&self, error: &str, description: &str) -> Response {
        self.send(&[("error", error), ("error_description", description)])
    }
}

fn error_page(status: StatusCode, message: &str) -> Response {
    html::page(
        status,
        "Sorry, but we're having trouble signing you in",
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p>The application's sign-in request is not valid, so you are not sent back to it.</p>",
            escape(message)
        ),
    )
}

fn sign_in_page(
    sim: &Sim,
    request: &AuthorizeRequest,
    params: &Params,
    username: &str,
    error: Option<&str>,
) -> Response {
    let carried: String = CARRIED
        .iter()
        .filter_map(|name| params.get(name).map(|value| hidden(name, value)))
        .collect();
    let asks: String = Scopes::new(&request.scope)
        .items()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let note = demo_accounts_note(&sim.state.world());
    let body = format!(
        "{error}<p>to continue to the application <code>{client}</code>, which asks for:</p><ul>{asks}</ul>\
<form method=\"post\" action=\"/{tenant}/oauth2/v2.0/authorize\">{carried}\
<label for=\"username\">Email or user name</label>\
<input type=\"email\" id=\"username\" name=\"username\" value=\"{username}\" required autocomplete=\"username\">\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" required autocomplete=\"current-password\">\
<div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"action\" value=\"signin\">Sign in</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button></div>\
</form>{note}",
        client = escape(&request.client_id.to_string()),
        tenant = escape(&request.tenant),
        username = escape(username),
    );
    html::page(StatusCode::OK, "Sign in", &body)
}

#[cfg(test)]
mod tests {
    use super::loopback;

    #[test]
    fn only_plain_http_loopback_redirects_are_trusted() {
        for ok in [
            "http://localhost",
            "http://localhost:51234/",
            "http://127.0.0.1:8400/callback?x=1",
            "http://LOCALHOST:1/",
        ] {
            assert!(loopback(ok).is_some(), "{ok}");
        }
        for bad in [
            "https://evil.example/",
            "http://localhost.evil.example/",
            "http://localhost@evil.example/",
            "http://evil@localhost/",
            "https://localhost/",
            "http://127.0.0.2/",
            "http://localhost/#frag",
            "javascript:alert(1)",
            "localhost:8080",
        ] {
            assert!(loopback(bad).is_none(), "{bad}");
        }
    }
}
