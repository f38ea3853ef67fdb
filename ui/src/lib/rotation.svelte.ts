// The rotation in the wizard, held outside any page: it keeps receiving progress while the admin
// looks at History or the clusters, and the wizard shows it again when reopened. The rotation
// itself runs in Rust (it goes on if the window closes); this is only what the window shows.
import { getSettings, planRotation, resumeRotations, rollBackRotation, startRotation, toIpcError } from "./api";
import type { ClusterRow } from "./bindings/ClusterRow";
import type { GroupResult } from "./bindings/GroupResult";
import type { IpcError } from "./bindings/IpcError";
import type { Mode } from "./bindings/Mode";
import type { Retire } from "./bindings/Retire";
import type { RotationSummary } from "./bindings/RotationSummary";
import type { StoredPlan } from "./bindings/StoredPlan";
import { foldProgress, groupBlocked, type Tracks } from "./rotationView";

export type Stage = "options" | "preflight" | "plan" | "confirm" | "progress" | "result";

export const STAGES: { id: Stage; label: string }[] = [
  { id: "options", label: "Options" },
  { id: "preflight", label: "Pre-flight" },
  { id: "plan", label: "Plan" },
  { id: "confirm", label: "Confirm" },
  { id: "progress", label: "Progress" },
  { id: "result", label: "Result" },
];

export type RetireKind = Retire["kind"];

/** What the progress view lists: one entry per rotation (a principal and its clusters). */
export type RunGroup = { rotationId: string; title: string; clusters: { id: string; name: string }[] };

class RotationWizard {
  /** The clusters chosen on the dashboard. */
  rows = $state.raw<ClusterRow[]>([]);
  stage = $state<Stage>("options");
  mode = $state<Mode>("secret");
  /** Empty until the settings arrive; left empty, Rust plans with the settings' value. */
  lifetimeDays = $state("");
  retireKind = $state<RetireKind>("after");
  graceHours = $state("");
  busy = $state(false);
  error = $state<IpcError | null>(null);
  stored = $state.raw<StoredPlan | null>(null);
  /** New service principal: role assignment ID → copy it. */
  roles = $state<Record<string, boolean>>({});
  /** Production cluster name → what the admin typed. */
  typed = $state<Record<string, string>>({});
  groups = $state.raw<RunGroup[]>([]);
  tracks = $state.raw<Tracks>({});
  results = $state.raw<GroupResult[]>([]);
  /** What a resume could not go on with. */
  problems = $state.raw<string[]>([]);
  /** A rotation (start, resume, retry) is running in Rust and reporting here. */
  running = $state(false);
  /** Increases with every new wizard, so a page can tell a fresh one from the one it showed. */
  generation = $state(0);

  /** Opens a new wizard for `rows`, unless a rotation is still running (it stays on screen). */
  open(rows: ClusterRow[]): boolean {
    if (this.running) return false;
    this.reset();
    this.rows = rows;
    // Only legacy AAD clusters chosen: their rotation is the server app's secret.
    if (rows.length > 0 && rows.every((r) => r.identityKind !== "servicePrincipal" && r.aadIntegration === "legacy")) {
      this.mode = "aad";
    }
    void this.loadDefaults();
    return true;
  }

  reset() {
    this.rows = [];
    this.stage = "options";
    this.mode = "secret";
    this.lifetimeDays = "";
    this.retireKind = "after";
    this.graceHours = "";
    this.busy = false;
    this.error = null;
    this.stored = null;
    this.roles = {};
    this.typed = {};
    this.groups = [];
    this.tracks = {};
    this.results = [];
    this.problems = [];
    this.running = false;
    this.generation += 1;
  }

  /** The settings' lifetime and retire policy as the wizard's starting values. */
  async loadDefaults() {
    const generation = this.generation;
    try {
      const s = await getSettings();
      if (generation !== this.generation || this.stage !== "options") return;
      this.lifetimeDays = String(s.rotationLifetimeDays);
      this.graceHours = String(s.retireGraceHours);
      this.retireKind = s.retirePolicy === "afterGrace" ? "after" : s.retirePolicy;
    } catch {
      // Rust applies the settings anyway; the fields keep Rekey's defaults.
    }
  }

