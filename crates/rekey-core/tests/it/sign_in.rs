//! Every way of signing in, against the simulator's identity platform over real HTTPS: the browser
//! (with an HTTP client filling in the sign-in page), device code, service principal secrets, refresh
//! token rotation, and the Azure CLI (a stand-in `az`).

use crate::common;

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rekey_core::accounts::SignInMethod;
use rekey_core::auth::browser::sign_in_browser_within;
use rekey_core::auth::token_cache::TokenCache;
use rekey_core::auth::{
    explain, start_device_code, AuthError, AzureCliCredential, ClientSecretCredential, Credential,
    InteractiveRequest, Opener, SecretSource, SignedIn, UserCredential,
};
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::session::{Session, SessionMode};
use rekey_sim::{Behaviour, RunningSim, SimConfig};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;
use url::Url;

const ADMIN: &str = "admin@contoso-demo.onmicrosoft.com";
const READER: &str = "reader@contoso-demo.onmicrosoft.com";
const PASSWORD: &str = "demo";

async fn simulator() -> RunningSim {
    let config = SimConfig {
        behaviour: Behaviour {
            // Poll device codes every second, not every five.
            device_code_interval_secs: 1,
            ..Behaviour::default()
        },
        ..SimConfig::default()
    };
    rekey_sim::start_demo(config).await.expect("simulator starts")
}

/// The simulator as a custom cloud, trusted through its CA file: the way a user would set it up.
fn custom_cloud(sim: &RunningSim) -> CloudSetting {
    CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    }
}

async fn request(sim: &RunningSim) -> InteractiveRequest {
    InteractiveRequest::resolve(custom_cloud(sim))
        .await
        .expect("the simulator's metadata resolves")
}

