import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";
import type { MoveResult } from "../lib/bindings/MoveResult";
import { migration } from "../lib/migration.svelte";
import { rotation } from "../lib/rotation.svelte";
import { deferred, demoStatus, inventory, mockCommands, moveSummary, pageProps, sendOnChannel } from "../test/fixtures";
import History from "./History.svelte";

const ARM = "/subscriptions/s/resourceGroups/rg-stg/providers/";

const move = moveSummary;

function result(name: string, extra: Partial<MoveResult> = {}): MoveResult {
  return {
    migrationId: `mig-${name}`,
    clusterId: `${ARM}Microsoft.ContainerService/managedClusters/${name}`,
    name,
    outcome: "succeeded",
    principalId: "pid",
    kubeletObjectId: "kid",
    poolsUpgraded: ["nodepool1"],
    retireAfter: null,
    message: null,
    ...extra,
  };
}

const history = [
  move("aks-done", {
    outcome: "retirePending",
    due: false,
    poolsDone: ["nodepool1", "userpool"],
    retireAfter: "2999-01-02T10:00:00Z",
    identity: {
      kind: "userAssigned",
      id: `${ARM}Microsoft.ManagedIdentity/userAssignedIdentities/aks-done-identity`,
      create: true,
      location: "westeurope",
    },
  }),
  move("aks-failed", {
    outcome: "failed",
    lastFailure: "update: Azure's operation failed: LinkedAuthorizationFailed",
    poolsDone: [],
  }),
];

afterEach(() => {
  migration.reset();
  rotation.reset();
});

describe("History: moves to managed identity", () => {
  it("lists each move beside the rotations: cluster, identity, outcome, pools, retirement, failure", async () => {
    mockCommands({ list_rotations: () => [], rotation_history: () => [], list_migrations: () => history });
    render(History, pageProps(demoStatus));
    const rows = await screen.findAllByTestId("move-row");
    expect(rows.map((r) => r.dataset.clusterName)).toEqual(["aks-done", "aks-failed"]);
    expect(rows.map((r) => r.dataset.outcome)).toEqual(["retirePending", "failed"]);
    expect(rows[0]!.textContent).toContain("User-assigned aks-done-identity (created by Rekey)");
    // The whole resource ID on hover.
    expect(within(rows[0]!).getByText(/^User-assigned/).getAttribute("title")).toContain(
      "/userAssignedIdentities/aks-done-identity",
    );
    expect(rows[0]!.textContent).toContain("Moved; old secrets retire later");
    expect(rows[0]!.textContent).toContain("nodepool1, userpool");
    expect(rows[0]!.textContent).toContain("removed after");
    expect(rows[1]!.textContent).toContain("System-assigned");
    expect(rows[1]!.textContent).toContain("LinkedAuthorizationFailed");
    expect(rows[1]!.textContent).toContain("none yet");
    // Moved and not yet due: nothing to do; a failed move can be retried.
    expect(within(rows[0]!).queryByTestId("move-resume")).toBeNull();
    expect(within(rows[1]!).getByTestId("move-resume").textContent).toBe("Retry");
  });

  it("says when there is no move yet, and when the moves could not be read without hiding the rotations", async () => {
    mockCommands({ list_rotations: () => [], rotation_history: () => [], list_migrations: () => [] });
    const first = render(History, pageProps(demoStatus));
    await waitFor(() => expect(screen.getAllByTestId("empty").map((e) => e.textContent).join()).toContain("No move yet"));
    first.unmount();

    mockCommands({
      list_rotations: () => [],
      rotation_history: () => [],
      list_migrations: () => {
        throw { code: "journal_unreadable", message: "The move journal could not be read." };
      },
    });
    render(History, pageProps(demoStatus));
    expect((await screen.findByTestId("move-list-error")).textContent).toContain("could not be read");
    expect(screen.getAllByTestId("empty").map((e) => e.textContent).join()).toContain("No rotation yet");
  });

  it("resumes the moves in the wizard, which follows the progress and shows the result", async () => {
    const run = deferred<unknown>();
    const calls = mockCommands({
      list_rotations: () => [],
      rotation_history: () => [],
      list_migrations: () => history,
      resume_migrations: () => run.promise,
    });
    const props = pageProps(demoStatus);
    render(History, props);
    const rows = await screen.findAllByTestId("move-row");
    await fireEvent.click(within(rows[1]!).getByTestId("move-resume"));
    expect(props.navigate).toHaveBeenCalledWith("migrate");
    await waitFor(() => expect(calls.some((c) => c.cmd === "resume_migrations")).toBe(true));
    expect(migration.stage).toBe("progress");
    // The due move is listed before its first report comes.
    expect(migration.moves.map((m) => m.name)).toEqual(["aks-failed"]);
    run.resolve({ results: [result("aks-failed")], problems: [] });
    await waitFor(() => expect(migration.stage).toBe("result"));
    expect(migration.results.map((r) => r.outcome)).toEqual(["succeeded"]);
  });
});

