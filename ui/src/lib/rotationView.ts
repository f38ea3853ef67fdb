// Pure helpers for the rotate wizard, the progress view and History: labels and the live progress
// folded per cluster. The rules (blocked, due, to confirm, rotatable) come decided from Rust.
// No IPC, no Svelte.
import type { AuditRecord } from "./bindings/AuditRecord";
import type { CheckLevel } from "./bindings/CheckLevel";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { Mode } from "./bindings/Mode";
import type { Outcome } from "./bindings/Outcome";
import type { Plan } from "./bindings/Plan";
import type { PlannedCluster } from "./bindings/PlannedCluster";
import type { Retire } from "./bindings/Retire";
import type { RotationProgress } from "./bindings/RotationProgress";
import type { RotationSummary } from "./bindings/RotationSummary";
import type { Step } from "./bindings/Step";
import type { StepStatus } from "./bindings/StepStatus";

export const MODE_LABELS: Record<Mode, string> = {
  secret: "New secret for the existing service principal",
  newSp: "New service principal",
  aad: "Legacy AAD integration (server app secret)",
};

export const MODE_SHORT: Record<Mode, string> = {
  secret: "New secret",
  newSp: "New service principal",
  aad: "Legacy AAD",
};

export const STEP_LABELS: Record<Step, string> = {
  preflight: "Pre-flight",
  createPrincipal: "Create service principal",
  addSecret: "Add secret",
  storeSecret: "Store in keyring",
  proveSecret: "Prove secret",
  keyVault: "Write to Key Vault",
  copyRoles: "Copy role assignments",
  resetCluster: "Reset cluster",
  verify: "Verify",
  retireOld: "Retire old secret",
  rollBack: "Roll back",
  done: "Done",
};

export const STATUS_LABELS: Record<StepStatus, string> = {
  running: "Running",
  ok: "Done",
  waiting: "Waiting",
  failed: "Failed",
  skipped: "Skipped",
};

export const OUTCOME_LABELS: Record<Outcome, string> = {
  succeeded: "Succeeded",
  failed: "Failed",
  rolledBack: "Rolled back",
  retirePending: "Succeeded, old secret retires later",
  retireHeld: "Retirement held",
};

export const LEVEL_LABELS: Record<CheckLevel, string> = { ok: "OK", warn: "Warning", block: "Blocked" };

/** The AKS-managed Entra ID migration guide (the legacy AAD integration is retired). */
export const AAD_MIGRATION_URL = "https://aka.ms/aks-managed-aad";

/** The last part of an ARM ID: a cluster's name. */
export function nameOfId(id: string): string {
  return id.split("/").filter((p) => p !== "").pop() ?? id;
}

/** A role assignment's scope in short: `subscription`, `rg-net`, or the resource's name. */
export function scopeLabel(scope: string): string {
  const parts = scope.split("/").filter((p) => p !== "");
  if (parts.length <= 2) return "subscription";
  if (parts.length <= 4) return `resource group ${parts[3]}`;
  return parts[parts.length - 1] ?? scope;
}

export function retireLabel(retire: Retire): string {
  switch (retire.kind) {
    case "now":
      return "removed once every cluster is verified on the new secret";
    case "after":
      return `removed ${retire.hours} h after verification`;
    case "never":
      return "left to expire by themselves";
  }
}

/** "850 ms", "3.2 s", "2 min 05 s". */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
}

// ---- Live progress -------------------------------------------------------------------------

/** The latest report of one step of one cluster (or of the group, for shared steps). */
export type StepLine = { step: Step; status: StepStatus; detail: string; elapsedMs: number };

/** Steps by track (`trackKey`), each list in the order the steps began. */
export type Tracks = Record<string, StepLine[]>;

/** A group's shared steps (new secret, keyring, proof, retire) go on the group's own track. */
export function trackKey(rotationId: string, cluster: string | null): string {
  return `${rotationId.toLowerCase()}|${(cluster ?? "").toLowerCase()}`;
}

