//! Rekey updating itself: Rust checks the feed compiled into the app's config (`plugins.updater` in
//! tauri.conf.json: its endpoint and the public key of the release signature), asks the admin in
//! Rekey's own native dialog, naming the version and its notes, and only then downloads, checks the
//! signature and installs (on Linux a .deb through `dpkg -i` under pkexec or sudo), then restarts.
//! The window may ask for a check (`check_for_updates`) and shows the answer; it gets none of the
//! updater plugin's own commands (capabilities/main.json), so it can neither name a feed nor
//! install anything.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rekey_core::updates::{self, UpdateCheck};
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::{Error, UpdaterExt};

/// How long the feed and the download may take before the check says the feed is unreachable.
const FEED_TIMEOUT: Duration = Duration::from_secs(120);
/// The check at start waits for the window to paint first.
const START_DELAY: Duration = Duration::from_secs(3);
/// Release notes longer than this are cut in the dialog (the feed is not ours to trust for size).
const NOTES_LIMIT: usize = 1500;

/// One check at a time (the start's and a 'Check now' never overlap).
#[derive(Default)]
pub struct Updates {
    busy: tokio::sync::Mutex<()>,
}

/// The check at start, when the setting is on: an update is offered in the native dialog; a
/// failure only goes to the log (an offline laptop is not nagged at every start).
pub fn start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(START_DELAY).await;
        let settings = app.state::<crate::alerts::Alerts>().settings();
        if !settings.check_for_updates {
            tracing::info!("update check at start: off in the settings");
            return;
        }
        match check(&app).await {
            outcome @ UpdateCheck::Failed { .. } => tracing::warn!("update check: {}", outcome.describe()),
            outcome => tracing::info!("update check: {}", outcome.describe()),
        }
    });
}

/// Checks the feed; a newer version is installed only if the admin accepts it in the native dialog.
pub async fn check(app: &AppHandle) -> UpdateCheck {
    let current = app.package_info().version.to_string();
    let updates = app.state::<Updates>();
    let Ok(_one_at_a_time) = updates.busy.try_lock() else {
        return UpdateCheck::Failed {
            current,
            message: "A check for updates is already running; its answer comes in Rekey's own dialog.".into(),
        };
    };
    let feed = feed(app);
    // The comparator sees what the feed offers, so that an older version is refused with a
    // reason rather than reported as "up to date".
    let offered: Arc<Mutex<Option<String>>> = Arc::default();
    let seen = offered.clone();
    let updater = app
        .updater_builder()
        .timeout(FEED_TIMEOUT)
        .version_comparator(move |current, release| {
            if let Ok(mut seen) = seen.lock() {
                *seen = Some(release.version.to_string());
            }
            release.version > current
        })
        .build();
    let found = match updater {
        Ok(updater) => updater.check().await,
        Err(e) => Err(e),
    };
    let update = match found {
        Ok(Some(update)) => update,
        Ok(None) => {
            let offered = offered.lock().ok().and_then(|o| o.clone());
            return match offered {
                Some(v) if is_older(&v, &current) => UpdateCheck::Failed {
                    message: updates::downgrade_refused(&current, &v),
                    current,
                },
                _ => UpdateCheck::UpToDate { current },
            };
        }
        Err(e) => {
            return UpdateCheck::Failed {
                message: explain(&e, &feed, None),
                current,
            }
        }
    };
    let version = update.version.clone();
    let message = confirmation(&current, &version, update.body.as_deref());
    if crate::dialogs::confirm(app, "Update Rekey", &message, "Install and restart")
        .await
        .is_err()
    {
        return UpdateCheck::Declined { current, version };
    }
    tracing::info!("installing Rekey {version} over {current}");
    // The plugin verifies the minisign signature (and the version it was signed for) against the
    // public key in the config before it writes anything.
    match update.download_and_install(|_, _| {}, || {}).await {
        Ok(()) => {
            let handle = app.clone();
            tauri::async_runtime::spawn(async move {
                // Let the window receive the answer, then restart into the new version.
                tokio::time::sleep(Duration::from_millis(500)).await;
                handle.request_restart();
            });
            UpdateCheck::Installed { current, version }
        }
        Err(e) => UpdateCheck::Failed {
            message: explain(&e, &feed, Some(&version)),
            current,
        },
    }
}

