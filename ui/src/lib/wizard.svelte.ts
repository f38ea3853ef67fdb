// What the window's two wizards (rotation, move to managed identity) share: the clusters chosen, the
// stage, the plan Rust kept, the production names typed to confirm it, and the one way each asks
// Rust for something — guarded by `generation`, so an answer that comes back after the admin opened
// a new wizard is dropped instead of landing in it. Each wizard adds its own choices and run.
import { getSettings, toIpcError } from "./api";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { IpcError } from "./bindings/IpcError";
import type { Settings } from "./bindings/Settings";

/** A wizard stage as the steps bar lists it. */
export type StageInfo<S extends string> = { id: S; label: string };

/** The stages every wizard has, after its own first ones. */
type SharedStage = "preflight" | "plan" | "confirm" | "progress" | "result";

/** What a kept plan says about confirmation (rotation's `StoredPlan`, the move's `StoredMigration`). */
type Kept = { planId: string; toConfirm: string[] };

/** Either wizard, as a component shared by both sees it. */
export type AnyWizard = Wizard<string, Kept, unknown>;

export abstract class Wizard<S extends string, Stored extends Kept, Result> {
  /** The clusters chosen on the dashboard. */
  rows = $state.raw<ClusterRow[]>([]);
  stage = $state<S | SharedStage>("preflight");
  busy = $state(false);
  error = $state<IpcError | null>(null);
  stored = $state.raw<Stored | null>(null);
  /** Production cluster name → what the admin typed. */
  typed = $state<Record<string, string>>({});
  results = $state.raw<Result[]>([]);
  /** What a resume could not go on with. */
  problems = $state.raw<string[]>([]);
  /** A run (start, resume, retry) is going on in Rust and reporting here. */
  running = $state(false);
  /** Increases with every new wizard, so a page can tell a fresh one from the one it showed. */
  generation = $state(0);

  /** `first`: the stage a new wizard opens on. */
  constructor(private readonly first: S | SharedStage) {
    this.stage = first;
  }

  /** Opens a new wizard for `rows`, unless a run is still going on (it stays on screen). */
  open(rows: ClusterRow[]): boolean {
    if (this.running) return false;
    this.reset();
    this.rows = rows;
    this.opened();
    return true;
  }

  /** What a wizard does once opened on its rows (load defaults, plan). */
  protected abstract opened(): void;

  reset() {
    this.rows = [];
    this.stage = this.first;
    this.busy = false;
    this.error = null;
    this.stored = null;
    this.typed = {};
    this.results = [];
    this.problems = [];
    this.running = false;
    this.generation += 1;
  }

  /** Moves the wizard to `stage`, forgetting the previous stage's error. */
  go(stage: S | SharedStage) {
    this.error = null;
    this.stage = stage;
  }

  /** Whether every production cluster's name has been typed exactly. */
  confirmed(): boolean {
    return Object.entries(this.typed).every(([name, typed]) => typed.trim() === name);
  }

  /** The production names typed exactly: what goes back to Rust with the plan ID. */
  confirmedNames(): string[] {
    return Object.keys(this.typed).filter((n) => this.typed[n]?.trim() === n);
  }

  /**
   * The settings as the wizard's starting values (lifetime, retire policy): `apply` runs while the
   * wizard is still on its first stage. When they cannot be read, Rust applies them anyway.
   */
  protected async withSettings(apply: (s: Settings) => void) {
    const generation = this.generation;
    try {
      const s = await getSettings();
      if (this.current(generation) && this.stage === this.first) apply(s);
    } catch {
      // The fields keep their empty defaults: Rust plans with the settings' values.
    }
  }

  /** Whether an answer asked for in `generation` still belongs to the wizard on screen. */
  protected current(generation: number): boolean {
    return generation === this.generation;
  }

  /** A short call while the stage stays (`busy`): its answer goes to `done`, a failure to `error`. */
  protected async busyWith<T>(call: () => Promise<T>, done: (value: T) => void) {
    const generation = this.generation;
    this.busy = true;
    this.error = null;
    try {
      const value = await call();
      if (this.current(generation)) done(value);
    } catch (err) {
      if (this.current(generation)) this.error = toIpcError(err);
    } finally {
      if (this.current(generation)) this.busy = false;
    }
  }

  /** Pre-flight and plan (nothing changes in Azure): the kept plan, its names to type, then pre-flight. */
  protected plannedBy(call: () => Promise<Stored>, kept: (stored: Stored) => void = () => {}): Promise<void> {
    return this.busyWith(call, (stored) => {
      this.stored = stored;
      this.typed = Object.fromEntries(stored.toConfirm.map((n) => [n, ""] as const));
      kept(stored);
      this.stage = "preflight";
    });
  }

  /**
   * A run in Rust, followed on the progress stage (`call` gets the check its progress reports use),
   * then the result. A failure shows on the stage `refused` names (the result's by default).
   */
  protected async follow<T>(
    call: (current: () => boolean) => Promise<T>,
    done: (value: T) => void,
    refused: () => S | SharedStage = () => "result",
  ) {
    const generation = this.generation;
    this.error = null;
    this.running = true;
    this.stage = "progress";
    try {
      const value = await call(() => this.current(generation));
      if (!this.current(generation)) return;
      done(value);
      this.stage = "result";
    } catch (err) {
      if (!this.current(generation)) return;
      this.error = toIpcError(err);
      this.stage = refused();
    } finally {
      if (this.current(generation)) this.running = false;
    }
  }

  /** The results with `fresh` in place of the ones of the same run (`key`), the rest kept. */
  protected merged(fresh: Result[], key: (r: Result) => string): Result[] {
    const replaced = new Set(fresh.map(key));
    return [...this.results.filter((r) => !replaced.has(key(r))), ...fresh];
  }
}
