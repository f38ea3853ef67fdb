// The single gateway to the Rust back end: nothing else in the UI calls `invoke`.
// Every function here either resolves with the command's typed result or rejects
// with an `IpcError`, so components never have to guess what they caught.
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { AccountInfo } from "./bindings/AccountInfo";
import type { AlertStatus } from "./bindings/AlertStatus";
import type { AppEvent } from "./bindings/AppEvent";
import type { AuthStatus } from "./bindings/AuthStatus";
import type { CloudSetting } from "./bindings/CloudSetting";
import type { Commands, Draft } from "./bindings/Commands";
import type { DeviceCodePrompt } from "./bindings/DeviceCodePrompt";
import type { Inventory } from "./bindings/Inventory";
import type { IpcError } from "./bindings/IpcError";
import type { Progress } from "./bindings/Progress";
import type { Selection } from "./bindings/Selection";
import type { Settings } from "./bindings/Settings";
import type { SettingsSaved } from "./bindings/SettingsSaved";
import type { SubscriptionInfo } from "./bindings/SubscriptionInfo";
import type { TenantInfo } from "./bindings/TenantInfo";
import type { UpdateCheck } from "./bindings/UpdateCheck";
import type { AuditRecord } from "./bindings/AuditRecord";
import type { GroupResult } from "./bindings/GroupResult";
import type { HoldAnswer } from "./bindings/HoldAnswer";
import type { KeyVaultChoice } from "./bindings/KeyVaultChoice";
import type { KeyVaults } from "./bindings/KeyVaults";
import type { Mode } from "./bindings/Mode";
import type { Resumed } from "./bindings/Resumed";
import type { Retire } from "./bindings/Retire";
import type { RotationProgress } from "./bindings/RotationProgress";
import type { RotationSummary } from "./bindings/RotationSummary";
import type { StoredPlan } from "./bindings/StoredPlan";
import type { MoveProgress } from "./bindings/MoveProgress";
import type { MoveResult } from "./bindings/MoveResult";
import type { MoveSummary } from "./bindings/MoveSummary";
import type { ResumedMoves } from "./bindings/ResumedMoves";
import type { StoredMigration } from "./bindings/StoredMigration";
import type { VaultRow } from "./bindings/VaultRow";
import type { VaultStatus } from "./bindings/VaultStatus";

/** Code for failures that did not come from the back end as an `IpcError`. */
export const UNEXPECTED = "unexpected";
/** Code used when the page runs outside the Tauri webview (e.g. plain `npm run dev`). */
export const NO_BACKEND = "no_backend";

/** The last inventory Rekey saved in the app data folder (never a secret), or null on first start. */
export function cachedInventory(): Promise<Inventory | null> {
  return call("cached_inventory");
}

/**
 * Scans the selected subscriptions again; `onProgress` receives counters while it runs. Rejects
 * (code `cancelled`) when `cancelRefresh` stops it.
 */
export function refreshInventory(onProgress: (progress: Progress) => void): Promise<Inventory> {
  const channel = new Channel<Progress>(onProgress);
  return call("refresh_inventory", { onProgress: channel });
}

/** Stops the refresh in progress, if any. */
export function cancelRefresh(): Promise<void> {
  return call("cancel_refresh");
}

export type ExportFormat = "csv" | "json";

/**
 * Rust asks where to save (native dialog) and writes the last inventory there. Resolves with the
 * path written, or null when the user cancelled the dialog.
 */
export function exportInventory(format: ExportFormat): Promise<string | null> {
  return call("export_inventory", { format });
}

/** When the page's startup steps happened: ms since its time origin (a Unix time in ms). */
export type PageTimings = NonNullable<Commands["dashboard_painted"]["args"]["page"]>;

/** The dashboard painted its first rows (for the startup benchmark; Rust only logs it, once). */
export function dashboardPainted(rows: number, cached: boolean, page: PageTimings | null = null): Promise<void> {
  return call("dashboard_painted", { rows, cached, page });
}

/** Demo or signed-in accounts, and what the header shows about the session: the one command for both. */
export function getAuthStatus(): Promise<AuthStatus> {
  return call("auth_status");
}

/** Rust opens the system browser and resolves once the user has finished there (can take minutes). */
export function signInBrowser(cloud: CloudSetting, tenant: string | null): Promise<AccountInfo> {
  return call("sign_in_browser", { cloud, tenant });
}

/**
 * Signs a saved account in again in the system browser, in its cloud and tenant, after Azure refused
 * its saved sign-in (`AuthStatus.needsSignIn`: multi-factor authentication, conditional access…).
 * Cancel with `cancelSignIn`.
 */
export function signInAgain(accountId: string): Promise<AccountInfo> {
  return call("sign_in_again", { accountId });
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
  return call("sign_in_device_code", { cloud, tenant, onPrompt: channel });
}

/** Uses the account the Azure CLI is signed in with (`az login`), in the CLI's own cloud. */
export function signInAzureCli(tenant: string | null): Promise<AccountInfo> {
  return call("sign_in_azure_cli", { tenant });
}

