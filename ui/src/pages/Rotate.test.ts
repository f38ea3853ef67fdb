import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GroupResult } from "../lib/bindings/GroupResult";
import type { KeyVaults } from "../lib/bindings/KeyVaults";
import type { PlanGroup } from "../lib/bindings/PlanGroup";
import type { PlannedCluster } from "../lib/bindings/PlannedCluster";
import type { RotationProgress } from "../lib/bindings/RotationProgress";
import type { StoredPlan } from "../lib/bindings/StoredPlan";
import { rotation } from "../lib/rotation.svelte";
import {
  clusters,
  deferred,
  demoStatus,
  inventory,
  mockCommands,
  pageProps,
  sendOnChannel,
  settings,
  type Handler,
} from "../test/fixtures";
import Dashboard from "./Dashboard.svelte";
import Rotate from "./Rotate.svelte";

const prod = clusters.find((c) => c.name === "aks-prod-weu")!;
const ok = clusters.find((c) => c.name === "aks-prod-ok")!;


const ARM = "/subscriptions/s/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/";

function planned(name: string, extra: Partial<PlannedCluster> = {}): PlannedCluster {
  return {
    id: `${ARM}${name}`,
    name,
    resourceGroup: "rg-prod",
    subscriptionId: "s",
    nodeCount: 3,
    nodePools: 1,
    maxSurge: "33%",
    production: false,
    addedAsShared: false,
    checks: [
      { name: "provisioning state", level: "ok", detail: "Succeeded" },
      { name: "node re-image", level: "warn", detail: "the reset re-images the nodes: 3 node(s) in 1 pool(s)" },
    ],
    blockedBy: null,
    ...extra,
  };
}

function group(extra: Partial<PlanGroup> = {}): PlanGroup {
  return {
    rotationId: "rot-1",
    mode: "secret",
    tenantId: "t",
    appId: "app-prod",
    appDisplayName: "sp-aks-prod",
    clusters: [planned("aks-prod-weu", { production: true }), planned("aks-prod-weu-2", { production: true, addedAsShared: true })],
    oldSecrets: [{ keyId: "key-prod-soon", on: "application", hint: "Zk9", end: "2030-01-01T00:00:00Z" }],
    retire: { kind: "now" },
    lifetimeDays: 90,
    roleAssignments: [],
    checks: [{ name: "application", level: "ok", detail: "found" }],
    sharedOutside: [],
    blockedBy: null,
    keyVault: null,
    ...extra,
  };
}

const storedPlan = (groups: PlanGroup[] = [group()]): StoredPlan => ({
  planId: "plan-1",
  plan: { groups, problems: [{ name: "aks-dev-2", level: "block", detail: "it is 'Stopped': start the cluster" }] },
  // What Rust sends: the production clusters that will run (none of these fixtures is blocked).
  toConfirm: groups.flatMap((g) => g.clusters).filter((c) => c.production).map((c) => c.name),
  // What Rust writes (rotation::az_terms): a script per group that can run.
  azTerms: groups.map((g) => ({
    rotationId: g.rotationId,
    steps: [{ what: "Reset each cluster", commands: ["az aks update-credentials --client-secret \"$SP_SECRET\""] }],
    text: `# 1. Reset each cluster\naz aks update-credentials --client-secret "$SP_SECRET"  # ${g.appId}\n`,
  })),
});

function result(extra: Partial<GroupResult> = {}): GroupResult {
  return {
    rotationId: "rot-1",
    mode: "secret",
    appId: "app-prod",
    outcome: "succeeded",
    newKeyId: "key-new",
    newHint: "Nw3",
    newAppId: null,
    clustersDone: [`${ARM}aks-prod-weu`, `${ARM}aks-prod-weu-2`],
    clustersFailed: [],
    retired: ["key-prod-soon"],
    retireAfter: null,
    message: null,
    hold: null,
    ...extra,
  };
}

function setup(handlers: Record<string, Handler> = {}, rows = [prod]) {
  const calls = mockCommands({ get_settings: () => settings, plan_rotation: () => storedPlan(), ...handlers });
  rotation.open(rows);
  const props = pageProps(demoStatus);
  render(Rotate, props);
  return { calls, props };
}

const stage = () => screen.getByTestId("rotate-page").dataset.stage;

