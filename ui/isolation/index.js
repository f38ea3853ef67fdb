// Rekey's isolation application (Tauri's isolation pattern). Every IPC message the main window sends
// passes through this sandboxed frame, on its own origin, before Tauri encrypts it for the Rust side
// with a key the main window never sees. The hook lets through only well-formed messages: a command
// name of Rekey's shape, integer callback IDs, and plain JSON-like arguments of bounded size and depth
// without prototype-polluting keys. Anything else is dropped (and logged here), so it never reaches
// Rust. Which commands a window may call at all is decided in Rust by the capabilities.
"use strict";
(function () {
  // `session_info`, `refresh_inventory`…; Tauri's own plugins: `plugin:event|listen`,
  // `plugin:__TAURI_CHANNEL__|fetch`.
  var COMMAND = /^[a-z][a-z0-9_]{0,63}$/;
  var PLUGIN_COMMAND = /^plugin:(?:__TAURI_CHANNEL__|[a-z][a-z0-9-]{0,63})\|[a-z][a-z0-9_-]{0,63}$/;
  var FORBIDDEN_KEYS = ["__proto__", "constructor", "prototype"];
  var MAX_DEPTH = 32;
  var MAX_NODES = 200000;
  var MAX_STRING = 1 << 20;

  function isRaw(value) {
    return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
  }

  // A value JSON can carry faithfully: null, booleans, finite numbers, strings, plain arrays and
  // objects (and `undefined`, which JSON leaves out).
  function isPlain(value, depth, budget) {
    if (--budget.nodes < 0 || depth > MAX_DEPTH) return false;
    if (value === null || value === undefined) return true;
    switch (typeof value) {
      case "boolean":
        return true;
      case "number":
        return Number.isFinite(value);
      case "string":
        return value.length <= MAX_STRING;
      case "object":
        break;
      default:
        return false;
    }
    var proto = Object.getPrototypeOf(value);
    if (Array.isArray(value)) {
      if (proto !== Array.prototype) return false;
      for (var i = 0; i < value.length; i++) {
        if (!isPlain(value[i], depth + 1, budget)) return false;
      }
      return true;
    }
    if (proto !== Object.prototype && proto !== null) return false;
    var keys = Object.getOwnPropertyNames(value);
    for (var k = 0; k < keys.length; k++) {
      if (FORBIDDEN_KEYS.indexOf(keys[k]) !== -1) return false;
      if (!isPlain(value[keys[k]], depth + 1, budget)) return false;
    }
    return Object.getOwnPropertySymbols(value).length === 0;
  }

  function isCallbackId(value) {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
  }

  /** Why `message` is not a well-formed IPC message, or null if it is. */
  function problem(message) {
    if (typeof message !== "object" || message === null) return "not an object";
    if (typeof message.cmd !== "string") return "no command name";
    if (!COMMAND.test(message.cmd) && !PLUGIN_COMMAND.test(message.cmd)) return "a malformed command name";
    if (!isCallbackId(message.callback) || !isCallbackId(message.error)) return "malformed callback IDs";
    var payload = message.payload;
    if (!isRaw(payload)) {
      if (payload !== undefined && payload !== null && (typeof payload !== "object" || Array.isArray(payload))) {
        return "arguments that are not an object";
      }
      if (!isPlain(payload, 0, { nodes: MAX_NODES })) return "arguments that are not plain JSON";
    }
    var options = message.options;
    if (options !== undefined && options !== null && !isPlain(options, 0, { nodes: 1000 })) {
      return "malformed options";
    }
    return null;
  }

  function hook(message) {
    var why = problem(message);
    if (why !== null) {
      var name = message && typeof message.cmd === "string" ? message.cmd.slice(0, 80) : "?";
      console.error("Rekey isolation: dropped an IPC message (" + name + "): " + why);
      throw new Error("Rekey isolation: dropped a malformed IPC message");
    }
    return message;
  }

  Object.defineProperty(window, "__TAURI_ISOLATION_HOOK__", {
    value: hook,
    writable: false,
    configurable: false,
    enumerable: true,
  });
})();