/// An HTTPS client trusting the simulator, for what a browser or a person would do.
fn browser_client(sim: &RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).expect("CA"))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn control(sim: &RunningSim, method: reqwest::Method, path: &str, body: Value) -> Value {
    let response = browser_client(sim)
        .request(method, format!("{}_sim/{path}", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&body)
        .send()
        .await
        .expect("control API answers");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// How many tokens the token endpoint has issued so far (from the simulator's request log).
async fn token_requests(sim: &RunningSim) -> usize {
    let log = control(sim, reqwest::Method::GET, "requests?limit=10000", Value::Null).await;
    log["requests"].as_array().map_or(0, |requests| {
        requests
            .iter()
            .filter(|r| {
                r["method"] == "POST"
                    && r["status"] == 200
                    && r["path"]
                        .as_str()
                        .is_some_and(|p| p.ends_with("/oauth2/v2.0/token"))
            })
            .count()
    })
}

async fn advance_clock(sim: &RunningSim, seconds: i64) {
    control(
        sim,
        reqwest::Method::POST,
        "clock",
        json!({"advance_seconds": seconds}),
    )
    .await;
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rekey-sign-in-")
        .tempdir()
        .expect("temp dir")
}

/// A memory-only token cache (no keyring): enough to see what the credential saves.
async fn memory_cache() -> TokenCache {
    TokenCache::open(&AppPaths::at(temp_dir().path()), None).await
}

// ---------------------------------------------------------------------------------------------
// Browser

/// What the stand-in browser does with the sign-in page.
#[derive(Clone, Copy, PartialEq)]
enum Browser {
    /// Signs in as the given user.
    SignIn(&'static str),
    /// Presses the page's Cancel button.
    PressCancel,
    /// First answers the listener with a swapped `state` (an answer to another sign-in) and with
    /// none, checks that both get an error page, then signs in for real.
    ForgeState,
    /// Signs in, sending the redirect to [::1] only (a browser that tries IPv6 first).
    SignInOverIpv6,
    /// Signs in, but on a request whose `nonce` was swapped (a replayed ID token).
    ForgeNonce,
    /// Never loads the page.
    Idle,
}

/// An [`Opener`] that is an HTTP client: loads the sign-in page, posts its form, and follows the
/// redirect to the loopback listener, as a browser would.
struct FormFiller {
    http: reqwest::Client,
    browser: Browser,
}

impl Opener for FormFiller {
    fn open(&self, url: &Url) -> Result<(), String> {
        if self.browser == Browser::Idle {
            return Ok(());
        }
        let original = url.clone();
        let mut url = url.clone();
        let swap = match self.browser {
            Browser::ForgeState => Some("state"),
            Browser::ForgeNonce => Some("nonce"),
            _ => None,
        };
        if let Some(name) = swap {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == name {
                        "forged".to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        let (http, browser) = (self.http.clone(), self.browser);
        let real = swap.map(|_| original);
        tokio::spawn(async move {
            let result = match (browser, real) {
                (Browser::ForgeState, Some(real)) => forge_state_then_sign_in(&http, url, real).await,
                _ => fill_in(&http, url, browser).await,
            };
            if let Err(e) = result {
                eprintln!("stand-in browser: {e}");
            }
        });
        Ok(())
    }
}

async fn fill_in(http: &reqwest::Client, url: Url, browser: Browser) -> Result<(), String> {
    let user = match browser {
        Browser::SignIn(user) => user,
        _ => ADMIN,
    };
    let action = if browser == Browser::PressCancel {
        "cancel"
    } else {
        "signin"
    };
    let loopback = if browser == Browser::SignInOverIpv6 {
        reqwest::Client::builder()
            .resolve("localhost", (std::net::Ipv6Addr::LOCALHOST, 0).into())
            .build()
            .map_err(|e| e.to_string())?
    } else {
        reqwest::Client::new()
    };
    let text = common::fill_in_sign_in_page_via(http, &loopback, url, user, PASSWORD, action).await?;
    let expect_signed_in = matches!(browser, Browser::SignIn(ADMIN) | Browser::SignInOverIpv6);
    if expect_signed_in && !text.contains("You can close this tab") {
        return Err(format!("unexpected loopback page: {text}"));
    }
    Ok(())
}

/// Sends the listener an answer to another sign-in (`forged` is the authorize URL with another
/// state) and one with no state at all; both must get an error page and leave the listener
/// waiting. Then signs in on the `real` URL.
async fn forge_state_then_sign_in(http: &reqwest::Client, forged: Url, real: Url) -> Result<(), String> {
    let page = common::fill_in_sign_in_page(http, forged, ADMIN, PASSWORD, "signin").await?;
    if !page.contains("different sign-in request") {
        return Err(format!("no error page for a forged state: {page}"));
    }
    let redirect = real
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .ok_or("no redirect_uri")?;
    let no_state = reqwest::Client::new()
        .get(format!("{redirect}/?code=stolen"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if no_state.status() != reqwest::StatusCode::BAD_REQUEST {
        return Err(format!("an answer without state got {}", no_state.status()));
    }
    fill_in(http, real, Browser::SignIn(ADMIN)).await
}

async fn browser_sign_in(sim: &RunningSim, browser: Browser) -> Result<SignedIn, AuthError> {
    let req = request(sim).await;
    let opener = FormFiller {
        http: browser_client(sim),
        browser,
    };
    sign_in_browser_within(&req, &opener, &CancellationToken::new(), Duration::from_secs(60)).await
}

#[tokio::test]
async fn browser_sign_in_with_pkce_gives_an_account_and_working_tokens() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let signed_in = browser_sign_in(&sim, Browser::SignIn(ADMIN))
        .await
        .expect("signed in");

    let account = &signed_in.account;
    assert_eq!(account.username, ADMIN);
    assert_eq!(account.tenant_id, sim.tenant_id().to_string());
    assert_eq!(account.method, SignInMethod::Browser);
    assert_eq!(account.client_id, rekey_core::auth::client_id());
    assert_eq!(account.cloud, custom_cloud(&sim));
    assert!(
        account.id.ends_with(&format!(".{}", sim.tenant_id())),
        "{}",
        account.id
    );
    assert!(!signed_in.refresh_token.expose_secret().is_empty());

    // The tokens work: the credential starts from them and lists the admin's subscriptions.
    let cache = memory_cache().await;
    let credential = UserCredential::from_sign_in(&req, &signed_in, cache.clone())
        .await
        .expect("credential");
    assert_eq!(
        cache.get(&account.id).map(|t| t.expose_secret().to_string()),
        Some(signed_in.refresh_token.expose_secret().to_string())
    );
    let session = Session::new(
        SessionMode::Azure,
        account.username.clone(),
        req.http.clone(),
        req.cloud.clone(),
        Credential::User(credential),
    );
    let subscriptions = session.arm.list_subscriptions().await.expect("subscriptions");
    assert_eq!(subscriptions.len(), 3);
}

#[tokio::test]
async fn browser_sign_in_ignores_answers_with_another_or_no_state_and_waits_for_the_real_one() {
    let sim = simulator().await;
    let signed_in = browser_sign_in(&sim, Browser::ForgeState)
        .await
        .expect("the forged answers did not end the sign-in");
    assert_eq!(signed_in.account.username, ADMIN);
}

#[tokio::test]
async fn browser_sign_in_answers_on_the_ipv6_loopback_too() {
    if std::net::TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, 0)).is_err() {
        eprintln!("SKIPPED browser_sign_in_answers_on_the_ipv6_loopback_too: this machine has no [::1]");
        return;
    }
    let sim = simulator().await;
    let signed_in = browser_sign_in(&sim, Browser::SignInOverIpv6)
        .await
        .expect("signed in over [::1]");
    assert_eq!(signed_in.account.username, ADMIN);
}

#[tokio::test]
async fn browser_sign_in_refuses_an_id_token_with_another_nonce() {
    let sim = simulator().await;
    let result = browser_sign_in(&sim, Browser::ForgeNonce).await;
    assert!(
        matches!(result, Err(AuthError::IdTokenMismatch(ref why)) if why.contains("nonce")),
        "{result:?}"
    );
}

#[tokio::test]
async fn cancel_on_the_sign_in_page_is_reported_as_cancelled() {
    let sim = simulator().await;
    let error = browser_sign_in(&sim, Browser::PressCancel)
        .await
        .expect_err("cancelled");
    assert!(
        matches!(error, AuthError::Rejected { ref error, aadsts: 65004, .. } if error == "access_denied"),
        "{error:?}"
    );
    assert!(explain(&error).message.contains("cancelled in the browser"));
}

#[tokio::test]
async fn browser_sign_in_stops_when_cancelled_and_after_its_timeout() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let idle = FormFiller {
        http: browser_client(&sim),
        browser: Browser::Idle,
    };

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let result = sign_in_browser_within(&req, &idle, &cancel, Duration::from_secs(60)).await;
    assert!(matches!(result, Err(AuthError::Cancelled)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let result = sign_in_browser_within(&req, &idle, &CancellationToken::new(), Duration::from_secs(1)).await;
    assert!(
        matches!(result, Err(AuthError::TimedOut { seconds: 1 })),
        "{result:?}"
    );
    assert_eq!(explain(&result.expect_err("timed out")).code, "timeout");
}

#[tokio::test]
async fn an_opener_that_fails_points_to_the_device_code() {
    struct NoBrowser;
    impl Opener for NoBrowser {
        fn open(&self, _: &Url) -> Result<(), String> {
            Err("no display".into())
        }
    }
    let sim = simulator().await;
    let req = request(&sim).await;
    let result = sign_in_browser_within(
        &req,
        &NoBrowser,
        &CancellationToken::new(),
        Duration::from_secs(5),
    )
    .await;
    let error = result.expect_err("no browser");
    assert!(matches!(error, AuthError::Browser(ref why) if why == "no display"));
    assert!(explain(&error).message.contains("device code"));
}

// ---------------------------------------------------------------------------------------------
// Device code

/// Approves (or declines) a device code on `/devicelogin`, as the person on the other device.
async fn device_login(sim: &RunningSim, user_code: &str, user: &str, action: &str) {
    let response = browser_client(sim)
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", user_code),
            ("username", user),
            ("password", PASSWORD),
            ("action", action),
        ])
        .send()
        .await
        .expect("devicelogin answers");
    assert!(response.status().is_success());
}

async fn device_sign_in(sim: &RunningSim, user: &str) -> (InteractiveRequest, SignedIn) {
    let req = request(sim).await;
    let flow = start_device_code(&req).await.expect("device code");
    device_login(sim, &flow.prompt().user_code, user, "approve").await;
    let signed_in = flow.wait(&CancellationToken::new()).await.expect("approved");
    (req, signed_in)
}

#[tokio::test]
async fn device_code_approved_on_another_device_signs_in() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let flow = start_device_code(&req).await.expect("device code");
    let prompt = flow.prompt();
    assert_eq!(prompt.verification_uri, format!("{}devicelogin", sim.base_url));
    assert!(prompt.message.contains(&prompt.user_code));
    let lifetime = prompt.expires_at - Utc::now();
    assert!(lifetime > chrono::Duration::minutes(14) && lifetime <= chrono::Duration::minutes(15));

    device_login(&sim, &prompt.user_code, READER, "approve").await;
    let signed_in = flow.wait(&CancellationToken::new()).await.expect("approved");
    assert_eq!(signed_in.account.username, READER);
    assert_eq!(signed_in.account.method, SignInMethod::DeviceCode);
    assert_eq!(signed_in.account.tenant_id, sim.tenant_id().to_string());
}

#[tokio::test]
async fn device_code_declined_is_its_own_error() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let flow = start_device_code(&req).await.expect("device code");
    device_login(&sim, &flow.prompt().user_code, READER, "decline").await;
    let result = flow.wait(&CancellationToken::new()).await;
    assert!(matches!(result, Err(AuthError::DeviceCodeDeclined)), "{result:?}");
}

#[tokio::test]
async fn device_code_expires_when_nobody_approves_it() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let flow = start_device_code(&req).await.expect("device code");
    advance_clock(&sim, 16 * 60).await;
    let result = flow.wait(&CancellationToken::new()).await;
    assert!(matches!(result, Err(AuthError::DeviceCodeExpired)), "{result:?}");
}

