// Shared test data and a mocked back end. Names are chosen so that sorting by
// name, version or state gives orders that differ from the fixture order.
import { mockIPC } from "@tauri-apps/api/mocks";
import { vi } from "vitest";
import type { AccountInfo } from "../lib/bindings/AccountInfo";
import type { AuthStatus } from "../lib/bindings/AuthStatus";
import type { CloudSetting } from "../lib/bindings/CloudSetting";
import type { Commands } from "../lib/bindings/Commands";
import type { ClusterRow } from "../lib/bindings/ClusterRow";
import type { CredentialInfo } from "../lib/bindings/CredentialInfo";
import type { ExpiryBucket } from "../lib/bindings/ExpiryBucket";
import type { ExpiryStatus } from "../lib/bindings/ExpiryStatus";
import type { Inventory } from "../lib/bindings/Inventory";
import type { MoveSummary } from "../lib/bindings/MoveSummary";
import type { SessionInfo } from "../lib/bindings/SessionInfo";
import type { Settings } from "../lib/bindings/Settings";
import type { SubscriptionInfo } from "../lib/bindings/SubscriptionInfo";
import type { TenantInfo } from "../lib/bindings/TenantInfo";
import type { Thresholds } from "../lib/bindings/Thresholds";
import type { AuthView, PageProps } from "../pages";

export const demoSession: SessionInfo = {
  mode: "demo",
  simulated: true,
  cloudName: "AzureCloud",
  armEndpoint: "https://management.azure.com/",
  tenantLabel: "Contoso (simulated)",
};

export const azureSession: SessionInfo = {
  ...demoSession,
  mode: "azure",
  simulated: false,
  tenantLabel: "Contoso Ltd",
};

const PROD = "11111111-1111-1111-1111-111111111111";
const DEV = "22222222-2222-2222-2222-222222222222";
const DATA = "33333333-3333-3333-3333-333333333333";
export const TENANT_A = "aaaaaaaa-1111-4111-8111-111111111111";
export const TENANT_B = "bbbbbbbb-2222-4222-8222-222222222222";

const DAY = 86_400_000;

/** When the fixtures were made: one instant for all of them, so that two rows "60 days out" are
 * exactly equal (a clock tick between them made ties flaky). */
const FIXTURE_NOW = Date.now();

/** ISO timestamp `days` from now (fractional days allowed; negative is the past). */
export function inDays(days: number): string {
  return new Date(FIXTURE_NOW + days * DAY).toISOString();
}

/**
 * ts-rs types Rust's i64 as `bigint` while JSON carries a number; this builds what the back end
 * really sends, typed either way.
 */
export function int<T>(n: number | null): T {
  return n as unknown as T;
}

/** An expiry rating whose days left follow from `days` (whole days from now). */
export function expiry(bucket: ExpiryBucket, days: number | null, extra: Partial<ExpiryStatus> = {}): ExpiryStatus {
  return {
    bucket,
    expiresAt: days === null ? null : inDays(days + 0.5),
    daysLeft: int<ExpiryStatus["daysLeft"]>(days),
    assumed: false,
    keyId: null,
    reason: `Rated ${bucket}.`,
    ...extra,
  };
}

export function credential(appId: string, keyId: string, endDays: number, extra: Partial<CredentialInfo> = {}): CredentialInfo {
  return {
    owner: "application",
    kind: "password",
    appId,
    keyId,
    hint: "abc",
    displayName: null,
    start: inDays(endDays - 365),
    end: inDays(endDays + 0.5),
    expired: endDays < 0,
    lastUsed: null,
    ...extra,
  };
}