async function toConfirm() {
  await fireEvent.click(screen.getByTestId("rotate-plan"));
  await screen.findByTestId("rotate-preflight");
  await fireEvent.click(screen.getByTestId("rotate-next"));
  await screen.findByTestId("rotate-plan-table");
  await fireEvent.click(screen.getByTestId("rotate-next"));
  await screen.findByTestId("rotate-confirm");
}

afterEach(() => rotation.reset());

describe("Rotate wizard", () => {
  it("starts from the settings' lifetime and retire policy, and plans with the choices made", async () => {
    const { calls } = setup();
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("rotate-lifetime").value).toBe("90"));
    expect(screen.getByTestId<HTMLSelectElement>("rotate-retire").value).toBe("now");
    expect(screen.getByTestId<HTMLInputElement>("rotate-mode-secret").checked).toBe(true);
    expect(screen.getByTestId("rotate-chosen").textContent).toContain("aks-prod-weu");

    await fireEvent.input(screen.getByTestId("rotate-lifetime"), { target: { value: "30" } });
    await fireEvent.change(screen.getByTestId("rotate-retire"), { target: { value: "after" } });
    await fireEvent.input(screen.getByTestId("rotate-grace"), { target: { value: "12" } });
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");

    const plan = calls.find((c) => c.cmd === "plan_rotation")!;
    // No Key Vault chosen: null, and Rust uses the application's Key Vault setting if it has one.
    expect(plan.args).toEqual({
      clusterIds: [prod.id],
      mode: "secret",
      lifetimeDays: 30,
      retire: { kind: "after", hours: 12 },
      keyVault: null,
    });
  });

  it("shows the legacy AAD integration's retirement and opens the migration guide from Rust", async () => {
    const { calls } = setup({ open_aad_migration_guide: () => null });
    expect(screen.queryByTestId("aad-retired")).toBeNull();
    await fireEvent.click(screen.getByTestId("rotate-mode-aad"));
    const notice = screen.getByTestId("aad-retired");
    expect(notice.textContent).toContain("retired");
    expect(notice.textContent).toContain("https://aka.ms/aks-managed-aad");
    await fireEvent.click(screen.getByTestId("aad-guide"));
    expect(calls.map((c) => c.cmd)).toContain("open_aad_migration_guide");
  });

  it("shows pre-flight checks per cluster, then the plan with shared clusters and old secrets", async () => {
    setup();
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");
    const problem = screen.getByTestId("preflight-problem");
    expect(problem.textContent).toContain("aks-dev-2");
    expect(problem.textContent).toContain("Blocked");
    const checks = screen.getAllByTestId("preflight-cluster");
    expect(checks.map((c) => [c.dataset.clusterName, c.dataset.level])).toEqual([
      ["aks-prod-weu", "warn"],
      ["aks-prod-weu-2", "warn"],
    ]);
    expect(checks[1]!.textContent).toContain("shares the service principal");
    expect(checks[0]!.textContent).toContain("re-images the nodes");

    await fireEvent.click(screen.getByTestId("rotate-next"));
    expect(stage()).toBe("plan");
    const rows = screen.getAllByTestId("plan-cluster");
    expect(rows.map((r) => [r.dataset.clusterName, r.dataset.added, r.dataset.production])).toEqual([
      ["aks-prod-weu", "false", "true"],
      ["aks-prod-weu-2", "true", "true"],
    ]);
    expect(screen.getByTestId("old-secrets").textContent).toContain("Zk9");
    expect(screen.getByTestId("plan-group").textContent).toContain("removed once every cluster is verified");
    expect(screen.getByTestId("reimage-warning").textContent).toContain("re-images the nodes");
  });

  it("shows each group's plan in Azure CLI terms and copies the commands", async () => {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    setup();
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");
    await fireEvent.click(screen.getByTestId("rotate-next"));
    const az = within(screen.getByTestId("plan-group")).getByTestId("az-terms");
    expect(az.textContent).toContain("In Azure CLI terms");
    expect(screen.getByTestId("az-terms-text").textContent).toContain('--client-secret "$SP_SECRET"  # app-prod');
    await fireEvent.click(screen.getByTestId("az-terms-copy"));
    await waitFor(() => expect(screen.getByTestId("az-terms-copy").textContent).toBe("Copied"));
    expect(writeText).toHaveBeenCalledWith(expect.stringContaining("az aks update-credentials"));
  });

  it("starts only after every production cluster's name is typed, then shows live progress and the result", async () => {
    const run = deferred<GroupResult[]>();
    let channel: unknown;
    const { calls } = setup({
      start_rotation: (args) => {
        channel = args.onProgress;
        return run.promise;
      },
    });
    await toConfirm();
    const start = screen.getByTestId<HTMLButtonElement>("rotate-start");
    expect(start.disabled).toBe(true);
    const inputs = screen.getAllByTestId<HTMLInputElement>("confirm-input");
    expect(inputs.map((i) => i.dataset.clusterName)).toEqual(["aks-prod-weu", "aks-prod-weu-2"]);
    await fireEvent.input(inputs[0]!, { target: { value: "aks-prod-weu" } });
    await fireEvent.input(inputs[1]!, { target: { value: "AKS-PROD-WEU-2" } });
    expect(start.disabled).toBe(true);
    await fireEvent.input(inputs[1]!, { target: { value: "aks-prod-weu-2" } });
    expect(start.disabled).toBe(false);
    await fireEvent.click(start);

    await screen.findByTestId("rotate-progress");
    expect(stage()).toBe("progress");
    const begun = calls.find((c) => c.cmd === "start_rotation")!;
    expect(begun.args.planId).toBe("plan-1");
    expect(begun.args.confirmedNames).toEqual(["aks-prod-weu", "aks-prod-weu-2"]);
    expect(begun.args.rolesToCopy).toBeNull();

    await waitFor(() => expect(channel).toBeDefined());
    const events: RotationProgress[] = [
      { rotationId: "rot-1", cluster: null, step: "addSecret", status: "ok", detail: "key-new", elapsedMs: 120 },
      { rotationId: "rot-1", cluster: `${ARM}aks-prod-weu`, step: "resetCluster", status: "waiting", detail: "Azure operation running", elapsedMs: 2300 },
    ];
    events.forEach((e, i) => sendOnChannel(channel, i, e));
    const row = () => screen.getAllByTestId("progress-cluster").find((r) => r.dataset.clusterName === "aks-prod-weu")!;
    await waitFor(() => expect(row().dataset.status).toBe("waiting"));
    expect(row().textContent).toContain("Reset cluster: Azure operation running");
    expect(within(row()).getByTestId("operation-elapsed").textContent).toBe("2.3 s");

    run.resolve([result()]);
    await waitFor(() => expect(stage()).toBe("result"));
    expect(screen.getByTestId("result-outcome").textContent).toBe("Succeeded");
    expect(row().dataset.status).toBe("done");
    expect(screen.getByTestId("result-group").textContent).toContain("Nw3");
    expect(screen.queryByTestId("result-retry")).toBeNull();
  });

  it("explains a failure in Azure's words and offers retry and roll back", async () => {
    const failed = result({
      outcome: "failed",
      clustersDone: [],
      clustersFailed: [{ cluster: `${ARM}aks-prod-weu`, step: "resetCluster", message: "InternalServerError: injected" }],
      retired: [],
      message: "reset cluster: Azure's operation failed: InternalServerError: injected",
    });
    const { calls } = setup({
      plan_rotation: () => storedPlan([group({ clusters: [planned("aks-prod-weu")] })]),
      start_rotation: () => [failed],
      resume_rotations: () => ({ results: [result({ clustersDone: [`${ARM}aks-prod-weu`] })], problems: [] }),
      roll_back_rotation: () => result({ outcome: "rolledBack" }),
    });
    await toConfirm();
    await fireEvent.click(screen.getByTestId("rotate-start"));
    await waitFor(() => expect(stage()).toBe("result"));
    expect(screen.getByTestId("result-message").textContent).toContain("InternalServerError: injected");
    expect(screen.getByTestId("cluster-failure").textContent).toContain("injected");

    await fireEvent.click(screen.getByTestId("result-retry"));
    await waitFor(() => expect(screen.getByTestId("result-outcome").textContent).toBe("Succeeded"));
    expect(calls.find((c) => c.cmd === "resume_rotations")!.args.only).toBe("rot-1");

    // A roll back replaces the result it was asked for.
    rotation.results = [failed];
    await waitFor(() => expect(screen.getByTestId("result-rollback")).toBeTruthy());
    await fireEvent.click(screen.getByTestId("result-rollback"));
    await waitFor(() => expect(screen.getByTestId("result-outcome").textContent).toBe("Rolled back"));
    expect(calls.find((c) => c.cmd === "roll_back_rotation")!.args).toEqual({ rotationId: "rot-1" });
  });

  it("lists a new principal's role assignments and copies only the ones left ticked", async () => {
    const roles = [
      { id: "ra-net", scope: "/subscriptions/s/resourceGroups/rg-net", roleDefinitionId: "/x/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7", principalId: "p", roleName: "Network Contributor" },
      { id: "ra-acr", scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1", roleDefinitionId: "/x/roleDefinitions/7f951dff-4ed5-480f-9aba-2e3cfd3d6ab3", principalId: "p", roleName: "AcrPull" },
    ];
    const { calls } = setup({
      plan_rotation: () => storedPlan([group({ mode: "newSp", roleAssignments: roles, clusters: [planned("aks-prod-ok")] })]),
      start_rotation: () => [result({ mode: "newSp", newAppId: "app-new" })],
    }, [ok]);
    await fireEvent.click(screen.getByTestId("rotate-mode-newSp"));
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");
    await fireEvent.click(screen.getByTestId("rotate-next"));
    const listed = screen.getByTestId("plan-roles");
    expect(listed.textContent).toContain("Network Contributor");
    expect(listed.textContent).toContain("AcrPull");
    const boxes = screen.getAllByTestId<HTMLInputElement>("plan-role");
    expect(boxes.every((b) => b.checked)).toBe(true);
    await fireEvent.click(boxes[1]!);
    await fireEvent.click(screen.getByTestId("rotate-next"));
    await fireEvent.click(screen.getByTestId("rotate-start"));
    await waitFor(() => expect(stage()).toBe("result"));
    expect(calls.find((c) => c.cmd === "plan_rotation")!.args.mode).toBe("newSp");
    expect(calls.find((c) => c.cmd === "start_rotation")!.args.rolesToCopy).toEqual(["ra-net"]);
    expect(screen.getByTestId("result-group").textContent).toContain("app-new");
  });

  it("shows why planning failed and stays on the options", async () => {
    setup({ plan_rotation: () => Promise.reject({ code: "bad_lifetime", message: "A new secret lives 1 to 730 days, not 999." }) });
    await fireEvent.input(screen.getByTestId("rotate-lifetime"), { target: { value: "999" } });
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    expect((await screen.findByTestId("rotate-error")).textContent).toContain("not 999");
    expect(stage()).toBe("options");
  });

  it("says where to choose clusters when opened with none", () => {
    mockCommands({});
    render(Rotate, pageProps(demoStatus));
    expect(screen.getByTestId("empty").textContent).toContain("Clusters page");
  });
});

