// What the move wizard's stages share: the words for a plan's parts (History's and the
// banner's, and the identity's, are in lib/moveView.ts).
import type { Grant } from "../../lib/bindings/Grant";
import type { IdentityChoice } from "../../lib/bindings/IdentityChoice";
import type { Retire } from "../../lib/bindings/Retire";
import type { Who } from "../../lib/bindings/Who";

export const WHO_LABELS: Record<Who, string> = {
  controlPlane: "Control-plane identity",
  kubelet: "Kubelet identity",
};

/** When the engine grants `g` (its order: crates/rekey-core/src/migration/engine/mod.rs). */
export function grantWhen(g: Grant, identity: IdentityChoice): string {
  if (g.already === true) return "already held: nothing to do";
  if (g.who === "kubelet") return "after the update, before the node pools' image upgrade";
  return identity.kind === "userAssigned"
    ? "before the update (the identity exists already)"
    : "right after the update (a system-assigned identity exists only then)";
}

/** The last segment of an ARM scope, with its type, for a table cell (the whole ID on hover). */
export function scopeShort(scope: string): string {
  const parts = scope.split("/").filter((p) => p !== "");
  if (parts.length <= 2) return `subscription ${parts[1] ?? scope}`;
  if (parts.length <= 4) return `resource group ${parts[3]}`;
  return `${parts[parts.length - 2]} ${parts[parts.length - 1]}`;
}

/** When the old principal's secrets go, once every node pool is on the kubelet identity. */
export function retireOldLabel(retire: Retire): string {
  switch (retire.kind) {
    case "now":
      return "its secrets are removed once every node pool has moved";
    case "after":
      return `its secrets are removed ${retire.hours} h after every node pool has moved`;
    case "never":
      return "its secrets are left to expire";
  }
}
