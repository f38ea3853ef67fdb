import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterMove } from "../lib/bindings/ClusterMove";
import type { MoveProgress } from "../lib/bindings/MoveProgress";
import type { MoveResult } from "../lib/bindings/MoveResult";
import type { StoredMigration } from "../lib/bindings/StoredMigration";
import { migration } from "../lib/migration.svelte";
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
import Migrate from "./Migrate.svelte";

const prod = clusters.find((c) => c.name === "aks-prod-weu")!;
const ARM = "/subscriptions/s/resourceGroups/rg-prod/providers/";
const SUBNET = `${ARM}Microsoft.Network/virtualNetworks/vnet/subnets/aks`;
const DOCS = "https://learn.microsoft.com/azure/aks/use-managed-identity";

function move(name: string, extra: Partial<ClusterMove> = {}): ClusterMove {
  return {
    migrationId: `mig-${name}`,
    tenantId: "t",
    clusterId: `${ARM}Microsoft.ContainerService/managedClusters/${name}`,
    name,
    location: "westeurope",
    production: true,
    appId: "app-prod",
    spObjectId: "sp-obj",
    identity: {
      kind: "userAssigned",
      id: `${ARM}Microsoft.ManagedIdentity/userAssignedIdentities/${name}-identity`,
      create: true,
      location: "westeurope",
    },
    identityPrincipalId: null,
    held: [
      {
        assignment: { id: "ra-1", scope: SUBNET, roleDefinitionId: "rd", principalId: "sp-obj", roleName: "Network Contributor" },
        verdict: "needed: the control-plane identity gets it",
        forCluster: true,
      },
      {
        assignment: { id: "ra-2", scope: "/subscriptions/s", roleDefinitionId: "rd2", principalId: "sp-obj", roleName: "Contributor" },
        verdict: "no AKS rule asks for it: review",
        forCluster: false,
      },
    ],
    grants: [
      {
        who: "controlPlane",
        role: "Network Contributor",
        roleId: "4d97b98b-1d4f-4787-a291-c67834d212e7",
        scope: SUBNET,
        why: "the cluster's custom subnet",
        source: DOCS,
        already: false,
      },
    ],
    pools: [{ name: "system", nodeCount: 3, maxSurge: "33%", impact: "3 nodes re-imaged, 1 at a time" }],
    principalAfter: { appId: "app-prod", sharedWith: [], retire: { kind: "after", hours: 24 }, delete: false, note: "its secrets are retired" },
    checks: [{ name: "custom network", level: "warn", detail: "a user-assigned identity is created" }],
    blockedBy: null,
    ...extra,
  };
}

const stored = (moves: ClusterMove[] = [move("aks-prod-weu")]): StoredMigration => ({
  planId: "move-1",
  plan: { clusters: moves, problems: [] },
  toConfirm: moves.filter((m) => m.production && !m.checks.some((c) => c.level === "block")).map((m) => m.name),
  // What Rust writes (migration::az_terms): a script per cluster that can move.
  azTerms: moves
    .filter((m) => !m.checks.some((c) => c.level === "block"))
    .map((m) => ({
      migrationId: m.migrationId,
      cluster: m.name,
      steps: [],
      text: `az aks update --enable-managed-identity --name ${m.name} --yes`,
    })),
});

function result(extra: Partial<MoveResult> = {}): MoveResult {
  return {
    migrationId: "mig-aks-prod-weu",
    clusterId: `${ARM}Microsoft.ContainerService/managedClusters/aks-prod-weu`,
    name: "aks-prod-weu",
    outcome: "retirePending",
    principalId: "mi-principal",
    kubeletObjectId: "kubelet-obj",
    poolsUpgraded: ["system"],
    retireAfter: "2030-01-02T00:00:00Z",
    message: null,
    ...extra,
  };
}

function setup(handlers: Record<string, Handler> = {}) {
  const calls = mockCommands({ plan_migration: () => stored(), ...handlers });
  migration.open([prod]);
  render(Migrate, pageProps(demoStatus));
  return { calls };
}

const stage = () => screen.getByTestId("migrate-page").dataset.stage;

async function toConfirm() {
  await screen.findByTestId("migrate-preflight-cluster");
  await fireEvent.click(screen.getByTestId("migrate-next"));
  await screen.findByTestId("migrate-plan");
  await fireEvent.click(screen.getByTestId("migrate-next"));
  await screen.findByTestId("migrate-confirm");
}

afterEach(() => migration.reset());