const VAULTS = "/subscriptions/s/resourceGroups/rg-platform/providers/Microsoft.KeyVault/vaults/";

/** Two vaults as `list_key_vaults` sends them (one on RBAC, one on access policies) and a problem. */
const keyVaults: KeyVaults = {
  vaults: [
    {
      id: `${VAULTS}kv-contoso-platform`,
      name: "kv-contoso-platform",
      location: "westeurope",
      subscriptionId: "s",
      resourceGroup: "rg-platform",
      vaultUri: "https://kv-contoso-platform.vault.azure.net/",
      rbac: true,
      tenantId: "t",
      accessPolicies: [],
    },
    {
      id: `${VAULTS}kv-legacy`,
      name: "kv-legacy",
      location: "westeurope",
      subscriptionId: "s",
      resourceGroup: "rg-legacy",
      vaultUri: "https://kv-legacy.vault.azure.net/",
      rbac: false,
      tenantId: "t",
      accessPolicies: [{ objectId: "me", secrets: ["get", "set"] }],
    },
  ],
  problems: ["Contoso Dev: the key vaults could not be listed (AuthorizationFailed)"],
};

describe("Rotate wizard: the Key Vault copy", () => {
  it("lists the vaults once asked, plans with the chosen vault and name, and shows the destination and its check", async () => {
    const kvGroup = group({
      keyVault: {
        vaultId: `${VAULTS}kv-legacy`,
        vaultName: "kv-legacy",
        vaultUri: "https://kv-legacy.vault.azure.net/",
        secretName: "aks-prod-pipeline",
      },
      checks: [
        { name: "application", level: "ok", detail: "found" },
        {
          name: "key vault",
          level: "ok",
          detail: "the new secret is also written to kv-legacy as 'aks-prod-pipeline' before any cluster is reset (access policy: get, set)",
        },
      ],
    });
    const { calls } = setup({ list_key_vaults: () => keyVaults, plan_rotation: () => storedPlan([kvGroup]) });
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("rotate-lifetime").value).toBe("90"));
    // Not asked before the admin wants a copy: listing vaults reads ARM.
    expect(calls.map((c) => c.cmd)).not.toContain("list_key_vaults");
    expect(screen.queryByTestId("rotate-key-vault-vault")).toBeNull();

    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    const select = await screen.findByTestId<HTMLSelectElement>("rotate-key-vault-vault");
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "kv-contoso-platform · rg-platform · Azure RBAC",
      "kv-legacy · rg-legacy · access policies",
    ]);
    expect(select.value).toBe(`${VAULTS}kv-contoso-platform`);
    expect(screen.getByTestId("rotate-key-vault-problem").textContent).toContain("AuthorizationFailed");
    expect(screen.getByTestId<HTMLInputElement>("rotate-key-vault-secret").placeholder).toContain("<app name>-secret");

    await fireEvent.change(select, { target: { value: `${VAULTS}kv-legacy` } });
    await fireEvent.input(screen.getByTestId("rotate-key-vault-secret"), { target: { value: " aks-prod-pipeline " } });
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");
    expect(calls.filter((c) => c.cmd === "list_key_vaults")).toHaveLength(1);
    expect(calls.find((c) => c.cmd === "plan_rotation")!.args.keyVault).toEqual({
      vaultId: `${VAULTS}kv-legacy`,
      secretName: "aks-prod-pipeline",
    });
    // Pre-flight's own check for the vault, as Rust wrote it.
    expect(screen.getByTestId("preflight-group").textContent).toContain("key vault");
    expect(screen.getByTestId("preflight-group").textContent).toContain("access policy: get, set");

    await fireEvent.click(screen.getByTestId("rotate-next"));
    const destination = screen.getByTestId("plan-key-vault");
    expect(destination.textContent).toContain("kv-legacy/aks-prod-pipeline");
    expect(destination.textContent).toContain("https://kv-legacy.vault.azure.net/");
  });

  it("sends no secret name when left empty, and none of it once unticked", async () => {
    const { calls } = setup({ list_key_vaults: () => keyVaults });
    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    await screen.findByTestId("rotate-key-vault-vault");
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await screen.findByTestId("rotate-preflight");
    expect(calls.find((c) => c.cmd === "plan_rotation")!.args.keyVault).toEqual({
      vaultId: `${VAULTS}kv-contoso-platform`,
      secretName: null,
    });

    await fireEvent.click(screen.getByText("Back"));
    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    await fireEvent.click(screen.getByTestId("rotate-plan"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "plan_rotation")).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "plan_rotation")[1]!.args.keyVault).toBeNull();
  });

  it("keeps the vault as each rotated application's setting when asked, through save_settings", async () => {
    const kvGroup = group({
      keyVault: {
        vaultId: `${VAULTS}kv-contoso-platform`,
        vaultName: "kv-contoso-platform",
        vaultUri: "https://kv-contoso-platform.vault.azure.net/",
        secretName: "aks-prod-sp-secret",
      },
    });
    const { calls } = setup({
      list_key_vaults: () => keyVaults,
      plan_rotation: () => storedPlan([kvGroup]),
      start_rotation: () => [result({ rotationId: kvGroup.rotationId })],
      save_settings: (args) => ({ saved: true, settings: args.settings, problems: [], note: null }),
    });
    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    await screen.findByTestId("rotate-key-vault-vault");
    await fireEvent.click(screen.getByTestId("rotate-key-vault-remember"));
    await toConfirm();
    for (const input of screen.getAllByTestId<HTMLInputElement>("confirm-input")) {
      await fireEvent.input(input, { target: { value: input.dataset.clusterName } });
    }
    await fireEvent.click(screen.getByTestId("rotate-start"));
    const saved = await waitFor(() => {
      const call = calls.find((c) => c.cmd === "save_settings");
      expect(call).toBeDefined();
      return call!;
    });
    // The settings in force, with this application's copy as Rust planned it (its vault and name).
    const draft = saved.args.settings as { keyVaults: Record<string, unknown>; rotationLifetimeDays: number };
    expect(draft.keyVaults[kvGroup.appId]).toEqual({ vaultId: `${VAULTS}kv-contoso-platform`, secretName: "aks-prod-sp-secret" });
    expect(draft.rotationLifetimeDays).toBe(settings.rotationLifetimeDays);
    expect(screen.queryByTestId("rotate-key-vault-remember-error")).toBeNull();
  });

  it("does not plan while a copy is wanted and no vault exists, and says why listing failed", async () => {
    let answer: () => KeyVaults | Promise<never> = () => Promise.reject({ code: "arm_error", message: "ARM is down" });
    setup({ list_key_vaults: () => answer() });
    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    expect((await screen.findByTestId("rotate-key-vault-error")).textContent).toContain("ARM is down");
    expect(screen.getByTestId<HTMLButtonElement>("rotate-plan").disabled).toBe(true);

    answer = () => ({ vaults: [], problems: [] });
    await fireEvent.click(screen.getByText("Try again"));
    expect((await screen.findByTestId("rotate-key-vault-none")).textContent).toContain("No key vault");
    expect(screen.getByTestId<HTMLButtonElement>("rotate-plan").disabled).toBe(true);

    // Unticked: the keyring only, and planning works again.
    await fireEvent.click(screen.getByTestId("rotate-key-vault-on"));
    expect(screen.getByTestId<HTMLButtonElement>("rotate-plan").disabled).toBe(false);
  });

  it("shows the Key Vault write among the progress steps, and a held retirement in the result", async () => {
    const run = deferred<GroupResult[]>();
    let channel: unknown;
    setup({
      start_rotation: (args) => {
        channel = args.onProgress;
        return run.promise;
      },
    });
    await toConfirm();
    for (const input of screen.getAllByTestId<HTMLInputElement>("confirm-input")) {
      await fireEvent.input(input, { target: { value: input.dataset.clusterName } });
    }
    await fireEvent.click(screen.getByTestId("rotate-start"));
    await waitFor(() => expect(channel).toBeDefined());
    sendOnChannel(channel, 0, {
      rotationId: "rot-1",
      cluster: null,
      step: "keyVault",
      status: "ok",
      detail: "kv-contoso-platform/aks-prod-sp-secret, read back",
      elapsedMs: 80,
    } satisfies RotationProgress);
    const step = await waitFor(() => {
      const li = screen.getByTestId("progress-group").querySelector<HTMLElement>('[data-step="keyVault"]');
      expect(li).not.toBeNull();
      return li!;
    });
    expect(step.textContent).toContain("Write to Key Vault");
    expect(step.title).toContain("read back");

    const hold = "Retirement held: the secret Zk9… (key key-prod-soon) last signed in 2030-01-01 10:00 UTC";
    run.resolve([result({ outcome: "retireHeld", retired: [], hold })]);
    await waitFor(() => expect(stage()).toBe("result"));
    expect(screen.getByTestId("result-outcome").textContent).toBe("Retirement held");
    expect(screen.getByTestId("result-hold").textContent).toContain(hold);
  });
});

