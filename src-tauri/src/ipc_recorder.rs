//! Test builds only: records the window's IPC traffic from Rust (every command's answer and every
//! channel message) in `window.__rekeyIpcLog`, so that the end-to-end leak test can search it for
//! secrets. Debug builds with `REKEY_RECORD_IPC=1` only; a release build never records.

use tauri::plugin::TauriPlugin;
use tauri::Runtime;

// Tauri's own IPC functions cannot be replaced (they are read-only properties), but every answer and
// channel message is delivered through the callback table it exposes for debugging: reading from it
// is where the traffic from Rust is recorded. What the window sends is its own data, not Rust's.
const SCRIPT: &str = r#"(function () {
  const log = [];
  Object.defineProperty(window, "__rekeyIpcLog", { value: log });
  const internals = window.__TAURI_INTERNALS__;
  const callbacks = internals && internals.callbacks;
  if (!callbacks) return;
  const get = Map.prototype.get;
  callbacks.get = function (id) {
    const callback = get.call(this, id);
    if (typeof callback !== "function") return callback;
    return function (data) {
      try {
        log.push(typeof data === "string" ? data : JSON.stringify(data === undefined ? null : data));
      } catch (_) {}
      return callback(data);
    };
  };
})();"#;

/// The recorder, when this build and environment ask for it.
pub fn plugin<R: Runtime>() -> Option<TauriPlugin<R>> {
    let wanted = std::env::var("REKEY_RECORD_IPC").is_ok_and(|v| v == "1");
    (cfg!(debug_assertions) && wanted).then(|| {
        tracing::warn!("recording the window's IPC traffic (REKEY_RECORD_IPC=1, a test build)");
        tauri::plugin::Builder::new("rekey-ipc-recorder")
            .js_init_script(SCRIPT)
            .build()
    })
}
