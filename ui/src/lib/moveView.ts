// Pure helpers for the moves to a managed identity as History and the resume banner show them
// (the wizard's own words are in pages/migrate/wizard.ts). What is due, unfinished or failed comes
// decided from Rust (`MoveSummary.due`, `outcome`); this only words it. No IPC, no Svelte.
import type { IdentityChoice } from "./bindings/IdentityChoice";
import type { MoveOutcome } from "./bindings/MoveOutcome";
import type { MoveSummary } from "./bindings/MoveSummary";

export const MOVE_OUTCOME_LABELS: Record<MoveOutcome, string> = {
  succeeded: "Moved",
  retirePending: "Moved; old secrets retire later",
  failed: "Failed",
};

/** The identity a move goes to, in words. */
export function moveIdentityLabel(identity: IdentityChoice): string {
  if (identity.kind === "systemAssigned") return "System-assigned managed identity";
  return `User-assigned identity ${identity.id}${identity.create ? " (Rekey creates it)" : ""}`;
}

/** The identity in a History cell: its kind and name (`moveIdentityLabel`, with the whole ID, on hover). */
export function moveIdentityShort(identity: IdentityChoice): string {
  if (identity.kind === "systemAssigned") return "System-assigned";
  const name = identity.id.split("/").filter((p) => p !== "").at(-1) ?? identity.id;
  return `User-assigned ${name}${identity.create ? " (created by Rekey)" : ""}`;
}

/** A move's state in History: its outcome, or unfinished (a resume goes on with it), or running. */
export function moveStatus(s: MoveSummary): string {
  if (s.outcome) return MOVE_OUTCOME_LABELS[s.outcome];
  return s.due ? "Unfinished" : "Running";
}

/** History offers Resume on a due move and Retry on a failed one (`resume_migrations` takes both). */
export function moveAction(s: MoveSummary): "Resume" | "Retry" | null {
  if (s.outcome === "failed") return "Retry";
  return s.due ? "Resume" : null;
}

/** The resume banner's sentence for the due moves (empty: no banner). */
export function dueMovesMessage(due: MoveSummary[]): string {
  if (due.length === 0) return "";
  const names = due.map((s) => s.name).join(", ");
  // Rust counts a failed move as due too: resume goes on with it from its last step.
  const unfinished = due.filter((s) => s.outcome === null || s.outcome === "failed").length;
  if (unfinished > 0) {
    const what = unfinished === 1 ? "A move to a managed identity" : `${unfinished} moves to a managed identity`;
    return `${what} did not finish (${names}). Every cluster keeps working credentials; Rekey can go on from where it stopped.`;
  }
  const whose = due.length === 1 ? "A moved cluster's" : `${due.length} moved clusters'`;
  return `${whose} old service-principal secrets are due for removal (${names}). Rekey removes them when you resume.`;
}
