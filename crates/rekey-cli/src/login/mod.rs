//! `rekey login`: signs an account in through the core's `Workspace`, which remembers it as the app
//! does (the account in the account list, its refresh token or secret in the token cache, a
//! service principal's secret file by its path).

mod browser;
mod service_principal;

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args};
use rekey_core::accounts::AccountInfo;
use rekey_core::auth::{explain, AuthError};
use rekey_core::workspace::Workspace;
use tokio_util::sync::CancellationToken;

use crate::cloud_args::{describe, CloudArgs};
use crate::error::CliError;
use crate::home::{self, storage_warning, warn};

#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("method").args(["browser", "device_code", "azure_cli", "service_principal"])
))]
pub struct LoginArgs {
    /// Sign in in the default web browser (the default).
    #[arg(long)]
    browser: bool,
    /// Sign in on another device with a code (for machines without a browser).
    #[arg(long)]
    device_code: bool,
    /// Use whoever is signed in to the Azure CLI (`az login`).
    #[arg(long)]
    azure_cli: bool,
    /// Sign in as a service principal with a client secret, read from --client-secret-file or from
    /// standard input (never from the command line or the environment).
    #[arg(long)]
    service_principal: bool,
    /// Tenant ID or domain. Default: any work or school account ("organizations"); required with
    /// --service-principal.
    #[arg(long, value_name = "TENANT")]
    tenant: Option<String>,
    /// Application (client) ID: the service principal's, or a public client your organisation
    /// registered. Default for people: REKEY_CLIENT_ID, else the client in Rekey's settings, else the
    /// Azure CLI's public client.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// A file holding the service principal's client secret (read again by later commands).
    #[arg(long, value_name = "FILE", requires = "service_principal")]
    client_secret_file: Option<PathBuf>,
    /// How long to wait for the browser or device-code sign-in to be completed.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout_secs: u64,
}

pub async fn run(args: LoginArgs, cloud: &CloudArgs) -> Result<(), CliError> {
    let setting = cloud.setting()?;
    if args.service_principal {
        let tenant = args
            .tenant
            .ok_or_else(|| CliError::usage("--service-principal needs --tenant (the tenant ID or domain)"))?;
        let client_id = args
            .client_id
            .ok_or_else(|| CliError::usage("--service-principal needs --client-id (the application ID)"))?;
        let workspace = home::open().await?;
        let account =
            service_principal::sign_in(&workspace, setting, &tenant, &client_id, args.client_secret_file)
                .await?;
        return done(&account);
    }
    if args.azure_cli {
        // `az` keeps the sign-in: nothing of it is saved, so the keyring does not matter.
        let account = home::open()
            .await?
            .sign_in_azure_cli(setting, args.tenant)
            .await?;
        return done(&account);
    }
    let workspace = home::open().await?.with_client_id(args.client_id);
    let timeout = Duration::from_secs(args.timeout_secs);
    let cancel = cancel_on_ctrl_c();
    let account = if args.device_code {
        let (req, flow) = workspace.start_device_code(setting, args.tenant).await?;
        // The code on stderr: stdout stays for the result.
        eprintln!("{}", flow.prompt().message);
        eprintln!("Waiting for the sign-in to be completed (Ctrl+C to cancel)…");
        within(timeout, workspace.finish_device_code(req, flow, &cancel)).await?
    } else {
        let signing_in = workspace.sign_in_browser(setting, args.tenant, &browser::DefaultBrowser, &cancel);
        within(timeout, signing_in).await.map_err(|e| {
            if e.to_ipc().code == "timeout" {
                e.with_hint(
                    "If no browser window appeared, sign in with `rekey login --device-code` instead.",
                )
            } else {
                e
            }
        })?
    };
    warn_if_forgotten(&workspace);
    done(&account)
}

/// A person's sign-in lasts as long as this command when it cannot be saved: say so.
fn warn_if_forgotten(workspace: &Workspace) {
    if let Some(problem) = storage_warning(workspace) {
        warn(&problem);
    }
}

/// `sign_in` if it finishes within `timeout`, else the core's words for a sign-in that timed out.
async fn within<T>(
    timeout: Duration,
    sign_in: impl std::future::Future<Output = Result<T, rekey_core::error::IpcError>>,
) -> Result<T, CliError> {
    match tokio::time::timeout(timeout, sign_in).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(CliError::Ipc(explain(&AuthError::TimedOut {
            seconds: timeout.as_secs(),
        }))),
    }
}

fn done(account: &AccountInfo) -> Result<(), CliError> {
    println!(
        "Signed in as {} ({}) on {}",
        account.username,
        account.tenant_id,
        describe(&account.cloud)
    );
    Ok(())
}

/// A token that is cancelled when the person presses Ctrl+C, so that a waiting sign-in stops cleanly.
fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    cancel
}
