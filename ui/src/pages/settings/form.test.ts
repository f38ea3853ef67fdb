import { describe, expect, it } from "vitest";
import type { Settings } from "../../lib/bindings/Settings";
import { fromForm, toForm } from "./form.svelte";

const saved: Settings = {
  clientId: null,
  cloud: null,
  refreshIntervalHours: 6,
  closeToTray: true,
  notifyDays: [60, 30, 7, 1],
  notifyExpired: true,
  dailyDigest: false,
  startAtLogin: false,
  expiryBuckets: { criticalDays: 7, warningDays: 30, noticeDays: 90 },
  rotationLifetimeDays: 180,
  retirePolicy: "afterGrace",
  retireGraceHours: 24,
  rotationConcurrency: 8,
  replicationTimeoutMinutes: 10,
  retireHoldHours: 24,
  keyVaults: {},
  theme: "dark",
  checkForUpdates: true,
};

describe("the Settings form", () => {
  it("gives back the settings it was made from", () => {
    expect(fromForm(toForm(saved))).toEqual(saved);
  });

  it("sends text that is not a whole number as null, for Rust to name the field", () => {
    const form = { ...toForm(saved), refreshIntervalHours: "6.5", notifyDays: "30; 7,,x", criticalDays: " 3 " };
    const draft = fromForm(form);
    expect(draft.refreshIntervalHours).toBeNull();
    expect(draft.notifyDays).toEqual([30, 7, null]);
    expect(draft.expiryBuckets.criticalDays).toBe(3);
  });

  it("keeps a custom cloud's metadata URL and CA file, and an empty client ID as none", () => {
    const form = { ...toForm(saved), cloud: "custom" as const, metadataUrl: " https://arm.example/ ", caFile: "", clientId: "  " };
    const draft = fromForm(form);
    expect(draft.cloud).toEqual({ kind: "custom", metadataUrl: "https://arm.example/", caFile: null });
    expect(draft.clientId).toBeNull();
    expect(toForm({ ...saved, cloud: { kind: "custom", metadataUrl: "https://arm.example/", caFile: "/ca.pem" } })).toMatchObject({
      cloud: "custom",
      metadataUrl: "https://arm.example/",
      caFile: "/ca.pem",
    });
  });
});
