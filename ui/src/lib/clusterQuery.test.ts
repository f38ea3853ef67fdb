import { describe, expect, it } from "vitest";
import { clusters } from "../test/fixtures";
import { filterClusters, nextSort, sortClusters } from "./clusterQuery";

const names = (rows: { name: string }[]) => rows.map((r) => r.name);

describe("sortClusters", () => {
  it("sorts names naturally (aks-dev-2 before aks-dev-10)", () => {
    expect(names(sortClusters(clusters, { key: "name", dir: "asc" }))).toEqual([
      "aks-analytics",
      "aks-dev-2",
      "aks-dev-10",
      "aks-prod-weu",
    ]);
  });

  it("sorts Kubernetes versions numerically and keeps missing versions last both ways", () => {
    expect(names(sortClusters(clusters, { key: "kubernetesVersion", dir: "asc" }))).toEqual([
      "aks-dev-2", // 1.28.9
      "aks-dev-10", // 1.28.10
      "aks-prod-weu", // 1.30.1
      "aks-analytics", // null
    ]);
    expect(names(sortClusters(clusters, { key: "kubernetesVersion", dir: "desc" }))).toEqual([
      "aks-prod-weu",
      "aks-dev-10",
      "aks-dev-2",
      "aks-analytics",
    ]);
  });

  it("breaks ties by name and does not mutate its input", () => {
    const before = names(clusters);
    expect(names(sortClusters(clusters, { key: "subscription", dir: "desc" }))).toEqual([
      "aks-analytics", // Fabrikam Analytics
      "aks-prod-weu", // Contoso Production
      "aks-dev-2", // Contoso Dev (tie → by name)
      "aks-dev-10",
    ]);
    expect(names(clusters)).toEqual(before);
  });
});

describe("nextSort", () => {
  it("toggles the active column and starts new columns ascending", () => {
    expect(nextSort({ key: "name", dir: "asc" }, "name")).toEqual({ key: "name", dir: "desc" });
    expect(nextSort({ key: "name", dir: "desc" }, "name")).toEqual({ key: "name", dir: "asc" });
    expect(nextSort({ key: "name", dir: "desc" }, "location")).toEqual({ key: "location", dir: "asc" });
  });
});

describe("filterClusters", () => {
  it("matches name, subscription name and id, and resource group, case-insensitively", () => {
    expect(names(filterClusters(clusters, "PROD"))).toEqual(["aks-prod-weu"]);
    expect(names(filterClusters(clusters, "fabrikam"))).toEqual(["aks-analytics"]);
    expect(names(filterClusters(clusters, "2222-2222"))).toEqual(["aks-dev-10", "aks-dev-2"]);
    expect(names(filterClusters(clusters, "sandbox"))).toEqual(["aks-dev-2"]);
  });

  it("does not match other columns such as location", () => {
    expect(filterClusters(clusters, "eastus")).toEqual([]);
  });

  it("returns everything for a blank query", () => {
    expect(filterClusters(clusters, "  ")).toHaveLength(4);
  });
});
