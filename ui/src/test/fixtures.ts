// Shared test data and a mocked back end. Names are chosen so that sorting by
// name, version or state gives orders that differ from the fixture order.
import { mockIPC } from "@tauri-apps/api/mocks";
import { vi } from "vitest";
import type { AccountInfo } from "../lib/bindings/AccountInfo";
import type { AuthStatus } from "../lib/bindings/AuthStatus";
import type { CloudSetting } from "../lib/bindings/CloudSetting";
import type { ClusterRow } from "../lib/bindings/ClusterRow";
import type { SessionInfo } from "../lib/bindings/SessionInfo";
import type { SubscriptionInfo } from "../lib/bindings/SubscriptionInfo";
import type { TenantInfo } from "../lib/bindings/TenantInfo";
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

function cluster(
  name: string,
  subscriptionId: string,
  subscriptionName: string,
  resourceGroup: string,
  extra: Partial<ClusterRow> = {},
): ClusterRow {
  return {
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
    ...extra,
  };
}

export const clusters: ClusterRow[] = [
  cluster("aks-prod-weu", PROD, "Contoso Production", "rg-prod", {
    identityKind: "servicePrincipal",
    aadIntegration: "legacy",
    spClientId: "aaaaaaaa-0000-0000-0000-000000000001",
    kubernetesVersion: "1.30.1",
  }),
  cluster("aks-dev-10", DEV, "Contoso Dev", "rg-dev", {
    location: "eastus",
    provisioningState: "Updating",
    kubernetesVersion: "1.28.10",
  }),
  cluster("aks-dev-2", DEV, "Contoso Dev", "rg-sandbox", {
    location: "eastus",
    identityKind: "servicePrincipal",
    spClientId: "aaaaaaaa-0000-0000-0000-000000000002",
    provisioningState: "Failed",
    powerState: "Stopped",
    kubernetesVersion: "1.28.9",
  }),
  cluster("aks-analytics", DATA, "Fabrikam Analytics", "rg-data", {
    location: "westus2",
    aadIntegration: "managed",
    provisioningState: "Creating",
    powerState: null,
    kubernetesVersion: null,
  }),
];

export type Args = Record<string, unknown>;
export type Handler = (args: Args) => unknown;
export type Call = { cmd: string; args: Args };

/** Mock the given commands; returns the commands invoked, with their arguments, in order. */
export function mockCommands(handlers: Record<string, Handler>): Call[] {
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Args;
    calls.push({ cmd, args });
    const handler = handlers[cmd];
    if (!handler) throw { code: "not_mocked", message: `no mock for ${cmd}` };
    return handler(args);
  });
  return calls;
}

/** Like `mockCommands`, but returns only the names of the commands invoked, in order. */
export function mockBackend(handlers: Record<string, Handler>): string[] {
  const names: string[] = [];
  mockIPC((cmd, payload) => {
    names.push(cmd);
    const handler = handlers[cmd];
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
};

export const demoStatus: AuthStatus = {
  mode: "demo",
  accounts: [],
  tokensPersisted: true,
  storageProblem: null,
  clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  demoCloud,
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