describe("Dashboard: rotate actions", () => {
  it("opens the wizard for one row, and for several ticked rows", async () => {
    mockCommands({ cached_inventory: () => null, refresh_inventory: () => inventory(), get_settings: () => settings });
    const props = pageProps(demoStatus);
    render(Dashboard, props);
    await screen.findAllByTestId("cluster-row");
    const rowOf = (name: string) => screen.getAllByTestId("cluster-row").find((r) => r.dataset.clusterName === name)!;

    // A managed-identity cluster has nothing to rotate.
    expect(within(rowOf("aks-dev-10")).queryByTestId("row-rotate")).toBeNull();
    expect(within(rowOf("aks-dev-10")).getByTestId<HTMLInputElement>("row-check").disabled).toBe(true);

    await fireEvent.click(within(rowOf("aks-prod-ok")).getByTestId("row-rotate"));
    expect(props.navigate).toHaveBeenLastCalledWith("rotate");
    expect(rotation.rows.map((r) => r.name)).toEqual(["aks-prod-ok"]);
    // The row's button does not open the drawer.
    expect(screen.queryByTestId("detail-drawer")).toBeNull();

    await fireEvent.click(within(rowOf("aks-prod-weu")).getByTestId("row-check"));
    await fireEvent.click(within(rowOf("aks-dev-2")).getByTestId("row-check"));
    const bulk = screen.getByTestId("rotate-selected");
    expect(bulk.textContent).toContain("Rotate 2 selected");
    await fireEvent.click(bulk);
    expect(rotation.rows.map((r) => r.name).sort()).toEqual(["aks-dev-2", "aks-prod-weu"]);
    expect(screen.queryByTestId("rotate-selected")).toBeNull();
  });
});
