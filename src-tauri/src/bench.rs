//! Startup marks for `scripts/bench-startup`: with `REKEY_BENCH` set, each mark is one line on
//! stderr with the time (Unix ms), which the benchmark turns into milliseconds from exec. Without it
//! a mark costs one check of a flag read once.

use std::sync::OnceLock;

/// The variable the benchmark sets.
const BENCH_ENV: &str = "REKEY_BENCH";

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(BENCH_ENV).is_some())
}

/// Logs `what` with the time now, when benchmarking.
pub fn mark(what: &str) {
    if !enabled() {
        return;
    }
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    eprintln!("rekey-bench: {what} at_unix_ms={at}");
}
