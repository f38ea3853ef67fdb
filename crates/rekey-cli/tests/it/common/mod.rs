//! What the CLI tests share: a simulator started in the test, the `rekey` binary run in a private
//! `REKEY_HOME`, and the simulator's control and Graph APIs to mint secrets and approve sign-ins.

pub mod faults;

// Each test file uses its own part of this module.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rekey_sim::{Behaviour, RunningSim, SimConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Longest any one `rekey` run may take before the test fails instead of hanging.
pub const RUN_LIMIT: Duration = Duration::from_secs(90);

/// The demo tenant, polled every second (not five) in device-code sign-ins.
pub async fn simulator() -> RunningSim {
    let config = SimConfig {
        behaviour: Behaviour {
            device_code_interval_secs: 1,
            ..Behaviour::default()
        },
        ..SimConfig::default()
    };
    rekey_sim::start_demo(config)
        .await
        .unwrap_or_else(|e| panic!("simulator: {e}"))
}

/// `--cloud <metadata URL> --ca-file <CA>`: the simulator as a custom cloud.
pub fn cloud_args(sim: &RunningSim) -> Vec<String> {
    vec![
        "--cloud".into(),
        format!("{}metadata/endpoints?api-version=2022-09-01", sim.base_url),
        "--ca-file".into(),
        sim.ca_pem_path.display().to_string(),
    ]
}