describe("Move-to-managed-identity wizard", () => {
  it("plans the chosen cluster by its inventory ID and shows its pre-flight checks", async () => {
    const { calls } = setup();
    const row = await screen.findByTestId("migrate-preflight-cluster");
    expect(row.dataset.clusterName).toBe("aks-prod-weu");
    expect(row.dataset.level).toBe("warn");
    expect(row.textContent).toContain("a user-assigned identity is created");
    expect(calls.find((c) => c.cmd === "plan_migration")!.args).toEqual({ clusterIds: [prod.id], identity: null, retire: null, deletePrincipal: false });
  });

  it("plans again with the identity chosen: system, or a user-assigned ID sent as typed for Rust to check", async () => {
    const { calls } = setup({
      plan_migration: (args) => {
        if (args.identity === "not-an-id") throw { code: "bad_identity", message: "Identity: 'not-an-id' is not a resource ID" };
        return stored();
      },
    });
    await screen.findByTestId("migrate-preflight-cluster");
    await fireEvent.click(screen.getByTestId("identity-system"));
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "plan_migration")).toHaveLength(2));
    expect(calls.at(-1)!.args.identity).toBe("system");

    await fireEvent.click(screen.getByTestId("identity-user"));
    await fireEvent.input(screen.getByTestId("identity-id"), { target: { value: " not-an-id " } });
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    const error = await screen.findByTestId("migrate-error");
    expect(error.textContent).toContain("is not a resource ID");
    expect(calls.at(-1)!.args.identity).toBe("not-an-id");
  });

  it("shows the plan: identity, roles to grant with when and the rule's page, verdicts, pools and the principal afterwards", async () => {
    setup();
    await screen.findByTestId("migrate-preflight-cluster");
    await fireEvent.click(screen.getByTestId("migrate-next"));
    await screen.findByTestId("migrate-plan");
    expect(screen.getByTestId("migrate-identity").textContent).toContain("aks-prod-weu-identity (Rekey creates it)");
    const grant = screen.getByTestId("migrate-grant");
    expect(grant.dataset.who).toBe("controlPlane");
    expect(grant.textContent).toContain("Network Contributor");
    expect(grant.textContent).toContain("subnets aks");
    expect(grant.textContent).toContain("before the update");
    expect(grant.textContent).toContain(DOCS);
    const held = screen.getAllByTestId("migrate-held").map((h) => h.textContent ?? "");
    expect(held[1]).toContain("no AKS rule asks for it: review");
    expect(screen.getByTestId("migrate-pool").textContent).toContain("3 nodes re-imaged, 1 at a time");
    expect(screen.getByTestId("migrate-reimage")).toBeTruthy();
    expect(screen.getByTestId("migrate-principal-after").textContent).toContain("24 h after every node pool has moved");
  });

  it("leaves a blocked cluster out and cannot go on when nothing can move", async () => {
    setup({
      plan_migration: () =>
        stored([move("aks-prod-weu", { checks: [{ name: "roles", level: "block", detail: "403: cannot read" }], blockedBy: "roles: 403" })]),
    });
    const row = await screen.findByTestId("migrate-preflight-cluster");
    expect(row.dataset.level).toBe("block");
    const next = screen.getByTestId<HTMLButtonElement>("migrate-next");
    expect(next.disabled).toBe(true);
    expect(next.textContent).toBe("Nothing can move");
  });

  it("starts only after the production name is typed, says it cannot be undone, shows live progress and the result", async () => {
    const run = deferred<MoveResult[]>();
    let channel: unknown;
    const { calls } = setup({
      start_migration: (args) => {
        channel = args.onProgress;
        return run.promise;
      },
    });
    await toConfirm();
    expect(screen.getByTestId("migrate-irreversible").textContent).toContain("cannot be undone");
    const start = screen.getByTestId<HTMLButtonElement>("migrate-start");
    expect(start.disabled).toBe(true);
    const input = screen.getByTestId<HTMLInputElement>("migrate-confirm-input");
    await fireEvent.input(input, { target: { value: "AKS-PROD-WEU" } });
    expect(start.disabled).toBe(true);
    await fireEvent.input(input, { target: { value: "aks-prod-weu" } });
    expect(start.disabled).toBe(false);
    await fireEvent.click(start);

    await screen.findByTestId("migrate-progress");
    const begun = calls.find((c) => c.cmd === "start_migration")!;
    expect(begun.args.planId).toBe("move-1");
    expect(begun.args.confirmedNames).toEqual(["aks-prod-weu"]);
    expect(Object.keys(begun.args).sort()).toEqual(["confirmedNames", "onProgress", "planId"]);

    await waitFor(() => expect(channel).toBeDefined());
    const events: MoveProgress[] = [
      { migrationId: "mig-aks-prod-weu", cluster: "aks-prod-weu", step: "grant", status: "ok", detail: "Network Contributor" },
      { migrationId: "mig-aks-prod-weu", cluster: "aks-prod-weu", step: "update", status: "waiting", detail: "Azure operation running" },
    ];
    events.forEach((e, i) => sendOnChannel(channel, i, e));
    await waitFor(() => expect(screen.getAllByTestId("migrate-step")).toHaveLength(2));
    const steps = screen.getAllByTestId("migrate-step");
    expect(steps.map((s) => s.dataset.status)).toEqual(["ok", "waiting"]);
    expect(steps[1]!.textContent).toContain("Azure operation running");

    run.resolve([result()]);
    await waitFor(() => expect(stage()).toBe("result"));
    const box = screen.getByTestId("migrate-result-move");
    expect(box.dataset.outcome).toBe("retirePending");
    expect(within(box).getByTestId("migrate-outcome").textContent).toBe("Moved; old secrets retire later");
    expect(box.textContent).toContain("system");
    expect(screen.queryByTestId("migrate-retry")).toBeNull();
  });

  it("goes back to confirm when the native confirmation is declined, and explains a failure with Retry", async () => {
    let declined = true;
    const { calls } = setup({
      start_migration: () => {
        if (declined) throw { code: "not_confirmed", message: "Not confirmed: nothing was changed." };
        return [result({ outcome: "failed", message: "update: Azure's operation failed: LinkedAuthorizationFailed" })];
      },
      resume_migrations: () => ({ results: [result()], problems: [] }),
    });
    await toConfirm();
    await fireEvent.input(screen.getByTestId("migrate-confirm-input"), { target: { value: "aks-prod-weu" } });
    await fireEvent.click(screen.getByTestId("migrate-start"));
    await waitFor(() => expect(stage()).toBe("confirm"));
    expect(screen.getByTestId("migrate-error").textContent).toContain("nothing was changed");

    declined = false;
    await fireEvent.click(screen.getByTestId("migrate-start"));
    await waitFor(() => expect(stage()).toBe("result"));
    expect(screen.getByTestId("migrate-failure").textContent).toContain("LinkedAuthorizationFailed");
    await fireEvent.click(screen.getByTestId("migrate-retry"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "resume_migrations")).toBe(true));
    await waitFor(() => expect(screen.getByTestId("migrate-result-move").dataset.outcome).toBe("retirePending"));
  });
});