/// The native dialog's text: Rust's own words around the version and notes the feed announced.
fn confirmation(current: &str, version: &str, notes: Option<&str>) -> String {
    let notes = notes.map(str::trim).filter(|n| !n.is_empty());
    let notes = match notes {
        Some(n) if n.chars().count() > NOTES_LIMIT => {
            format!("{}…", n.chars().take(NOTES_LIMIT).collect::<String>())
        }
        Some(n) => n.to_string(),
        None => "(no release notes)".into(),
    };
    format!(
        "Rekey {version} is available; this is Rekey {current}.\n\nWhat is new in {version}:\n{notes}\n\n\
         Install it now? Its signature is checked against Rekey's release key first; the system may \
         ask for an administrator's password. Rekey then restarts: a rotation running now stops with \
         it and can be resumed after the restart."
    )
}

/// The feed compiled into this build (for messages only: the plugin reads the same config).
fn feed(app: &AppHandle) -> String {
    app.config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get("endpoints"))
        .and_then(|e| e.get(0))
        .and_then(|e| e.as_str())
        .unwrap_or("(none configured)")
        .to_string()
}

fn is_older(offered: &str, current: &str) -> bool {
    let parse = |v: &str| numeric_version(v.trim_start_matches('v'));
    matches!((parse(offered), parse(current)), (Some(o), Some(c)) if o < c)
}

/// `major.minor.patch` as numbers (pre-release tags are not used by Rekey's releases).
fn numeric_version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// The plugin's error with its causes (reqwest keeps the useful part in `source()`).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// A plain message per failure, each saying that nothing was installed.
fn explain(e: &Error, feed: &str, version: Option<&str>) -> String {
    let version = version.unwrap_or("the offered version");
    match e {
        Error::Minisign(_) | Error::Base64(_) | Error::SignatureUtf8(_) | Error::MissingSignedVersion => {
            updates::bad_signature(version, &with_causes(e))
        }
        Error::SignedVersionMismatch { signed, announced } => updates::bad_signature(
            version,
            &format!("the package was signed as {signed} but the feed calls it {announced}"),
        ),
        Error::Reqwest(_)
        | Error::Network(_)
        | Error::ReleaseNotFound
        | Error::Serialization(_)
        | Error::Semver(_)
        | Error::UrlParse(_) => updates::feed_unreachable(feed, &with_causes(e)),
        Error::TargetNotFound(_) | Error::TargetsNotFound(_) => format!(
            "The update feed at {feed} offers {version} but not for this system ({e}). Nothing was installed."
        ),
        Error::EmptyEndpoints | Error::InsecureTransportProtocol => format!(
            "This build of Rekey has no usable update feed ({e}): update it the way it was installed."
        ),
        _ => format!(
            "Rekey {version} could not be installed ({}). Nothing was changed: try again, or install it \
             with your system's package manager.",
            with_causes(e)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_offer_is_told_apart_from_the_same_version() {
        assert!(is_older("0.0.9", "0.1.0"));
        assert!(is_older("v0.1.0", "0.1.1"));
        assert!(!is_older("0.1.0", "0.1.0"));
        assert!(!is_older("0.2.0", "0.1.9"));
        assert!(!is_older("garbage", "0.1.0"));
    }

    #[test]
    fn failures_say_what_happened_and_that_nothing_was_installed() {
        let feed = "https://feed.example/latest.json";
        let mismatch = Error::SignedVersionMismatch {
            signed: "0.1.0".into(),
            announced: "0.2.0".into(),
        };
        let text = explain(&mismatch, feed, Some("0.2.0"));
        assert!(text.contains("not signed with Rekey's release key"), "{text}");
        assert!(text.contains("signed as 0.1.0"), "{text}");
        let text = explain(&Error::ReleaseNotFound, feed, None);
        assert!(
            text.contains(feed) && text.contains("Nothing was installed"),
            "{text}"
        );
        let text = explain(
            &Error::TargetsNotFound(vec!["linux-x86_64-deb".into()]),
            feed,
            Some("0.2.0"),
        );
        assert!(text.contains("linux-x86_64-deb"), "{text}");
        let text = explain(&Error::PackageInstallFailed, feed, Some("0.2.0"));
        assert!(text.contains("Nothing was changed"), "{text}");
    }

    #[test]
    fn the_dialog_names_the_version_and_bounds_the_notes() {
        let text = confirmation("0.1.0", "0.1.1", Some("Fixes the tray."));
        assert!(text.contains("Rekey 0.1.1 is available; this is Rekey 0.1.0"));
        assert!(text.contains("Fixes the tray."));
        let long = "x".repeat(5000);
        let text = confirmation("0.1.0", "0.1.1", Some(&long));
        assert!(text.len() < 2200, "{}", text.len());
        assert!(confirmation("0.1.0", "0.1.1", None).contains("(no release notes)"));
    }
}