#[tokio::test]
async fn device_code_wait_stops_when_cancelled() {
    let sim = simulator().await;
    let req = request(&sim).await;
    let flow = start_device_code(&req).await.expect("device code");
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        trigger.cancel();
    });
    let result = flow.wait(&cancel).await;
    assert!(matches!(result, Err(AuthError::Cancelled)), "{result:?}");
}

// ---------------------------------------------------------------------------------------------
// Service principal

async fn secret_credential(sim: &RunningSim, secret: SecretString) -> (Session, InteractiveRequest) {
    let req = request(sim).await;
    let credential = ClientSecretCredential::new(
        req.http.clone(),
        &req.cloud.login_endpoint,
        &sim.tenant_id().to_string(),
        &sim.demo_admin.client_id.to_string(),
        secret,
    )
    .expect("credential");
    let session = Session::new(
        SessionMode::Azure,
        "sp".into(),
        req.http.clone(),
        req.cloud.clone(),
        Credential::ClientSecret(credential),
    );
    (session, req)
}

fn auth_error(e: rekey_core::azure::CallError) -> AuthError {
    match e {
        rekey_core::azure::CallError::Auth(e) => e,
        other => panic!("expected a sign-in error, got {other:?}"),
    }
}

#[tokio::test]
async fn service_principal_secret_right_wrong_and_expired() {
    let sim = simulator().await;
    // The right secret, read from a file as the CLI would.
    let dir = temp_dir();
    let file = dir.path().join("secret.txt");
    std::fs::write(
        &file,
        format!("{}\n", sim.demo_admin.client_secret.expose_secret()),
    )
    .expect("write");
    let secret = SecretSource::File(file).read().await.expect("secret file");
    let (session, req) = secret_credential(&sim, secret).await;
    let tenants = session
        .arm
        .list_tenants()
        .await
        .expect("signed in with the right secret");
    assert!(!tenants.is_empty());

    let (wrong, _) = secret_credential(&sim, SecretString::from("not-the-secret")).await;
    let error = auth_error(wrong.arm.list_tenants().await.expect_err("wrong secret"));
    assert!(
        matches!(error, AuthError::InvalidClient { aadsts: 7000215, .. }),
        "{error:?}"
    );
    assert!(explain(&error).message.contains("secret is wrong"));

    // A year and a day later the demo admin's secret has expired.
    advance_clock(&sim, 366 * 86_400).await;
    let (expired, _) = secret_credential(
        &sim,
        SecretString::from(sim.demo_admin.client_secret.expose_secret()),
    )
    .await;
    let error = auth_error(expired.arm.list_tenants().await.expect_err("expired secret"));
    assert!(
        matches!(error, AuthError::InvalidClient { aadsts: 7000222, .. }),
        "{error:?}"
    );
    assert!(explain(&error).message.contains("expired"));
    drop(req);
}

