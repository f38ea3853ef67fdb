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
    stop: mpsc::Sender<()>,
}

impl CopyGuard {
    /// Waits until the hold time ends (or something else is copied), and says how it ended.
    pub fn wait(self) -> ClearOutcome {
        self.thread
            .join()
            .unwrap_or_else(|_| ClearOutcome::Failed("the clipboard thread stopped".into()))
    }

    /// Takes the secret back now (Ctrl-C in the CLI) unless something else was copied meanwhile.
    pub fn clear_now(self) -> ClearOutcome {
        self.clear_handle().clear();
        self.wait()
    }

    /// A handle that takes the secret back early, for use while another thread [`wait`](Self::wait)s.
    pub fn clear_handle(&self) -> ClearNow {
        ClearNow(self.stop.clone())
    }
}

/// Ends a copy early: see [`CopyGuard::clear_handle`].
#[derive(Debug, Clone)]
pub struct ClearNow(mpsc::Sender<()>);

impl ClearNow {
    /// Asks for the secret to be taken back now; [`CopyGuard::wait`] then says how it ended.
    pub fn clear(&self) {
        // A closed channel means the copy has already ended.
        let _ = self.0.send(());
    }
}

/// Puts `secret` on the clipboard for `hold`, then clears it unless it changed.
pub fn copy_for(secret: SecretString, hold: Duration) -> Result<CopyGuard, ClipboardError> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), ClipboardError>>();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    // The clipboard object lives on its own thread: on X11 it serves paste requests for as long
    // as it exists, so it must outlive this call.
    let thread = std::thread::Builder::new()
        .name("rekey-clipboard".into())
        .spawn(move || hold_secret(secret, hold, ready_tx, stop_rx))
        .map_err(|e| ClipboardError::Write(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(CopyGuard {
            thread,
            stop: stop_tx,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ClipboardError::Write("the clipboard thread stopped".into())),
    }
}

/// The clipboard, trying again briefly: a busy display can refuse a new connection for a moment.
fn connect() -> Result<arboard::Clipboard, arboard::Error> {
    let mut attempt = 0;
    loop {
        match arboard::Clipboard::new() {
            Ok(clipboard) => return Ok(clipboard),
            Err(e) if attempt >= 4 => return Err(e),
            Err(_) => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }
}

fn hold_secret(
    secret: SecretString,
    hold: Duration,
    ready: mpsc::Sender<Result<(), ClipboardError>>,
    stop: mpsc::Receiver<()>,
) -> ClearOutcome {
    let mut clipboard = match connect() {
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
    // A dropped guard closes the channel: the secret is still held until the deadline.
    let mut guard_alive = true;
    while Instant::now() < deadline {
        let pause = POLL.min(deadline.saturating_duration_since(Instant::now()));
        if guard_alive {
            match stop.recv_timeout(pause) {
                Ok(()) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => guard_alive = false,
            }
        } else {
            std::thread::sleep(pause);
        }
        if !still_ours(&mut clipboard) {
            return ClearOutcome::Replaced;
        }
    }
    match clipboard.clear() {
        Ok(()) => ClearOutcome::Cleared,
        Err(e) => ClearOutcome::Failed(e.to_string()),
    }
}