export function cluster(
  name: string,
  subscriptionId: string,
  subscriptionName: string,
  resourceGroup: string,
  extra: Partial<ClusterRow> = {},
): ClusterRow {
  const row: Omit<ClusterRow, "rotatable"> = {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    subscriptionId,
    subscriptionName,
    resourceGroup,
    location: "westeurope",
    identityKind: "managedIdentity",
    aadIntegration: "none",
    spClientId: null,
    provisioningState: "Succeeded",
    powerState: "Running",
    kubernetesVersion: "1.29.4",
    tenantId: TENANT_A,
    tenantName: "Contoso",
    nodeCount: 3,
    aadServerAppId: null,
    spDisplayName: null,
    expiry: expiry("autoRotated", null, { reason: "Managed identity: Azure rotates its credentials." }),
    credentials: [],
    ...extra,
  };
  // As Rust sends it (ClusterRow::can_rotate), unless the test says otherwise.
  const rotatable = extra.rotatable ?? (row.identityKind === "servicePrincipal" || row.aadIntegration === "legacy");
  return { ...row, rotatable };
}

const SP_PROD = "aaaaaaaa-0000-0000-0000-000000000001";
const SP_DEV = "aaaaaaaa-0000-0000-0000-000000000002";
const SP_DATA = "aaaaaaaa-0000-0000-0000-000000000003";
const SP_GONE = "aaaaaaaa-0000-0000-0000-000000000004";
const LEGACY_SERVER = "aaaaaaaa-0000-0000-0000-0000000000ff";

/**
 * Eight clusters in three subscriptions and two tenants, one per bucket plus a shared service
 * principal (SP_DATA) and a second managed-identity cluster.
 */
export const clusters: ClusterRow[] = [
  cluster("aks-prod-weu", PROD, "Contoso Production", "rg-prod", {
    identityKind: "servicePrincipal",
    aadIntegration: "legacy",
    spClientId: SP_PROD,
    spDisplayName: "sp-aks-prod",
    aadServerAppId: LEGACY_SERVER,
    kubernetesVersion: "1.30.1",
    nodeCount: 12,
    expiry: expiry("critical", 3, {
      assumed: true,
      keyId: "key-prod-soon",
      reason: "Rekey did not set this cluster's secret; rated by the earliest unexpired credential.",
    }),
    credentials: [
      credential(SP_PROD, "key-prod-old", -40, { displayName: "2023 secret", hint: "Qx1" }),
      credential(SP_PROD, "key-prod-soon", 3, { displayName: "rotated by hand", hint: "Zk9" }),
      credential(SP_PROD, "key-prod-spobj", 200, { owner: "servicePrincipal", displayName: "az ad sp reset", hint: "Pp4" }),
      credential(SP_PROD, "key-prod-cert", 500, { kind: "certificate", hint: null, displayName: "CN=aks-prod" }),
      credential(LEGACY_SERVER, "key-legacy-server", 45, { displayName: "AAD server app", hint: "Lg2" }),
    ],
  }),
  cluster("aks-dev-10", DEV, "Contoso Dev", "rg-dev", {
    location: "eastus",
    provisioningState: "Updating",
    kubernetesVersion: "1.28.10",
  }),
  cluster("aks-dev-2", DEV, "Contoso Dev", "rg-sandbox", {
    location: "eastus",
    identityKind: "servicePrincipal",
    spClientId: SP_DEV,
    spDisplayName: "sp-aks-dev",
    provisioningState: "Failed",
    powerState: "Stopped",
    kubernetesVersion: "1.28.9",
    nodeCount: 1,
    expiry: expiry("warning", 20, { keyId: "key-dev", reason: "Rekey set this secret." }),
    credentials: [credential(SP_DEV, "key-dev", 20)],
  }),
  cluster("aks-analytics", DATA, "Fabrikam Analytics", "rg-data", {
    location: "westus2",
    tenantId: TENANT_B,
    tenantName: null,
    aadIntegration: "managed",
    identityKind: "servicePrincipal",
    spClientId: SP_DATA,
    spDisplayName: "sp-fabrikam-data",
    provisioningState: "Creating",
    powerState: null,
    kubernetesVersion: null,
    nodeCount: null,
    expiry: expiry("notice", 60, { assumed: true, keyId: "key-data", reason: "Assumed: earliest unexpired." }),
    credentials: [credential(SP_DATA, "key-data", 60, { owner: "servicePrincipal" })],
  }),
  cluster("aks-data-batch", DATA, "Fabrikam Analytics", "rg-data", {
    tenantId: TENANT_B,
    tenantName: null,
    identityKind: "servicePrincipal",
    spClientId: SP_DATA,
    spDisplayName: "sp-fabrikam-data",
    expiry: expiry("notice", 60, { assumed: true, keyId: "key-data", reason: "Assumed: earliest unexpired." }),
    credentials: [credential(SP_DATA, "key-data", 60, { owner: "servicePrincipal" })],
  }),
  cluster("aks-prod-ok", PROD, "Contoso Production", "rg-prod", {
    identityKind: "servicePrincipal",
    spClientId: "aaaaaaaa-0000-0000-0000-000000000005",
    spDisplayName: "sp-aks-prod-ok",
    expiry: expiry("ok", 150, { keyId: "key-ok", reason: "Rekey set this secret." }),
    credentials: [credential("aaaaaaaa-0000-0000-0000-000000000005", "key-ok", 150)],
  }),
  cluster("aks-prod-broken", PROD, "Contoso Production", "rg-legacy", {
    identityKind: "servicePrincipal",
    spClientId: SP_GONE,
    spDisplayName: "sp-aks-old",
    powerState: "Running",
    expiry: expiry("expired", -5, { reason: "Every credential has expired." }),
    credentials: [credential(SP_GONE, "key-gone", -5)],
  }),
  cluster("aks-dev-mystery", DEV, "Contoso Dev", "rg-dev", {
    identityKind: "servicePrincipal",
    spClientId: "aaaaaaaa-0000-0000-0000-000000000006",
    expiry: expiry("unknown", null, { reason: "Graph returned 403 for this application." }),
  }),
];

