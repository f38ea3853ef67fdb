//! `rekey login`: signs an account in and remembers it (the account in the account list, its refresh
//! token in the token cache, a service principal's secret source).

mod azure_cli;
mod browser;
mod service_principal;

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args};
use rekey_core::accounts::Account;
use rekey_core::auth::{start_device_code, AuthError, DeviceCodeFlow, InteractiveRequest, SignedIn};
use rekey_core::cloud::CloudSetting;
use tokio_util::sync::CancellationToken;

use crate::cloud_args::{describe, CloudArgs};
use crate::error::CliError;
use crate::home::{warn, Home};

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
    /// registered. Default for people: REKEY_CLIENT_ID, else the Azure CLI's public client.
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
    let mut home = Home::open().await?;
    if args.service_principal {
        let tenant = args
            .tenant
            .ok_or_else(|| CliError::usage("--service-principal needs --tenant (the tenant ID or domain)"))?;
        let client_id = args
            .client_id
            .ok_or_else(|| CliError::usage("--service-principal needs --client-id (the application ID)"))?;
        let account = service_principal::sign_in(
            &mut home,
            setting,
            &tenant,
            &client_id,
            args.client_secret_file.as_deref(),
        )
        .await?;
        return done(&account);
    }
    if args.azure_cli {
        let account = azure_cli::sign_in(&home, setting, args.tenant.as_deref()).await?;
        return done(&account);
    }
    let timeout = Duration::from_secs(args.timeout_secs);
    let req = request(setting, args.tenant, args.client_id).await?;
    let cancel = cancel_on_ctrl_c();
    let signed_in = if args.device_code {
        let flow = start_device_code(&req).await?;
        device_code(flow, &cancel, timeout).await?
    } else {
        browser::sign_in(&req, &cancel, timeout).await?
    };
    remember(&home, signed_in).await
}

/// The interactive sign-in's cloud, tenant and client.
async fn request(
    setting: CloudSetting,
    tenant: Option<String>,
    client_id: Option<String>,
) -> Result<InteractiveRequest, CliError> {
    let mut req = InteractiveRequest::resolve(setting).await?;
    if let Some(tenant) = tenant {
        req.tenant = tenant;
    }
    if let Some(client_id) = client_id {
        req.client_id = client_id;
    }
    Ok(req)
}

/// Shows the code on stderr (stdout stays for the result) and waits for the person to enter it.
async fn device_code(
    flow: DeviceCodeFlow,
    cancel: &CancellationToken,
    timeout: Duration,
) -> Result<SignedIn, CliError> {
    let prompt = flow.prompt();
    eprintln!("{}", prompt.message);
    eprintln!("Waiting for the sign-in to be completed (Ctrl+C to cancel)…");
    match tokio::time::timeout(timeout, flow.wait(cancel)).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(AuthError::TimedOut {
            seconds: timeout.as_secs(),
        }
        .into()),
    }
}

/// Saves a person's sign-in: the account, then its refresh token (which only lasts as long as
/// this command when there is no keyring; that was said when the keyring was opened).
async fn remember(home: &Home, signed_in: SignedIn) -> Result<(), CliError> {
    let tokens = home.tokens().await;
    home.accounts.add_or_replace(signed_in.account.clone()).await?;
    if let Err(e) = tokens.put(&signed_in.account.id, signed_in.refresh_token).await {
        warn(&format!("the sign-in will not be remembered: {e}"));
    }
    done(&signed_in.account)
}

fn done(account: &Account) -> Result<(), CliError> {
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