  /** The retire policy chosen; null (the settings' policy, in Rust) while the grace period is empty. */
  retire(): Retire | null {
    if (this.retireKind === "after") {
      const hours = this.graceHours.trim();
      return hours === "" ? null : { kind: "after", hours: Number(hours) };
    }
    return { kind: this.retireKind };
  }

  /** Pre-flight and plan; nothing changes in Azure. */
  async plan() {
    const generation = this.generation;
    this.busy = true;
    this.error = null;
    try {
      const typed = this.lifetimeDays.trim();
      const lifetime = Number(typed);
      const stored = await planRotation(
        this.rows.map((r) => r.id),
        this.mode,
        typed === "" ? null : Number.isInteger(lifetime) ? lifetime : -1,
        this.retire(),
      );
      if (generation !== this.generation) return;
      this.stored = stored;
      this.roles = Object.fromEntries(
        stored.plan.groups.flatMap((g) => g.roleAssignments.map((r) => [r.id, true] as const)),
      );
      this.typed = Object.fromEntries(stored.toConfirm.map((n) => [n, ""] as const));
      this.stage = "preflight";
    } catch (err) {
      if (generation === this.generation) this.error = toIpcError(err);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }

  /** Whether every production cluster's name has been typed exactly. */
  confirmed(): boolean {
    return Object.entries(this.typed).every(([name, typed]) => typed.trim() === name);
  }

  /** Runs the plan Rust kept. */
  async start() {
    const stored = this.stored;
    if (!stored || this.running) return;
    const generation = this.generation;
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
    this.error = null;
    this.running = true;
    this.stage = "progress";
    try {
      const results = await startRotation(
        stored.planId,
        Object.keys(this.typed).filter((n) => this.typed[n]?.trim() === n),
        rolesToCopy,
        (p) => {
          if (generation === this.generation) this.tracks = foldProgress(this.tracks, p);
        },
      );
      if (generation !== this.generation) return;
      this.results = results;
      this.stage = "result";
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = toIpcError(err);
      // Refused before anything ran (confirmation, stale plan): back to where it can be fixed.
      this.stage = this.results.length === 0 && Object.keys(this.tracks).length === 0 ? "confirm" : "result";
    } finally {
      if (generation === this.generation) this.running = false;
    }
  }

  /**
   * Goes on with unfinished rotations (`summaries` name them), or with one rotation (`only`): the
   * progress view follows it, then the result. `keep` stays in the wizard on screen (a Retry on its
   * result); otherwise a new one starts.
   */
  async resume(summaries: RotationSummary[], only: string | null = null, keep = false) {
    if (this.running) return;
    if (!keep) this.reset();
    const generation = this.generation;
    const listed = summaries.filter((s) => only === null || s.rotationId === only);
    const fresh: RunGroup[] = listed.map((s) => ({
      rotationId: s.rotationId,
      title: s.appDisplayName ?? s.appId,
      clusters: s.clusters.map((id, i) => ({ id, name: s.clusterNames[i] ?? id })),
    }));
    this.groups = this.groups.some((g) => g.rotationId === only) ? this.groups : [...this.groups, ...fresh];
    this.error = null;
    this.problems = [];
    this.running = true;
    this.stage = "progress";
    try {
      const resumed = await resumeRotations((p) => {
        if (generation === this.generation) this.tracks = foldProgress(this.tracks, p);
      }, only);
      if (generation !== this.generation) return;
      const replaced = new Set(resumed.results.map((r) => r.rotationId));
      this.results = [...this.results.filter((r) => !replaced.has(r.rotationId)), ...resumed.results];
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

  /** A failed rotation's Retry: the same rotation goes on from where its journal stopped. */
  retry(rotationId: string): Promise<void> {
    return this.resume([], rotationId, true);
  }

  /** Removes a failed rotation's unused new secret; the result is replaced by the roll-back's. */
  async rollBack(rotationId: string) {
    if (this.running) return;
    const generation = this.generation;
    this.busy = true;
    this.error = null;
    try {
      const result = await rollBackRotation(rotationId);
      if (generation !== this.generation) return;
      this.results = this.results.map((r) => (r.rotationId === rotationId ? result : r));
    } catch (err) {
      if (generation === this.generation) this.error = toIpcError(err);
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }
}

/** The one wizard of the window. */
export const rotation = new RotationWizard();
