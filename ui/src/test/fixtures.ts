// Shared test data and a mocked back end. Names are chosen so that sorting by
// name, version or state gives orders that differ from the fixture order.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { ClusterRow } from "../lib/bindings/ClusterRow";
import type { SessionInfo } from "../lib/bindings/SessionInfo";

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

export type Handler = () => unknown;

/** Mock both commands; returns the list of commands invoked, in order. */
export function mockBackend(handlers: { session_info?: Handler; list_clusters?: Handler }): string[] {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    const handler = handlers[cmd as keyof typeof handlers];
    if (!handler) throw { code: "not_mocked", message: `no mock for ${cmd}` };
    return handler();
  });
  return calls;
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
