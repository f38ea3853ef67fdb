//! `rekey logout`: forgets accounts through the core's `Workspace`, with their refresh tokens, saved
//! client secrets and secret files.

use clap::Args;
use rekey_core::accounts::{AccountInfo, AccountsError, SignInMethod};
use rekey_core::paths::AppPaths;

use crate::error::CliError;
use crate::home::{self, warn};

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// The account to sign out, as `rekey account show` prints it (not needed when only one is signed in).
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    account: Option<String>,
    /// Sign every account out.
    #[arg(long)]
    all: bool,
}

pub async fn run(args: LogoutArgs) -> Result<(), CliError> {
    let workspace = home::open().await?;
    let signed_in = workspace.accounts().await;
    let chosen: Vec<AccountInfo> = match (&args.account, args.all) {
        (Some(id), _) => match signed_in.into_iter().find(|a| &a.id == id) {
            Some(account) => vec![account],
            None => return Err(AccountsError::UnknownAccount(id.clone()).into()),
        },
        (None, true) => signed_in,
        (None, false) if signed_in.len() > 1 => {
            let ids: Vec<&str> = signed_in.iter().map(|a| a.id.as_str()).collect();
            return Err(CliError::usage(format!(
                "several accounts are signed in ({}): name one with --account, or use --all",
                ids.join(", ")
            )));
        }
        (None, false) => signed_in,
    };
    if chosen.is_empty() {
        eprintln!("No account is signed in.");
        return Ok(());
    }
    let cache_file = AppPaths::resolve()?.token_cache_file();
    for account in chosen {
        workspace.sign_out(&account.id).await?;
        if account.method != SignInMethod::AzureCli
            && !workspace.tokens_persisted()
            && tokio::fs::try_exists(&cache_file).await.unwrap_or(false)
        {
            warn(&format!(
                "the keyring is unavailable, so what this account saved could not be removed from {}; it \
                 stays there encrypted, unreadable without the keyring. Delete that file to remove every saved \
                 sign-in",
                cache_file.display()
            ));
        }
        println!("Signed out {} ({})", account.username, account.id);
    }
    Ok(())
}
