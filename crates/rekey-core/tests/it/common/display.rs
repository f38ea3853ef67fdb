//! The X display the clipboard tests need (`xvfb-run -a` in `scripts/test`), and the clipboard as
//! another program sees it. Shared by the core's and the CLI's tests (included with `#[path]`).
//!
//! Tests that use the clipboard share the display's one clipboard, so they run one at a time: they
//! have `clipboard` in their name, which `.config/nextest.toml` puts in a group of one thread, and
//! in one process (`cargo test`) they hold [`clipboard_turn`].
#![allow(dead_code)] // each test binary uses a part of it

use std::io::Write as _;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, MutexGuard};

static CLIPBOARD: Mutex<()> = Mutex::const_new(());

/// The clipboard for this test alone (within this process), if there is a display: see
/// [`display_available`]. Hold it until the test ends.
pub async fn clipboard_turn(test: &str) -> Option<MutexGuard<'static, ()>> {
    if !display_available(test) {
        return None;
    }
    Some(CLIPBOARD.lock().await)
}

/// Whether there is a display to test the clipboard on. Without one the test fails, unless
/// `REKEY_SKIP_DISPLAY_TESTS=1` says to skip it (and it says so past the harness's capture).
pub fn display_available(test: &str) -> bool {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if has_display || cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    if std::env::var("REKEY_SKIP_DISPLAY_TESTS").as_deref() == Ok("1") {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: no display (DISPLAY is not set), and REKEY_SKIP_DISPLAY_TESTS=1"
        );
        return false;
    }
    panic!(
        "{test} needs a display for the clipboard, and DISPLAY is not set. Run the tests under \
         `xvfb-run -a` (as scripts/test does), or set REKEY_SKIP_DISPLAY_TESTS=1 to skip them"
    );
}

/// One connection to the display for the whole test: a new one per look, many times a second,
/// sometimes fails on a loaded machine ("X11 server connection timed out").
static READER: std::sync::Mutex<Option<arboard::Clipboard>> = std::sync::Mutex::new(None);

/// A clipboard handle, retrying for a while if the display does not answer at once.
fn connect() -> arboard::Clipboard {
    let started = Instant::now();
    loop {
        match arboard::Clipboard::new() {
            Ok(clipboard) => return clipboard,
            Err(e) if started.elapsed() > Duration::from_secs(20) => panic!("clipboard: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// The clipboard's text now, as another program would paste it (`None`: empty or not text).
pub fn clipboard_text() -> Option<String> {
    let mut reader = READER.lock().unwrap_or_else(|e| e.into_inner());
    let clipboard = reader.get_or_insert_with(connect);
    clipboard.get_text().ok().filter(|t| !t.is_empty())
}

/// Waits up to `limit` for `check` to hold on the clipboard's text.
pub fn wait_for_clipboard(limit: Duration, check: impl Fn(Option<&str>) -> bool) -> Option<String> {
    let started = Instant::now();
    loop {
        let text = clipboard_text();
        if check(text.as_deref()) {
            return text;
        }
        assert!(
            started.elapsed() < limit,
            "the clipboard did not change as expected within {limit:?}; it holds {} characters",
            text.map(|t| t.len()).unwrap_or(0)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Puts `text` on the clipboard as another program would (a person copying something else), and
/// keeps serving it until the returned clipboard is dropped.
pub fn copy_other(text: &str) -> arboard::Clipboard {
    let mut clipboard = connect();
    clipboard
        .set_text(text.to_owned())
        .unwrap_or_else(|e| panic!("clipboard: {e}"));
    clipboard
}
