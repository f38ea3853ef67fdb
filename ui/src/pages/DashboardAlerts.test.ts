// The dashboard and the app shell as expiry alerts drive them: a tray or notification click opens a
// cluster (with its rotation ready), a background refresh brings a new inventory.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import App from "../App.svelte";
import { dispatchAppEvent } from "../lib/appEvents";
import { rotation } from "../lib/rotation.svelte";
import { clusters, demoStatus, inventory, mockCommands, pageProps } from "../test/fixtures";
import Dashboard from "./Dashboard.svelte";

const broken = clusters.find((c) => c.name === "aks-prod-broken")!;

describe("Dashboard: expiry alerts", () => {
  it("opens the asked-for cluster with its rotation ready once its row is there", async () => {
    mockCommands({ cached_inventory: () => null, refresh_inventory: () => inventory() });
    const props = pageProps(demoStatus);
    render(Dashboard, { ...props, openRequest: { clusterId: broken.id, rotate: true, seq: 1 } });

    const drawer = await screen.findByTestId("detail-drawer");
    expect(drawer.dataset.clusterName).toBe("aks-prod-broken");
    const ready = screen.getByTestId("rotate-ready");
    expect(ready.textContent).toContain("Rotate this cluster's secret");
    // The rotate wizard opens for this cluster.
    await fireEvent.click(screen.getByTestId("rotate-button"));
    expect(props.navigate).toHaveBeenCalledWith("rotate");
    expect(rotation.rows.map((r) => r.name)).toEqual(["aks-prod-broken"]);
    rotation.reset();
  });

  it("shows the inventory a background refresh brings", async () => {
    mockCommands({ cached_inventory: () => null, refresh_inventory: () => inventory(clusters.slice(0, 2)) });
    render(Dashboard, pageProps(demoStatus));
    await waitFor(() => expect(screen.getAllByTestId("cluster-row")).toHaveLength(2));

    dispatchAppEvent({ kind: "inventoryUpdated", inventory: inventory() });
    await waitFor(() => expect(screen.getAllByTestId("cluster-row")).toHaveLength(clusters.length));
  });
});

describe("App shell: alert events", () => {
  it("subscribes once, and a tray click on a cluster shows it from any page", async () => {
    const calls = mockCommands({
      auth_status: () => demoStatus,
      cached_inventory: () => null,
      refresh_inventory: () => inventory(),
      subscribe_app_events: () => null,
    });
    render(App);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "subscribe_app_events")).toHaveLength(1));

    dispatchAppEvent({ kind: "openCluster", clusterId: broken.id, rotate: false });
    const drawer = await screen.findByTestId("detail-drawer");
    expect(drawer.dataset.clusterName).toBe("aks-prod-broken");
    // From the tray: the cluster, not the rotation.
    expect(screen.queryByTestId("rotate-ready")).toBeNull();
  });
});
