// The move to a managed identity in the wizard, held outside any page (like `rotation`): it keeps
// receiving progress while the admin looks elsewhere. The move runs in Rust; this is only what the
// window shows, and the only things it sends back are cluster IDs, an identity choice and a plan ID.
// What it shares with the rotation wizard (stages, kept plan, typed names, guarded calls): `Wizard`.
import { planMigration, resumeMigrations, startMigration } from "./api";
import type { ClusterMove } from "./bindings/ClusterMove";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { MoveProgress } from "./bindings/MoveProgress";
import type { MoveResult } from "./bindings/MoveResult";
import type { MoveSummary } from "./bindings/MoveSummary";
import type { StoredMigration } from "./bindings/StoredMigration";
import { RetireChoice } from "./retireChoice.svelte";
import { foldStep } from "./rotationView";
import { Wizard, type StageInfo } from "./wizard.svelte";

export type MigrateStage = "preflight" | "plan" | "confirm" | "progress" | "result";

export const MIGRATE_STAGES: StageInfo<MigrateStage>[] = [
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

class MigrationWizard extends Wizard<MigrateStage, StoredMigration, MoveResult> {
  identityKind = $state<IdentityKindChoice>("default");
  /** A user-assigned identity's resource ID (Rust checks it). */
  identityId = $state("");
  /** When the service principal's secrets go once every node pool has moved. */
  retire = new RetireChoice();
  /** Delete the old principal after its secrets (Rust does it only where nothing else uses it). */
  deletePrincipal = $state(false);
  /** The choices the plan on screen was made with (`choices()`), to tell when they changed since. */
  planned = $state("");
  /** The moves that run: migration ID and cluster name. */
  moves = $state.raw<{ migrationId: string; name: string }[]>([]);
  tracks = $state.raw<MoveTracks>({});

  constructor() {
    super("preflight");
  }

  protected opened() {
    void this.plan();
    void this.loadDefaults();
  }

  override reset() {
    super.reset();
    this.identityKind = "default";
    this.identityId = "";
    this.retire.reset();
    this.deletePrincipal = false;
    this.planned = "";
    this.moves = [];
    this.tracks = {};
  }

  /** What goes to Rust as the identity: null (the plan's default), "system" or the typed ID. */
  identity(): string | null {
    if (this.identityKind === "system") return "system";
    if (this.identityKind === "userAssigned") return this.identityId.trim();
    return null;
  }

  /**
   * The settings' retire policy as the starting choice. The first plan went without one (null: the
   * settings' policy in Rust), which is the same choice: it stays the plan's unless the admin changes it.
   */
  loadDefaults(): Promise<void> {
    return this.withSettings((s) => {
      if (this.retire.graceHours !== "") return;
      const same = this.planned === this.choices();
      this.retire.fromSettings(s);
      if (same) this.planned = this.choices();
    });
  }

  /** The identity, retire and delete choices as one comparable value. */
  choices(): string {
    return JSON.stringify([this.identity(), this.retire.value(), this.deletePrincipal]);
  }

  /** The choices on screen are not the ones the plan was made with: plan again before going on. */
  changed(): boolean {
    return this.planned !== this.choices();
  }

  /** Pre-flight and plan; nothing changes in Azure. */
  plan(): Promise<void> {
    const identity = this.identity();
    const retire = this.retire.value();
    const deletePrincipal = this.deletePrincipal;
    this.planned = this.choices();
    return this.plannedBy(() =>
      planMigration(
        this.rows.map((r) => r.id),
        identity,
        retire,
        deletePrincipal,
      ),
    );
  }

  /** Runs the plan Rust kept (Rust asks the native confirmation first). */
  async start() {
    const stored = this.stored;
    if (!stored || this.running) return;
    this.moves = stored.plan.clusters
      .filter((m) => !moveBlocked(m))
      .map((m) => ({ migrationId: m.migrationId, name: m.name }));
    this.tracks = {};
    this.results = [];
    await this.follow(
      (current) =>
        startMigration(stored.planId, this.confirmedNames(), (p) => {
          if (current()) this.tracks = foldMove(this.tracks, p);
        }),
      (results) => {
        this.results = results;
      },
      // Refused before anything ran (confirmation declined, stale plan): back to where it can be fixed.
      () => (Object.keys(this.tracks).length === 0 ? "confirm" : "result"),
    );
  }

  /**
   * Goes on with every unfinished move (History, the resume banner: `due` names them for the
   * progress view until their reports come; a result's Retry: `keep` stays in the wizard on screen).
   */
  async resume(due: MoveSummary[] = [], keep = false) {
    if (this.running) return;
    if (!keep) this.reset();
    for (const s of due) this.listMove(s.migrationId, s.name);
    this.problems = [];
    await this.follow(
      (current) =>
        resumeMigrations((p) => {
          if (!current()) return;
          this.listMove(p.migrationId, p.cluster);
          this.tracks = foldMove(this.tracks, p);
        }),
      (resumed) => {
        this.results = this.merged(resumed.results, (r) => r.migrationId);
        for (const r of resumed.results) this.listMove(r.migrationId, r.name);
        this.problems = resumed.problems;
      },
    );
  }

  /** Lists a move the progress view did not know of yet (a resume reports every journal's). */
  private listMove(migrationId: string, name: string) {
    if (!this.moves.some((m) => m.migrationId === migrationId)) {
      this.moves = [...this.moves, { migrationId, name }];
    }
  }
}

/** The one move wizard of the window. */
export const migration = new MigrationWizard();