// ---------------------------------------------------------------------------------------------
// Refresh tokens

/// A clock the test moves forward.
fn movable_clock() -> (Arc<AtomicI64>, rekey_core::auth::user::Clock) {
    let offset = Arc::new(AtomicI64::new(0));
    let read = offset.clone();
    let clock: rekey_core::auth::user::Clock =
        Arc::new(move || Utc::now() + chrono::Duration::seconds(read.load(Ordering::SeqCst)));
    (offset, clock)
}

#[tokio::test]
async fn near_expiry_the_credential_refreshes_and_saves_the_rotated_refresh_token() {
    let sim = simulator().await;
    let (req, signed_in) = device_sign_in(&sim, ADMIN).await;
    let cache = memory_cache().await;
    let (offset, clock) = movable_clock();
    let credential = UserCredential::from_sign_in(&req, &signed_in, cache.clone())
        .await
        .expect("credential")
        .with_clock(clock);
    let scope = req.cloud.arm_scope();
    let id = &signed_in.account.id;
    let first = signed_in.refresh_token.expose_secret().to_string();

    // Fresh: the token of the sign-in, without asking the token endpoint.
    let redeemed = token_requests(&sim).await;
    let token = credential.token(&scope).await.expect("cached token");
    assert_eq!(
        token.token.expose_secret(),
        signed_in.access_token.token.expose_secret()
    );
    offset.store(54 * 60, Ordering::SeqCst);
    credential.token(&scope).await.expect("still fresh");
    assert_eq!(token_requests(&sim).await, redeemed);
    assert_eq!(
        cache.get(id).map(|t| t.expose_secret().to_string()),
        Some(first.clone())
    );

    // 56 minutes later the hour-long token is within five minutes of expiry: refreshed and rotated.
    offset.store(56 * 60, Ordering::SeqCst);
    credential.token(&scope).await.expect("refreshed");
    assert_eq!(token_requests(&sim).await, redeemed + 1);
    let second = cache
        .get(id)
        .map(|t| t.expose_secret().to_string())
        .expect("saved");
    assert_ne!(second, first, "the rotated refresh token is saved");

    // The first refresh token was spent by the rotation.
    let stale = UserCredential::new(
        req.http.clone(),
        &req.cloud,
        &signed_in.account,
        SecretString::from(first),
        memory_cache().await,
    )
    .expect("credential");
    let error = stale.token(&scope).await.expect_err("spent refresh token");
    assert!(
        matches!(error, AuthError::InteractionRequired { .. }),
        "{error:?}"
    );

    // The saved one works, after an API refused the cached token.
    credential.invalidate().await;
    let before = token_requests(&sim).await;
    credential
        .token(&scope)
        .await
        .expect("the saved refresh token works");
    assert_eq!(token_requests(&sim).await, before + 1);
    assert_ne!(cache.get(id).map(|t| t.expose_secret().to_string()), Some(second));
}