describe("Resume banner for moves", () => {
  const shell = {
    auth_status: () => demoStatus,
    cached_inventory: () => null,
    refresh_inventory: () => inventory(),
    subscribe_app_events: () => null,
    list_rotations: () => [],
  };

  it("offers at start the moves left unfinished, and follows the resume's progress to the result", async () => {
    const run = deferred<unknown>();
    let channel: unknown;
    const calls = mockCommands({
      ...shell,
      list_migrations: () => [move("aks-stg-sp"), move("aks-old", { outcome: "succeeded", due: false })],
      resume_migrations: (args) => {
        channel = args.onProgress;
        return run.promise;
      },
    });
    render(App);
    const banner = await screen.findByTestId("move-resume-banner");
    expect(banner.textContent).toContain("A move to a managed identity did not finish (aks-stg-sp)");
    expect(banner.textContent).not.toContain("aks-old");
    expect(screen.queryByTestId("resume-banner")).toBeNull();
    await fireEvent.click(screen.getByTestId("resume-moves"));

    expect((await screen.findByTestId("migrate-page")).dataset.stage).toBe("progress");
    expect(screen.queryByTestId("move-resume-banner")).toBeNull();
    expect(calls.filter((c) => c.cmd === "resume_migrations")).toHaveLength(1);
    expect(screen.getByTestId("migrate-progress-move").dataset.clusterName).toBe("aks-stg-sp");

    await waitFor(() => expect(channel).toBeDefined());
    sendOnChannel(channel, 0, { migrationId: "mig-aks-stg-sp", cluster: "aks-stg-sp", step: "upgradePools", status: "running", detail: "nodepool1" });
    await waitFor(() => expect(screen.getAllByTestId("migrate-step")).toHaveLength(1));
    expect(screen.getByTestId("migrate-step").textContent).toContain("nodepool1");

    run.resolve({ results: [result("aks-stg-sp")], problems: ["a journal could not be read"] });
    await waitFor(() => expect(screen.getByTestId("migrate-page").dataset.stage).toBe("result"));
    expect(screen.getByTestId("migrate-outcome").textContent).toBe("Moved");
    expect(screen.getByTestId("migrate-resume-problem").textContent).toContain("could not be read");
  });

  it("stays away when no move is due, or when the moves cannot be listed", async () => {
    const calls = mockCommands({ ...shell, list_migrations: () => [move("aks-old", { outcome: "succeeded", due: false })] });
    const first = render(App);
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain("list_migrations"));
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("move-resume-banner")).toBeNull();
    first.unmount();

    const failing = mockCommands({
      ...shell,
      list_migrations: () => {
        throw { code: "journal_unreadable", message: "no" };
      },
    });
    render(App);
    await waitFor(() => expect(failing.map((c) => c.cmd)).toContain("list_migrations"));
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("move-resume-banner")).toBeNull();
  });
});
