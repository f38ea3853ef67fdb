//! `rekey logout`: forgets accounts, with their refresh tokens and saved client secrets.

use clap::Args;
use rekey_core::accounts::{AccountInfo, SignInMethod};
use rekey_core::auth::token_cache::TokenCache;
use rekey_core::auth::SecretSource;

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
    // The keyring is opened only when something in it is to be removed: a refresh token (kept in the
    // token cache under the keyring's key) or a saved client secret.
    let needs_keyring = chosen.iter().any(|a| {
        uses_token_cache(a) || matches!(home.sources.get(&a.id), Some(SecretSource::Keyring { .. }))
    });
    let tokens = if needs_keyring {
        home.secrets().await.tokens
    } else {
        TokenCache::open(&home.paths, None).await
    };
    for account in chosen {
        home.accounts.remove(&account.id, &tokens).await?;
        if let Some(SecretSource::Keyring {
            service,
            account: entry,
        }) = home.sources.remove(&account.id).await?
        {
            home.forget_saved_secret(&service, &entry).await;
        }
        let cache_file = home.paths.token_cache_file();
        if uses_token_cache(&account)
            && !tokens.persisted()
            && tokio::fs::try_exists(&cache_file).await.unwrap_or(false)
        {
            warn(&format!(
                "the keyring is unavailable, so this account's refresh token could not be removed from {}; it \
                 stays there encrypted, unreadable without the keyring. Delete that file to remove every saved \
                 sign-in",
                cache_file.display()
            ));
        }
        println!("Signed out {} ({})", account.username, account.id);
    }
    Ok(())
}

fn uses_token_cache(account: &AccountInfo) -> bool {
    matches!(account.method, SignInMethod::Browser | SignInMethod::DeviceCode)
}