#[tokio::test]
async fn interaction_required_and_expired_refresh_tokens_ask_for_a_new_sign_in() {
    let sim = simulator().await;
    let (req, signed_in) = device_sign_in(&sim, ADMIN).await;
    let credential = UserCredential::from_sign_in(&req, &signed_in, memory_cache().await)
        .await
        .expect("credential");
    let scope = req.cloud.arm_scope();

    // A conditional-access policy now wants MFA.
    control(
        &sim,
        reqwest::Method::POST,
        "faults",
        json!({"method": "POST", "path": "*/oauth2/v2.0/token", "times": 1, "action": {
            "type": "respond", "status": 400, "body": {
                "error": "interaction_required",
                "error_description": "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.\r\nTrace ID: x",
                "error_codes": [50076]
            }}}),
    )
    .await;
    credential.invalidate().await;
    let error = credential.token(&scope).await.expect_err("MFA needed");
    assert!(
        matches!(error, AuthError::InteractionRequired { aadsts: 50076, .. }),
        "{error:?}"
    );
    assert!(explain(&error).message.contains("multi-factor"));

    // Unused for 91 days, the refresh token has expired.
    advance_clock(&sim, 91 * 86_400).await;
    let error = credential.token(&scope).await.expect_err("expired refresh token");
    assert!(
        matches!(error, AuthError::InteractionRequired { aadsts: 700082, .. }),
        "{error:?}"
    );
    assert!(explain(&error).message.contains("Sign in again"));
}

// ---------------------------------------------------------------------------------------------
// Azure CLI

