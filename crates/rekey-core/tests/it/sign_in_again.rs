//! When Azure refuses a person's saved sign-in (MFA, conditional access, a revoked sign-in), the
//! workspace remembers that the account must sign in again, and `sign_in_again` does it in the
//! browser — against the simulator over real HTTPS.

use crate::common;

use rekey_core::accounts::SignInMethod;
use rekey_core::auth::Opener;
use rekey_core::cloud::CloudSetting;
use rekey_core::paths::AppPaths;
use rekey_core::secure_store::SecureStore;
use rekey_core::workspace::Workspace;
use serde_json::json;
use tokio_util::sync::CancellationToken;
use url::Url;

const READER: &str = "reader@contoso-demo.onmicrosoft.com";
const PASSWORD: &str = "demo";

fn simulator_cloud(sim: &rekey_sim::RunningSim) -> CloudSetting {
    CloudSetting::Custom {
        metadata_url: format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        ca_file: Some(sim.ca_pem_path.display().to_string()),
    }
}

/// An HTTPS client trusting the simulator, for what a browser or a person would do.
fn browser_client(sim: &rekey_sim::RunningSim) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An [`Opener`] that is an HTTP client: loads the simulator's sign-in page, signs in as `user`,
/// and follows the redirect to the loopback listener, as a browser would.
struct FormFiller {
    http: reqwest::Client,
    user: &'static str,
    opened: std::sync::Mutex<Vec<Url>>,
}

impl Opener for FormFiller {
    fn open(&self, url: &Url) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.clone());
        let (http, url, user) = (self.http.clone(), url.clone(), self.user);
        tokio::spawn(async move {
            if let Err(e) = fill_in(&http, url, user).await {
                eprintln!("stand-in browser: {e}");
            }
        });
        Ok(())
    }
}

async fn fill_in(http: &reqwest::Client, url: Url, user: &str) -> Result<(), String> {
    common::fill_in_sign_in_page(http, url, user, PASSWORD, "signin")
        .await
        .map(drop)
}

#[tokio::test]
async fn a_refused_refresh_token_asks_for_a_browser_sign_in_that_fixes_it() {
    let sim = rekey_sim::start_demo(Default::default()).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let store = SecureStore::in_memory();
    let http = browser_client(&sim);

    // Signed in by device code, approved on the simulator's device login page.
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    let (req, flow) = ws
        .start_device_code(simulator_cloud(&sim), Some(sim.tenant_id().to_string()))
        .await
        .unwrap();
    let prompt = flow.prompt();
    let approve = http
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", prompt.user_code.as_str()),
            ("username", READER),
            ("password", PASSWORD),
            ("action", "approve"),
        ])
        .send();
    let cancel = CancellationToken::new();
    let (approved, info) = tokio::join!(approve, ws.finish_device_code(req, flow, &cancel));
    assert!(approved.unwrap().status().is_success());
    let info = info.unwrap();
    assert_eq!(info.method, SignInMethod::DeviceCode);
    assert_eq!(ws.inventory().await.clusters.len(), 3);
    assert!(ws.status(None).await.needs_sign_in.is_empty());
    drop(ws);

    // A conditional-access policy now wants multi-factor authentication for the refresh token.
    let fault = http
        .post(format!("{}_sim/faults", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&json!({
            "method": "POST", "path": "*/oauth2/v2.0/token", "times": 1,
            "action": {"type": "respond", "status": 400, "body": {
                "error": "interaction_required",
                "error_description": "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource.",
                "error_codes": [50076]
            }}
        }))
        .send()
        .await
        .unwrap();
    assert!(fault.status().is_success(), "{}", fault.status());

    // A new workspace over the same folder and store has no access token: it redeems the refresh token.
    let ws = Workspace::open_with(&paths, Some(store.clone()), None)
        .await
        .unwrap();
    let refused = ws.inventory().await;
    assert!(refused.clusters.is_empty());
    assert!(
        refused
            .warnings
            .iter()
            .any(|w| w.contains(READER) && w.contains("multi-factor")),
        "{:?}",
        refused.warnings
    );
    assert_eq!(
        ws.status(None).await.needs_sign_in,
        std::slice::from_ref(&info.id)
    );

    let opener = FormFiller {
        http: http.clone(),
        user: READER,
        opened: Default::default(),
    };
    let again = ws
        .sign_in_again(&info.id, &opener, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(again.id, info.id);
    assert_eq!(again.method, SignInMethod::Browser);
    // In the account's own tenant.
    let opened = opener.opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert!(
        opened[0].path().contains(&sim.tenant_id().to_string()),
        "{}",
        opened[0]
    );
    assert!(ws.status(None).await.needs_sign_in.is_empty());
    let inventory = ws.inventory().await;
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    assert_eq!(inventory.clusters.len(), 3);

    // Only people sign in again in the browser.
    let unknown = ws
        .sign_in_again("nobody", &opener, &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(unknown.code, "unknown_account");
}
