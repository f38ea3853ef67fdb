//! Rekey's saved state as one command sees it: the core's `Workspace` (accounts, the token cache in
//! the keyring, sessions), as the desktop app opens it, with what went wrong said on stderr.

use rekey_core::estate::{DemoFiles, DemoSource, Estate};
use rekey_core::paths::AppPaths;
use rekey_core::workspace::Workspace;

use crate::error::CliError;

/// The workspace in `REKEY_HOME`, or in the OS's per-user folders. A broken account list (set aside,
/// the command goes on with none) is said at once; a keyring problem only where it matters
/// ([`storage_warning`]).
pub async fn open() -> Result<Workspace, CliError> {
    let paths = AppPaths::resolve()?;
    let workspace = Workspace::open(&paths).await.map_err(CliError::Ipc)?;
    if let Some(problem) = workspace.accounts_problem() {
        warn(&problem);
    }
    Ok(workspace)
}

/// The estate one command works on: the signed-in accounts, or the demo tenant of a simulator
/// started for this command (its rotations keep nothing after it).
pub async fn estate() -> Result<Estate, CliError> {
    let paths = AppPaths::resolve()?;
    let workspace = open().await?;
    Ok(Estate::new(
        paths,
        DemoSource::Start(rekey_demo::starter()),
        DemoFiles::Discarded,
    )
    .with_workspace(workspace))
}

/// Says on stderr that the command works on the demo tenant, when it does.
pub async fn say_demo(estate: &Estate) {
    if let Some(notice) = estate.demo_notice().await {
        eprintln!("{notice}");
    }
}

/// Why sign-ins are not remembered (no keyring, a token cache set aside), if that is so.
pub fn storage_warning(workspace: &Workspace) -> Option<String> {
    let problem = workspace
        .storage_problem()
        .filter(|p| Some(p) != workspace.accounts_problem().as_ref());
    if workspace.tokens_persisted() {
        return problem;
    }
    Some(format!(
        "the keyring is unavailable, so sign-ins will not be remembered after this command: {}",
        problem.unwrap_or_else(|| "the token cache cannot be saved".into())
    ))
}

/// A problem that does not stop the command, on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}