/**
 * `tracks` with `p` applied: a step's newest report replaces its last one, and a step that begins
 * ends the ones before it that were still running or waiting (the engine goes on only after a step
 * succeeded). Never mutates.
 */
export function foldProgress(tracks: Tracks, p: RotationProgress): Tracks {
  const key = trackKey(p.rotationId, p.cluster);
  const line: StepLine = { step: p.step, status: p.status, detail: p.detail, elapsedMs: p.elapsedMs };
  return { ...tracks, [key]: foldStep(tracks[key] ?? [], line) };
}

/** One track's steps with `line` applied, as `foldProgress` says (a rotation's or a move's). */
export function foldStep<L extends { step: string; status: StepStatus }>(steps: L[], line: L): L[] {
  const at = steps.findIndex((s) => s.step === line.step);
  return at < 0
    ? [...steps.map((s) => (s.status === "running" || s.status === "waiting" ? { ...s, status: "ok" as const } : s)), line]
    : steps.map((s, i) => (i === at ? line : s));
}

/** The step a track is on now (its last), for a one-line summary. */
export function currentStep(steps: StepLine[] | undefined): StepLine | null {
  return steps && steps.length > 0 ? steps[steps.length - 1]! : null;
}

// ---- Plans ---------------------------------------------------------------------------------

/** Clusters of `plan` that will run (their group and they are not blocked). */
export function runnableClusters(plan: Plan): PlannedCluster[] {
  return plan.groups
    .filter((g) => !groupBlocked(g))
    .flatMap((g) => g.clusters)
    .filter((c) => !clusterBlocked(c));
}

/** Rust decided it (`blockedBy` says why). */
export function clusterBlocked(c: PlannedCluster): boolean {
  return c.blockedBy !== null;
}

/** Rust decided it (`blockedBy` says why). */
export function groupBlocked(g: Plan["groups"][number]): boolean {
  return g.blockedBy !== null;
}

/** The worst level among `levels` (block > warn > ok). */
export function worstLevel(levels: CheckLevel[]): CheckLevel {
  if (levels.includes("block")) return "block";
  if (levels.includes("warn")) return "warn";
  return "ok";
}

/** Whether a cluster of the inventory can be rotated by Rekey at all (Rust decided it). */
export function rotatable(row: ClusterRow): boolean {
  return row.rotatable;
}

// ---- History -------------------------------------------------------------------------------

/** An audit record's action in words. */
export function actionLabel(record: AuditRecord): string {
  if (record.action === "rotation.step" && record.step) return `Rotation: ${record.step}`;
  if (record.action === "rotation.start") return "Rotation started";
  const known: Record<string, string> = {
    "vault.copy": "Secret copied",
    "vault.reveal": "Secret revealed",
    "vault.delete": "Secret deleted",
  };
  return known[record.action] ?? record.action;
}

/** The resume banner's sentence for the due rotations (Rust decided `due`). */
export function dueRotationsMessage(due: RotationSummary[]): string {
  const names = due.flatMap((s) => s.clusterNames).join(", ");
  const unfinished = due.filter((s) => s.outcome === null).length;
  const what =
    unfinished > 0
      ? unfinished === 1
        ? "A rotation did not finish"
        : `${unfinished} rotations did not finish`
      : due.length === 1
        ? "A rotation's old secret is due for removal"
        : `${due.length} rotations' old secrets are due for removal`;
  return `${what} (${names}). Every cluster is still on a valid secret; Rekey can finish from where it stopped.`;
}

/** The banner's sentence for rotations whose retirement is held (an old secret still in use). */
export function heldRotationsMessage(held: RotationSummary[]): string {
  const names = held.flatMap((s) => s.clusterNames).join(", ");
  const what = held.length === 1 ? "1 retirement is held" : `${held.length} retirements are held`;
  return (
    `${what} (${names}): an old secret is still in use after its clusters moved to the new one, so something ` +
    "else signs in with it. History says which, and lets you retire it anyway or wait."
  );
}
