// What the rotate wizard's stages share: naming a service principal.
import type { PlanGroup } from "../../lib/bindings/PlanGroup";

/** A plan group's heading: the application's name, or its ID when it has none. */
export function groupTitle(g: PlanGroup): string {
  return g.appDisplayName ?? g.appId;
}