/// A directory holding a stand-in `az` that logs its arguments and prints `stdout` (or fails with
/// `stderr`), like `az account get-access-token --output json`.
fn stand_in_az(stdout: &str, stderr: Option<&str>) -> tempfile::TempDir {
    let dir = temp_dir();
    let log = dir.path().join("calls");
    let body = match stderr {
        None => format!("printf '%s\\n' {}\n", sh_quote(stdout)),
        Some(err) => format!("printf '%s\\n' {} >&2\nexit 1\n", sh_quote(err)),
    };
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> {}\n{body}",
        sh_quote(&log.display().to_string())
    );
    let az = dir.path().join("az");
    std::fs::write(&az, script).expect("write az");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

/// `text` as one single-quoted shell word.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `PATH` with `dir` first, then the system's directories (the stand-in needs none of them).
fn path_with(dir: &Path) -> OsString {
    std::env::join_paths([dir, Path::new("/usr/bin"), Path::new("/bin")]).expect("PATH")
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_token_comes_from_az_and_is_cached() {
    let sim = simulator().await;
    let req = request(&sim).await;
    // The token a real `az` would print for the signed-in admin.
    let minted = control(
        &sim,
        reqwest::Method::POST,
        "token",
        json!({"principal": ADMIN, "audience": "arm"}),
    )
    .await;
    let access_token = minted["access_token"].as_str().expect("minted token");
    let expires_on = Utc::now().timestamp() + 3600;
    let tenant = sim.tenant_id().to_string();
    let output = json!({
        "accessToken": access_token,
        "expiresOn": "2030-01-01 00:00:00.000000",
        "expires_on": expires_on,
        "subscription": "00000000-0000-0000-0000-000000000000",
        "tenant": tenant,
        "tokenType": "Bearer"
    });
    let dir = stand_in_az(&output.to_string(), None);

    let credential = AzureCliCredential::with_path(Some(&tenant), path_with(dir.path())).expect("credential");
    let session = Session::new(
        SessionMode::Azure,
        "az".into(),
        req.http.clone(),
        req.cloud.clone(),
        Credential::AzureCli(credential),
    );
    let subscriptions = session
        .arm
        .list_subscriptions()
        .await
        .expect("subscriptions with az's token");
    assert_eq!(subscriptions.len(), 3);
    session.arm.list_tenants().await.expect("second call");

    let calls = std::fs::read_to_string(dir.path().join("calls")).expect("az was called");
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        [format!(
            "account get-access-token -o json --scope {} --tenant {tenant}",
            req.cloud.arm_scope()
        )],
        "az is called once, then its token is cached"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_missing_or_signed_out_says_what_to_do() {
    let empty = temp_dir();
    let credential =
        AzureCliCredential::with_path(None, empty.path().as_os_str().to_owned()).expect("credential");
    let error = credential
        .token("https://management.core.windows.net/.default")
        .await
        .expect_err("no az");
    let AuthError::AzureCli { ref guidance } = error else {
        panic!("expected Azure CLI guidance, got {error:?}");
    };
    assert!(
        guidance.contains("was not found") && guidance.contains("aka.ms/installazurecli"),
        "{guidance}"
    );
    assert_eq!(explain(&error).code, "azure_cli");

    let dir = stand_in_az("", Some("ERROR: Please run 'az login' to setup account."));
    let credential = AzureCliCredential::with_path(None, path_with(dir.path())).expect("credential");
    let error = credential
        .token("https://management.core.windows.net/.default")
        .await
        .expect_err("signed out");
    assert!(
        matches!(error, AuthError::AzureCli { ref guidance } if guidance.contains("Run `az login`")),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Clouds

#[tokio::test]
async fn a_custom_cloud_needs_its_ca_and_https() {
    let sim = simulator().await;
    let (cloud, _) = custom_cloud(&sim)
        .resolve()
        .await
        .expect("custom cloud with its CA");
    assert_eq!(cloud.arm_endpoint, sim.base_url);

    let without_ca = CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: None,
    };
    match without_ca.resolve().await {
        Err(error) => assert_eq!(error.code(), "tls", "{error}"),
        Ok(_) => panic!("the simulator's CA is not a system CA"),
    }

    let plain = CloudSetting::parse_cli(&sim.base_url.as_str().replace("https://", "http://"));
    assert!(plain.is_err());
}
