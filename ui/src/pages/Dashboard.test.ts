import { Channel } from "@tauri-apps/api/core";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Inventory } from "../lib/bindings/Inventory";
import type { Progress } from "../lib/bindings/Progress";
import { formatDate, formatDateTime } from "../lib/expiry";
import { DEFAULT_SORT, indexInventory, NO_FILTERS, queryView } from "../lib/inventoryQuery";
import {
  account,
  clusters,
  deferred,
  demoStatus,
  inDays,
  inventory,
  mockCommands,
  pageProps,
  sendOnChannel,
  signedInStatus,
  TENANT_B,
  type Handler,
} from "../test/fixtures";
import { syntheticClusters } from "../test/synthetic";
import Dashboard from "./Dashboard.svelte";

const rowNames = () => screen.queryAllByTestId("cluster-row").map((r) => r.dataset.clusterName);
const row = (name: string) => screen.getAllByTestId("cluster-row").find((r) => r.dataset.clusterName === name)!;
const card = (bucket: string) => screen.getAllByTestId("bucket-card").find((c) => c.dataset.bucket === bucket)!;
const header = (name: string) => screen.getByRole("columnheader", { name: new RegExp(`^${name}`) });
const searchBox = () => screen.getByRole("searchbox", { name: "Filter clusters" });

/** Every cluster, most urgent first (the default order). */
const BY_URGENCY = [
  "aks-prod-broken", // expired
  "aks-prod-weu", // critical
  "aks-dev-2", // warning
  "aks-analytics", // notice, 60 days (tie broken by name)
  "aks-data-batch", // notice, 60 days
  "aks-dev-mystery", // unknown
  "aks-prod-ok", // ok
  "aks-dev-10", // auto-rotated
];

function renderDashboard(handlers: Record<string, Handler> = {}, auth = pageProps(demoStatus)) {
  const calls = mockCommands({
    cached_inventory: () => null,
    refresh_inventory: () => inventory(),
    ...handlers,
  });
  render(Dashboard, auth);
  return calls;
}

async function renderLoaded(handlers: Record<string, Handler> = {}) {
  const calls = renderDashboard(handlers);
  await screen.findAllByTestId("cluster-row");
  await waitFor(() => expect(screen.queryByTestId("refresh-progress")).toBeNull());
  return calls;
}