describe("Dashboard and the move", () => {
  it("counts the clusters that could stop needing rotation and opens the wizard from a service-principal row", async () => {
    const calls = mockCommands({
      cached_inventory: () => inventory(clusters),
      refresh_inventory: () => inventory(clusters),
      plan_migration: () => stored(),
    });
    const props = pageProps(demoStatus);
    render(Dashboard, props);
    const sp = clusters.filter((c) => c.identityKind === "servicePrincipal").length;
    const count = await screen.findByTestId("movable-count");
    expect(count.textContent).toContain(`${sp} could stop needing rotation`);
    const buttons = await screen.findAllByTestId("row-migrate");
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.length).toBeLessThanOrEqual(sp);
    await fireEvent.click(buttons[0]!);
    expect(props.navigate).toHaveBeenCalledWith("migrate");
    await waitFor(() => expect(calls.some((c) => c.cmd === "plan_migration")).toBe(true));
    const asked = calls.find((c) => c.cmd === "plan_migration")!.args.clusterIds as string[];
    expect(asked).toHaveLength(1);
    expect(clusters.find((c) => c.id === asked[0])!.identityKind).toBe("servicePrincipal");
  });
});

describe("Detail drawer and the move", () => {
  it("shows what the move needs from a plan asked for on request, and offers no move for a managed identity", async () => {
    const calls = mockCommands({
      cached_inventory: () => inventory(clusters),
      refresh_inventory: () => inventory(clusters),
      plan_migration: () => stored([move("aks-prod-weu", { clusterId: prod.id.toUpperCase() })]),
    });
    render(Dashboard, pageProps(demoStatus));
    const rowOf = async (name: string) =>
      (await screen.findAllByTestId("cluster-row")).find((r) => r.dataset.clusterName === name)!;
    await fireEvent.click(await rowOf("aks-prod-weu"));
    const drawer = screen.getByTestId("detail-drawer");
    expect(calls.some((c) => c.cmd === "plan_migration")).toBe(false);
    await fireEvent.click(within(drawer).getByTestId("move-needs-look"));
    const grant = await within(drawer).findByTestId("move-needs-grant");
    expect(grant.textContent).toContain("Network Contributor for the control-plane identity");
    expect(within(drawer).getByTestId("move-needs-list").textContent).toContain("1 node pool re-imaged (3 nodes)");
    expect(calls.find((c) => c.cmd === "plan_migration")!.args).toEqual({ clusterIds: [prod.id], identity: null, retire: null, deletePrincipal: null });
    expect(within(drawer).getByTestId("drawer-migrate")).toBeTruthy();

    const msi = clusters.find((c) => c.identityKind === "managedIdentity")!;
    await fireEvent.click(await rowOf(msi.name));
    expect(within(screen.getByTestId("detail-drawer")).queryByTestId("move-needs")).toBeNull();
  });
});

