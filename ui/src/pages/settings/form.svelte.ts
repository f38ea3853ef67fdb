// The Settings form as typed, and its way to and from the saved settings. Numbers stay text until
// saved, so a half-typed value is not lost; Rust validates and names a refused field.
import type { SettingsDraft } from "../../lib/api";
import type { CloudSetting } from "../../lib/bindings/CloudSetting";
import type { KeyVaultChoice } from "../../lib/bindings/KeyVaultChoice";
import type { RetirePolicy } from "../../lib/bindings/RetirePolicy";
import type { Settings } from "../../lib/bindings/Settings";
import type { SettingsSaved } from "../../lib/bindings/SettingsSaved";
import type { Theme } from "../../lib/bindings/Theme";

export type CloudKind = "public" | "china" | "usGov" | "custom";

export type Form = {
  clientId: string;
  cloud: CloudKind;
  metadataUrl: string;
  caFile: string;
  refreshIntervalHours: string;
  closeToTray: boolean;
  notifyDays: string;
  notifyExpired: boolean;
  dailyDigest: boolean;
  startAtLogin: boolean;
  criticalDays: string;
  warningDays: string;
  noticeDays: string;
  rotationLifetimeDays: string;
  retirePolicy: RetirePolicy;
  retireGraceHours: string;
  rotationConcurrency: string;
  replicationTimeoutMinutes: string;
  retireHoldHours: string;
  keyVaults: Record<string, KeyVaultChoice>;
  theme: Theme;
  checkForUpdates: boolean;
};

/** A refused field's message, by field name (as Rust names it). */
export type Problems = Record<string, string>;

/** The refused fields of a save, by field name. */
export function problemsOf(outcome: SettingsSaved): Problems {
  return Object.fromEntries(outcome.problems.map((p) => [p.field, p.message]));
}

export function toForm(s: Settings): Form {
  const cloud = s.cloud ?? { kind: "public" };
  return {
    clientId: s.clientId ?? "",
    cloud: cloud.kind,
    metadataUrl: cloud.kind === "custom" ? cloud.metadataUrl : "",
    caFile: cloud.kind === "custom" ? (cloud.caFile ?? "") : "",
    refreshIntervalHours: String(s.refreshIntervalHours),
    closeToTray: s.closeToTray,
    notifyDays: s.notifyDays.join(", "),
    notifyExpired: s.notifyExpired,
    dailyDigest: s.dailyDigest,
    startAtLogin: s.startAtLogin,
    criticalDays: String(s.expiryBuckets.criticalDays),
    warningDays: String(s.expiryBuckets.warningDays),
    noticeDays: String(s.expiryBuckets.noticeDays),
    rotationLifetimeDays: String(s.rotationLifetimeDays),
    retirePolicy: s.retirePolicy,
    retireGraceHours: String(s.retireGraceHours),
    rotationConcurrency: String(s.rotationConcurrency),
    replicationTimeoutMinutes: String(s.replicationTimeoutMinutes),
    retireHoldHours: String(s.retireHoldHours),
    keyVaults: { ...s.keyVaults },
    theme: s.theme,
    checkForUpdates: s.checkForUpdates,
  };
}

// Text that is not a whole number goes to Rust as null, which says so for that field.
function whole(text: string): number | null {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

export function fromForm(f: Form): SettingsDraft {
  const cloud: CloudSetting =
    f.cloud === "custom"
      ? { kind: "custom", metadataUrl: f.metadataUrl.trim(), caFile: f.caFile.trim() === "" ? null : f.caFile.trim() }
      : { kind: f.cloud };
  return {
    clientId: f.clientId.trim() === "" ? null : f.clientId.trim(),
    cloud: f.cloud === "public" ? null : cloud,
    refreshIntervalHours: whole(f.refreshIntervalHours),
    closeToTray: f.closeToTray,
    notifyDays: f.notifyDays
      .split(/[\s,;]+/)
      .filter((d) => d !== "")
      .map(whole),
    notifyExpired: f.notifyExpired,
    dailyDigest: f.dailyDigest,
    startAtLogin: f.startAtLogin,
    expiryBuckets: {
      criticalDays: whole(f.criticalDays),
      warningDays: whole(f.warningDays),
      noticeDays: whole(f.noticeDays),
    },
    rotationLifetimeDays: whole(f.rotationLifetimeDays),
    retirePolicy: f.retirePolicy,
    retireGraceHours: whole(f.retireGraceHours),
    rotationConcurrency: whole(f.rotationConcurrency),
    replicationTimeoutMinutes: whole(f.replicationTimeoutMinutes),
    retireHoldHours: whole(f.retireHoldHours),
    keyVaults: $state.snapshot(f.keyVaults),
    theme: f.theme,
    checkForUpdates: f.checkForUpdates,
  };
}
