import { describe, expect, it } from "vitest";
import type { Plan } from "./bindings/Plan";
import type { PlanGroup } from "./bindings/PlanGroup";
import type { PlannedCluster } from "./bindings/PlannedCluster";
import {
  actionLabel,
  foldProgress,
  formatElapsed,
  nameOfId,
  retireLabel,
  runnableClusters,
  scopeLabel,
  trackKey,
  worstLevel,
} from "./rotationView";

const cluster = (name: string, extra: Partial<PlannedCluster> = {}): PlannedCluster => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
  name,
  resourceGroup: "rg",
  subscriptionId: "s",
  nodeCount: 3,
  nodePools: 1,
  maxSurge: null,
  production: false,
  addedAsShared: false,
  checks: [{ name: "provisioning state", level: "ok", detail: "Succeeded" }],
  blockedBy: null,
  ...extra,
});

const group = (id: string, clusters: PlannedCluster[], extra: Partial<PlanGroup> = {}): PlanGroup => ({
  rotationId: id,
  mode: "secret",
  tenantId: "t",
  appId: `app-${id}`,
  appDisplayName: `sp-${id}`,
  clusters,
  oldSecrets: [],
  retire: { kind: "now" },
  lifetimeDays: 180,
  roleAssignments: [],
  checks: [],
  sharedOutside: [],
  blockedBy: null,
  keyVault: null,
  ...extra,
});

describe("rotation view helpers", () => {
  it("folds progress per cluster, the newest report of a step replacing the last", () => {
    let tracks = foldProgress({}, { rotationId: "R", cluster: null, step: "addSecret", status: "running", detail: "", elapsedMs: 0 });
    tracks = foldProgress(tracks, { rotationId: "R", cluster: null, step: "addSecret", status: "ok", detail: "k1", elapsedMs: 40 });
    tracks = foldProgress(tracks, { rotationId: "R", cluster: "/C1", step: "resetCluster", status: "waiting", detail: "Azure operation running", elapsedMs: 1200 });
    tracks = foldProgress(tracks, { rotationId: "R", cluster: "/C1", step: "resetCluster", status: "ok", detail: "", elapsedMs: 3100 });
    tracks = foldProgress(tracks, { rotationId: "R", cluster: "/C1", step: "verify", status: "ok", detail: "k1", elapsedMs: 20 });
    expect(tracks[trackKey("R", null)]).toEqual([{ step: "addSecret", status: "ok", detail: "k1", elapsedMs: 40 }]);
    expect(tracks[trackKey("r", "/c1")]!.map((s) => [s.step, s.status, s.elapsedMs])).toEqual([
      ["resetCluster", "ok", 3100],
      ["verify", "ok", 20],
    ]);
    // The engine reports a reset as waiting until it ends; verifying means it succeeded.
    let quiet = foldProgress({}, { rotationId: "R", cluster: "/C2", step: "resetCluster", status: "waiting", detail: "", elapsedMs: 900 });
    quiet = foldProgress(quiet, { rotationId: "R", cluster: "/C2", step: "verify", status: "running", detail: "", elapsedMs: 0 });
    expect(quiet[trackKey("R", "/C2")]!.map((s) => s.status)).toEqual(["ok", "running"]);
  });

  it("runs the clusters Rust did not block (blockedBy), shared ones included", () => {
    const plan: Plan = {
      groups: [
        group("a", [cluster("aks-prod-weu", { production: true }), cluster("aks-prod-weu-2", { production: true, addedAsShared: true })]),
        group("b", [cluster("aks-stg-weu")]),
        group("c", [cluster("aks-prod-stopped", { production: true, checks: [{ name: "power state", level: "block", detail: "Stopped" }], blockedBy: "power state: Stopped" })], { blockedBy: "every cluster is blocked" }),
      ],
      problems: [],
    };
    expect(runnableClusters(plan).map((c) => c.name)).toEqual(["aks-prod-weu", "aks-prod-weu-2", "aks-stg-weu"]);
  });

  it("names things in words", () => {
    expect(formatElapsed(850)).toBe("850 ms");
    expect(formatElapsed(3240)).toBe("3.2 s");
    expect(formatElapsed(125_000)).toBe("2 min 05 s");
    expect(scopeLabel("/subscriptions/s")).toBe("subscription");
    expect(scopeLabel("/subscriptions/s/resourceGroups/rg-net")).toBe("resource group rg-net");
    expect(scopeLabel("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1")).toBe("acr1");
    expect(nameOfId("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1")).toBe("aks-1");
    expect(retireLabel({ kind: "after", hours: 24 })).toContain("24 h");
    expect(worstLevel(["ok", "warn"])).toBe("warn");
    expect(worstLevel(["ok", "block", "warn"])).toBe("block");
    expect(actionLabel({ action: "rotation.step", step: "reset cluster" } as never)).toBe("Rotation: reset cluster");
  });
});
