import { describe, expect, it } from "vitest";
import { clusters, TENANT_B } from "../test/fixtures";
import {
  DEFAULT_SORT,
  filterRows,
  hasFilters,
  indexInventory,
  nextSort,
  NO_FILTERS,
  queryView,
  ranking,
  sortRows,
  type Filters,
  type Sort,
} from "./inventoryQuery";

const index = indexInventory(clusters);
const names = (rows: { row: { name: string } }[]) => rows.map((e) => e.row.name);
const find = (f: Partial<Filters>) => names(filterRows(index, { ...NO_FILTERS, ...f }));
const sorted = (sort: Sort) => names(sortRows(index, index.rows, sort));

describe("indexInventory", () => {
  it("lists the tenants and the subscriptions (by name) for the filters", () => {
    // By what the filter shows: TENANT_B has no name (its ID), the other is "Contoso".
    expect(index.tenants).toEqual([TENANT_B, "aaaaaaaa-1111-4111-8111-111111111111"]);
    expect(index.tenantNames.get("aaaaaaaa-1111-4111-8111-111111111111")).toBe("Contoso");
    expect(index.tenantNames.has(TENANT_B)).toBe(false);
    expect(index.subscriptions.map((s) => s.name)).toEqual(["Contoso Dev", "Contoso Production", "Fabrikam Analytics"]);
    expect(index.byId.get(clusters[2]!.id)?.row.name).toBe("aks-dev-2");
  });

  it("reads daysLeft as the number the back end sends", () => {
    expect(index.rows[0]!.days).toBe(3);
  });
});

describe("filterRows", () => {
  it("searches name, subscription name and ID, resource group, tenant, SP name and app ID, location", () => {
    expect(find({ text: "PROD-WEU" })).toEqual(["aks-prod-weu"]);
    expect(find({ text: "fabrikam" })).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(find({ text: "2222-2222" })).toEqual(["aks-dev-10", "aks-dev-2", "aks-dev-mystery"]);
    expect(find({ text: "sandbox" })).toEqual(["aks-dev-2"]);
    expect(find({ text: "bbbbbbbb" })).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(find({ text: "sp-aks-old" })).toEqual(["aks-prod-broken"]);
    expect(find({ text: "000000000006" })).toEqual(["aks-dev-mystery"]);
    expect(find({ text: "westus2" })).toEqual(["aks-analytics"]);
  });

  it("needs every term, in any field, but never across two fields", () => {
    expect(find({ text: "  contoso   sandbox " })).toEqual(["aks-dev-2"]);
    expect(find({ text: "contoso fabrikam" })).toEqual([]);
    // "…weu" ends the name and "contoso" starts the subscription: no match across the boundary.
    expect(find({ text: "weucontoso" })).toEqual([]);
    expect(find({ text: "weu\ncontoso" })).toEqual(["aks-prod-weu"]);
  });

  it("filters by bucket, tenant and subscription, combined", () => {
    expect(find({ buckets: ["notice", "expired"] })).toEqual(["aks-analytics", "aks-data-batch", "aks-prod-broken"]);
    expect(find({ tenant: TENANT_B })).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(find({ subscription: "11111111-1111-1111-1111-111111111111", buckets: ["critical", "ok"] })).toEqual([
      "aks-prod-weu",
      "aks-prod-ok",
    ]);
    expect(find({ tenant: TENANT_B, buckets: ["critical"] })).toEqual([]);
    expect(find({})).toHaveLength(8);
  });

  it("knows when any filter is set", () => {
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, text: "  " })).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, text: "a" })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, buckets: ["ok"] })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, tenant: "" })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, subscription: "s" })).toBe(true);
  });
});

