// Client-side filtering and sorting of the cluster list (the back end returns it whole).
import type { ClusterRow } from "./bindings/ClusterRow";
import { identityLabel } from "./clusterLabels";

export type SortKey =
  | "name"
  | "subscription"
  | "resourceGroup"
  | "location"
  | "identity"
  | "provisioningState"
  | "powerState"
  | "kubernetesVersion";

export type SortDir = "asc" | "desc";
export type Sort = { key: SortKey; dir: SortDir };

export const DEFAULT_SORT: Sort = { key: "name", dir: "asc" };

const sortValue: Record<SortKey, (r: ClusterRow) => string | null> = {
  name: (r) => r.name,
  subscription: (r) => r.subscriptionName,
  resourceGroup: (r) => r.resourceGroup,
  location: (r) => r.location,
  identity: (r) => identityLabel(r.identityKind),
  provisioningState: (r) => r.provisioningState,
  powerState: (r) => r.powerState,
  kubernetesVersion: (r) => r.kubernetesVersion,
};

// `numeric` makes "1.9.0" sort before "1.30.1" and "aks-2" before "aks-10".
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Clicking the active column flips direction; a new column starts ascending. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key !== key) return { key, dir: "asc" };
  return { key, dir: current.dir === "asc" ? "desc" : "asc" };
}

/** Returns a new array. Missing values always sort last; ties fall back to name, then id. */
export function sortClusters(rows: readonly ClusterRow[], sort: Sort): ClusterRow[] {
  const get = sortValue[sort.key];
  const sign = sort.dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    if (va !== vb) {
      if (va === null) return 1;
      if (vb === null) return -1;
      const byKey = collator.compare(va, vb);
      if (byKey !== 0) return sign * byKey;
    }
    return collator.compare(a.name, b.name) || a.id.localeCompare(b.id);
  });
}

/** Case-insensitive substring match on name, subscription (name or id) and resource group. */
export function filterClusters(rows: readonly ClusterRow[], query: string): ClusterRow[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [...rows];
  return rows.filter((r) =>
    [r.name, r.subscriptionName, r.subscriptionId, r.resourceGroup].some((field) =>
      field.toLowerCase().includes(q),
    ),
  );
}
