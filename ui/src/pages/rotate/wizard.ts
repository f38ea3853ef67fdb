// What the rotate wizard's stages share: moving between stages and naming a service principal.
import type { PlanGroup } from "../../lib/bindings/PlanGroup";
import { rotation, type Stage } from "../../lib/rotation.svelte";

/** Moves the wizard to `stage`, forgetting the previous stage's error. */
export function go(stage: Stage) {
  rotation.error = null;
  rotation.stage = stage;
}

/** A plan group's heading: the application's name, or its ID when it has none. */
export function groupTitle(g: PlanGroup): string {
  return g.appDisplayName ?? g.appId;
}
