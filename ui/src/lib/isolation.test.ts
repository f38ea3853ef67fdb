// The isolation application (ui/isolation/index.js) run in a stand-in window: its hook passes
// well-formed IPC messages through unchanged and drops everything else.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";

type Hook = (message: unknown) => unknown;

// Vitest runs from ui/.
const code = readFileSync(resolve(process.cwd(), "isolation/index.js"), "utf8");

function loadHook(): Hook {
  const window: Record<string, unknown> = {};
  const console = { error: vi.fn() };
  new Function("window", "console", code)(window, console);
  return window.__TAURI_ISOLATION_HOOK__ as Hook;
}

const hook = loadHook();

function message(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { cmd: "refresh_inventory", callback: 1234567, error: 7654321, payload: {}, options: undefined, ...overrides };
}

describe("isolation hook", () => {
  it("passes Rekey's commands, Tauri's plugin commands and channel IDs through unchanged", () => {
    for (const m of [
      message(),
      message({ cmd: "auth_status", payload: undefined }),
      message({ cmd: "save_settings", payload: { settings: { warnDays: 30, tags: ["a", null], nested: { on: true } } } }),
      message({ cmd: "refresh_inventory", payload: { onProgress: "__CHANNEL__:42" } }),
      message({ cmd: "sign_in_browser", payload: { cloud: { kind: "public" }, tenant: undefined } }),
      message({ cmd: "plugin:event|listen", payload: { event: "x", handler: 3 } }),
      message({ cmd: "plugin:__TAURI_CHANNEL__|fetch", payload: null, options: { headers: { "Tauri-Channel-Id": "1" } } }),
      message({ cmd: "upload", payload: new Uint8Array([1, 2, 3]) }),
    ]) {
      expect(hook(m)).toBe(m);
    }
  });

  it("drops malformed messages", () => {
    const polluted = JSON.parse('{"settings": {"__proto__": {"admin": true}}}');
    for (const m of [
      null,
      "refresh_inventory",
      message({ cmd: undefined }),
      message({ cmd: "Refresh-Inventory" }),
      message({ cmd: "auth_status; rm" }),
      message({ cmd: "plugin:shell|execute extra" }),
      message({ cmd: "a".repeat(65) }),
      message({ callback: "1" }),
      message({ error: -1 }),
      message({ callback: 1.5 }),
      message({ payload: "text" }),
      message({ payload: [1, 2] }),
      message({ payload: polluted }),
      message({ payload: { constructor: { prototype: {} } } }),
      message({ payload: { when: new Date() } }),
      message({ payload: { n: Number.NaN } }),
      message({ payload: { f: () => 1 } }),
      message({ payload: { deep: JSON.parse("[".repeat(40) + "]".repeat(40)) } }),
      message({ options: { headers: new Map() } }),
    ]) {
      expect(() => hook(m)).toThrow(/dropped/);
    }
  });

  it("cannot be replaced", () => {
    const window: Record<string, unknown> = {};
    new Function("window", "console", code)(window, { error: () => {} });
    expect(() => {
      "use strict";
      window.__TAURI_ISOLATION_HOOK__ = () => null;
    }).toThrow();
  });
});
