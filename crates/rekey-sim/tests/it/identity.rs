//! The identity platform's interactive flows over HTTPS: browser sign-in with PKCE, refresh-token
//! rotation, device code, and the sign-in pages' escaping. The client never follows redirects, so
//! every 302 is seen as the app's loopback listener would see it.

use crate::common::Fixture;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;

/// Rekey's public client: any GUID is accepted as a registered public client.
const CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const REDIRECT: &str = "http://localhost:53219/";
const ARM_SCOPE: &str = "https://management.azure.com/.default openid profile offline_access";
const VERIFIER: &str = "dBjftJeZ4CVP-1mB92K27uhbUJU1p1r_wW1gFWFOEjXk-rekey-test";

fn admin() -> (&'static str, &'static str) {
    let (upn, _, password) = rekey_sim::scenario::DEMO_USERS[0];
    (upn, password)
}

fn reader() -> (&'static str, &'static str) {
    let (upn, _, password) = rekey_sim::scenario::DEMO_USERS[1];
    (upn, password)
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A client like a desktop app's: trusts only the simulator's CA and never follows redirects.
fn browser(f: &Fixture) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(f.sim.ca_pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_path(f: &Fixture) -> String {
    format!("{}/oauth2/v2.0/authorize", f.sim.tenant_id())
}

fn token_path(f: &Fixture) -> String {
    format!("{}/oauth2/v2.0/token", f.sim.tenant_id())
}

/// The parameters of an authorization request for `scope` with an S256 challenge.
fn auth_params(scope: &str, state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("client_id", CLIENT_ID.into()),
        ("response_type", "code".into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", scope.into()),
        ("state", state.into()),
        ("nonce", "nonce-123".into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
        ("response_mode", "query".into()),
    ]
}

/// Posts the sign-in form as a browser would, with the request parameters carried along.
async fn submit_sign_in(
    f: &Fixture,
    params: &[(&'static str, String)],
    username: &str,
    password: &str,
) -> reqwest::Response {
    let mut form = params.to_vec();
    form.push(("username", username.into()));
    form.push(("password", password.into()));
    form.push(("action", "signin".into()));
    browser(f)
        .post(f.url(&authorize_path(f)))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Signs in and returns the redirect's query parameters.
async fn sign_in_for_code(
    f: &Fixture,
    scope: &str,
    user: (&str, &str),
    state: &str,
) -> Vec<(String, String)> {
    let resp = submit_sign_in(f, &auth_params(scope, state), user.0, user.1).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    location.query_pairs().into_owned().collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

async fn code_for(f: &Fixture, scope: &str, user: (&str, &str)) -> String {
    let pairs = sign_in_for_code(f, scope, user, "s").await;
    param(&pairs, "code").expect("code in redirect").to_string()
}

async fn post_token(f: &Fixture, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = f
        .http
        .post(f.url(&token_path(f)))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

async fn redeem(f: &Fixture, code: &str, verifier: &str) -> (StatusCode, Value) {
    post_token(
        f,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", ARM_SCOPE),
            ("client_info", "1"),
        ],
    )
    .await
}

fn assert_grant_error(status: StatusCode, body: &Value, error: &str, code: u64) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0], code, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
}

async fn subscription_names(f: &Fixture, token: &str) -> Vec<String> {
    let (status, _, body) = f.get("/subscriptions?api-version=2022-12-01", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut names: Vec<String> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["displayName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn pkce_code_flow_signs_people_in_and_arm_honours_their_roles() {
    let f = Fixture::new(Default::default()).await;
    let mut query = auth_params(ARM_SCOPE, "xyz 123/+=");
    query.push(("login_hint", admin().0.into()));
    let page = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert!(html.contains("not Microsoft"));
    assert!(html.contains("type=\"password\""));
    assert!(
        html.contains(&format!("value=\"{}\"", admin().0)),
        "login_hint prefills the user name"
    );
    assert!(html.contains(reader().0), "the demo accounts are listed");

    let pairs = sign_in_for_code(&f, ARM_SCOPE, admin(), "xyz 123/+=").await;
    assert_eq!(
        param(&pairs, "state"),
        Some("xyz 123/+="),
        "state comes back unchanged"
    );
    let code = param(&pairs, "code").unwrap();

    let (status, tokens) = redeem(&f, code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3599);
    assert!(tokens["ext_expires_in"].is_number());
    assert!(
        tokens["refresh_token"].is_string(),
        "offline_access gives a refresh token"
    );
    assert!(tokens["client_info"].is_string());
    let scope = tokens["scope"].as_str().unwrap();
    assert!(
        scope.contains("https://management.azure.com/user_impersonation"),
        "{scope}"
    );

    let access = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], "https://management.azure.com/");
    assert_eq!(access["upn"], admin().0);
    assert_eq!(access["scp"], "user_impersonation");
    assert_eq!(access["idtyp"], "user");
    assert_eq!(access["tid"], f.sim.tenant_id().to_string());
    assert_eq!(access["name"], "Avery Admin");

    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["nonce"], "nonce-123");
    assert_eq!(id["preferred_username"], admin().0);
    assert_eq!(id["oid"], access["oid"]);
    assert_eq!(
        id["iss"],
        format!(
            "{}/{}/v2.0",
            f.sim.base_url.as_str().trim_end_matches('/'),
            f.sim.tenant_id()
        )
    );

    let admin_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        subscription_names(&f, admin_token).await,
        ["Contoso Platform", "Contoso Production", "Contoso Staging"]
    );

    // The reader, through the v1 resource spelling with the double slash that SDKs send.
    let arm_v1 = "https://management.core.windows.net//.default openid offline_access";
    let code = code_for(&f, arm_v1, reader()).await;
    let (status, tokens) = redeem(&f, &code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let reader_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(subscription_names(&f, reader_token).await, ["Contoso Staging"]);
}

#[tokio::test]
async fn a_wrong_verifier_redirect_or_client_is_invalid_grant_and_spends_the_code() {
    let f = Fixture::new(Default::default()).await;
    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (status, body) = redeem(&f, &code, "not-the-verifier-not-the-verifier-not-the-ver").await;
    assert_grant_error(status, &body, "invalid_grant", 50148);
    // Codes are single use: a failed redemption spends it too.
    let (status, body) = redeem(&f, &code, VERIFIER).await;
    assert_grant_error(status, &body, "invalid_grant", 70008);

    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (status, body) = post_token(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:1/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_grant_error(status, &body, "invalid_grant", 50011);

    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (status, body) = post_token(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_grant_error(status, &body, "invalid_grant", 70000);

    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (status, body) = post_token(
        &f,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_grant_error(status, &body, "invalid_grant", 50148);
}

#[tokio::test]
async fn a_code_is_single_use_and_expires_after_ten_minutes() {
    let f = Fixture::new(Default::default()).await;
    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (status, _) = redeem(&f, &code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = redeem(&f, &code, VERIFIER).await;
    assert_grant_error(status, &body, "invalid_grant", 70008);

    let code = code_for(&f, ARM_SCOPE, admin()).await;
    f.sim.sim().state.advance_clock(chrono::Duration::minutes(11));
    let (status, body) = redeem(&f, &code, VERIFIER).await;
    assert_grant_error(status, &body, "invalid_grant", 70008);
}

#[tokio::test]
async fn an_untrusted_redirect_uri_gets_an_error_page_never_a_redirect() {
    let f = Fixture::new(Default::default()).await;
    for bad in [
        "https://evil.example/callback",
        "http://localhost.evil.example/",
        "http://localhost@evil.example/",
    ] {
        let mut params = auth_params(ARM_SCOPE, "s");
        params.retain(|(k, _)| *k != "redirect_uri");
        params.push(("redirect_uri", bad.into()));
        let page = browser(&f)
            .get(f.url(&authorize_path(&f)))
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(page.headers().get(LOCATION).is_none());
        assert!(page.text().await.unwrap().contains("AADSTS50011"));

        // Correct credentials do not help either.
        let resp = submit_sign_in(&f, &params, admin().0, admin().1).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(resp.headers().get(LOCATION).is_none());
    }

    // A client ID that is not a GUID is refused on a page as well.
    let mut params = auth_params(ARM_SCOPE, "s");
    params[0].1 = "not-a-guid".into();
    let page = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn protocol_errors_go_back_to_a_trusted_redirect_uri() {
    let f = Fixture::new(Default::default()).await;
    let mut params = auth_params(ARM_SCOPE, "keep-me");
    params.push(("prompt", "none".into()));
    let resp = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = Url::parse(resp.headers()[LOCATION].to_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert_eq!(param(&pairs, "error"), Some("login_required"));
    assert_eq!(param(&pairs, "state"), Some("keep-me"));
    assert!(param(&pairs, "code").is_none());

    let mut params = auth_params(ARM_SCOPE, "s");
    params[1].1 = "token".into();
    let resp = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()[LOCATION].to_str().unwrap();
    assert!(location.contains("error=unsupported_response_type"), "{location}");
}

#[tokio::test]
async fn a_wrong_password_shows_the_page_again_with_an_error() {
    let f = Fixture::new(Default::default()).await;
    let resp = submit_sign_in(&f, &auth_params(ARM_SCOPE, "s"), admin().0, "not-the-password").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get(LOCATION).is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("incorrect"), "{html}");
    assert!(html.contains("<form method=\"post\""));
    assert!(
        html.contains(&format!("value=\"{}\"", admin().0)),
        "the user name is kept"
    );
}

#[tokio::test]
async fn echoed_values_are_escaped_in_every_page() {
    let f = Fixture::new(Default::default()).await;
    let evil = "\"><script>alert(1)</script>";
    let mut params = auth_params(ARM_SCOPE, evil);
    params.push(("login_hint", evil.into()));
    let page = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "the value is kept, escaped");

    // The error page after a failed sign-in, and the state in the redirect, unchanged.
    let resp = submit_sign_in(&f, &params, evil, "wrong").await;
    let html = resp.text().await.unwrap();
    assert!(!html.contains("<script"), "{html}");
    let pairs = sign_in_for_code(&f, ARM_SCOPE, admin(), evil).await;
    assert_eq!(param(&pairs, "state"), Some(evil));

    // An error page that names the bad redirect URI.
    let mut params = auth_params(ARM_SCOPE, "s");
    params.retain(|(k, _)| *k != "redirect_uri");
    params.push(("redirect_uri", format!("https://x.example/{evil}")));
    let html = browser(&f)
        .get(f.url(&authorize_path(&f)))
        .query(&params)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script"), "{html}");

    // The device login page with a code from the query.
    let html = browser(&f)
        .get(f.url("/devicelogin"))
        .query(&[("otc", evil)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script"), "{html}");
}

#[tokio::test]
async fn refresh_rotates_the_token_and_can_switch_to_graph() {
    let f = Fixture::new(Default::default()).await;
    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (_, first) = redeem(&f, &code, VERIFIER).await;
    let old = first["refresh_token"].as_str().unwrap().to_string();

    let refresh = |token: String, scope: &'static str| {
        let f = &f;
        async move {
            post_token(
                f,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", CLIENT_ID),
                    ("refresh_token", &token),
                    ("scope", scope),
                ],
            )
            .await
        }
    };
    let (status, second) = refresh(old.clone(), ARM_SCOPE).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let new = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old, "a refresh gives a new refresh token");
    assert_eq!(
        jwt_claims(second["access_token"].as_str().unwrap())["aud"],
        "https://management.azure.com/"
    );
    assert!(second["id_token"].is_string());

    let (status, body) = refresh(old, ARM_SCOPE).await;
    assert_grant_error(status, &body, "invalid_grant", 9002313);

    let graph_scope = "https://graph.microsoft.com/.default openid profile offline_access";
    let (status, graph) = refresh(new.clone(), graph_scope).await;
    assert_eq!(status, StatusCode::OK, "{graph}");
    let claims = jwt_claims(graph["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://graph.microsoft.com/");
    assert!(
        claims["scp"]
            .as_str()
            .unwrap()
            .contains("Application.ReadWrite.All"),
        "{claims}"
    );
    assert!(graph["scope"]
        .as_str()
        .unwrap()
        .contains("https://graph.microsoft.com/.default"));

    // The spent token fails; a refresh by another client fails and keeps nothing.
    let (status, body) = refresh(new, ARM_SCOPE).await;
    assert_grant_error(status, &body, "invalid_grant", 9002313);
    let latest = graph["refresh_token"].as_str().unwrap();
    let (status, body) = post_token(
        &f,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("refresh_token", latest),
        ],
    )
    .await;
    assert_grant_error(status, &body, "invalid_grant", 70000);
}

#[tokio::test]
async fn no_refresh_or_id_token_without_offline_access_or_openid() {
    let f = Fixture::new(Default::default()).await;
    let code = code_for(&f, "https://management.azure.com/.default", admin()).await;
    let (status, tokens) = redeem(&f, &code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("refresh_token").is_none());
    assert!(tokens.get("id_token").is_none());
}

async fn start_device_flow(f: &Fixture) -> Value {
    let resp = f
        .http
        .post(f.url(&format!("{}/oauth2/v2.0/devicecode", f.sim.tenant_id())))
        .form(&[("client_id", CLIENT_ID), ("scope", ARM_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn poll(f: &Fixture, device_code: &str) -> (StatusCode, Value) {
    post_token(
        f,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT_ID),
            ("device_code", device_code),
        ],
    )
    .await
}

async fn device_login(f: &Fixture, form: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = browser(f)
        .post(f.url("/devicelogin"))
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn device_code_is_pending_until_approved_then_gives_tokens() {
    let f = Fixture::new(Default::default()).await;
    let flow = start_device_flow(&f).await;
    let user_code = flow["user_code"].as_str().unwrap();
    let device_code = flow["device_code"].as_str().unwrap();
    let verification_uri = format!("{}/devicelogin", f.sim.base_url.as_str().trim_end_matches('/'));
    assert_eq!(flow["verification_uri"], verification_uri);
    assert_eq!(flow["expires_in"], 900);
    assert_eq!(flow["interval"], 5);
    assert!(flow.get("verification_uri_complete").is_none());
    assert_eq!(
        flow["message"],
        format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate.")
    );

    let (status, body) = poll(&f, device_code).await;
    assert_grant_error(status, &body, "authorization_pending", 70016);

    let page = browser(&f).get(f.url("/devicelogin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\" action=\"/devicelogin\""),
        "{html}"
    );
    assert!(html.contains("value=\"decline\""));

    let (admin_upn, admin_password) = admin();
    let (_, html) = device_login(
        &f,
        &[
            ("user_code", user_code),
            ("username", admin_upn),
            ("password", "wrong"),
            ("action", "approve"),
        ],
    )
    .await;
    assert!(html.contains("incorrect"), "{html}");
    let (status, body) = poll(&f, device_code).await;
    assert_grant_error(status, &body, "authorization_pending", 70016);

    // People type codes in lower case and with spaces.
    let typed = format!("{} {}", &user_code[..4], &user_code[4..]).to_lowercase();
    let (status, html) = device_login(
        &f,
        &[
            ("user_code", &typed),
            ("username", admin_upn),
            ("password", admin_password),
            ("action", "approve"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("signed in"), "{html}");

    let (status, tokens) = poll(&f, device_code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens["refresh_token"].is_string());
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["preferred_username"],
        admin_upn
    );
    assert_eq!(
        subscription_names(&f, tokens["access_token"].as_str().unwrap())
            .await
            .len(),
        3
    );

    // The device code is spent.
    let (status, body) = poll(&f, device_code).await;
    assert_grant_error(status, &body, "bad_verification_code", 70018);
}

#[tokio::test]
async fn device_code_can_be_declined_and_expires() {
    let f = Fixture::new(Default::default()).await;
    let flow = start_device_flow(&f).await;
    let (status, html) = device_login(
        &f,
        &[
            ("user_code", flow["user_code"].as_str().unwrap()),
            ("action", "decline"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("declined"), "{html}");
    let (status, body) = poll(&f, flow["device_code"].as_str().unwrap()).await;
    assert_grant_error(status, &body, "authorization_declined", 70000);

    let flow = start_device_flow(&f).await;
    f.sim.sim().state.advance_clock(chrono::Duration::seconds(901));
    let (status, body) = poll(&f, flow["device_code"].as_str().unwrap()).await;
    assert_grant_error(status, &body, "expired_token", 70020);
    let (_, html) = device_login(
        &f,
        &[
            ("user_code", flow["user_code"].as_str().unwrap()),
            ("username", admin().0),
            ("password", admin().1),
        ],
    )
    .await;
    assert!(html.contains("Check the code and try again"), "{html}");
}

#[tokio::test]
async fn device_code_interval_is_tunable() {
    let config = rekey_sim::SimConfig {
        behaviour: rekey_sim::Behaviour {
            device_code_interval_secs: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let f = Fixture::new(config).await;
    assert_eq!(start_device_flow(&f).await["interval"], 1);
}

#[tokio::test]
async fn client_credentials_take_http_basic_and_graph_tokens_carry_roles() {
    let f = Fixture::new(Default::default()).await;
    let admin = &f.sim.demo_admin;
    let resp = f
        .http
        .post(f.url(&token_path(&f)))
        .basic_auth(admin.client_id, Some(admin.client_secret.expose_secret()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let claims = jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["idtyp"], "app");
    assert!(
        claims["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "Application.ReadWrite.All"),
        "{claims}"
    );

    let resp = f
        .http
        .post(f.url(&token_path(&f)))
        .basic_auth(admin.client_id, Some("wrong"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://management.core.windows.net//.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error_codes"][0], 7000215);

    // The double-slash ARM scope gives a token ARM accepts.
    let body: Value = f
        .token("https://management.core.windows.net//.default")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwt_claims(body["access_token"].as_str().unwrap())["aud"],
        "https://management.core.windows.net/"
    );
    let (status, _, _) = f
        .get(
            "/subscriptions?api-version=2022-12-01",
            body["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn openid_configuration_names_the_working_endpoints() {
    let f = Fixture::new(Default::default()).await;
    let (status, _, config) = f
        .get(
            &format!("{}/v2.0/.well-known/openid-configuration", f.sim.tenant_id()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let authorize = config["authorization_endpoint"].as_str().unwrap();
    let page = browser(&f)
        .get(authorize)
        .query(&auth_params(ARM_SCOPE, "s"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let device = config["device_authorization_endpoint"].as_str().unwrap();
    let resp = f
        .http
        .post(device)
        .form(&[("client_id", CLIENT_ID), ("scope", ARM_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // `organizations`, as multi-tenant desktop apps use, signs in the demo users too.
    let params = auth_params(ARM_SCOPE, "s");
    let mut form = params.clone();
    form.extend([
        ("username", admin().0.to_string()),
        ("password", admin().1.to_string()),
    ]);
    let resp = browser(&f)
        .post(f.url("organizations/oauth2/v2.0/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
}

/// The ID of the demo's second tenant, where the administrator is a guest, and of its subscription.
fn fabrikam(f: &Fixture) -> (String, String) {
    let world = f.sim.sim().state.world();
    let tenant = world
        .tenants
        .iter()
        .find(|t| t.display_name == "Fabrikam (simulated)")
        .expect("the demo has Fabrikam's tenant")
        .id;
    let sub = world
        .subscriptions
        .iter()
        .find(|s| s.tenant_id == tenant)
        .expect("Fabrikam has a subscription")
        .id;
    (tenant.to_string(), sub.to_string())
}

async fn refresh_in(f: &Fixture, tenant: &str, refresh_token: &str) -> (StatusCode, Value) {
    let resp = f
        .http
        .post(f.url(&format!("{tenant}/oauth2/v2.0/token")))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
            ("scope", ARM_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_guest_gets_tokens_in_the_other_tenant_and_each_token_lists_its_own_tenant() {
    let f = Fixture::new(Default::default()).await;
    let (fabrikam_tenant, fabrikam_sub) = fabrikam(&f);
    let code = code_for(&f, ARM_SCOPE, admin()).await;
    let (_, home) = redeem(&f, &code, VERIFIER).await;
    let home_token = home["access_token"].as_str().unwrap().to_string();
    assert_eq!(jwt_claims(&home_token)["tid"], f.sim.tenant_id().to_string());

    // The home token lists the home tenant's subscriptions only, but every tenant the person can use.
    assert_eq!(
        subscription_names(&f, &home_token).await,
        ["Contoso Platform", "Contoso Production", "Contoso Staging"]
    );
    let (status, _, tenants) = f.get("/tenants?api-version=2022-12-01", Some(&home_token)).await;
    assert_eq!(status, StatusCode::OK, "{tenants}");
    assert_eq!(tenants["value"].as_array().unwrap().len(), 2, "{tenants}");
    // A subscription of the other tenant is refused with ARM's wrong-issuer error: a 401 whose
    // challenge names the subscription's tenant, where the client can get the right token.
    let (status, headers, body) = f
        .get(
            &format!("/subscriptions/{fabrikam_sub}?api-version=2022-12-01"),
            Some(&home_token),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        body["error"]["code"], "InvalidAuthenticationTokenTenant",
        "{body}"
    );
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer authorization_uri=\"")
            && challenge.contains(&format!("/{fabrikam_tenant}\", error=\"invalid_token\"")),
        "{challenge}"
    );

    // The same refresh token at Fabrikam's endpoint gives a token in Fabrikam, for the same person.
    let (status, guest) = refresh_in(&f, &fabrikam_tenant, home["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{guest}");
    let guest_token = guest["access_token"].as_str().unwrap().to_string();
    let claims = jwt_claims(&guest_token);
    assert_eq!(claims["tid"], fabrikam_tenant.as_str());
    assert!(
        claims["iss"].as_str().unwrap().contains(&fabrikam_tenant),
        "{claims}"
    );
    assert_eq!(claims["oid"], jwt_claims(&home_token)["oid"]);
    assert_eq!(subscription_names(&f, &guest_token).await, ["Fabrikam Shared"]);
    let (status, _, body) = f
        .get(
            &format!("/subscriptions/{fabrikam_sub}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-01-01"),
            Some(&guest_token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["value"].as_array().unwrap().len(), 1, "{body}");

    // The rotated refresh token still works at home.
    let (status, again) = refresh_in(
        &f,
        &f.sim.tenant_id().to_string(),
        guest["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        jwt_claims(again["access_token"].as_str().unwrap())["tid"],
        f.sim.tenant_id().to_string()
    );
}

#[tokio::test]
async fn a_refresh_into_a_tenant_the_person_is_not_in_is_aadsts50020() {
    let f = Fixture::new(Default::default()).await;
    let (fabrikam_tenant, _) = fabrikam(&f);
    let code = code_for(&f, ARM_SCOPE, reader()).await;
    let (_, home) = redeem(&f, &code, VERIFIER).await;
    let (status, body) = refresh_in(&f, &fabrikam_tenant, home["refresh_token"].as_str().unwrap()).await;
    assert_grant_error(status, &body, "invalid_grant", 50020);
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.contains(reader().0) && description.contains(&fabrikam_tenant),
        "{description}"
    );
    // The refused refresh did not spend the token.
    let (status, body) = refresh_in(
        &f,
        &f.sim.tenant_id().to_string(),
        home["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
