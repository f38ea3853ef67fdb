// The single gateway to the Rust back end: nothing else in the UI calls `invoke`.
// Every function here either resolves with the command's typed result or rejects
// with an `IpcError`, so components never have to guess what they caught.
import { invoke } from "@tauri-apps/api/core";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { IpcError } from "./bindings/IpcError";
import type { SessionInfo } from "./bindings/SessionInfo";

/** Code for failures that did not come from the back end as an `IpcError`. */
export const UNEXPECTED = "unexpected";
/** Code used when the page runs outside the Tauri webview (e.g. plain `npm run dev`). */
export const NO_BACKEND = "no_backend";

export function getSessionInfo(): Promise<SessionInfo> {
  return call<SessionInfo>("session_info");
}

export function listClusters(): Promise<ClusterRow[]> {
  return call<ClusterRow[]>("list_clusters");
}

async function call<T>(command: string): Promise<T> {
  if (!hasIpc()) {
    throw {
      code: NO_BACKEND,
      message: "The Rekey back end is not reachable. Open this page inside the Rekey app.",
    } satisfies IpcError;
  }
  try {
    return await invoke<T>(command);
  } catch (err) {
    throw toIpcError(err);
  }
}

// Without this check a plain browser fails with an opaque TypeError from inside
// @tauri-apps/api. Tauri (and its mockIPC) install this object before our code runs.
function hasIpc(): boolean {
  const internals = (globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } })
    .__TAURI_INTERNALS__;
  return typeof internals?.invoke === "function";
}

/** Turn any rejection value into an `IpcError` with a human-readable message. Idempotent. */
export function toIpcError(err: unknown): IpcError {
  if (typeof err === "string") {
    return { code: UNEXPECTED, message: err.trim() || "The back end failed without a message." };
  }
  if (typeof err === "object" && err !== null) {
    const record = err as Record<string, unknown>;
    const code = nonEmptyString(record.code);
    const message = nonEmptyString(record.message);
    if (message) return { code: code ?? UNEXPECTED, message };
    if (err instanceof Error) return { code: code ?? UNEXPECTED, message: err.name };
    if (code) return { code, message: `The back end reported "${code}" without a message.` };
  }
  return { code: UNEXPECTED, message: `Unexpected error: ${describe(err)}` };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

// Never falls back to String(object), which would print "[object Object]".
function describe(value: unknown): string {
  if (value === undefined || value === null) return "no details were given.";
  try {
    const json = JSON.stringify(value);
    if (json !== undefined && json !== "{}") return json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    // Circular or otherwise unserialisable: fall through.
  }
  return typeof value === "object" ? "an unreadable value." : String(value);
}
