//! Copying a secret to the OS clipboard from Rust, so that it never passes through the web view, and
//! taking it back after a while unless the user has copied something else since.

use std::sync::{mpsc, Arc, Condvar, Mutex};
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

/// A copy still holding its secret, for [`clear_all_now`].
struct Pending {
    id: u64,
    stop: mpsc::Sender<()>,
    done: Arc<Done>,
}

/// Set by the clipboard thread once the secret is no longer held (cleared, replaced or failed).
#[derive(Default)]
struct Done {
    ended: Mutex<bool>,
    signal: Condvar,
}

impl Done {
    fn end(&self) {
        *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.signal.notify_all();
    }

    /// Whether it ended within `limit`.
    fn wait(&self, limit: Duration) -> bool {
        let ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        let (ended, _) = self
            .signal
            .wait_timeout_while(ended, limit, |ended| !*ended)
            .unwrap_or_else(|e| e.into_inner());
        *ended
    }
}

/// Every copy of this process that still holds its secret: a quitting app clears them all, since
/// its clipboard threads die with it and on Windows and macOS the secret would then stay.
static PENDING: Mutex<Vec<Pending>> = Mutex::new(Vec::new());

/// How long [`clear_all_now`] waits for each copy to be taken back.
const CLEAR_ALL_WAIT: Duration = Duration::from_secs(2);

/// Takes back now every secret this process still holds on the clipboard (unless something else was
/// copied meanwhile), and waits for that: call it before the process exits. Returns how many copies
/// were still pending.
pub fn clear_all_now() -> usize {
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|e| e.into_inner()));
    for copy in &pending {
        // A closed channel means that copy has already ended.
        let _ = copy.stop.send(());
    }
    for copy in &pending {
        if !copy.done.wait(CLEAR_ALL_WAIT) {
            tracing::warn!("a copied secret could not be taken back from the clipboard before exit");
        }
    }
    pending.len()
}

fn forget(id: u64) {
    PENDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| p.id != id);
}

/// Puts `secret` on the clipboard for `hold`, then clears it unless it changed.
pub fn copy_for(secret: SecretString, hold: Duration) -> Result<CopyGuard, ClipboardError> {
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), ClipboardError>>();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let done = Arc::new(Done::default());
    // Registered before the thread starts, so that it cannot end (and `forget`) before this.
    PENDING.lock().unwrap_or_else(|e| e.into_inner()).push(Pending {
        id,
        stop: stop_tx.clone(),
        done: done.clone(),
    });
    // The clipboard object lives on its own thread: on X11 it serves paste requests for as long
    // as it exists, so it must outlive this call.
    let thread = std::thread::Builder::new()
        .name("rekey-clipboard".into())
        .spawn(move || {
            let outcome = hold_secret(secret, hold, ready_tx, stop_rx);
            forget(id);
            done.end();
            outcome
        })
        .map_err(|e| {
            forget(id);
            ClipboardError::Write(e.to_string())
        })?;
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

/// Puts the secret on the clipboard marked as one, where the OS has the switch: kept out of
/// clipboard history (Linux clipboard managers such as Klipper, CopyQ and GPaste honour KDE's
/// `x-kde-passwordManagerHint`; macOS history tools `org.nspasteboard.ConcealedType`), and on
/// Windows out of clipboard history, cloud clipboard and clipboard monitors.
fn set_secret(clipboard: &mut arboard::Clipboard, secret: &str) -> Result<(), arboard::Error> {
    let set = clipboard.set();
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = {
        use arboard::SetExtLinux as _;
        set.exclude_from_history()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple as _;
        set.exclude_from_history()
    };
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows as _;
        // Monitoring alone already keeps it out of history and cloud for Windows itself; the other
        // two formats are for clipboard tools that only look for those.
        set.exclude_from_monitoring()
            .exclude_from_history()
            .exclude_from_cloud()
    };
    set.text(secret)
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
    if let Err(e) = set_secret(&mut clipboard, secret.expose_secret()) {
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
