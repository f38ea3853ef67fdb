//! Copying a secret to the OS clipboard from Rust, so that it never passes through the web view, and
//! taking it back after a while unless the user has copied something else since.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// How long a copied secret stays on the clipboard.
pub const HOLD: Duration = Duration::from_secs(30);

/// How often the clipboard is looked at while the secret is on it.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    #[error(
        "the clipboard is not available ({0}). On Linux Rekey needs a graphical session (DISPLAY); \
         use `rekey vault reveal` on a terminal instead"
    )]
    Unavailable(String),
    #[error("could not put the secret on the clipboard: {0}")]
    Write(String),
}

/// How the copy ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The secret was still on the clipboard when the time ran out and was removed.
    Cleared,
    /// Something else was copied meanwhile; the clipboard was left alone.
    Replaced,
    /// Taking the secret back failed: the user should clear the clipboard by hand.
    Failed(String),
}

/// A secret on the clipboard. It is taken back when the hold time ends, whether or not this guard
/// is kept; [`CopyGuard::wait`] waits for that (a CLI must stay alive to keep serving the clipboard).
#[derive(Debug)]
pub struct CopyGuard {
    thread: JoinHandle<ClearOutcome>,
}

impl CopyGuard {
    pub fn wait(self) -> ClearOutcome {
        self.thread
            .join()
            .unwrap_or_else(|_| ClearOutcome::Failed("the clipboard thread stopped".into()))
    }
}

/// Puts `secret` on the clipboard for `hold`, then clears it unless it changed.
pub fn copy_for(secret: SecretString, hold: Duration) -> Result<CopyGuard, ClipboardError> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), ClipboardError>>();
    // The clipboard object lives on its own thread: on X11 it serves paste requests for as long
    // as it exists, so it must outlive this call.
    let thread = std::thread::Builder::new()
        .name("rekey-clipboard".into())
        .spawn(move || hold_secret(secret, hold, ready_tx))
        .map_err(|e| ClipboardError::Write(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(CopyGuard { thread }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ClipboardError::Write("the clipboard thread stopped".into())),
    }
}

fn hold_secret(
    secret: SecretString,
    hold: Duration,
    ready: mpsc::Sender<Result<(), ClipboardError>>,
) -> ClearOutcome {
    let mut clipboard = match arboard::Clipboard::new() {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(ClipboardError::Unavailable(e.to_string())));
            return ClearOutcome::Failed(e.to_string());
        }
    };
    if let Err(e) = clipboard.set_text(secret.expose_secret()) {
        let _ = ready.send(Err(ClipboardError::Write(e.to_string())));
        return ClearOutcome::Failed(e.to_string());
    }
    let _ = ready.send(Ok(()));
    let deadline = Instant::now() + hold;
    let still_ours = |clipboard: &mut arboard::Clipboard| match clipboard.get_text() {
        Ok(text) => Zeroizing::new(text).as_str() == secret.expose_secret(),
        // Non-text content (an image, a file) means the user copied something else.
        Err(arboard::Error::ContentNotAvailable) => false,
        Err(_) => true,
    };
    while Instant::now() < deadline {
        std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        if !still_ours(&mut clipboard) {
            return ClearOutcome::Replaced;
        }
    }
    match clipboard.clear() {
        Ok(()) => ClearOutcome::Cleared,
        Err(e) => ClearOutcome::Failed(e.to_string()),
    }
}
