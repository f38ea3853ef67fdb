//! `rekey logout`: forgets accounts, with their refresh tokens, saved client secrets and secret files.

use clap::Args;
use rekey_core::accounts::{AccountInfo, SignInMethod};

use crate::error::CliError;
use crate::home::{warn, Home};

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
    let mut home = Home::open().await?;
    let signed_in = home.accounts.list().await;
    let chosen: Vec<AccountInfo> = match (&args.account, args.all) {
        (Some(id), _) => match signed_in.into_iter().find(|a| &a.id == id) {
            Some(account) => vec![account],
            None => return Err(rekey_core::accounts::AccountsError::UnknownAccount(id.clone()).into()),
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
    let tokens = home.tokens().await;
    let cache_file = home.paths.token_cache_file();
    for account in chosen {
        home.accounts.remove(&account.id, &tokens).await?;
        home.secret_files.set(&account.id, None).await?;
        if account.method != SignInMethod::AzureCli
            && !tokens.persisted()
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