export const thresholds: Thresholds = {
  criticalDays: 7,
  warningDays: 30,
  noticeDays: 90,
};

/** An inventory of `rows`, generated `ageHours` ago. */
export function inventory(rows: ClusterRow[] = clusters, extra: Partial<Inventory> = {}, ageHours = 0): Inventory {
  return {
    clusters: rows,
    warnings: [],
    generatedAt: new Date(Date.now() - ageHours * 3_600_000).toISOString(),
    source: "resourceGraph",
    stats: {
      subscriptions: new Set(rows.map((r) => r.subscriptionId)).size,
      clusters: rows.length,
      servicePrincipals: 5,
      credentials: 10,
      requests: 4,
    },
    thresholds,
    ...extra,
    blindSpots: extra.blindSpots ?? [],
  };
}

export type Args = Record<string, unknown>;
export type Handler = (args: Args) => unknown;
export type Call = { cmd: string; args: Args };

/** Mocks of commands in the generated map only: a test cannot mock a command the app does not have. */
type Mocked = Partial<Record<keyof Commands, Handler>>;

/** Mock the given commands; returns the commands invoked, with their arguments, in order. */
export function mockCommands(handlers: Mocked): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Args;
    calls.push({ cmd, args });
    const handler = handlers[cmd as keyof Commands];
    if (!handler) throw { code: "not_mocked", message: `no mock for ${cmd}` };
    return handler(args);
  });
  return calls;
}

/** Like `mockCommands`, but returns only the names of the commands invoked, in order. */
export function mockBackend(handlers: Mocked): string[] {
  const names: string[] = [];
  mockIPC((cmd, payload) => {
    names.push(cmd);
    const handler = handlers[cmd as keyof Commands];
    if (!handler) throw { code: "not_mocked", message: `no mock for ${cmd}` };
    return handler((payload ?? {}) as Args);
  });
  return names;
}

/**
 * Deliver a message on a `Channel` the UI passed to a command, the way Tauri does: the mock
 * installs `runCallback`, and the channel expects `{ index, message }` in order.
 */
export function sendOnChannel(channel: unknown, index: number, message: unknown) {
  const id = (channel as { id: number }).id;
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(id, { index, message });
}

// ---- Accounts -------------------------------------------------------------------------------

export const demoCloud: CloudSetting = {
  kind: "custom",
  metadataUrl: "https://127.0.0.1:8443/metadata/endpoints?api-version=2022-09-01",
  caFile: "/tmp/rekey-sim/ca.pem",
};

