// The rotation in the wizard, held outside any page: it keeps receiving progress while the admin
// looks at History or the clusters, and the wizard shows it again when reopened. The rotation
// itself runs in Rust (it goes on if the window closes); this is only what the window shows.
// What it shares with the move wizard (stages, kept plan, typed names, guarded calls): `Wizard`.
import { planRotation, resumeRotations, rollBackRotation, startRotation } from "./api";
import type { GroupResult } from "./bindings/GroupResult";
import type { Mode } from "./bindings/Mode";
import type { RotationSummary } from "./bindings/RotationSummary";
import type { StoredPlan } from "./bindings/StoredPlan";
import { KeyVaultOption } from "./keyVaultOption.svelte";
import { RetireChoice } from "./retireChoice.svelte";
import { foldProgress, groupBlocked, type Tracks } from "./rotationView";
import { Wizard, type StageInfo } from "./wizard.svelte";

export type Stage = "options" | "preflight" | "plan" | "confirm" | "progress" | "result";

export const STAGES: StageInfo<Stage>[] = [
  { id: "options", label: "Options" },
  { id: "preflight", label: "Pre-flight" },
  { id: "plan", label: "Plan" },
  { id: "confirm", label: "Confirm" },
  { id: "progress", label: "Progress" },
  { id: "result", label: "Result" },
];

/** What the progress view lists: one entry per rotation (a principal and its clusters). */
export type RunGroup = { rotationId: string; title: string; clusters: { id: string; name: string }[] };

class RotationWizard extends Wizard<Stage, StoredPlan, GroupResult> {
  mode = $state<Mode>("secret");
  /** Empty until the settings arrive; left empty, Rust plans with the settings' value. */
  lifetimeDays = $state("");
  /** When the replaced secret goes. */
  retire = new RetireChoice();
  /** Also write the new secret to an Azure Key Vault secret (optional). */
  keyVault = new KeyVaultOption();
  /** New service principal: role assignment ID → copy it. */
  roles = $state<Record<string, boolean>>({});
  groups = $state.raw<RunGroup[]>([]);
  tracks = $state.raw<Tracks>({});

  constructor() {
    super("options");
  }

  protected opened() {
    // Only legacy AAD clusters chosen: their rotation is the server app's secret.
    const rows = this.rows;
    if (rows.length > 0 && rows.every((r) => r.identityKind !== "servicePrincipal" && r.aadIntegration === "legacy")) {
      this.mode = "aad";
    }
    void this.loadDefaults();
  }

  override reset() {
    super.reset();
    this.mode = "secret";
    this.lifetimeDays = "";
    this.retire.reset();
    this.keyVault.reset();
    this.roles = {};
    this.groups = [];
    this.tracks = {};
  }

  /** The settings' lifetime and retire policy as the wizard's starting values. */
  loadDefaults(): Promise<void> {
    return this.withSettings((s) => {
      this.lifetimeDays = String(s.rotationLifetimeDays);
      this.retire.fromSettings(s);
    });
  }

  /** Pre-flight and plan; nothing changes in Azure. */
  plan(): Promise<void> {
    const typed = this.lifetimeDays.trim();
    const lifetime = Number(typed);
    return this.plannedBy(
      () =>
        planRotation(
          this.rows.map((r) => r.id),
          this.mode,
          typed === "" ? null : Number.isInteger(lifetime) ? lifetime : -1,
          this.retire.value(),
          this.keyVault.value(),
        ),
      (stored) => {
        this.roles = Object.fromEntries(
          stored.plan.groups.flatMap((g) => g.roleAssignments.map((r) => [r.id, true] as const)),
        );
      },
    );
  }

  /** Runs the plan Rust kept. */
  async start() {
    const stored = this.stored;
    if (!stored || this.running) return;
    const roleIds = Object.keys(this.roles);
    const rolesToCopy = roleIds.length === 0 ? null : roleIds.filter((id) => this.roles[id]);
    this.groups = stored.plan.groups
      .filter((g) => !groupBlocked(g))
      .map((g) => ({
        rotationId: g.rotationId,
        title: g.appDisplayName ?? g.appId,
        clusters: g.clusters.map((c) => ({ id: c.id, name: c.name })),
      }));
    this.tracks = {};
    this.results = [];
    await this.follow(
      (current) =>
        startRotation(stored.planId, this.confirmedNames(), rolesToCopy, (p) => {
          if (current()) this.tracks = foldProgress(this.tracks, p);
        }),
      (results) => {
        this.results = results;
        const ran = new Set(results.map((r) => r.rotationId));
        void this.keyVault.rememberFor(stored.plan.groups.filter((g) => ran.has(g.rotationId)));
      },
      // Refused before anything ran (confirmation, stale plan): back to where it can be fixed.
      () => (this.results.length === 0 && Object.keys(this.tracks).length === 0 ? "confirm" : "result"),
    );
  }

  /**
   * Goes on with unfinished rotations (`summaries` name them), or with one rotation (`only`): the
   * progress view follows it, then the result. `keep` stays in the wizard on screen (a Retry on its
   * result); otherwise a new one starts.
   */
  async resume(summaries: RotationSummary[], only: string | null = null, keep = false) {
    if (this.running) return;
    if (!keep) this.reset();
    const listed = summaries.filter((s) => only === null || s.rotationId === only);
    const fresh: RunGroup[] = listed.map((s) => ({
      rotationId: s.rotationId,
      title: s.appDisplayName ?? s.appId,
      clusters: s.clusters.map((id, i) => ({ id, name: s.clusterNames[i] ?? id })),
    }));
    this.groups = this.groups.some((g) => g.rotationId === only) ? this.groups : [...this.groups, ...fresh];
    this.problems = [];
    await this.follow(
      (current) =>
        resumeRotations((p) => {
          if (current()) this.tracks = foldProgress(this.tracks, p);
        }, only),
      (resumed) => {
        this.results = this.merged(resumed.results, (r) => r.rotationId);
        this.problems = resumed.problems;
      },
    );
  }

  /** A failed rotation's Retry: the same rotation goes on from where its journal stopped. */
  retry(rotationId: string): Promise<void> {
    return this.resume([], rotationId, true);
  }

  /** Removes a failed rotation's unused new secret; the result is replaced by the roll-back's. */
  async rollBack(rotationId: string) {
    if (this.running) return;
    await this.busyWith(
      () => rollBackRotation(rotationId),
      (result) => {
        this.results = this.results.map((r) => (r.rotationId === rotationId ? result : r));
      },
    );
  }
}

/** The one wizard of the window. */
export const rotation = new RotationWizard();
