//! Browser sign-in from a terminal: the sign-in page opens in the default browser (the `open` crate
//! tries the desktop's launchers), and the core's loopback listener takes the answer.

use std::time::Duration;

use rekey_core::auth::Opener;
use url::Url;

/// How long a launcher may run before it counts as having handed the page to a browser; one that
/// fails sooner (no browser, no display) lets the next be tried, then the sign-in fails.
const LAUNCH_CHECK: Duration = Duration::from_secs(3);

/// The desktop's default browser, or `REKEY_BROWSER`.
pub struct DefaultBrowser;

impl Opener for DefaultBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        if let Some(browser) = std::env::var_os("REKEY_BROWSER").filter(|b| !b.is_empty()) {
            return open_with(&browser, url);
        }
        if let Some(reason) = no_display() {
            return Err(reason.into());
        }
        // Launchers are processes to wait for: hand this worker over meanwhile (main's runtime is
        // multi-threaded, which block_in_place needs).
        tokio::task::block_in_place(|| open::that_detached_with_timeout(url.as_str(), LAUNCH_CHECK))
            .map_err(launch_error)?;
        eprintln!("The sign-in page was opened in your web browser. If it did not appear, open this address on this computer:");
        eprintln!("{url}");
        eprintln!("Waiting for the sign-in to be completed in the browser (Ctrl+C to cancel)…");
        Ok(())
    }
}

/// `REKEY_BROWSER`, as in the app: a browser of the admin's choice, or a test's stand-in that
/// completes the sign-in page. It is started with the address and left to run.
fn open_with(browser: &std::ffi::OsStr, url: &Url) -> Result<(), String> {
    std::process::Command::new(browser)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| {
            format!(
                "could not start {} (REKEY_BROWSER): {e}",
                browser.to_string_lossy()
            )
        })?;
    eprintln!("Waiting for the sign-in to be completed in the browser (Ctrl+C to cancel)…");
    Ok(())
}

/// On Linux and the BSDs a browser needs a graphical session, unless `BROWSER` names one that does not.
fn no_display() -> Option<&'static str> {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") || set("BROWSER") || set("WSL_DISTRO_NAME") {
        return None;
    }
    Some("there is no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)")
}

/// The launcher's error names the whole sign-in address; say what failed instead.
fn launch_error(e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no browser launcher (such as xdg-open) is installed".into(),
        _ => {
            "the desktop's browser launcher failed (is a default browser set, or BROWSER set to one?)".into()
        }
    }
}
