import { describe, expect, it } from "vitest";
import type { Settings } from "../../lib/bindings/Settings";
import { settings } from "../../test/fixtures";
import { fromForm, toForm } from "./form.svelte";

// The wizards' settings, with a choice or two away from the defaults.
const saved: Settings = { ...settings, theme: "dark", retirePolicy: "afterGrace", retireGraceHours: 24 };

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