export type ServicePrincipalRequest = {
  cloud: CloudSetting;
  tenant: string;
  clientId: string;
};

/**
 * Signs in as a service principal whose secret is in the file chosen with `chooseSecretFile`: the
 * window never names a path, and the secret itself never enters the web view.
 */
export function signInServicePrincipal(request: ServicePrincipalRequest): Promise<AccountInfo> {
  const { cloud, tenant, clientId } = request;
  return call("sign_in_service_principal", { cloud, tenant, clientId });
}

/** Opens Rekey's own file dialog for the client-secret file; resolves to the chosen file's name. */
export function chooseSecretFile(): Promise<string | null> {
  return call("choose_secret_file");
}

/** Opens Rekey's own file dialog for a custom cloud's CA certificate; resolves to the file's name. */
export function chooseCaFile(): Promise<string | null> {
  return call("choose_ca_file");
}

/** Stops the sign-in in progress, if any; its pending command then rejects. */
export function cancelSignIn(): Promise<void> {
  return call("cancel_sign_in");
}

export function listTenants(accountId: string): Promise<TenantInfo[]> {
  return call("list_tenants", { accountId });
}

export function listSubscriptions(accountId: string): Promise<SubscriptionInfo[]> {
  return call("list_subscriptions", { accountId });
}

export function setSelection(accountId: string, selection: Selection): Promise<AccountInfo> {
  return call("set_selection", { accountId, selection });
}

export function signOut(accountId: string): Promise<void> {
  return call("sign_out", { accountId });
}

/** Settings as a form holds them: a number that was not typed as one goes as null, for Rust to name. */
export type SettingsDraft = Draft<Settings>;

/** The settings in force (defaults for anything the settings file lacks or got wrong). */
export function getSettings(): Promise<Settings> {
  return call("get_settings");
}

/**
 * Validates and saves the settings in Rust. A refused value does not reject: it comes back in
 * `problems` (one plain message per field) with `saved: false`, and nothing is written.
 */
export function saveSettings(settings: SettingsDraft): Promise<SettingsSaved> {
  return call("save_settings", { settings });
}

/** The background refresh and alerts: last and next refresh, a problem, the tray's summary. */
export function getAlertStatus(): Promise<AlertStatus> {
  return call("alert_status");
}

/**
 * Checks Rekey's update feed now. Rust asks the admin in its own dialog before installing anything;
 * the answer says what happened (up to date, declined, installed and restarting, or why not).
 */
export function checkForUpdates(): Promise<UpdateCheck> {
  return call("check_for_updates");
}

/** Asks for a background refresh now (as the tray's "Refresh now"); the result arrives as an event. */
export function refreshInBackground(): Promise<void> {
  return call("refresh_in_background");
}

/**
 * Opens the channel on which Rust tells the window what happened without being asked (open a
 * cluster from the tray or a notification, a new inventory from the background refresh). Call
 * once; a reloaded window calls it again.
 */
export function subscribeAppEvents(onEvent: (event: AppEvent) => void): Promise<void> {
  const channel = new Channel<AppEvent>(onEvent);
  return call("subscribe_app_events", { onEvent: channel });
}

/** Whether the OS keyring works (the vault, and so rotation, need it); `problem` says how to fix it. */
export function vaultStatus(): Promise<VaultStatus> {
  return call("vault_status");
}

/**
 * The secrets Rekey stored: metadata only, never a value, with whether the keyring and Azure still
 * have each (Azure is asked, so this can take a few seconds).
 */
export function vaultList(): Promise<VaultRow[]> {
  return call("vault_list");
}

/**
 * Rust puts the secret on the clipboard; resolves with the seconds until it is taken back (unless
 * something else is copied first). The value never comes here.
 */
export function vaultCopy(keyId: string): Promise<number> {
  return call("vault_copy", { keyId });
}

/** Rust shows the secret in a native dialog (never in this web view); resolves once it is closed. */
export function vaultReveal(keyId: string): Promise<void> {
  return call("vault_reveal", { keyId });
}

/** Deletes the secret from the keyring and the vault index. */
export function vaultDelete(keyId: string): Promise<void> {
  return call("vault_delete", { keyId });
}

/**
 * Plans the rotation of `clusterIds` (ARM IDs) and runs every pre-flight check; nothing changes in
 * Azure. Clusters sharing a service principal are added. `lifetimeDays` and `retire` default to
 * the settings when null. `keyVault`: also write the new secret to that Key Vault secret (null: the
 * keyring only, or the application's Key Vault setting). Rust keeps the plan: only
 * `startRotation(planId)` can run it.
 */
export function planRotation(
  clusterIds: string[],
  mode: Mode,
  lifetimeDays: number | null = null,
  retire: Retire | null = null,
  keyVault: KeyVaultChoice | null = null,
): Promise<StoredPlan> {
  return call("plan_rotation", { clusterIds, mode, lifetimeDays, retire, keyVault });
}