describe("sorting", () => {
  it("sorts by urgency, then fewest days left, then name", () => {
    expect(sorted(DEFAULT_SORT)).toEqual([
      "aks-prod-broken",
      "aks-prod-weu",
      "aks-dev-2",
      "aks-analytics",
      "aks-data-batch",
      "aks-dev-mystery",
      "aks-prod-ok",
      "aks-dev-10",
    ]);
  });

  it("sorts names naturally (aks-dev-2 before aks-dev-10)", () => {
    expect(sorted({ key: "name", dir: "asc" }).slice(2, 4)).toEqual(["aks-dev-2", "aks-dev-10"]);
    expect(sorted({ key: "name", dir: "desc" }).slice(4, 6)).toEqual(["aks-dev-10", "aks-dev-2"]);
  });

  it("keeps missing values last in both directions, ties by name", () => {
    expect(sorted({ key: "expires", dir: "asc" })).toEqual([
      "aks-prod-broken",
      "aks-prod-weu",
      "aks-dev-2",
      "aks-analytics",
      "aks-data-batch",
      "aks-prod-ok",
      "aks-dev-10",
      "aks-dev-mystery",
    ]);
    expect(sorted({ key: "expires", dir: "desc" })).toEqual([
      "aks-prod-ok",
      "aks-analytics",
      "aks-data-batch",
      "aks-dev-2",
      "aks-prod-weu",
      "aks-prod-broken",
      "aks-dev-10",
      "aks-dev-mystery",
    ]);
    // The SP column: display name, else the app ID, else (managed identity) last.
    expect(sorted({ key: "servicePrincipal", dir: "asc" })).toEqual([
      "aks-dev-mystery", // aaaaaaaa-…-0006 (no display name)
      "aks-dev-2", // sp-aks-dev
      "aks-prod-broken", // sp-aks-old
      "aks-prod-weu", // sp-aks-prod
      "aks-prod-ok", // sp-aks-prod-ok
      "aks-analytics", // sp-fabrikam-data
      "aks-data-batch",
      "aks-dev-10", // managed identity
    ]);
  });

  it("sorts by tenant, subscription, resource group and identity", () => {
    // By name where ARM gave one ("Contoso"), else the ID ("bbbbbbbb-…" sorts before it).
    expect(sorted({ key: "tenant", dir: "asc" }).slice(0, 2)).toEqual(["aks-analytics", "aks-data-batch"]);
    expect(sorted({ key: "subscription", dir: "asc" }).slice(0, 3)).toEqual(["aks-dev-2", "aks-dev-10", "aks-dev-mystery"]);
    expect(sorted({ key: "resourceGroup", dir: "asc" }).slice(0, 3)).toEqual(["aks-analytics", "aks-data-batch", "aks-dev-10"]);
    expect(sorted({ key: "identity", dir: "asc" }).slice(0, 1)).toEqual(["aks-dev-10"]);
    expect(sorted({ key: "identity", dir: "desc" })[0]).toBe("aks-prod-weu"); // legacy AAD
  });

  it("computes each order once per inventory", () => {
    const fresh = indexInventory(clusters);
    const a = ranking(fresh, { key: "subscription", dir: "asc" });
    expect(ranking(fresh, { key: "subscription", dir: "asc" })).toBe(a);
    expect(ranking(fresh, { key: "subscription", dir: "desc" })).not.toBe(a);
  });

  it("flips the active column and starts a new one ascending", () => {
    expect(nextSort({ key: "name", dir: "asc" }, "name")).toEqual({ key: "name", dir: "desc" });
    expect(nextSort({ key: "name", dir: "desc" }, "name")).toEqual({ key: "name", dir: "asc" });
    expect(nextSort({ key: "name", dir: "desc" }, "daysLeft")).toEqual({ key: "daysLeft", dir: "asc" });
  });
});

describe("queryView", () => {
  it("returns sorted rows, card counts that ignore the bucket filter, and the scope", () => {
    const v = queryView(index, { ...NO_FILTERS, text: "contoso", buckets: ["critical", "expired"] }, DEFAULT_SORT, "none");
    expect(names(v.rows)).toEqual(["aks-prod-broken", "aks-prod-weu"]);
    expect(v.counts).toEqual({ expired: 1, critical: 1, warning: 1, notice: 0, ok: 1, autoRotated: 1, unknown: 1 });
    expect(v.scope).toHaveLength(6);
    expect(v.items.map((i) => i.kind)).toEqual(["row", "row"]);
    expect([...v.itemOf]).toEqual([0, 1]);
  });

  it("groups in group order, rows sorted inside, with each row's item position", () => {
    const v = queryView(index, NO_FILTERS, { key: "name", dir: "asc" }, "subscription");
    const layout = v.items.map((i) => (i.kind === "group" ? `# ${i.label} (${i.count})` : i.entry.row.name));
    expect(layout).toEqual([
      "# Contoso Dev (3)",
      "aks-dev-2",
      "aks-dev-10",
      "aks-dev-mystery",
      "# Contoso Production (3)",
      "aks-prod-broken",
      "aks-prod-ok",
      "aks-prod-weu",
      "# Fabrikam Analytics (2)",
      "aks-analytics",
      "aks-data-batch",
    ]);
    expect(names(v.rows)).toEqual(layout.filter((l) => !l.startsWith("#")));
    for (let i = 0; i < v.rows.length; i++) {
      const item = v.items[v.itemOf[i]!]!;
      expect(item.kind === "row" && item.entry).toBe(v.rows[i]);
    }
  });

  it("puts the catch-all groups last", () => {
    const orphan = { ...clusters[1]!, id: "/x/orphan", name: "aks-orphan", tenantId: null };
    const idx = indexInventory([orphan, ...clusters]);
    const tenantGroups = queryView(idx, NO_FILTERS, DEFAULT_SORT, "tenant").items.filter((i) => i.kind === "group");
    expect(tenantGroups.map((g) => g.label).at(-1)).toBe("Tenant unknown");
    const spGroups = queryView(idx, NO_FILTERS, DEFAULT_SORT, "servicePrincipal").items.filter((i) => i.kind === "group");
    expect(spGroups.at(-1)).toMatchObject({ label: "No service principal (managed identity)", count: 2 });
    const buckets = queryView(idx, NO_FILTERS, DEFAULT_SORT, "bucket").items.filter((i) => i.kind === "group");
    expect(buckets.map((g) => g.key)).toEqual(["expired", "critical", "warning", "notice", "unknown", "ok", "autoRotated"]);
  });
});
