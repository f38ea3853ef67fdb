// The move to a managed identity in the wizard, held outside any page (like `rotation`): it keeps
// receiving progress while the admin looks elsewhere. The move runs in Rust; this is only what the
// window shows, and the only things it sends back are cluster IDs, an identity choice and a plan ID.
import { planMigration, resumeMigrations, startMigration, toIpcError } from "./api";
import type { ClusterMove } from "./bindings/ClusterMove";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { IpcError } from "./bindings/IpcError";
import type { MoveProgress } from "./bindings/MoveProgress";
import type { MoveResult } from "./bindings/MoveResult";
import type { StoredMigration } from "./bindings/StoredMigration";
import { foldStep } from "./rotationView";

export type MigrateStage = "preflight" | "plan" | "confirm" | "progress" | "result";

export const MIGRATE_STAGES: { id: MigrateStage; label: string }[] = [
  { id: "preflight", label: "Pre-flight" },
  { id: "plan", label: "Plan" },
  { id: "confirm", label: "Confirm" },
  { id: "progress", label: "Progress" },
  { id: "result", label: "Result" },
];

/** The identity asked for: the plan's default, system-assigned, or a user-assigned one by ID. */
export type IdentityKindChoice = "default" | "system" | "userAssigned";

/** Each move's steps as they were last reported, in order: migration ID → steps. */
export type MoveTracks = Record<string, MoveProgress[]>;

/** Folds one report into `tracks` (rotation's rule: a new step ends the ones before it). Never mutates. */
export function foldMove(tracks: MoveTracks, p: MoveProgress): MoveTracks {
  return { ...tracks, [p.migrationId]: foldStep(tracks[p.migrationId] ?? [], p) };
}

/** Rust decided it: a blocking check leaves the cluster out of the move. */
export function moveBlocked(m: ClusterMove): boolean {
  return m.checks.some((c) => c.level === "block");
}

/** Service-principal clusters: the ones that could stop needing rotation. */
export function movable(row: ClusterRow): boolean {
  return row.identityKind === "servicePrincipal";
}

class MigrationWizard {
  rows = $state.raw<ClusterRow[]>([]);
  stage = $state<MigrateStage>("preflight");
  identityKind = $state<IdentityKindChoice>("default");
  /** A user-assigned identity's resource ID (Rust checks it). */
  identityId = $state("");
  busy = $state(false);
  error = $state<IpcError | null>(null);
  stored = $state.raw<StoredMigration | null>(null);
  /** Production cluster name → what the admin typed. */
  typed = $state<Record<string, string>>({});
  /** The moves that run: migration ID and cluster name. */
  moves = $state.raw<{ migrationId: string; name: string }[]>([]);
  tracks = $state.raw<MoveTracks>({});
  results = $state.raw<MoveResult[]>([]);
  problems = $state.raw<string[]>([]);
  running = $state(false);
  generation = $state(0);

  /** Opens a new wizard for `rows` and plans it, unless a move is still running. */
  open(rows: ClusterRow[]): boolean {
    if (this.running) return false;
    this.reset();
    this.rows = rows;
    void this.plan();
    return true;
  }

  reset() {
    this.rows = [];
    this.stage = "preflight";
    this.identityKind = "default";
    this.identityId = "";
    this.busy = false;
    this.error = null;
    this.stored = null;
    this.typed = {};
    this.moves = [];
    this.tracks = {};
    this.results = [];
    this.problems = [];
    this.running = false;
    this.generation += 1;
  }

  /** What goes to Rust as the identity: null (the plan's default), "system" or the typed ID. */
  identity(): string | null {
    if (this.identityKind === "system") return "system";
    if (this.identityKind === "userAssigned") return this.identityId.trim();
    return null;
  }

  /** Pre-flight and plan; nothing changes in Azure. */
  async plan() {
    const generation = this.generation;
    this.busy = true;
    this.error = null;
    try {
      const stored = await planMigration(
        this.rows.map((r) => r.id),
        this.identity(),
      );
      if (generation !== this.generation) return;
      this.stored = stored;
      this.typed = Object.fromEntries(stored.toConfirm.map((n) => [n, ""] as const));
      this.stage = "preflight";
    } catch (err) {
      if (generation === this.generation) this.error = toIpcError(err);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }

  confirmed(): boolean {
    return Object.entries(this.typed).every(([name, typed]) => typed.trim() === name);
  }

  /** Runs the plan Rust kept (Rust asks the native confirmation first). */
  async start() {
    const stored = this.stored;
    if (!stored || this.running) return;
    const generation = this.generation;
    this.moves = stored.plan.clusters
      .filter((m) => !moveBlocked(m))
      .map((m) => ({ migrationId: m.migrationId, name: m.name }));
    this.tracks = {};
    this.results = [];
    this.error = null;
    this.running = true;
    this.stage = "progress";
    try {
      const results = await startMigration(
        stored.planId,
        Object.keys(this.typed).filter((n) => this.typed[n]?.trim() === n),
        (p) => {
          if (generation === this.generation) this.tracks = foldMove(this.tracks, p);
        },
      );
      if (generation !== this.generation) return;
      this.results = results;
      this.stage = "result";
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = toIpcError(err);
      // Refused before anything ran (confirmation declined, stale plan): back to where it can be fixed.
      this.stage = Object.keys(this.tracks).length === 0 ? "confirm" : "result";
    } finally {
      if (generation === this.generation) this.running = false;
    }
  }

  /** Goes on with every unfinished move (a result's Retry, or History). */
  async resume(keep = false) {
    if (this.running) return;
    if (!keep) this.reset();
    const generation = this.generation;
    this.error = null;
    this.problems = [];
    this.running = true;
    this.stage = "progress";
    try {
      const resumed = await resumeMigrations((p) => {
        if (generation !== this.generation) return;
        if (!this.moves.some((m) => m.migrationId === p.migrationId)) {
          this.moves = [...this.moves, { migrationId: p.migrationId, name: p.cluster }];
        }
        this.tracks = foldMove(this.tracks, p);
      });
      if (generation !== this.generation) return;
      const replaced = new Set(resumed.results.map((r) => r.migrationId));
      this.results = [...this.results.filter((r) => !replaced.has(r.migrationId)), ...resumed.results];
      for (const r of resumed.results) {
        if (!this.moves.some((m) => m.migrationId === r.migrationId)) {
          this.moves = [...this.moves, { migrationId: r.migrationId, name: r.name }];
        }
      }
      this.problems = resumed.problems;
      this.stage = "result";
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = toIpcError(err);
      this.stage = "result";
    } finally {
      if (generation === this.generation) this.running = false;
    }
  }
}

/** The one move wizard of the window. */
export const migration = new MigrationWizard();
