// The single gateway to the Rust back end: nothing else in the UI calls `invoke`.
// Every function here either resolves with the command's typed result or rejects
// with an `IpcError`, so components never have to guess what they caught.
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { AccountInfo } from "./bindings/AccountInfo";
import type { AuthStatus } from "./bindings/AuthStatus";
import type { CloudSetting } from "./bindings/CloudSetting";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { DeviceCodePrompt } from "./bindings/DeviceCodePrompt";
import type { Inventory } from "./bindings/Inventory";
import type { IpcError } from "./bindings/IpcError";
import type { Progress } from "./bindings/Progress";
import type { Selection } from "./bindings/Selection";
import type { SessionInfo } from "./bindings/SessionInfo";
import type { SubscriptionInfo } from "./bindings/SubscriptionInfo";
import type { TenantInfo } from "./bindings/TenantInfo";

/** Code for failures that did not come from the back end as an `IpcError`. */
export const UNEXPECTED = "unexpected";
/** Code used when the page runs outside the Tauri webview (e.g. plain `npm run dev`). */
export const NO_BACKEND = "no_backend";

export function getSessionInfo(): Promise<SessionInfo> {
  return call<SessionInfo>("session_info");
}

/** Superseded by the inventory commands (`cachedInventory`, `refreshInventory`). */
export function listClusters(): Promise<ClusterRow[]> {
  return call<ClusterRow[]>("list_clusters");
}

/** The last inventory Rekey saved in the app data folder (never a secret), or null on first start. */
export function cachedInventory(): Promise<Inventory | null> {
  return call<Inventory | null>("cached_inventory");
}

/**
 * Scans the selected subscriptions again; `onProgress` receives counters while it runs. Rejects
 * (code `cancelled`) when `cancelRefresh` stops it.
 */
export function refreshInventory(onProgress: (progress: Progress) => void): Promise<Inventory> {
  const channel = new Channel<Progress>(onProgress);
  return call<Inventory>("refresh_inventory", { onProgress: channel });
}

/** Stops the refresh in progress, if any. */
export function cancelRefresh(): Promise<void> {
  return call<void>("cancel_refresh");
}

export type ExportFormat = "csv" | "json";

/**
 * Rust asks where to save (native dialog) and writes the last inventory there. Resolves with the
 * path written, or null when the user cancelled the dialog.
 */
export function exportInventory(format: ExportFormat): Promise<string | null> {
  return call<string | null>("export_inventory", { format });
}

export function getAuthStatus(): Promise<AuthStatus> {
  return call<AuthStatus>("auth_status");
}

/** Rust opens the system browser and resolves once the user has finished there (can take minutes). */
export function signInBrowser(cloud: CloudSetting, tenant: string | null): Promise<AccountInfo> {
  return call<AccountInfo>("sign_in_browser", { cloud, tenant });
}

/**
 * Signs a saved account in again in the system browser, in its cloud and tenant, after Azure refused
 * its saved sign-in (`AuthStatus.needsSignIn`: multi-factor authentication, conditional access…).
 * Cancel with `cancelSignIn`.
 */
export function signInAgain(accountId: string): Promise<AccountInfo> {
  return call<AccountInfo>("sign_in_again", { accountId });
}

/**
 * Device code flow: `onPrompt` receives the code to show first; the promise resolves once the
 * user has approved the sign-in on another device.
 */
export function signInDeviceCode(
  cloud: CloudSetting,
  tenant: string | null,
  onPrompt: (prompt: DeviceCodePrompt) => void,
): Promise<AccountInfo> {
  const channel = new Channel<DeviceCodePrompt>(onPrompt);
  return call<AccountInfo>("sign_in_device_code", { cloud, tenant, onPrompt: channel });
}

/** Uses the account the Azure CLI is signed in with (`az login`), in the CLI's own cloud. */
export function signInAzureCli(tenant: string | null): Promise<AccountInfo> {
  return call<AccountInfo>("sign_in_azure_cli", { tenant });
}

export type ServicePrincipalRequest = {
  cloud: CloudSetting;
  tenant: string;
  clientId: string;
  /** Path of a file holding the client secret. The secret itself never enters the web view. */
  secretFile: string;
};

export function signInServicePrincipal(request: ServicePrincipalRequest): Promise<AccountInfo> {
  const { cloud, tenant, clientId, secretFile } = request;
  return call<AccountInfo>("sign_in_service_principal", { cloud, tenant, clientId, secretFile });
}

/** Stops the sign-in in progress, if any; its pending command then rejects. */
export function cancelSignIn(): Promise<void> {
  return call<void>("cancel_sign_in");
}

export function listTenants(accountId: string): Promise<TenantInfo[]> {
  return call<TenantInfo[]>("list_tenants", { accountId });
}

export function listSubscriptions(accountId: string): Promise<SubscriptionInfo[]> {
  return call<SubscriptionInfo[]>("list_subscriptions", { accountId });
}

export function setSelection(accountId: string, selection: Selection): Promise<AccountInfo> {
  return call<AccountInfo>("set_selection", { accountId, selection });
}

export function signOut(accountId: string): Promise<void> {
  return call<void>("sign_out", { accountId });
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  if (!hasIpc()) {
    throw {
      code: NO_BACKEND,
      message: "The Rekey back end is not reachable. Open this page inside the Rekey app.",
    } satisfies IpcError;
  }
  try {
    return await invoke<T>(command, args);
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
