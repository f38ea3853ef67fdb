import { afterEach, describe, expect, it } from "vitest";
import { clusters, deferred, mockCommands } from "../test/fixtures";
import { migration } from "./migration.svelte";
import { rotation } from "./rotation.svelte";

const prod = clusters.find((c) => c.name === "aks-prod-weu")!;

afterEach(() => {
  migration.reset();
  rotation.reset();
});

// The Wizard base both wizards share: answers that come back for a wizard the admin replaced are
// dropped, and the typed names go back to Rust only when typed exactly.
describe("Wizard", () => {
  it("drops a plan that answers after the wizard was replaced", async () => {
    const late = deferred<unknown>();
    mockCommands({ plan_migration: () => late.promise });
    expect(migration.open([prod])).toBe(true);
    expect(migration.busy).toBe(true);
    migration.reset();
    late.resolve({ planId: "p", toConfirm: ["aks-prod-weu"], plan: { clusters: [], problems: [] } });
    // Let the answer travel through the IPC mock and the wizard's call.
    await new Promise((r) => setTimeout(r, 50));
    expect(migration.stored).toBeNull();
    expect(migration.typed).toEqual({});
    expect(migration.busy).toBe(false);
  });

  it("keeps the plan, asks for every production name, and sends only the names typed exactly", async () => {
    mockCommands({
      plan_migration: () => ({ planId: "p", toConfirm: ["aks-prod-weu", "aks-prod-2"], plan: { clusters: [], problems: [] } }),
    });
    migration.open([prod]);
    await expect.poll(() => migration.stored?.planId).toBe("p");
    expect(migration.stage).toBe("preflight");
    expect(migration.confirmed()).toBe(false);
    migration.typed["aks-prod-weu"] = " aks-prod-weu ";
    migration.typed["aks-prod-2"] = "aks-prod";
    expect(migration.confirmedNames()).toEqual(["aks-prod-weu"]);
    expect(migration.confirmed()).toBe(false);
    migration.typed["aks-prod-2"] = "aks-prod-2";
    expect(migration.confirmed()).toBe(true);
  });

  it("refuses to open a new wizard while a run is going on", () => {
    rotation.running = true;
    expect(rotation.open([prod])).toBe(false);
    rotation.running = false;
  });

  it("moves between stages forgetting the previous stage's error", () => {
    rotation.error = { code: "x", message: "y" } as never;
    rotation.go("plan");
    expect(rotation.stage).toBe("plan");
    expect(rotation.error).toBeNull();
  });
});
