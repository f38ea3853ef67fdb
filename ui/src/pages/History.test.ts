import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { AuditRecord } from "../lib/bindings/AuditRecord";
import type { RotationSummary } from "../lib/bindings/RotationSummary";
import { rotation } from "../lib/rotation.svelte";
import { deferred, demoStatus, inventory, mockCommands, pageProps } from "../test/fixtures";
import History from "./History.svelte";

const ARM = "/subscriptions/s/resourceGroups/rg-stg/providers/Microsoft.ContainerService/managedClusters/";

function summary(extra: Partial<RotationSummary> = {}): RotationSummary {
  return {
    rotationId: "rot-1",
    mode: "secret",
    tenantId: "t",
    appId: "app-stg",
    appDisplayName: "aks-stg-sp",
    clusters: [`${ARM}aks-stg-weu`],
    clusterNames: ["aks-stg-weu"],
    started: "2030-01-01T10:00:00Z",
    updated: "2030-01-01T10:01:00Z",
    outcome: "retirePending",
    // As Rust sends it: the grace period runs until 2999, so nothing is due.
    due: false,
    newKeyId: "key-new",
    newHint: "Nw3",
    retire: { kind: "after", hours: 24 },
    retireAfter: "2999-01-02T10:01:00Z",
    lastFailure: null,
    actor: "local:admin",
    held: [],
    hold: null,
    usageUnknown: null,
    keyVault: null,
    ...extra,
  };
}

function record(extra: Partial<AuditRecord>): AuditRecord {
  return {
    time: "2030-01-01T10:00:00Z",
    actor: "local:admin",
    action: "rotation.step",
    outcome: "ok",
    ...extra,
  } as AuditRecord;
}

const records: AuditRecord[] = [
  record({ time: "2030-01-01T10:01:00Z", step: "verify", cluster: `${ARM}aks-stg-weu`, hint: "Nw3", durationMs: 1500 }),
  record({ time: "2030-01-01T10:00:30Z", step: "reset cluster", cluster: `${ARM}aks-stg-weu`, durationMs: 3100 }),
  record({ time: "2030-01-01T10:00:00Z", action: "rotation.start", outcome: "started", detail: "clusters: aks-stg-weu" }),
];

afterEach(() => rotation.reset());