describe("Dashboard: loading and refresh", () => {
  it("shows loading with live progress until the first refresh answers, then the rows", async () => {
    const pending = deferred<Inventory>();
    let channel: unknown;
    renderDashboard({
      refresh_inventory: (args) => {
        channel = args.onProgress;
        return pending.promise;
      },
    });

    expect(screen.getByTestId("loading").textContent).toContain("Loading clusters…");
    expect((await screen.findByTestId("refresh-progress")).textContent).toContain("Starting refresh");
    expect(screen.queryByTestId("cluster-table")).toBeNull();

    await waitFor(() => expect(channel).toBeDefined());
    const progress: Progress = { phase: "clusters", subscriptionsScanned: 3, clustersFound: 40, credentialsResolved: 0 };
    sendOnChannel(channel, 0, progress);
    await waitFor(() => expect(screen.getByTestId("refresh-progress").textContent).toContain("Finding clusters…"));
    const counters = screen.getByTestId("refresh-counters").textContent;
    expect(counters).toContain("3 subscriptions scanned");
    expect(counters).toContain("40 clusters found");
    expect(counters).toContain("0 credentials resolved");

    sendOnChannel(channel, 1, { ...progress, phase: "credentials", clustersFound: 41, credentialsResolved: 1 });
    await waitFor(() => expect(screen.getByTestId("refresh-counters").textContent).toContain("1 credential resolved"));
    expect(screen.getByTestId("refresh-progress").textContent).toContain("Resolving credentials…");

    pending.resolve(inventory());
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(8);
    expect(screen.queryByTestId("loading")).toBeNull();
    expect(screen.queryByTestId("refresh-progress")).toBeNull();
    expect(screen.getByTestId("cluster-count").textContent).toBe("8 clusters in 3 subscriptions");
  });

  it("opens on the cached inventory with its age, then replaces it with the refresh", async () => {
    const fresh = deferred<Inventory>();
    const calls = renderDashboard({
      cached_inventory: () => inventory(clusters.slice(0, 3), {}, 3),
      refresh_inventory: () => fresh.promise,
    });

    await waitFor(() => expect(rowNames()).toHaveLength(3));
    const age = screen.getByTestId("inventory-age");
    expect(age.textContent?.trim()).toBe("Last refreshed 3 h ago");
    expect(age.dataset.cached).toBe("true");
    expect(screen.getByTestId("cluster-count").textContent).toBe("3 clusters in 2 subscriptions");
    // The cached table stays usable while the refresh runs in the background.
    expect(screen.getByTestId("refresh-progress")).toBeTruthy();
    expect(screen.getByTestId("cluster-table").getAttribute("aria-busy")).toBe("true");
    expect(calls.map((c) => c.cmd)).toEqual(["cached_inventory", "refresh_inventory"]);

    fresh.resolve(inventory());
    await waitFor(() => expect(rowNames()).toHaveLength(8));
    expect(screen.getByTestId("inventory-age").textContent?.trim()).toBe("Last refreshed just now");
    expect(screen.getByTestId("inventory-age").dataset.cached).toBe("false");
    expect(screen.getByTestId("cluster-count").textContent).toBe("8 clusters in 3 subscriptions");
    expect(screen.getByTestId("cluster-table").getAttribute("aria-busy")).toBe("false");
  });

  it("marks a cached inventory older than a day as stale", async () => {
    renderDashboard({
      cached_inventory: () => inventory(clusters, {}, 50),
      refresh_inventory: () => new Promise(() => {}),
    });
    const age = await screen.findByTestId("inventory-age");
    expect(age.textContent?.trim()).toBe("Last refreshed 2 days ago");
    expect(age.classList.contains("stale")).toBe(true);
  });

  it("ignores a cached inventory that arrives after the refresh", async () => {
    const cached = deferred<Inventory | null>();
    renderDashboard({ cached_inventory: () => cached.promise, refresh_inventory: () => inventory() });
    await waitFor(() => expect(rowNames()).toHaveLength(8));

    cached.resolve(inventory(clusters.slice(0, 1), {}, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(rowNames()).toHaveLength(8);
    expect(screen.getByTestId("inventory-age").dataset.cached).toBe("false");
  });

  it("cancels a refresh and keeps the cached inventory on screen", async () => {
    const pending = deferred<Inventory>();
    let channel: unknown;
    const calls = renderDashboard({
      cached_inventory: () => inventory(clusters, {}, 3),
      refresh_inventory: (args) => {
        channel = args.onProgress;
        return pending.promise;
      },
      cancel_refresh: () => {
        pending.reject({ code: "cancelled", message: "The refresh was cancelled." });
        return null;
      },
    });
    await waitFor(() => expect(rowNames()).toHaveLength(8));
    await waitFor(() => expect(channel).toBeDefined());
    sendOnChannel(channel, 0, { phase: "subscriptions", subscriptionsScanned: 7, clustersFound: 0, credentialsResolved: 0 });
    await waitFor(() => expect(screen.getByTestId("refresh-counters").textContent).toContain("7 subscriptions scanned"));

    await fireEvent.click(screen.getByRole("button", { name: "Cancel refresh" }));
    expect(calls.map((c) => c.cmd)).toContain("cancel_refresh");

    expect(await screen.findByTestId("refresh-cancelled")).toBeTruthy();
    expect(screen.queryByTestId("refresh-progress")).toBeNull();
    expect(screen.queryByTestId("refresh-error")).toBeNull();
    expect(rowNames()).toHaveLength(8);
    expect(screen.getByTestId("inventory-age").textContent?.trim()).toBe("Last refreshed 3 h ago");
    expect(screen.getByRole("button", { name: "Refresh" }).hasAttribute("disabled")).toBe(false);
  });

  it("shows Cancelling… while cancel_refresh is pending", async () => {
    const cancelReply = deferred<null>();
    renderDashboard({
      cached_inventory: () => inventory(),
      refresh_inventory: () => new Promise(() => {}),
      cancel_refresh: () => cancelReply.promise,
    });
    await fireEvent.click(await screen.findByRole("button", { name: "Cancel refresh" }));
    expect(screen.getByRole("button", { name: "Cancelling…" }).hasAttribute("disabled")).toBe(true);
  });

  it("offers a refresh when the first refresh is cancelled and nothing is cached", async () => {
    const pending = deferred<Inventory>();
    let attempt = 0;
    renderDashboard({
      refresh_inventory: () => (++attempt === 1 ? pending.promise : inventory()),
      cancel_refresh: () => {
        pending.reject({ code: "cancelled", message: "cancelled" });
        return null;
      },
    });
    await fireEvent.click(await screen.findByRole("button", { name: "Cancel refresh" }));
    const empty = await screen.findByTestId("empty");
    expect(empty.textContent).toContain("Refresh cancelled");

    await fireEvent.click(within(empty).getByRole("button", { name: "Refresh" }));
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(8);
  });

  it("keeps the cached inventory when the refresh fails, and Try again refreshes", async () => {
    let attempt = 0;
    renderDashboard({
      cached_inventory: () => inventory(clusters.slice(0, 2), {}, 3),
      refresh_inventory: () => {
        attempt += 1;
        if (attempt === 1) throw { code: "arm_unavailable", message: "Azure Resource Manager returned 503" };
        return inventory();
      },
    });

    const notice = await screen.findByTestId("refresh-error");
    expect(notice.textContent).toContain("Azure Resource Manager returned 503");
    expect(notice.textContent).toContain("arm_unavailable");
    expect(rowNames()).toHaveLength(2);
    expect(screen.queryByTestId("error")).toBeNull();

    await fireEvent.click(within(notice).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(rowNames()).toHaveLength(8));
    expect(screen.queryByTestId("refresh-error")).toBeNull();
  });

  it("shows the error with its code when nothing is cached, and Try again loads", async () => {
    let attempt = 0;
    const calls = renderDashboard({
      refresh_inventory: () => {
        attempt += 1;
        if (attempt === 1) throw { code: "graph_forbidden", message: "Graph returned 403" };
        return inventory();
      },
    });

    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("Graph returned 403");
    expect(error.textContent).toContain("graph_forbidden");
    expect(screen.queryByTestId("cluster-table")).toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findAllByTestId("cluster-row")).toHaveLength(8);
    expect(calls.filter((c) => c.cmd === "refresh_inventory")).toHaveLength(2);
  });

  it("Refresh re-invokes refresh_inventory with a progress channel", async () => {
    const calls = await renderLoaded();
    await fireEvent.click(screen.getByRole("button", { name: "Refresh" }));
    const refreshes = calls.filter((c) => c.cmd === "refresh_inventory");
    expect(refreshes).toHaveLength(2);
    expect(refreshes[1]!.args.onProgress).toBeInstanceOf(Channel);
  });

  it("shows the empty state, and the way to choose subscriptions when signed in", async () => {
    const props = pageProps();
    renderDashboard({ refresh_inventory: () => inventory([]) }, props);
    const empty = await screen.findByTestId("empty");
    expect(empty.textContent).toContain("No AKS clusters found in the selected subscriptions.");
    expect(screen.queryByTestId("cluster-table")).toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: "Choose subscriptions" }));
    expect(props.navigate).toHaveBeenCalledWith("accounts");
  });
});

