// Human wording for the raw values the back end sends. Pure, so it is unit-testable.
import type { AadIntegration } from "./bindings/AadIntegration";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { IdentityKind } from "./bindings/IdentityKind";

export function identityLabel(kind: IdentityKind): string {
  return kind === "servicePrincipal" ? "Service principal" : "Managed identity";
}

export function aadLabel(aad: AadIntegration): string | null {
  if (aad === "legacy") return "Legacy AAD";
  if (aad === "managed") return "Entra ID (managed)";
  return null;
}

export type Tone = "ok" | "danger" | "warn" | "neutral";

/** ARM reports many transient states (Creating, Updating, Upgrading, …): all "in progress". */
export function provisioningTone(state: string): Tone {
  const s = state.toLowerCase();
  if (s === "succeeded") return "ok";
  if (s === "failed") return "danger";
  return "warn";
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** e.g. "12 clusters in 3 subscriptions". */
export function countLabel(rows: readonly ClusterRow[]): string {
  const subscriptions = new Set(rows.map((r) => r.subscriptionId)).size;
  return `${plural(rows.length, "cluster")} in ${plural(subscriptions, "subscription")}`;
}