/// An HTTPS client that trusts the simulator's CA only.
pub fn http(sim: &RunningSim) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).unwrap_or_else(|e| panic!("CA: {e}"));
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// A new client secret of the demo administrator application, through Graph's `addPassword`.
pub async fn new_client_secret(sim: &RunningSim) -> String {
    let client = http(sim);
    let minted: serde_json::Value = client
        .post(format!("{}_sim/token", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&serde_json::json!({"principal": "rekey-demo-admin", "audience": "graph"}))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("mint a Graph token: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("token JSON: {e}"));
    let graph_token = minted["access_token"].as_str().unwrap_or_default().to_string();
    let added: serde_json::Value = client
        .post(format!(
            "{}v1.0/applications(appId='{}')/addPassword",
            sim.base_url, sim.demo_admin.client_id
        ))
        .bearer_auth(graph_token)
        .json(&serde_json::json!({"passwordCredential": {"displayName": "rekey-cli test"}}))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("addPassword: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("addPassword JSON: {e}"));
    let secret = added["secretText"].as_str().unwrap_or_default().to_string();
    assert!(secret.len() > 20, "addPassword returned a secret: {added}");
    secret
}

/// An access token for `principal` (a user's UPN or an application's name) from the control API.
pub async fn mint_token(sim: &RunningSim, principal: &str, audience: &str) -> String {
    let minted: serde_json::Value = http(sim)
        .post(format!("{}_sim/token", sim.base_url))
        .bearer_auth(sim.admin_token())
        .json(&serde_json::json!({"principal": principal, "audience": audience}))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("mint a token: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("token JSON: {e}"));
    minted["access_token"].as_str().unwrap_or_default().to_string()
}

/// Approves (or declines) a device-code sign-in as the demo administrator, as a person would.
pub async fn answer_device_code(sim: &RunningSim, user_code: &str, approve: bool) {
    let page = http(sim)
        .post(format!("{}devicelogin", sim.base_url))
        .form(&[
            ("user_code", user_code),
            ("username", "admin@contoso-demo.onmicrosoft.com"),
            ("password", "demo"),
            ("action", if approve { "approve" } else { "decline" }),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("devicelogin: {e}"))
        .text()
        .await
        .unwrap_or_default();
    let expected = if approve { "signed in" } else { "declined" };
    assert!(page.contains(expected), "devicelogin answered: {page}");
}

/// The user code in the identity platform's device-code message ("… enter the code ABC123 to …").
pub fn user_code(stderr: &str) -> Option<String> {
    let (_, rest) = stderr.split_once("enter the code ")?;
    rest.split_whitespace().next().map(str::to_string)
}

/// One finished `rekey` run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert!(self.success(), "rekey failed ({:?}): {}", self.code, self.stderr);
        &self.stdout
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// Asserts that `text` appears in neither output.
    pub fn never_shows(&self, text: &str) {
        assert!(!self.stdout.contains(text), "stdout shows it: {}", self.stdout);
        assert!(!self.stderr.contains(text), "stderr shows it: {}", self.stderr);
    }
}

/// The `rekey` binary with its own `REKEY_HOME`, no display, no browser, and (unless a test keyring
/// is given) a session bus that does not exist, so the keyring is unavailable at once.
pub struct Rekey {
    pub home: tempfile::TempDir,
    envs: Vec<(String, OsString)>,
}

impl Rekey {
    pub fn new() -> Rekey {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let no_bus = format!("unix:path={}", home.path().join("no-bus").display());
        Rekey {
            home,
            envs: vec![("DBUS_SESSION_BUS_ADDRESS".into(), no_bus.into())],
        }
    }

    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Rekey {
        self.envs.retain(|(n, _)| n != name);
        self.envs.push((name.into(), value.into()));
        self
    }

    pub fn command(&self, args: &[String]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rekey"));
        command
            .args(args)
            .env("REKEY_HOME", self.home.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("BROWSER")
            .env_remove("REKEY_CLIENT_ID")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs `rekey args…`, with `stdin` piped in if given.
    pub async fn run(&self, args: &[String], stdin: Option<&str>) -> Run {
        let mut command = self.command(args);
        if stdin.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("spawn rekey: {e}"));
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("stdin: {e}"));
        }
        finish(child).await
    }

    pub fn home_file(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Every file Rekey wrote, as text (lossy), to check that no secret is in any of them.
    pub fn files_text(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(self.home.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        text
    }
}

/// Waits for a spawned `rekey` with [`RUN_LIMIT`].
pub async fn finish(child: tokio::process::Child) -> Run {
    let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("rekey did not finish within {RUN_LIMIT:?}"))
        .unwrap_or_else(|e| panic!("rekey: {e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `args` as owned strings, with the simulator's cloud options first.
pub fn with_cloud(sim: &RunningSim, args: &[&str]) -> Vec<String> {
    let mut all = cloud_args(sim);
    all.extend(args.iter().map(|a| a.to_string()));
    all
}

/// `rekey login --service-principal` as the simulator's demo administrator, on the simulator's cloud,
/// followed by `extra` (how the secret is given).
pub fn sp_login(sim: &RunningSim, extra: &[&str]) -> Vec<String> {
    let tenant = sim.tenant_id().to_string();
    let client = sim.demo_admin.client_id.to_string();
    let mut all = with_cloud(
        sim,
        &[
            "login",
            "--service-principal",
            "--tenant",
            &tenant,
            "--client-id",
            &client,
        ],
    );
    all.extend(extra.iter().map(|a| a.to_string()));
    all
}

pub fn args(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// Starts `rekey login --device-code`, reads the user code from its stderr, answers it, and
/// returns the finished run (with the stderr lines read before the code, too).
pub async fn device_code_login(sim: &rekey_sim::RunningSim, rekey: &Rekey, approve: bool) -> Run {
    let mut child = rekey
        .command(&with_cloud(sim, &["login", "--device-code"]))
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("stderr is piped"));
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    let code = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push_str(&line);
            seen.push('\n');
            if let Some(code) = user_code(&line) {
                return code;
            }
        }
        panic!("rekey ended without showing a code: {seen}");
    })
    .await
    .unwrap_or_else(|_| panic!("no device code shown within 60 s"));
    answer_device_code(sim, &code, approve).await;
    // Drain the rest of stderr alongside waiting, so the child never blocks on a full pipe.
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let mut run = finish(child).await;
    run.stderr = format!("{seen}{}", rest.await.unwrap_or_default());
    run
}