describe("Dashboard: warnings and export", () => {
  it("collapses the warnings of a partial inventory into an 'N warnings' panel", async () => {
    const warnings = [
      "Subscription 44444444-… (Contoso Sandbox): no read access (403).",
      "Graph: throttled, retried after 2 s.",
    ];
    await renderLoaded({ refresh_inventory: () => inventory(clusters, { warnings }) });

    const panel = screen.getByTestId("warnings") as HTMLDetailsElement;
    expect(screen.getByTestId("warnings-summary").textContent).toBe("2 warnings");
    expect(panel.open).toBe(false);
    expect(within(panel).getAllByTestId("warning").map((w) => w.textContent)).toEqual(warnings);
    await fireEvent.click(panel.querySelector("summary")!);
    expect(panel.open).toBe(true);
    // Partial is not empty: the rows that could be read are all there.
    expect(rowNames()).toHaveLength(8);
  });

  it("names each blind spot, open, so a subscription that could not be read is never silent", async () => {
    const blindSpots = [
      {
        kind: "subscription" as const,
        id: "44444444-4444-4444-4444-444444444444",
        name: "Contoso Sandbox",
        code: "AuthorizationFailed",
        reason: "The client does not have authorization to list managed clusters.",
      },
    ];
    await renderLoaded({ refresh_inventory: () => inventory(clusters, { blindSpots }) });

    const panel = screen.getByTestId("warnings") as HTMLDetailsElement;
    expect(panel.open).toBe(true);
    expect(screen.getByTestId("warnings-summary").textContent).toBe("1 blind spot, 0 warnings");
    const spot = within(panel).getByTestId("blind-spot").textContent ?? "";
    expect(spot).toContain("Not read: Subscription Contoso Sandbox");
    expect(spot).toContain("44444444-4444-4444-4444-444444444444");
    expect(spot).toContain("AuthorizationFailed");
  });

  it("shows no warnings panel for a complete inventory", async () => {
    await renderLoaded();
    expect(screen.queryByTestId("warnings")).toBeNull();
  });

  it("shows the warnings even when they explain an empty inventory", async () => {
    renderDashboard({ refresh_inventory: () => inventory([], { warnings: ["Resource Graph: access denied."] }) });
    expect((await screen.findByTestId("warnings-summary")).textContent).toBe("1 warning");
    expect(screen.getByTestId("empty")).toBeTruthy();
  });

  it("exports CSV and JSON through export_inventory and shows the saved path", async () => {
    let reply: string | null = "/home/admin/rekey-inventory.csv";
    const calls = await renderLoaded({ export_inventory: () => reply });

    await fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByTestId("export-result")).toBeTruthy();
    expect(screen.getByTestId("export-result").textContent).toContain("/home/admin/rekey-inventory.csv");

    // Cancelling the save dialog (null) is not an error and leaves no stale path behind.
    reply = null;
    await fireEvent.click(screen.getByRole("button", { name: "Export JSON" }));
    await waitFor(() => expect(screen.queryByTestId("export-result")).toBeNull());
    expect(screen.queryByTestId("export-error")).toBeNull();

    expect(calls.filter((c) => c.cmd === "export_inventory").map((c) => c.args)).toEqual([
      { format: "csv" },
      { format: "json" },
    ]);
  });

  it("shows an export failure", async () => {
    await renderLoaded({
      export_inventory: () => {
        throw { code: "io", message: "Permission denied: /root/x.csv" };
      },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    const error = await screen.findByTestId("export-error");
    expect(error.textContent).toContain("Permission denied: /root/x.csv");
    expect(rowNames()).toHaveLength(8);
  });
});

describe("Dashboard: cards, table, filters", () => {
  it("counts clusters per bucket on the cards", async () => {
    await renderLoaded();
    const counts = Object.fromEntries(screen.getAllByTestId("bucket-card").map((c) => [c.dataset.bucket, c.dataset.count]));
    expect(counts).toEqual({
      expired: "1",
      critical: "1",
      warning: "1",
      notice: "2",
      unknown: "1",
      ok: "1",
      autoRotated: "1",
    });
    expect(card("critical").textContent).toContain("≤ 7 days");
    expect(card("notice").textContent).toContain("≤ 90 days");
  });

  it("filters by bucket when cards are clicked, and the cards keep their counts", async () => {
    await renderLoaded();

    await fireEvent.click(card("notice"));
    expect(rowNames()).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(card("notice").getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("filter-count").textContent).toBe("2 matches");
    expect(screen.getByTestId("cluster-count").textContent).toBe("8 clusters in 3 subscriptions");
    expect(card("expired").dataset.count).toBe("1");

    await fireEvent.click(card("expired"));
    expect(rowNames()).toEqual(["aks-prod-broken", "aks-analytics", "aks-data-batch"]);

    await fireEvent.click(card("notice"));
    expect(rowNames()).toEqual(["aks-prod-broken"]);
    expect(card("notice").getAttribute("aria-pressed")).toBe("false");

    await fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(rowNames()).toEqual(BY_URGENCY);
    expect(screen.queryByTestId("filter-count")).toBeNull();
  });

  it("lists the most urgent clusters first, with a data-bucket per row", async () => {
    await renderLoaded();
    expect(rowNames()).toEqual(BY_URGENCY);
    expect(screen.getAllByTestId("cluster-row").map((r) => r.dataset.bucket)).toEqual([
      "expired",
      "critical",
      "warning",
      "notice",
      "notice",
      "unknown",
      "ok",
      "autoRotated",
    ]);
    expect(header("Status").getAttribute("aria-sort")).toBe("ascending");
  });

  it("renders each column: tenant, subscription, identity, SP, expiry, status", async () => {
    await renderLoaded();
    const prod = within(row("aks-prod-weu"));
    // Tenants by name, the ID on hover; a tenant ARM did not name shows its (short) ID.
    const tenant = prod.getByTestId("tenant-cell");
    expect(tenant.textContent?.trim()).toBe("Contoso");
    expect(tenant.getAttribute("title")).toBe("aaaaaaaa-1111-4111-8111-111111111111");
    const unnamed = within(row("aks-analytics")).getByTestId("tenant-cell");
    expect(unnamed.textContent?.trim()).toMatch(/^[0-9a-f]{8}…$/);
    expect(unnamed.getAttribute("title")).toMatch(/^[0-9a-f-]{36}$/);
    expect(prod.getByText("Contoso Production").getAttribute("title")).toBe("11111111-1111-1111-1111-111111111111");
    expect(prod.getByText("rg-prod")).toBeTruthy();
    expect(prod.getByText("Service principal")).toBeTruthy();
    expect(prod.getByText("Legacy AAD")).toBeTruthy();
    expect(prod.getByText("sp-aks-prod")).toBeTruthy();
    expect(prod.getByText("aaaaaaaa-0000-0000-0000-000000000001")).toBeTruthy();
    expect(prod.getByText(formatDate(inDays(3.5)))).toBeTruthy();
    // Days left carries the date too: in a narrow window the Expires and Resource group columns hide.
    expect(prod.getByText("3").getAttribute("title")).toBe(`Expires ${formatDateTime(inDays(3.5))}`);
    expect(prod.getByText("rg-prod").getAttribute("title")).toBe("rg-prod");
    expect(prod.getByText("Critical").className).toContain("bucket-critical");
    // The rating is an assumption: marked, with the reason in the tooltip.
    expect(prod.getByTestId("assumed").getAttribute("title")).toContain("earliest unexpired credential");

    const dev2 = within(row("aks-dev-2"));
    expect(dev2.queryByTestId("assumed")).toBeNull();
    expect(dev2.getByText("Stopped")).toBeTruthy();

    expect(within(row("aks-prod-broken")).getByText("\u22125").getAttribute("title")).toBe("Expired 5 days ago");
    expect(within(row("aks-dev-10")).getByText("Managed identity")).toBeTruthy();
    expect(within(row("aks-dev-10")).getByText("Auto-rotated")).toBeTruthy();
  });

  it("sorts by a column on click, toggles direction, and keeps missing values last", async () => {
    await renderLoaded();
    const byName = within(header("Cluster")).getByRole("button");

    await fireEvent.click(byName);
    expect(rowNames()).toEqual([
      "aks-analytics",
      "aks-data-batch",
      "aks-dev-2",
      "aks-dev-10",
      "aks-dev-mystery",
      "aks-prod-broken",
      "aks-prod-ok",
      "aks-prod-weu",
    ]);
    expect(header("Cluster").getAttribute("aria-sort")).toBe("ascending");
    expect(header("Status").hasAttribute("aria-sort")).toBe(false);

    await fireEvent.click(byName);
    expect(rowNames()[0]).toBe("aks-prod-weu");
    expect(header("Cluster").getAttribute("aria-sort")).toBe("descending");

    await fireEvent.click(within(header("Days left")).getByRole("button"));
    expect(rowNames()).toEqual([
      "aks-prod-broken",
      "aks-prod-weu",
      "aks-dev-2",
      "aks-analytics",
      "aks-data-batch",
      "aks-prod-ok",
      "aks-dev-10",
      "aks-dev-mystery",
    ]);
    await fireEvent.click(within(header("Days left")).getByRole("button"));
    expect(rowNames().slice(0, 2)).toEqual(["aks-prod-ok", "aks-analytics"]);
    expect(rowNames().slice(-2)).toEqual(["aks-dev-10", "aks-dev-mystery"]);
  });

  it("searches name, subscription, SP name and app ID, and clears an empty result", async () => {
    await renderLoaded();

    await fireEvent.input(searchBox(), { target: { value: "fabrikam" } });
    expect(rowNames()).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(screen.getByTestId("filter-count").textContent).toBe("2 matches");
    // The cards describe what the search leaves.
    expect(card("notice").dataset.count).toBe("2");
    expect(card("expired").dataset.count).toBe("0");

    await fireEvent.input(searchBox(), { target: { value: "SP-AKS-DEV" } });
    expect(rowNames()).toEqual(["aks-dev-2"]);

    await fireEvent.input(searchBox(), { target: { value: "000000000005" } });
    expect(rowNames()).toEqual(["aks-prod-ok"]);

    await fireEvent.input(searchBox(), { target: { value: "contoso dev" } });
    expect(rowNames()).toEqual(["aks-dev-2", "aks-dev-mystery", "aks-dev-10"]);

    await fireEvent.input(searchBox(), { target: { value: "nothing-like-this" } });
    expect(rowNames()).toHaveLength(0);
    expect(screen.getByText(/No clusters match “nothing-like-this”/)).toBeTruthy();
    await fireEvent.click(within(screen.getByTestId("cluster-table")).getByRole("button", { name: "Clear filters" }));
    expect(rowNames()).toHaveLength(8);
  });

  it("filters by tenant and subscription", async () => {
    await renderLoaded();
    const tenantSelect = screen.getByTestId("tenant-filter") as HTMLSelectElement;
    const subscriptionSelect = () => screen.getByTestId("subscription-filter") as HTMLSelectElement;
    expect(subscriptionSelect().options).toHaveLength(4);

    await fireEvent.change(tenantSelect, { target: { value: TENANT_B } });
    expect(rowNames()).toEqual(["aks-analytics", "aks-data-batch"]);
    // Only the tenant's subscriptions are offered.
    expect([...subscriptionSelect().options].map((o) => o.textContent)).toEqual([
      "All subscriptions (1)",
      "Fabrikam Analytics",
    ]);

    await fireEvent.change(tenantSelect, { target: { value: "*" } });
    await fireEvent.change(subscriptionSelect(), { target: { value: "22222222-2222-2222-2222-222222222222" } });
    expect(rowNames()).toEqual(["aks-dev-2", "aks-dev-mystery", "aks-dev-10"]);
    expect(screen.getByTestId("filter-count").textContent).toBe("3 matches");
    expect(card("unknown").dataset.count).toBe("1");
    expect(card("expired").dataset.count).toBe("0");
  });

  it("groups rows by subscription, status and service principal", async () => {
    await renderLoaded();
    const groupBy = screen.getByTestId("group-by");
    const groups = () =>
      screen.getAllByTestId("group-row").map((g) => g.textContent?.replace(/\s+/g, " ").trim());

    await fireEvent.change(groupBy, { target: { value: "subscription" } });
    expect(groups()).toEqual(["Contoso Dev 3", "Contoso Production 3", "Fabrikam Analytics 2"]);
    expect(rowNames()).toEqual([
      "aks-dev-2",
      "aks-dev-mystery",
      "aks-dev-10",
      "aks-prod-broken",
      "aks-prod-weu",
      "aks-prod-ok",
      "aks-analytics",
      "aks-data-batch",
    ]);

    await fireEvent.change(groupBy, { target: { value: "bucket" } });
    expect(groups()).toEqual([
      "Expired 1",
      "Critical 1",
      "Warning 1",
      "Notice 2",
      "Unknown 1",
      "OK 1",
      "Auto-rotated 1",
    ]);

    await fireEvent.change(groupBy, { target: { value: "servicePrincipal" } });
    expect(groups()).toContain("sp-fabrikam-data (aaaaaaaa-0000-0000-0000-000000000003) 2");
    expect(groups()?.at(-1)).toBe("No service principal (managed identity) 1");

    await fireEvent.change(groupBy, { target: { value: "tenant" } });
    expect(groups()).toEqual(["Tenant bbbbbbbb-2222-4222-8222-222222222222 2", "Tenant Contoso 6"]);

    await fireEvent.change(groupBy, { target: { value: "none" } });
    expect(screen.queryAllByTestId("group-row")).toHaveLength(0);
  });

  it("draws the next 12 months of expiries on the timeline, following the filters", async () => {
    await renderLoaded();
    const months = screen.getAllByTestId("timeline-month");
    expect(months).toHaveLength(12);
    const total = () =>
      screen.getAllByTestId("timeline-month").reduce((sum, m) => sum + Number(m.dataset.count), 0);
    // critical (3 d), warning (20 d), 2 × notice (60 d), ok (150 d); expired, unknown and MSI have no upcoming date.
    expect(total()).toBe(5);
    const monthOf = (days: number) => {
      const d = new Date(inDays(days + 0.5));
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
    };
    const noticeMonth = months.find((m) => m.dataset.month === monthOf(60))!;
    expect(Number(noticeMonth.dataset.count)).toBeGreaterThanOrEqual(2);

    await fireEvent.change(screen.getByTestId("tenant-filter"), { target: { value: TENANT_B } });
    expect(total()).toBe(2);
  });
});

describe("Dashboard: detail drawer and keyboard", () => {
  it("opens the drawer on click with every credential, the rating's basis and the cluster's facts", async () => {
    await renderLoaded();
    await fireEvent.click(row("aks-prod-weu"));

    const drawer = screen.getByTestId("detail-drawer");
    expect(drawer.dataset.clusterName).toBe("aks-prod-weu");
    const d = within(drawer);
    expect(d.getByRole("heading", { level: 2 }).textContent).toBe("aks-prod-weu");

    const creds = d.getAllByTestId("credential-row");
    // Sorted by end date: the expired one first, the certificate last.
    expect(creds.map((c) => c.dataset.keyId)).toEqual([
      "key-prod-old",
      "key-prod-soon",
      "key-legacy-server",
      "key-prod-spobj",
      "key-prod-cert",
    ]);
    expect(creds.filter((c) => c.dataset.rating === "true").map((c) => c.dataset.keyId)).toEqual(["key-prod-soon"]);
    const byKey = (key: string) => creds.find((c) => c.dataset.keyId === key)!;
    expect(byKey("key-prod-spobj").textContent).toContain("Service principal object");
    expect(byKey("key-prod-soon").textContent).toContain("App registration");
    expect(byKey("key-legacy-server").textContent).toContain("legacy AAD server app");
    expect(byKey("key-prod-cert").textContent).toContain("Certificate");
    expect(byKey("key-prod-old").textContent).toContain("Expired");
    expect(byKey("key-prod-soon").textContent).toContain("rotated by hand");
    expect(byKey("key-prod-soon").textContent).toContain("Zk9…");

    expect(d.getByTestId("drawer-assumed").textContent).toContain("Assumed.");
    expect(d.getByTestId("drawer-basis").textContent).toContain("key-prod-soon");
    expect(d.getByTestId("drawer-status").textContent).toContain("earliest unexpired credential");

    const facts = d.getByTestId("drawer-facts").textContent ?? "";
    for (const fact of ["1.30.1", "12", "Running", "Succeeded", "westeurope", "Legacy AAD", clusters[0]!.id]) {
      expect(facts).toContain(fact);
    }
    expect(facts).toContain("aaaaaaaa-0000-0000-0000-0000000000ff");

    await fireEvent.click(d.getByRole("button", { name: "Close details" }));
    expect(screen.queryByTestId("detail-drawer")).toBeNull();
  });

  it("says why a managed-identity cluster has no credentials, and shows no assumption", async () => {
    await renderLoaded();
    await fireEvent.click(row("aks-dev-10"));
    const d = within(screen.getByTestId("detail-drawer"));
    expect(d.getByTestId("drawer-no-credentials").textContent).toContain("Managed identity");
    expect(d.queryByTestId("drawer-assumed")).toBeNull();
    expect(d.getByTestId("drawer-facts").textContent).toContain("Updating");
  });

  it("moves the selection with the arrow keys, opens with Enter, follows with the drawer, closes with Esc", async () => {
    await renderLoaded();
    const grid = screen.getByTestId("cluster-table");
    grid.focus();
    const selected = () => screen.getAllByTestId("cluster-row").filter((r) => r.getAttribute("aria-selected") === "true");

    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    expect(selected().map((r) => r.dataset.clusterName)).toEqual([BY_URGENCY[0]]);
    expect(grid.getAttribute("aria-activedescendant")).toBe(selected()[0]!.id);

    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    expect(selected()[0]!.dataset.clusterName).toBe(BY_URGENCY[2]);
    expect(screen.queryByTestId("detail-drawer")).toBeNull();

    await fireEvent.keyDown(grid, { key: "Enter" });
    expect(screen.getByTestId("detail-drawer").dataset.clusterName).toBe(BY_URGENCY[2]);

    await fireEvent.keyDown(grid, { key: "ArrowUp" });
    expect(screen.getByTestId("detail-drawer").dataset.clusterName).toBe(BY_URGENCY[1]);

    await fireEvent.keyDown(grid, { key: "End" });
    expect(selected()[0]!.dataset.clusterName).toBe(BY_URGENCY[7]);
    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    expect(selected()[0]!.dataset.clusterName).toBe(BY_URGENCY[7]);
    await fireEvent.keyDown(grid, { key: "Home" });
    expect(selected()[0]!.dataset.clusterName).toBe(BY_URGENCY[0]);

    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("detail-drawer")).toBeNull();
    expect(document.activeElement).toBe(grid);
  });

  it("closes the drawer when its cluster is gone after a refresh", async () => {
    let reply = inventory();
    await renderLoaded({ refresh_inventory: () => reply });
    await fireEvent.click(row("aks-prod-weu"));
    expect(screen.getByTestId("detail-drawer")).toBeTruthy();

    reply = inventory(clusters.filter((c) => c.name !== "aks-prod-weu"));
    await fireEvent.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(rowNames()).toHaveLength(7));
    expect(screen.queryByTestId("detail-drawer")).toBeNull();
  });
});

