import { fireEvent, render, screen, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ClusterRow } from "../lib/bindings/ClusterRow";
import { clusters, deferred, demoStatus, mockBackend, pageProps } from "../test/fixtures";
import Dashboard from "./Dashboard.svelte";

const rowNames = () =>
  screen.getAllByTestId("cluster-row").map((r) => r.getAttribute("data-cluster-name"));

const header = (name: string) => screen.getByRole("columnheader", { name: new RegExp(`^${name}`) });

async function renderWithRows(rows: ClusterRow[] = clusters) {
  const calls = mockBackend({ list_clusters: () => rows });
  render(Dashboard, pageProps(demoStatus));
  await screen.findAllByTestId("cluster-row");
  return calls;
}

describe("Dashboard", () => {
  it("shows the loading state while list_clusters is pending, then the rows", async () => {
    const pending = deferred<ClusterRow[]>();
    mockBackend({ list_clusters: () => pending.promise });
    render(Dashboard, pageProps(demoStatus));

    expect(screen.getByTestId("loading").textContent).toContain("Loading clusters…");
    expect(screen.queryByTestId("cluster-table")).toBeNull();

    pending.resolve(clusters);
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(4);
    expect(screen.queryByTestId("loading")).toBeNull();
  });

  it("renders one row per cluster, sorted by name, with the count line", async () => {
    await renderWithRows();

    expect(rowNames()).toEqual(["aks-analytics", "aks-dev-2", "aks-dev-10", "aks-prod-weu"]);
    expect(screen.getByTestId("cluster-count").textContent).toBe("4 clusters in 3 subscriptions");
    expect(header("Name").getAttribute("aria-sort")).toBe("ascending");
  });

  it("renders human labels, badges and the subscription id tooltip", async () => {
    await renderWithRows();
    const prod = within(screen.getByTestId("cluster-table")).getAllByTestId("cluster-row")[3]!;
    const cells = within(prod);

    expect(prod.getAttribute("data-cluster-name")).toBe("aks-prod-weu");
    expect(cells.getByText("Contoso Production").getAttribute("title")).toBe(
      "11111111-1111-1111-1111-111111111111",
    );
    expect(cells.getByText("Service principal")).toBeTruthy();
    expect(cells.getByText("Legacy AAD")).toBeTruthy();
    expect(cells.getByText("Succeeded").className).toContain("ok");

    const analytics = within(screen.getAllByTestId("cluster-row")[0]!);
    expect(analytics.getByText("Managed identity")).toBeTruthy();
    expect(analytics.getByText("Entra ID (managed)")).toBeTruthy();
    expect(analytics.getByText("Creating").className).toContain("warn");

    const dev2 = within(screen.getAllByTestId("cluster-row")[1]!);
    expect(dev2.getByText("Failed").className).toContain("danger");
    expect(dev2.getByText("Stopped")).toBeTruthy();
  });

  it("sorts by a column on click and toggles direction on a second click", async () => {
    await renderWithRows();
    const versionButton = within(header("Kubernetes")).getByRole("button");

    await fireEvent.click(versionButton);
    expect(rowNames()).toEqual(["aks-dev-2", "aks-dev-10", "aks-prod-weu", "aks-analytics"]);
    expect(header("Kubernetes").getAttribute("aria-sort")).toBe("ascending");
    expect(header("Name").hasAttribute("aria-sort")).toBe(false);

    await fireEvent.click(versionButton);
    expect(rowNames()).toEqual(["aks-prod-weu", "aks-dev-10", "aks-dev-2", "aks-analytics"]);
    expect(header("Kubernetes").getAttribute("aria-sort")).toBe("descending");
  });

  it("filters rows by the text box and can clear an empty result", async () => {
    await renderWithRows();
    const box = screen.getByRole("searchbox", { name: "Filter clusters" });

    await fireEvent.input(box, { target: { value: "contoso dev" } });
    expect(rowNames()).toEqual(["aks-dev-2", "aks-dev-10"]);
    expect(screen.getByTestId("filter-count").textContent).toBe("2 matches");
    // The count line keeps describing everything the back end returned.
    expect(screen.getByTestId("cluster-count").textContent).toBe("4 clusters in 3 subscriptions");

    await fireEvent.input(box, { target: { value: "nothing-like-this" } });
    expect(screen.queryAllByTestId("cluster-row")).toHaveLength(0);
    expect(screen.getByText(/No clusters match “nothing-like-this”/)).toBeTruthy();

    await fireEvent.click(screen.getByRole("button", { name: "Clear filter" }));
    expect(rowNames()).toHaveLength(4);
  });

  it("shows the empty state when the back end returns no clusters", async () => {
    mockBackend({ list_clusters: () => [] });
    render(Dashboard, pageProps(demoStatus));

    const empty = await screen.findByTestId("empty");
    expect(empty.textContent).toContain("No AKS clusters found in the selected subscriptions.");
    expect(screen.queryByTestId("cluster-table")).toBeNull();
    // No account to choose subscriptions for in demo mode.
    expect(screen.queryByRole("button", { name: "Choose subscriptions" })).toBeNull();
  });

  it("offers to choose subscriptions when signed-in accounts list no clusters", async () => {
    mockBackend({ list_clusters: () => [] });
    const props = pageProps();
    render(Dashboard, props);

    await fireEvent.click(await screen.findByRole("button", { name: "Choose subscriptions" }));
    expect(props.navigate).toHaveBeenCalledWith("accounts");
  });

  it("shows an IpcError with its code, and Try again re-invokes and shows rows", async () => {
    let attempt = 0;
    const calls = mockBackend({
      list_clusters: () => {
        attempt += 1;
        if (attempt === 1) throw { code: "arm_unavailable", message: "Azure Resource Manager returned 503" };
        return clusters;
      },
    });
    render(Dashboard, pageProps(demoStatus));

    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("Azure Resource Manager returned 503");
    expect(error.textContent).toContain("arm_unavailable");
    expect(screen.queryByTestId("cluster-table")).toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(4);
    expect(screen.queryByTestId("error")).toBeNull();
    expect(calls).toEqual(["list_clusters", "list_clusters"]);
  });

  it("Refresh re-invokes list_clusters and keeps the table visible meanwhile", async () => {
    let reply: Promise<ClusterRow[]> | ClusterRow[] = clusters;
    const calls = mockBackend({ list_clusters: () => reply });
    render(Dashboard, pageProps(demoStatus));
    await screen.findAllByTestId("cluster-row");

    const next = deferred<ClusterRow[]>();
    reply = next.promise;
    await fireEvent.click(screen.getByRole("button", { name: "Refresh" }));

    expect(calls).toEqual(["list_clusters", "list_clusters"]);
    expect(screen.getByRole("button", { name: "Refreshing…" }).hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("cluster-table").getAttribute("aria-busy")).toBe("true");
    expect(rowNames()).toHaveLength(4);

    next.resolve(clusters.slice(0, 1));
    await screen.findByRole("button", { name: "Refresh" });
    expect(rowNames()).toEqual(["aks-prod-weu"]);
    expect(screen.getByTestId("cluster-count").textContent).toBe("1 cluster in 1 subscription");
  });
});