describe("History page", () => {
  it("lists the rotations with their outcome and the audit log, newest first", async () => {
    mockCommands({
      list_rotations: () => [
        summary(),
        summary({ rotationId: "rot-0", outcome: "failed", due: false, lastFailure: "reset cluster: InternalServerError: injected", clusterNames: ["aks-prod-weu", "aks-prod-weu-2"] }),
      ],
      rotation_history: () => records,
    });
    render(History, pageProps(demoStatus));
    const rows = await screen.findAllByTestId("rotation-row");
    expect(rows.map((r) => r.dataset.outcome)).toEqual(["retirePending", "failed"]);
    expect(rows[0]!.textContent).toContain("aks-stg-weu");
    expect(rows[0]!.textContent).toContain("Succeeded, old secret retires later");
    expect(rows[0]!.textContent).toContain("Nw3");
    expect(rows[1]!.textContent).toContain("aks-prod-weu, aks-prod-weu-2");
    expect(rows[1]!.textContent).toContain("InternalServerError: injected");
    // Not yet due: nothing to resume; a failed rotation can be retried.
    expect(rows[0]!.querySelector('[data-testid="rotation-resume"]')).toBeNull();
    expect(rows[1]!.querySelector('[data-testid="rotation-resume"]')?.textContent).toBe("Retry");

    const audit = screen.getAllByTestId("audit-row");
    expect(audit.map((r) => r.dataset.action)).toEqual(["rotation.step", "rotation.step", "rotation.start"]);
    expect(audit[0]!.textContent).toContain("Rotation: verify");
    expect(audit[0]!.textContent).toContain("aks-stg-weu");
    expect(audit[1]!.textContent).toContain("3.1 s");
    expect(audit[2]!.textContent).toContain("Rotation started");
  });

  it("shows a rotation's outcome as soon as a rotation running in the window ends", async () => {
    let outcome: RotationSummary["outcome"] = null;
    mockCommands({
      list_rotations: () => [summary({ outcome, due: false })],
      rotation_history: () => records,
    });
    rotation.running = true;
    render(History, pageProps());
    await waitFor(() => expect(screen.getByTestId("rotation-row").getAttribute("data-outcome")).toBe(""));
    outcome = "succeeded";
    rotation.running = false;
    await waitFor(() => expect(screen.getByTestId("rotation-row").getAttribute("data-outcome")).toBe("succeeded"));
  });

  it("exports the audit log as CSV through Rust", async () => {
    const calls = mockCommands({
      list_rotations: () => [],
      rotation_history: () => records,
      export_history: () => "/tmp/rekey-history.csv",
    });
    render(History, pageProps(demoStatus));
    expect((await screen.findAllByTestId("empty"))[0]!.textContent).toContain("No rotation yet");
    await fireEvent.click(screen.getByTestId("export-history"));
    expect((await screen.findByTestId("history-export-result")).textContent).toContain("/tmp/rekey-history.csv");
    expect(calls.map((c) => c.cmd)).toContain("export_history");
  });

  it("retries a failed rotation in the wizard", async () => {
    const run = deferred<unknown>();
    const calls = mockCommands({
      list_rotations: () => [summary({ outcome: "failed", due: false })],
      rotation_history: () => [],
      resume_rotations: () => run.promise,
    });
    const props = pageProps(demoStatus);
    render(History, props);
    await fireEvent.click(await screen.findByTestId("rotation-resume"));
    expect(props.navigate).toHaveBeenCalledWith("rotate");
    await waitFor(() => expect(calls.find((c) => c.cmd === "resume_rotations")?.args.only).toBe("rot-1"));
    expect(rotation.stage).toBe("progress");
    expect(rotation.groups.map((g) => g.title)).toEqual(["aks-stg-sp"]);
    run.resolve({ results: [], problems: [] });
  });
});

describe("Resume banner", () => {
  it("offers at start the rotations left unfinished, and follows the resume in the wizard", async () => {
    const run = deferred<unknown>();
    const calls = mockCommands({
      auth_status: () => demoStatus,
      cached_inventory: () => null,
      refresh_inventory: () => inventory(),
      subscribe_app_events: () => null,
      list_rotations: () => [
        summary({ outcome: null, lastFailure: null, due: true }),
        summary({ rotationId: "rot-done", outcome: "succeeded", due: false }),
      ],
      resume_rotations: () => run.promise,
    });
    render(App);
    const banner = await screen.findByTestId("resume-banner");
    expect(banner.textContent).toContain("A rotation did not finish");
    expect(banner.textContent).toContain("aks-stg-weu");
    await fireEvent.click(screen.getByTestId("resume-rotations"));

    expect((await screen.findByTestId("rotate-page")).dataset.stage).toBe("progress");
    expect(screen.queryByTestId("resume-banner")).toBeNull();
    expect(calls.find((c) => c.cmd === "resume_rotations")!.args.only).toBeNull();

    run.resolve({
      results: [
        {
          rotationId: "rot-1",
          mode: "secret",
          appId: "app-stg",
          outcome: "succeeded",
          newKeyId: "key-new",
          newHint: "Nw3",
          newAppId: null,
          clustersDone: [`${ARM}aks-stg-weu`],
          clustersFailed: [],
          retired: [],
          retireAfter: null,
          message: null,
        },
      ],
      problems: ["a journal could not be read"],
    });
    await waitFor(() => expect(screen.getByTestId("rotate-page").dataset.stage).toBe("result"));
    expect(screen.getByTestId("result-outcome").textContent).toBe("Succeeded");
    expect(screen.getByTestId("resume-problem").textContent).toContain("could not be read");
  });

  it("stays away when nothing is left to do", async () => {
    const calls = mockCommands({
      auth_status: () => demoStatus,
      cached_inventory: () => null,
      refresh_inventory: () => inventory(),
      subscribe_app_events: () => null,
      list_rotations: () => [summary()],
    });
    render(App);
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain("list_rotations"));
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("resume-banner")).toBeNull();
  });
});