/**
 * Runs the plan Rust kept (once). `confirmedNames` must hold the exact name of every production
 * cluster in it. `rolesToCopy` (new service principal): role assignment IDs to copy, null for all.
 * Keeps running in Rust if the window closes; `onProgress` gets each step while it listens.
 */
export function startRotation(
  planId: string,
  confirmedNames: string[],
  rolesToCopy: string[] | null,
  onProgress: (progress: RotationProgress) => void,
): Promise<GroupResult[]> {
  const channel = new Channel<RotationProgress>(onProgress);
  return call("start_rotation", { planId, confirmedNames, rolesToCopy, onProgress: channel });
}

/** Every rotation (of this mode: demo or signed in), newest first. */
export function listRotations(): Promise<RotationSummary[]> {
  return call("list_rotations");
}

/**
 * Goes on with unfinished rotations (and retires old secrets whose grace period is over), or with
 * just `only` (a failed rotation's Retry).
 */
export function resumeRotations(
  onProgress: (progress: RotationProgress) => void,
  only: string | null = null,
): Promise<Resumed> {
  const channel = new Channel<RotationProgress>(onProgress);
  return call("resume_rotations", { only, onProgress: channel });
}

/** Removes the unused new secret of a failed rotation (refused once a cluster may use it). */
export function rollBackRotation(rotationId: string): Promise<GroupResult> {
  return call("roll_back_rotation", { rotationId });
}

/** The audit log (rotation steps, copies and reveals of secrets), newest first. */
export function rotationHistory(): Promise<AuditRecord[]> {
  return call("rotation_history");
}

/** Rust asks where to save (native dialog) and writes the audit log as CSV; null if cancelled. */
export function exportHistory(): Promise<string | null> {
  return call("export_history");
}

/** Opens Microsoft's migration guide from the retired legacy AAD integration in the browser. */
export function openAadMigrationGuide(): Promise<void> {
  return call("open_aad_migration_guide");
}

/** The key vaults a rotation can also write its new secret to, and what could not be listed. Reads only. */
export function listKeyVaults(): Promise<KeyVaults> {
  return call("list_key_vaults");
}

/**
 * The admin's answer to a held retirement (an old secret still signed in after the clusters moved):
 * wait `hours` more, or retire anyway — which Rust confirms in its own native dialog first (code
 * `not_confirmed` when the admin cancels there).
 */
export function answerRetirement(rotationId: string, answer: HoldAnswer): Promise<GroupResult> {
  return call("answer_retirement", { rotationId, answer });
}

/**
 * Plans the move of `clusterIds` (the inventory's ARM IDs) to a managed identity: `identity` is
 * "system", a user-assigned identity's resource ID, or null for the plan's default; `retire`: when
 * the principal's secrets go (null: the settings' policy); `deletePrincipal`: delete the principal
 * after its secrets where nothing else uses it. Reads only; Rust keeps the plan: only
 * `startMigration(planId)` can run it.
 */
export function planMigration(
  clusterIds: string[],
  identity: string | null,
  retire: Retire | null = null,
  deletePrincipal: boolean | null = null,
): Promise<StoredMigration> {
  return call("plan_migration", { clusterIds, identity, retire, deletePrincipal });
}

/**
 * Runs the move plan Rust kept (once), after Rust's native confirmation. `confirmedNames` must hold
 * the exact name of every production cluster in it. Keeps running in Rust if the window closes.
 */
export function startMigration(
  planId: string,
  confirmedNames: string[],
  onProgress: (progress: MoveProgress) => void,
): Promise<MoveResult[]> {
  const channel = new Channel<MoveProgress>(onProgress);
  return call("start_migration", { planId, confirmedNames, onProgress: channel });
}

/** Every move to a managed identity (of this mode), newest first. */
export function listMigrations(): Promise<MoveSummary[]> {
  return call("list_migrations");
}

/** Goes on with unfinished moves (and retires old secrets whose grace period is over). */
export function resumeMigrations(onProgress: (progress: MoveProgress) => void): Promise<ResumedMoves> {
  const channel = new Channel<MoveProgress>(onProgress);
  return call("resume_migrations", { onProgress: channel });
}

/** The arguments of `command`: none, or the object Rust's function takes (camelCase names). */
type ArgList<K extends keyof Commands> = keyof Commands[K]["args"] extends never ? [] : [Commands[K]["args"]];

/**
 * Calls one of the commands the window's capability allows (the generated `Commands` map, from
 * the Rust table): a name that is not there, or a wrong argument, does not compile.
 */
export async function call<K extends keyof Commands>(command: K, ...args: ArgList<K>): Promise<Commands[K]["result"]> {
  if (!hasIpc()) {
    throw {
      code: NO_BACKEND,
      message: "The Rekey back end is not reachable. Open this page inside the Rekey app.",
    } satisfies IpcError;
  }
  try {
    return await invoke<Commands[K]["result"]>(command, args[0] as InvokeArgs | undefined);
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