describe("The move in az terms", () => {
  it("shows each movable cluster's az commands under its plan, with a copy button", async () => {
    setup({ get_settings: () => settings });
    await screen.findByTestId("migrate-preflight-cluster");
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("migrate-next"));
    const box = within(await screen.findByTestId("migrate-plan-cluster"));
    expect(box.getByTestId("az-terms-text").textContent).toBe(
      "az aks update --enable-managed-identity --name aks-prod-weu --yes",
    );
    expect(box.getByTestId("az-terms-copy")).toBeTruthy();
  });
});

describe("Deleting the old principal", () => {
  it("is off until asked; asking plans again with it, and the plan says what Rust will do", async () => {
    const { calls } = setup({
      get_settings: () => settings,
      plan_migration: (args) =>
        stored([
          move("aks-prod-weu", {
            principalAfter: {
              appId: "app-prod",
              sharedWith: [],
              retire: { kind: "now" },
              delete: args.deletePrincipal === true,
              note: args.deletePrincipal ? "then its application is deleted" : "the principal itself is kept",
            },
          }),
        ]),
    });
    await screen.findByTestId("migrate-preflight-cluster");
    const box = screen.getByTestId<HTMLInputElement>("migrate-delete-principal");
    expect(box.checked).toBe(false);
    expect(calls.find((c) => c.cmd === "plan_migration")!.args.deletePrincipal).toBe(false);
    await fireEvent.click(box);
    expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "plan_migration")).toHaveLength(2));
    expect(calls.at(-1)!.args.deletePrincipal).toBe(true);
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("migrate-next"));
    expect((await screen.findByTestId("migrate-plan")).textContent).toContain("then its application is deleted");
  });
});

describe("The move's retire grace", () => {
  it("starts from the settings' policy (the first plan leaves it to Rust) and plans again with the admin's choice", async () => {
    const { calls } = setup({ get_settings: () => ({ ...settings, retirePolicy: "afterGrace", retireGraceHours: 72 }) });
    await screen.findByTestId("migrate-preflight-cluster");
    expect(calls.find((c) => c.cmd === "plan_migration")!.args.retire).toBeNull();
    const policy = screen.getByTestId<HTMLSelectElement>("migrate-retire");
    await waitFor(() => expect(screen.getByTestId<HTMLInputElement>("migrate-grace").value).toBe("72"));
    expect(policy.value).toBe("after");
    // The settings' values are what the first plan used: nothing to check again.
    expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(false);

    await fireEvent.input(screen.getByTestId("migrate-grace"), { target: { value: "12" } });
    const next = screen.getByTestId<HTMLButtonElement>("migrate-next");
    expect(next.disabled).toBe(true);
    expect(next.textContent).toBe("Check again first");
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "plan_migration")).toHaveLength(2));
    expect(calls.at(-1)!.args).toEqual({
      clusterIds: [prod.id],
      identity: null,
      retire: { kind: "after", hours: 12 },
      deletePrincipal: false,
    });
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(false));

    await fireEvent.change(policy, { target: { value: "never" } });
    expect(screen.queryByTestId("migrate-grace")).toBeNull();
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "plan_migration")).toHaveLength(3));
    expect(calls.at(-1)!.args.retire).toEqual({ kind: "never" });
  });

  it("shows the retirement the plan was made with", async () => {
    setup({
      get_settings: () => settings,
      plan_migration: (args) =>
        stored([
          move("aks-prod-weu", {
            principalAfter: {
              appId: "app-prod",
              sharedWith: [],
              retire: (args.retire as never) ?? { kind: "now" },
              delete: false,
              note: "its secrets are retired",
            },
          }),
        ]),
    });
    await screen.findByTestId("migrate-preflight-cluster");
    await waitFor(() => expect(screen.getByTestId<HTMLSelectElement>("migrate-retire").value).toBe("now"));
    await fireEvent.change(screen.getByTestId("migrate-retire"), { target: { value: "after" } });
    await fireEvent.input(screen.getByTestId("migrate-grace"), { target: { value: "6" } });
    await fireEvent.click(screen.getByTestId("migrate-replan"));
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>("migrate-next").disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("migrate-next"));
    expect((await screen.findByTestId("migrate-principal-after")).textContent).toContain("removed 6 h after every node pool has moved");
  });
});
