// What the Vault page says about a stored secret, from its metadata (the page never sees a value).
import type { KeyVaultPlace } from "./bindings/KeyVaultPlace";
import type { VaultRow } from "./bindings/VaultRow";

const DAY = 86_400_000;

/** A cluster's name: the last part of its ARM ID. */
export function clusterName(armId: string): string {
  const parts = armId.split("/").filter((p) => p !== "");
  return parts[parts.length - 1] ?? armId;
}

/** The app as people know it: its display name, else its app ID. */
export function appLabel(row: VaultRow): string {
  return row.appDisplayName ?? row.appId;
}

/** Whole days until `expires` (negative once past), or null when it never expires. */
export function daysLeft(expires: string | null, now: number = Date.now()): number | null {
  if (expires === null) return null;
  return Math.floor((Date.parse(expires) - now) / DAY);
}

export type ExpiryTone = "expired" | "soon" | "ok" | "never";

/** How urgent the expiry is: expired, within 30 days, later, or never. */
export function expiryTone(expires: string | null, now: number = Date.now()): ExpiryTone {
  const days = daysLeft(expires, now);
  if (days === null) return "never";
  if (days < 0) return "expired";
  return days <= 30 ? "soon" : "ok";
}

/** "2026-11-29 · 182 days left", "expired 3 days ago", "never". */
export function expiryLabel(expires: string | null, now: number = Date.now()): string {
  const days = daysLeft(expires, now);
  if (expires === null || days === null) return "Never";
  const date = expires.slice(0, 10);
  if (days < 0) return `${date} · expired ${-days} ${-days === 1 ? "day" : "days"} ago`;
  if (days === 0) return `${date} · expires today`;
  return `${date} · ${days} ${days === 1 ? "day" : "days"} left`;
}

/**
 * Why deleting this secret deserves a warning, or null when it does not: it was given to clusters
 * and Azure still has its credential (or Rekey could not tell), so a cluster may be using it.
 */
export function deleteWarning(row: VaultRow): string | null {
  if (row.clusters.length === 0 || row.inAzure === "removed") return null;
  const names = row.clusters.map(clusterName).join(", ");
  const clusters = row.clusters.length === 1 ? "1 cluster" : `${row.clusters.length} clusters`;
  const azure =
    row.inAzure === "present"
      ? "Azure still has its credential"
      : `Rekey could not check whether Azure still has its credential (${row.azureProblem ?? "no answer"})`;
  return (
    `This secret was given to ${clusters} (${names}), and ${azure}, so a cluster may still be using it. ` +
    "Once it is deleted Rekey has no copy left, and changing that cluster's credential again means rotating it."
  );
}

/** Where a secret was also written in Azure Key Vault: `<vault>/<secret>`. */
export function keyVaultLabel(place: KeyVaultPlace): string {
  return `${place.vaultName}/${place.secretName}`;
}