describe("Dashboard: virtualised rows", () => {
  const many = syntheticClusters(10_000, { seed: 7 });
  // The order the table shows them in: most urgent first.
  const expected = queryView(indexInventory(many), NO_FILTERS, DEFAULT_SORT, "none").rows.map((e) => e.row.name);
  const ROW_HEIGHT = 40;

  it("renders a few dozen DOM rows for 10,000 clusters, and the right ones after scrolling", async () => {
    renderDashboard({ cached_inventory: () => inventory(many), refresh_inventory: () => new Promise(() => {}) });
    await screen.findAllByTestId("cluster-row");
    const grid = screen.getByTestId("cluster-table");

    expect(screen.getByTestId("cluster-count").textContent).toBe("10000 clusters in 100 subscriptions");
    expect(grid.getAttribute("aria-rowcount")).toBe("10001");
    const first = rowNames();
    expect(first.length).toBeGreaterThan(10);
    expect(first.length).toBeLessThan(60);
    expect(first).toEqual(expected.slice(0, first.length));

    grid.scrollTop = 5_000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);
    const middle = rowNames();
    expect(middle.length).toBeLessThan(60);
    expect(middle).toContain(expected[5_000]);
    expect(middle).not.toContain(expected[0]);
    // Contiguous, in order, around row 5,000.
    const start = expected.indexOf(middle[0]!);
    expect(start).toBeGreaterThan(4_950);
    expect(start).toBeLessThanOrEqual(5_000);
    expect(middle).toEqual(expected.slice(start, start + middle.length));

    grid.scrollTop = 10_000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);
    expect(rowNames().at(-1)).toBe(expected[9_999]);
  });

  it("keeps the keyboard selection in view by scrolling", async () => {
    renderDashboard({ cached_inventory: () => inventory(many), refresh_inventory: () => new Promise(() => {}) });
    await screen.findAllByTestId("cluster-row");
    const grid = screen.getByTestId("cluster-table");
    grid.focus();

    await fireEvent.keyDown(grid, { key: "End" });
    expect(grid.scrollTop).toBeGreaterThan(9_900 * ROW_HEIGHT);
    const last = screen.getAllByTestId("cluster-row").find((r) => r.getAttribute("aria-selected") === "true");
    expect(last?.dataset.clusterName).toBe(expected[9_999]);

    await fireEvent.keyDown(grid, { key: "Home" });
    expect(grid.scrollTop).toBe(0);
    expect(rowNames()[0]).toBe(expected[0]);
  });

  it("searches 10,000 rows and scrolls back to the top for a new search", async () => {
    renderDashboard({ cached_inventory: () => inventory(many), refresh_inventory: () => new Promise(() => {}) });
    await screen.findAllByTestId("cluster-row");
    const grid = screen.getByTestId("cluster-table");
    grid.scrollTop = 3_000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);

    await fireEvent.input(searchBox(), { target: { value: "aks-ml-sea-0" } });
    expect(grid.scrollTop).toBe(0);
    const names = rowNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n?.startsWith("aks-ml-sea-0"))).toBe(true);
    const matches = expected.filter((n) => n.includes("aks-ml-sea-0"));
    expect(screen.getByTestId("filter-count").textContent).toBe(`${matches.length} matches`);
    expect(names).toEqual(matches.slice(0, names.length));
  });
});

describe("Dashboard: accounts that must sign in again", () => {
  it("shows a banner that leads to Accounts when an account needs a new sign-in", async () => {
    const props = pageProps({ ...signedInStatus, needsSignIn: [account.id] });
    renderDashboard({}, props);

    const banner = await screen.findByTestId("needs-sign-in-banner");
    expect(banner.textContent).toContain(account.username);
    expect(banner.textContent).toContain("sign in again");
    await fireEvent.click(within(banner).getByTestId("needs-sign-in-go"));
    expect(props.navigate).toHaveBeenCalledWith("accounts");
  });

  it("shows no banner when every sign-in works", async () => {
    renderDashboard({}, pageProps(signedInStatus));
    await screen.findAllByTestId("cluster-row");
    expect(screen.queryByTestId("needs-sign-in-banner")).toBeNull();
  });

  it("re-reads the sign-in state after a refresh with warnings", async () => {
    const props = pageProps(signedInStatus);
    renderDashboard(
      { refresh_inventory: () => ({ ...inventory(), warnings: ["admin@contoso.onmicrosoft.com: sign in again"] }) },
      props,
    );
    await waitFor(() => expect(props.reloadAuth).toHaveBeenCalled());
  });
});