export const HOME_TENANT = "aaaaaaaa-1111-4111-8111-111111111111";
export const OTHER_TENANT = "bbbbbbbb-2222-4222-8222-222222222222";
export const EMPTY_TENANT = "cccccccc-3333-4333-8333-333333333333";

export const tenants: TenantInfo[] = [
  { tenantId: HOME_TENANT, displayName: "Contoso", defaultDomain: "contoso.onmicrosoft.com" },
  { tenantId: OTHER_TENANT, displayName: "Fabrikam", defaultDomain: "fabrikam.onmicrosoft.com" },
  { tenantId: EMPTY_TENANT, displayName: null, defaultDomain: "empty.onmicrosoft.com" },
];

export const SUB_PROD = "11111111-1111-1111-1111-111111111111";
export const SUB_DEV = "22222222-2222-2222-2222-222222222222";
export const SUB_DATA = "33333333-3333-3333-3333-333333333333";

export const subscriptions: SubscriptionInfo[] = [
  { subscriptionId: SUB_PROD, displayName: "Contoso Production", tenantId: HOME_TENANT, state: "Enabled" },
  { subscriptionId: SUB_DEV, displayName: "Contoso Dev", tenantId: HOME_TENANT, state: "Warned" },
  { subscriptionId: SUB_DATA, displayName: "Fabrikam Analytics", tenantId: OTHER_TENANT, state: "Enabled" },
];

export const account: AccountInfo = {
  id: "acct-admin",
  username: "admin@contoso.onmicrosoft.com",
  tenantId: HOME_TENANT,
  cloud: { kind: "public" },
  method: "browser",
  selection: { tenants: [], subscriptions: [] },
};

export const signedInStatus: AuthStatus = {
  mode: "azure",
  accounts: [account],
  tokensPersisted: true,
  storageProblem: null,
  clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  demoCloud: null,
  needsSignIn: [],
  defaultCloud: null,
  session: azureSession,
};

export const demoStatus: AuthStatus = {
  mode: "demo",
  accounts: [],
  tokensPersisted: true,
  storageProblem: null,
  clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  demoCloud,
  needsSignIn: [],
  defaultCloud: null,
  session: demoSession,
};

/** Props for rendering a page on its own, with spies for what it asks of the shell. */
export function pageProps(auth: AuthStatus | AuthView = signedInStatus) {
  const view: AuthView = "status" in auth ? auth : { status: "ready", auth };
  return {
    auth: view,
    reloadAuth: vi.fn<PageProps["reloadAuth"]>(() => Promise.resolve()),
    navigate: vi.fn<PageProps["navigate"]>(),
  };
}

/** A promise plus its resolve/reject, for holding a command "in flight". */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The settings `get_settings` answers in the wizards' tests (retire at once; 48 h when a grace is chosen). */
export const settings: Settings = {
  clientId: null,
  cloud: null,
  refreshIntervalHours: 6,
  closeToTray: true,
  notifyDays: [30, 7],
  notifyExpired: true,
  dailyDigest: false,
  startAtLogin: false,
  expiryBuckets: { criticalDays: 7, warningDays: 30, noticeDays: 90 },
  rotationLifetimeDays: 90,
  retirePolicy: "now",
  retireGraceHours: 48,
  rotationConcurrency: 8,
  replicationTimeoutMinutes: 10,
  retireHoldHours: 24,
  keyVaults: {},
  theme: "system",
  checkForUpdates: true,
};

/** A move to a managed identity as `list_migrations` sends it: unfinished and due unless told. */
export function moveSummary(name: string, extra: Partial<MoveSummary> = {}): MoveSummary {
  return {
    migrationId: `mig-${name}`,
    clusterId: `/subscriptions/s/resourceGroups/rg-stg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    identity: { kind: "systemAssigned" },
    started: "2030-01-01T10:00:00Z",
    outcome: null,
    poolsDone: [],
    retireAfter: null,
    lastFailure: null,
    due: true,
    ...extra,
  };
}
