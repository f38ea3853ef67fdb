import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
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

describe("History: a held retirement", () => {
  const HOLD =
    "Retirement held: the secret Zk9… (key key-old) last signed in 2030-01-02 08:00 UTC — after every cluster had " +
    "moved to the new secret, so something else (a pipeline, a script, Terraform) still uses it.";
  const held = (extra: Partial<RotationSummary> = {}) =>
    summary({
      outcome: "retireHeld",
      retireAfter: "2999-01-03T08:00:00Z",
      held: [{ keyId: "key-old", hint: "Zk9", lastUsed: "2030-01-02T08:00:00Z" }],
      hold: HOLD,
      keyVault: "kv-contoso-platform/aks-stg-sp-secret (version 4f1c)",
      ...extra,
    });

  it("says Retirement held with Rust's explanation, the Key Vault copy and usage unknown", async () => {
    mockCommands({
      list_rotations: () => [held(), summary({ rotationId: "rot-0", outcome: "succeeded", usageUnknown: "403: AuditLog.Read.All is missing" })],
      rotation_history: () => [],
    });
    render(History, pageProps(demoStatus));
    const rows = await screen.findAllByTestId("rotation-row");
    expect(rows[0]!.dataset.outcome).toBe("retireHeld");
    expect(rows[0]!.textContent).toContain("Retirement held");
    expect(within(rows[0]!).getByTestId("rotation-key-vault").textContent).toContain("Also in Key Vault: kv-contoso-platform/aks-stg-sp-secret");
    // One explanation, under its own rotation, with the two answers.
    const box = screen.getByTestId("rotation-held");
    expect(box.dataset.rotationId).toBe("rot-1");
    expect(screen.getByTestId("rotation-hold").textContent).toBe(HOLD);
    expect(within(box).getByTestId("rotation-retire-anyway").textContent).toBe("Retire anyway");
    expect(within(box).getByTestId("rotation-extend").textContent).toBe("Wait 24 h more");
    // A rotation that was not held has no such box; its unknown usage is said under it.
    expect(screen.getAllByTestId("rotation-held")).toHaveLength(1);
    expect(within(rows[1]!).getByTestId("rotation-usage-unknown").textContent).toContain("403: AuditLog.Read.All is missing");
    expect(within(rows[0]!).queryByTestId("rotation-usage-unknown")).toBeNull();
  });

  it("retires anyway through answer_retirement (Rust confirms it), then reads the list again", async () => {
    let list = [held()];
    const calls = mockCommands({
      list_rotations: () => list,
      rotation_history: () => [],
      answer_retirement: () => {
        list = [summary({ outcome: "succeeded" })];
        return { rotationId: "rot-1", outcome: "succeeded", retired: ["key-old"] };
      },
    });
    render(History, pageProps(demoStatus));
    await fireEvent.click(await screen.findByTestId("rotation-retire-anyway"));
    await waitFor(() => expect(screen.getByTestId("rotation-row").dataset.outcome).toBe("succeeded"));
    expect(calls.find((c) => c.cmd === "answer_retirement")!.args).toEqual({
      rotationId: "rot-1",
      answer: { kind: "retireAnyway" },
    });
    expect(calls.filter((c) => c.cmd === "list_rotations")).toHaveLength(2);
    expect(screen.queryByTestId("rotation-held")).toBeNull();
  });

  it("waits 24 h more, and says nothing when the admin cancels Rust's dialog but shows a refusal", async () => {
    let answer: (args: Record<string, unknown>) => unknown = () => ({ rotationId: "rot-1", outcome: "retireHeld" });
    const calls = mockCommands({
      list_rotations: () => [held()],
      rotation_history: () => [],
      answer_retirement: (args) => answer(args),
    });
    render(History, pageProps(demoStatus));
    await fireEvent.click(await screen.findByTestId("rotation-extend"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "list_rotations")).toHaveLength(2));
    expect(calls.find((c) => c.cmd === "answer_retirement")!.args.answer).toEqual({ kind: "extend", hours: 24 });

    answer = () => Promise.reject({ code: "not_confirmed", message: "Retire the old secrets anyway? was not confirmed" });
    await fireEvent.click(screen.getByTestId("rotation-retire-anyway"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "answer_retirement")).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>("rotation-retire-anyway").disabled).toBe(false));
    expect(screen.queryByTestId("rotation-hold-error")).toBeNull();

    answer = () => ({ rotationId: "rot-1", outcome: "failed", message: "Rotation rot-1 has no retirement waiting: nothing was changed." });
    await fireEvent.click(screen.getByTestId("rotation-retire-anyway"));
    expect((await screen.findByTestId("rotation-hold-error")).textContent).toContain("no retirement waiting");
  });

  it("is announced by a banner at start that leads to History", async () => {
    mockCommands({
      auth_status: () => demoStatus,
      cached_inventory: () => null,
      refresh_inventory: () => inventory(),
      subscribe_app_events: () => null,
      list_rotations: () => [held(), held({ rotationId: "rot-2", clusterNames: ["aks-prod-weu"] }), summary({ rotationId: "rot-3" })],
      rotation_history: () => [],
      list_migrations: () => [],
    });
    render(App);
    const banner = await screen.findByTestId("held-banner");
    expect(banner.textContent).toContain("2 retirements are held");
    expect(banner.textContent).toContain("aks-stg-weu, aks-prod-weu");
    await fireEvent.click(screen.getByTestId("held-open-history"));
    expect(await screen.findByTestId("history-page")).toBeTruthy();
    expect(screen.queryByTestId("held-banner")).toBeNull();
    expect(await screen.findAllByTestId("rotation-held")).toHaveLength(2);
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

  it("stays away when nothing is left to do, and so does the held-retirements banner", async () => {
    const calls = mockCommands({
      auth_status: () => demoStatus,
      cached_inventory: () => null,
      refresh_inventory: () => inventory(),
      subscribe_app_events: () => null,
      list_rotations: () => [summary()],
    });
    render(App);
    // Both banners have asked.
    await waitFor(() => expect(calls.filter((c) => c.cmd === "list_rotations").length).toBeGreaterThanOrEqual(2));
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("resume-banner")).toBeNull();
    expect(screen.queryByTestId("held-banner")).toBeNull();
  });
});
